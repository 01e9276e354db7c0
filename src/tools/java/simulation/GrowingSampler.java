package simulation;

/**
 * Samples an index in proportion to its weight from a list that only grows (items arriving), in
 * O(log n) per append and per draw: a Fenwick tree over a fixed capacity.
 *
 * <p>Hand-written: the samplers of commons-math / commons-rng are built once over a fixed distribution, and
 * rebuilding one per arriving item would cost O(n) each time.
 */
final class GrowingSampler {

  private final double[] tree; // 1-based Fenwick tree of weights
  private int size;
  private double total;

  GrowingSampler(int capacity) {
    if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
    this.tree = new double[capacity + 1];
  }

  int size() {
    return size;
  }

  double total() {
    return total;
  }

  /** Appends a weight; its index is the previous size. */
  void add(double weight) {
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight must be finite and >= 0, got " + weight);
    }
    if (size + 1 >= tree.length) throw new IllegalStateException("sampler is full (" + size + " weights)");
    size++;
    for (int i = size; i < tree.length; i += i & -i) tree[i] += weight;
    total += weight;
  }

  /**
   * The index whose cumulative weight interval holds {@code u · total}.
   *
   * @param u uniform in [0, 1)
   * @return an index in [0, size), or −1 when there is no weight
   */
  int sample(double u) {
    if (!(total > 0)) return -1;
    double target = u * total;
    int pos = 0;
    for (int step = Integer.highestOneBit(tree.length - 1); step > 0; step >>= 1) {
      int next = pos + step;
      if (next < tree.length && tree[next] <= target) {
        pos = next;
        target -= tree[next];
      }
    }
    // pos counts the weights strictly below the target; rounding can push it one past the last index.
    return Math.min(pos, size - 1);
  }
}
