package model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The order in which full retraining visits a training window, shared by the node ({@code learner.FullRetraining})
 * and the quality bench's in-memory trainer so that both retrain alike. One seeded {@link Random} draws first a
 * shuffled priming pass (for a fresh {@link FrequencyEstimator}: a fresh estimator knows no frequency, and its
 * first batches' logQ would be wrong), then a new shuffle for every epoch. Each positive's history is its user's
 * other positives of the window, oldest first: the history recall serves at the window's end, where online
 * learning sees each user's past only.
 *
 * <p>Not thread-safe.
 *
 * @param <K> a user's key
 * @param <T> a positive (compared by identity: the same event twice in a window is two positives)
 */
public final class RetrainingOrder<K, T> {

  private final List<T> positives;
  private final Map<K, List<T>> byUser = new HashMap<>();
  private final Random random;

  /**
   * @param window the window's positives (not changed)
   * @param user the user of a positive
   * @param time a positive's event time (epoch ms): the order of a user's history
   */
  public RetrainingOrder(List<T> window, long seed, Function<T, K> user, ToLongFunction<T> time) {
    this.positives = new ArrayList<>(window);
    for (T p : positives) byUser.computeIfAbsent(user.apply(p), u -> new ArrayList<>()).add(p);
    for (List<T> history : byUser.values()) history.sort(Comparator.comparingLong(time)); // stable: ties keep order
    this.random = new Random(seed);
  }

  public int size() {
    return positives.size();
  }

  /** The window's positives in a fresh shuffled order, for priming a frequency estimator (call it first). */
  public List<T> primer() {
    List<T> primer = new ArrayList<>(positives);
    Collections.shuffle(primer, random);
    return primer;
  }

  /** The next epoch: the window's positives shuffled anew (a view, valid until the next call). */
  public List<T> nextEpoch() {
    Collections.shuffle(positives, random);
    return Collections.unmodifiableList(positives);
  }

  /** Each user's positives of the window, oldest first. */
  public Map<K, List<T>> byUser() {
    return Collections.unmodifiableMap(byUser);
  }

  /** {@code all} (a user's positives of the window) without {@code p} itself, in order. */
  public static <T> List<T> others(List<T> all, T p) {
    List<T> out = new ArrayList<>(all.size());
    for (T other : all) if (other != p) out.add(other);
    return out;
  }
}
