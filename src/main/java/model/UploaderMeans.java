package model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Running mean of the item vectors of each uploader: the vector of a new item that has no metadata.
 * Bounded: at most {@code capacity} uploaders, least recently used evicted (an evicted uploader falls back
 * to the default vector until it uploads again). Past {@code window} items the mean becomes an exponential
 * moving average with weight 1/window, so it follows item vectors as they learn instead of freezing on
 * the uploader's first items. Thread-safe (one lock: updates are a d-float loop).
 */
public final class UploaderMeans implements UploaderMeanSource {

  private static final class Entry {
    final float[] mean;
    long count;

    Entry(int dim) {
      mean = new float[dim];
    }
  }

  private final int dim;
  private final int window;
  private final LinkedHashMap<String, Entry> entries;

  public UploaderMeans(int dim, int capacity, int window) {
    if (dim <= 0) throw new IllegalArgumentException("dim must be > 0, got " + dim);
    if (capacity <= 0) throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
    if (window <= 0) throw new IllegalArgumentException("window must be > 0, got " + window);
    this.dim = dim;
    this.window = window;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > capacity;
      }
    };
  }

  /** Folds one item vector into the uploader's mean. */
  @Override
  public synchronized void add(String uploaderId, float[] itemVector) {
    if (uploaderId == null || uploaderId.isBlank()) throw new IllegalArgumentException("uploaderId must not be blank");
    check(itemVector, dim);
    Entry e = entries.computeIfAbsent(uploaderId.strip(), id -> new Entry(dim));
    e.count = fold(e.mean, e.count, itemVector, window);
  }

  /**
   * The step of every uploader mean, in memory or shared: folds {@code itemVector} into {@code mean} (in place), the
   * plain mean for the first {@code window} items and a moving average with weight 1/window after; returns the new
   * count.
   */
  public static long fold(float[] mean, long count, float[] itemVector, int window) {
    long n = count + 1;
    float rate = 1f / Math.min(n, window);
    for (int i = 0; i < mean.length; i++) mean[i] += rate * (itemVector[i] - mean[i]);
    return n;
  }

  /** Refuses a vector of the wrong length or with a non-finite value. */
  public static void check(float[] itemVector, int dim) {
    if (itemVector == null || itemVector.length != dim) {
      throw new IllegalArgumentException("itemVector must have length " + dim);
    }
    for (float x : itemVector) {
      if (!Float.isFinite(x)) throw new IllegalArgumentException("itemVector has a non-finite value");
    }
  }

  /** A copy of the uploader's mean, or null when the uploader has no (remembered) history. */
  @Override
  public synchronized float[] mean(String uploaderId) {
    Entry e = uploaderId == null ? null : entries.get(uploaderId.strip());
    return e == null ? null : e.mean.clone();
  }

  /** How many items were folded into the uploader's mean (0 when unknown or evicted). */
  public synchronized long count(String uploaderId) {
    Entry e = uploaderId == null ? null : entries.get(uploaderId.strip());
    return e == null ? 0 : e.count;
  }

  public synchronized int size() {
    return entries.size();
  }

  @Override
  public int dim() {
    return dim;
  }
}
