package learner;

import embedding.ItemHasher;
import embedding.RowInit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import model.NegativePool;
import storage.ItemRecord;
import storage.ItemStore;

/**
 * Extra negatives of a batch ({@code extra-negatives} per softmax group, off by default): drawn uniformly from the
 * partition's {@link NegativePool} of recently learned items, never the batch's own, seeded by the batch's
 * operation id, so a replay of the batch draws the same.
 */
final class ExtraNegatives {

  /** Seeds each batch's draw of extra negatives from its operation id. */
  private static final ItemHasher NEGATIVE_SEEDS = new ItemHasher(0x6e656773);

  /** Distinct items drawn, and the same number ({@code count}) for every group (item ids per group). */
  record Drawn(List<ItemRecord> items, List<List<String>> perGroup, int count) {
    static final Drawn NONE = new Drawn(List.of(), List.of(), 0);
  }

  private final ItemStore store;
  private final int perGroup;

  ExtraNegatives(ItemStore store, int perGroup) {
    this.store = store;
    this.perGroup = perGroup;
  }

  /** @param pool the partition's pool, null while extra negatives are off */
  CompletionStage<Drawn> draw(String opId, int groups, Set<String> batchItems, NegativePool pool) {
    if (pool == null || pool.size() == 0) return CompletableFuture.completedFuture(Drawn.NONE);
    long seed = NEGATIVE_SEEDS.hash64(opId);
    List<List<String>> drawn = new ArrayList<>(groups);
    Set<String> distinct = new LinkedHashSet<>();
    for (int g = 0; g < groups; g++) {
      drawn.add(pool.sample(perGroup, batchItems, RowInit.mix(seed, g)));
      distinct.addAll(drawn.get(g));
    }
    return store.findRecent(distinct).thenApply(known -> {
      // An item deleted since it entered the pool is dropped; every group keeps as many as the shortest has.
      int count = Integer.MAX_VALUE;
      for (List<String> g : drawn) {
        g.removeIf(id -> !known.containsKey(id));
        count = Math.min(count, g.size());
      }
      if (count == 0) return Drawn.NONE;
      List<List<String>> perGroup = new ArrayList<>(groups);
      Set<String> used = new LinkedHashSet<>();
      for (List<String> g : drawn) {
        perGroup.add(g.subList(0, count));
        used.addAll(g.subList(0, count));
      }
      List<ItemRecord> items = new ArrayList<>(used.size());
      for (String id : used) items.add(known.get(id));
      return new Drawn(items, perGroup, count);
    });
  }
}
