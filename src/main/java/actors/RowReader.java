package actors;

import actors.BucketRange;
import actors.LocalRanges;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
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
 * Reads rows of any table of the store: directly from the ranges running on this node ({@link LocalRanges}), with
 * one ask per bucket range for the others, however many rows are asked for.
 */
public final class RowReader {

  /** A row of a tier or auxiliary table, by its global row number in that table. */
  public record Key(String tier, int row) {}

  private final ActorSystem<?> system;
  private final StoreLayout layout;
  private final Duration askTimeout;
  private final LocalRanges local;

  public RowReader(ActorSystem<?> system, StoreLayout layout, Duration askTimeout) {
    this.system = system;
    this.layout = layout;
    this.askTimeout = askTimeout;
    this.local = LocalRanges.get(system);
  }

  public CompletionStage<Map<Key, float[]>> read(Collection<Key> keys) {
    int rowsPerRange = layout.rowsPerRange();
    Map<String, List<Key>> byRange = new LinkedHashMap<>();
    for (Key k : keys) {
      byRange.computeIfAbsent(StoreLayout.entityId(k.tier(), k.row() / rowsPerRange), e -> new ArrayList<>()).add(k);
    }
    Map<Key, float[]> out = new HashMap<>();
    List<CompletableFuture<Void>> reads = new ArrayList<>(byRange.size());
    byRange.forEach((entityId, group) -> {
      int[] rows = new int[group.size()];
      for (int i = 0; i < rows.length; i++) rows[i] = group.get(i).row() % rowsPerRange;
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
      reads.add(ClusterSharding.get(system).entityRefFor(BucketRange.TYPE_KEY, entityId)
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
}
