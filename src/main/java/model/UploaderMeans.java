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
public final class UploaderMeans {

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
  public synchronized void add(String uploaderId, float[] itemVector) {
    if (uploaderId == null || uploaderId.isBlank()) throw new IllegalArgumentException("uploaderId must not be blank");
    if (itemVector == null || itemVector.length != dim) {
      throw new IllegalArgumentException("itemVector must have length " + dim);
    }
    for (float x : itemVector) {
      if (!Float.isFinite(x)) throw new IllegalArgumentException("itemVector has a non-finite value");
    }
    Entry e = entries.computeIfAbsent(uploaderId.strip(), id -> new Entry(dim));
    e.count++;
    float rate = 1f / Math.min(e.count, window);
    for (int i = 0; i < dim; i++) e.mean[i] += rate * (itemVector[i] - e.mean[i]);
  }

  /** A copy of the uploader's mean, or null when the uploader has no (remembered) history. */
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

  public int dim() {
    return dim;
  }
}
