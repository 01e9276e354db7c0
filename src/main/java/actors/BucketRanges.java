package actors;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import embedding.Fp16;
import embedding.SharedRows;
import embedding.StoreLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one client of the {@link BucketRange} entities: which entity holds a row of a table (global row → range
 * entity and row within the range), the entity's address, and the asks callers make of it. Reads go directly to
 * the ranges running on this node ({@link LocalRanges}) and with one ask per bucket range to the others, however
 * many rows are asked for. Every ask waits at most the {@code askTimeout} this client was made with.
 */
public final class BucketRanges {

  /** A row of a tier or auxiliary table, by its global row number in that table. */
  public record Key(String tier, int row) {}

  private final ActorSystem<?> system;
  private final StoreLayout layout;
  private final Duration askTimeout;
  private final LocalRanges local;

  public BucketRanges(ActorSystem<?> system, StoreLayout layout, Duration askTimeout) {
    this.system = system;
    this.layout = layout;
    this.askTimeout = askTimeout;
    this.local = LocalRanges.get(system);
  }

  public StoreLayout layout() {
    return layout;
  }

  /** The sharded entity {@code entityId} ({@code "<tier>-<range>"}, see {@link StoreLayout#entityId}). */
  public static EntityRef<BucketRange.Command> entity(ActorSystem<?> system, String entityId) {
    return ClusterSharding.get(system).entityRefFor(BucketRange.TYPE_KEY, entityId);
  }

  public EntityRef<BucketRange.Command> entity(String entityId) {
    return entity(system, entityId);
  }

  /** The entity of range {@code range} of {@code tier}. */
  public EntityRef<BucketRange.Command> entity(String tier, int range) {
    return entity(StoreLayout.entityId(tier, range));
  }

  /** The id of the range entity that holds {@code key}. */
  public String entityOf(Key key) {
    return StoreLayout.entityId(key.tier(), key.row() / layout.rowsPerRange());
  }

  /** Where {@code key} is within its range: the row index the range's messages take. */
  public int rowInRange(Key key) {
    return key.row() % layout.rowsPerRange();
  }

  /** Current values of the rows, decoded; fails if a range answers with an error. */
  public CompletionStage<Map<Key, float[]>> read(Collection<Key> keys) {
    Map<String, List<Key>> byRange = new LinkedHashMap<>();
    for (Key k : keys) byRange.computeIfAbsent(entityOf(k), e -> new ArrayList<>()).add(k);
    Map<Key, float[]> out = new HashMap<>();
    List<CompletableFuture<Void>> reads = new ArrayList<>(byRange.size());
    byRange.forEach((entityId, group) -> {
      int[] rows = new int[group.size()];
      for (int i = 0; i < rows.length; i++) rows[i] = rowInRange(group.get(i));
      SharedRows here = local.find(entityId);
      if (here != null) {
        // Same node: no message, and no wait behind the range's journal writes in flight.
        short[] values = here.read(rows);
        int dim = layout.dim();
        synchronized (out) {
          for (int i = 0; i < rows.length; i++) {
            float[] row = new float[dim];
            Fp16.decode(values, i * dim, row, 0, dim);
            out.put(group.get(i), row);
          }
        }
        return;
      }
      reads.add(entity(entityId)
          .<BucketRange.RowsRead>ask(replyTo -> new BucketRange.ReadRows(rows, replyTo), askTimeout)
          .thenAccept(read -> {
            if (read.error() != null) throw new IllegalStateException(read.error());
            synchronized (out) {
              for (int i = 0; i < rows.length; i++) out.put(group.get(i), read.row(i));
            }
          })
          .toCompletableFuture());
    });
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(done -> out);
  }

  /** Gradients for rows of one range ({@code rows} within the range, rows.length × dim values). */
  public CompletionStage<BucketRange.Ack> applyDeltas(String entityId, String opId, int[] rows, float[] gradients) {
    return entity(entityId).ask(r -> new BucketRange.ApplyDeltas(opId, rows, gradients, r), askTimeout);
  }

  /** Counts one occupant per row ({@code rows} within the range), one operation id each. */
  public CompletionStage<BucketRange.Ack> addOccupants(String entityId, List<String> opIds, int[] rows) {
    return entity(entityId).ask(r -> new BucketRange.AddOccupants(opIds, rows, r), askTimeout);
  }

  /** Counts an occupant of {@code row} (within the range), resetting the row first if {@code resetRow}. */
  public CompletionStage<BucketRange.Ack> addOccupant(String entityId, String opId, int row, boolean resetRow) {
    return entity(entityId).ask(r -> new BucketRange.AddOccupant(opId, row, resetRow, r), askTimeout);
  }

  /** Uncounts an occupant of {@code row} (within the range). */
  public CompletionStage<BucketRange.Ack> removeOccupant(String entityId, String opId, int row) {
    return entity(entityId).ask(r -> new BucketRange.RemoveOccupant(opId, row, r), askTimeout);
  }

  /** Sets rows to {@code values} ({@code rows} within the range), resetting their optimizer state if asked. */
  public CompletionStage<BucketRange.Ack> writeRows(String entityId, String opId, int[] rows, float[] values,
      boolean resetOptimizer) {
    return entity(entityId).ask(r -> new BucketRange.WriteRows(opId, rows, values, resetOptimizer, r), askTimeout);
  }

  public CompletionStage<BucketRange.Summary> summary(String entityId) {
    return entity(entityId).ask(BucketRange.GetSummary::new, askTimeout);
  }
}
