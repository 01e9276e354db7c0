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
  private final ModelVersions versions;
  /** The model version read and learned, or {@link #SERVED}: whatever version the node serves at each call. */
  private final long pinned;

  private static final long SERVED = -1;

  public BucketRanges(ActorSystem<?> system, StoreLayout layout, Duration askTimeout) {
    this(system, layout, askTimeout, SERVED);
  }

  private BucketRanges(ActorSystem<?> system, StoreLayout layout, Duration askTimeout, long pinned) {
    this.system = system;
    this.layout = layout;
    this.askTimeout = askTimeout;
    this.local = LocalRanges.get(system);
    this.versions = ModelVersions.get(system);
    this.pinned = pinned;
  }

  /**
   * The same client bound to model version {@code version} (a shadow being trained, or the version an online
   * learner learns into), whatever the node serves meanwhile.
   */
  public BucketRanges atVersion(long version) {
    if (version < 0) throw new IllegalArgumentException("version must be >= 0, got " + version);
    return new BucketRanges(system, layout, askTimeout, version);
  }

  /** The version this client reads now: its pinned one, else the node's served one. */
  public long version() {
    return pinned == SERVED ? versions.served() : pinned;
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
    return entity(StoreLayout.entityId(tier, range, version()));
  }

  /** The id of the range entity that holds {@code key}, in this client's version. */
  public String entityOf(Key key) {
    return StoreLayout.entityId(key.tier(), key.row() / layout.rowsPerRange(), version());
  }

  /** Where {@code key} is within its range: the row index the range's messages take. */
  public int rowInRange(Key key) {
    return key.row() % layout.rowsPerRange();
  }

  /** Current values of the rows, decoded; fails if a range answers with an error. */
  public CompletionStage<Map<Key, float[]>> read(Collection<Key> keys) {
    long version = version();
    Map<String, List<Key>> byRange = new LinkedHashMap<>();
    for (Key k : keys) {
      String entityId = StoreLayout.entityId(k.tier(), k.row() / layout.rowsPerRange(), version);
      byRange.computeIfAbsent(entityId, e -> new ArrayList<>()).add(k);
    }
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

  /**
   * Counts one occupant per row ({@code rows} within the range), one operation id each, in every version that keeps
   * occupancy ({@link ModelVersions#occupancyTargets}); the answer is the served version's.
   */
  public CompletionStage<BucketRange.Ack> addOccupants(String entityId, List<String> opIds, int[] rows) {
    return everyVersion(entityId, id -> entity(id).ask(r -> new BucketRange.AddOccupants(opIds, rows, r), askTimeout));
  }

  /**
   * Counts an occupant of {@code row} (within the range), resetting the row first if {@code resetRow}; a bucket with
   * no other occupant takes {@code rowIfAlone} as its row (null: keeps its row).
   */
  public CompletionStage<BucketRange.Ack> addOccupant(String entityId, String opId, int row, boolean resetRow,
      float[] rowIfAlone) {
    return everyVersion(entityId,
        id -> entity(id).ask(r -> new BucketRange.AddOccupant(opId, row, resetRow, rowIfAlone, r), askTimeout));
  }

  /** Uncounts an occupant of {@code row} (within the range). */
  public CompletionStage<BucketRange.Ack> removeOccupant(String entityId, String opId, int row) {
    return everyVersion(entityId, id -> entity(id).ask(r -> new BucketRange.RemoveOccupant(opId, row, r), askTimeout));
  }

  /**
   * Sets rows to {@code values} ({@code rows} within the range), resetting their optimizer state if asked: placement
   * writes (a hot slot taking an item's row), so every version that keeps occupancy gets them.
   */
  public CompletionStage<BucketRange.Ack> writeRows(String entityId, String opId, int[] rows, float[] values,
      boolean resetOptimizer) {
    return everyVersion(entityId,
        id -> entity(id).ask(r -> new BucketRange.WriteRows(opId, rows, values, resetOptimizer, r), askTimeout));
  }

  /** The summary of a range; an id without a version names the range in this client's version. */
  public CompletionStage<BucketRange.Summary> summary(String entityId) {
    String id = StoreLayout.versionOfEntity(entityId) != 0 ? entityId
        : StoreLayout.entityId(StoreLayout.tierOfEntity(entityId), StoreLayout.rangeOfEntity(entityId), version());
    return entity(id).ask(BucketRange.GetSummary::new, askTimeout);
  }

  /**
   * Makes range {@code entityId} (a versioned id) a copy of {@code parentEntityId}: rows, optimizer state, occupancy
   * and the dedupe window. A range seeded already answers DUPLICATE.
   */
  public CompletionStage<BucketRange.Ack> seed(String entityId, String parentEntityId, boolean copyRows) {
    return entity(entityId).ask(r -> new BucketRange.Seed(parentEntityId, copyRows, r), askTimeout.multipliedBy(4));
  }

  /** Stops the range's entity (a retired version's: its journal is deleted next). */
  public CompletionStage<BucketRange.Ack> retire(String entityId) {
    return entity(entityId).ask(BucketRange.Retire::new, askTimeout);
  }

  /**
   * Stops range {@code entityId} and deletes its journal and snapshots (a retired model version's storage),
   * through the persistence plugin's own cleanup tool.
   */
  public CompletionStage<Void> forget(String entityId) {
    var config = system.settings().config().getConfig("akka.persistence.cassandra.cleanup")
        .withValue("dry-run", com.typesafe.config.ConfigValueFactory.fromAnyRef(false));
    var cleanup = new akka.persistence.cassandra.cleanup.Cleanup(system,
        new akka.persistence.cassandra.cleanup.CleanupSettings(config));
    String persistenceId = akka.persistence.typed.PersistenceId.of(BucketRange.TYPE_KEY.name(), entityId).id();
    return retire(entityId)
        .thenCompose(stopped -> scala.jdk.javaapi.FutureConverters.asJava(cleanup.deleteAll(persistenceId, false)))
        .thenApply(done -> null);
  }

  /**
   * One occupancy change sent to the same range of every version that keeps occupancy, the served version first;
   * succeeds when all persisted it (a repeat is dropped by each range's operation ids, so a retry is safe).
   */
  private CompletionStage<BucketRange.Ack> everyVersion(String entityId,
      java.util.function.Function<String, CompletionStage<BucketRange.Ack>> ask) {
    String tier = StoreLayout.tierOfEntity(entityId);
    int range = StoreLayout.rangeOfEntity(entityId);
    List<Long> targets = pinned == SERVED ? versions.occupancyTargets() : List.of(pinned);
    List<CompletableFuture<BucketRange.Ack>> acks = new ArrayList<>(targets.size());
    for (long v : targets) acks.add(ask.apply(StoreLayout.entityId(tier, range, v)).toCompletableFuture());
    return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).thenApply(done -> {
      for (CompletableFuture<BucketRange.Ack> a : acks) if (!a.join().persisted()) return a.join();
      return acks.get(0).join();
    });
  }
}
