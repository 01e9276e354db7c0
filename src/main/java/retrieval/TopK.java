package retrieval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/** Merges the per-shard answers of a scattered search into one top-k. */
public final class TopK {

  private TopK() {}

  /**
   * The best {@code k} hits over all lists, best first, each item once with its best score.
   *
   * @param perShard lists each sorted best first (as {@link VectorIndex#search} returns them)
   * @throws IllegalArgumentException if a list is not sorted best first, or {@code k < 1}
   */
  public static List<Hit> merge(List<List<Hit>> perShard, int k) {
    if (k < 1) throw new IllegalArgumentException("k must be positive: " + k);
    // Heads of the lists in a heap: a k-way merge reads at most k + shards entries of long lists.
    record Cursor(List<Hit> hits, int at) {
      Hit head() {
        return hits.get(at);
      }
    }
    PriorityQueue<Cursor> heads = new PriorityQueue<>((a, b) -> Hit.BEST_FIRST.compare(a.head(), b.head()));
    for (List<Hit> hits : perShard) {
      for (int i = 1; i < hits.size(); i++) {
        if (Hit.BEST_FIRST.compare(hits.get(i - 1), hits.get(i)) > 0) {
          throw new IllegalArgumentException("shard result not sorted best first at " + i + ": " + hits);
        }
      }
      if (!hits.isEmpty()) heads.add(new Cursor(hits, 0));
    }
    List<Hit> merged = new ArrayList<>(k);
    Set<String> seen = new HashSet<>();
    while (merged.size() < k && !heads.isEmpty()) {
      Cursor best = heads.poll();
      // Hits leave the heap best first, so the first time an item shows up is its best score.
      if (seen.add(best.head().itemId())) merged.add(best.head());
      if (best.at() + 1 < best.hits().size()) heads.add(new Cursor(best.hits(), best.at() + 1));
    }
    return merged;
  }
}
