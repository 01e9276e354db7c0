package bench.movielens;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.IntToDoubleFunction;

/** Top-k selection and the two ranking measures of the protocol. */
public final class Ranking {

  private Ranking() {}

  /**
   * The {@code k} best candidates by score, best first. Equal scores are ordered by a fixed hash of the id: the
   * same on every run, and unbiased (MovieLens ids grow with the year a movie was added, and older movies are
   * liked more, so "smaller id first" would favour a baseline with many ties, such as the genre profile).
   */
  public static List<Integer> top(Collection<Integer> candidates, IntToDoubleFunction score, IntPredicate excluded,
      int k) {
    record Scored(int id, double score) {}
    // A min-heap of the best k so far: the worst of them on top.
    PriorityQueue<Scored> best = new PriorityQueue<>(k + 1, (a, b) -> a.score != b.score
        ? Double.compare(a.score, b.score) : Long.compare(tieOrder(b.id), tieOrder(a.id)));
    for (int id : candidates) {
      if (excluded.test(id)) continue;
      best.add(new Scored(id, score.applyAsDouble(id)));
      if (best.size() > k) best.poll();
    }
    List<Integer> out = new ArrayList<>(best.size());
    while (!best.isEmpty()) out.add(best.poll().id);
    Collections.reverse(out);
    return out;
  }

  private static long tieOrder(int id) {
    long z = (id + 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L; // a SplitMix64 step: a fixed shuffle of the ids
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** 1 when one of the first k ranked items is a positive, else 0. */
  public static double hit(List<Integer> ranked, Set<Integer> positives, int k) {
    for (int i = 0; i < Math.min(k, ranked.size()); i++) if (positives.contains(ranked.get(i))) return 1;
    return 0;
  }

  /** |first k ∩ positives| / |positives|. */
  public static double recall(List<Integer> ranked, Set<Integer> positives, int k) {
    if (positives.isEmpty()) throw new IllegalArgumentException("recall needs at least one positive");
    int found = 0;
    for (int i = 0; i < Math.min(k, ranked.size()); i++) if (positives.contains(ranked.get(i))) found++;
    return found / (double) positives.size();
  }
}
