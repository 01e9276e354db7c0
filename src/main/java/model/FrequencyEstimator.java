package model;

import embedding.ItemHasher;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Streaming estimate of each item's sampling probability Q (how often it shows up as a positive), for the logQ
 * correction, in fixed memory: the hashed-arrays method of Yi et al. 2019 ("Sampling-bias-corrected neural
 * modeling for large corpus item recommendations", RecSys, Algorithm 2).
 *
 * <p>Per hash slot: A = the step at which the slot was last seen, B = an exponential moving average of the gap
 * (in steps) between sightings; Q = 1/B. One step is one observed positive. With {@code depth} > 1 hash
 * functions (count-min style) the estimate takes the largest B, i.e. the least overestimated Q: colliding items
 * only ever shorten a slot's gaps.
 *
 * <p>A slot's first sighting at step t sets B = t (the wait for the first sighting is itself a gap: for an item
 * of probability p its mean is 1/p). A slot never seen gives Q = 1/(t+1) (not seen in t steps), and Q never goes
 * below {@code minProbability}, so logQ stays finite and bounded. Thread-safe (synchronized, uncontended in
 * practice): the learner's partitions of one node share one.
 */
public final class FrequencyEstimator {

  private static final int MAGIC = 0x51455354; // "TSEQ" when written little-endian
  private static final int VERSION = 1;
  private static final int HEADER_BYTES = 4 * Integer.BYTES + 3 * Long.BYTES + Double.BYTES * 2;

  private final int depth;
  private final int width;
  private final int seed;
  private final double learningRate;
  private final double minProbability;
  private final ItemHasher[] hashers;
  private final long[] lastSeen; // depth × width, 0 = never (steps start at 1)
  private final float[] gap; // depth × width
  private long step;

  /**
   * @param depth number of hash functions (1 = the paper's single pair of arrays)
   * @param width slots per hash function
   * @param seed MurmurHash3 seed of the first hash function (the others use seed+1, seed+2, …)
   * @param learningRate EMA rate α of the gap estimate, in (0, 1]; ~0.01–0.05 (smaller = smoother, slower)
   * @param minProbability floor of Q, in (0, 1]
   */
  public FrequencyEstimator(int depth, int width, int seed, double learningRate, double minProbability) {
    this(depth, width, seed, learningRate, minProbability, new Counts(0, new long[checkedSize(depth, width)],
        new float[checkedSize(depth, width)]));
  }

  /** What the estimator has seen: the steps so far and, per slot, the step last seen and the gap estimate. */
  private record Counts(long step, long[] lastSeen, float[] gap) {}

  private FrequencyEstimator(int depth, int width, int seed, double learningRate, double minProbability,
      Counts counts) {
    long step = counts.step();
    if (!(learningRate > 0 && learningRate <= 1)) {
      throw new IllegalArgumentException("learningRate must be in (0, 1], got " + learningRate);
    }
    if (!(minProbability > 0 && minProbability <= 1)) {
      throw new IllegalArgumentException("minProbability must be in (0, 1], got " + minProbability);
    }
    if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
    this.depth = depth;
    this.width = width;
    this.seed = seed;
    this.learningRate = learningRate;
    this.minProbability = minProbability;
    this.step = step;
    this.lastSeen = counts.lastSeen();
    this.gap = counts.gap();
    this.hashers = new ItemHasher[depth];
    for (int r = 0; r < depth; r++) hashers[r] = new ItemHasher(seed + r);
  }

  private static int checkedSize(int depth, int width) {
    if (depth <= 0) throw new IllegalArgumentException("depth must be > 0, got " + depth);
    if (width <= 0) throw new IllegalArgumentException("width must be > 0, got " + width);
    if ((long) depth * width > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("depth × width too large: " + depth + " × " + width);
    }
    return depth * width;
  }

  /** One step: {@code itemId} was observed as a positive. */
  public synchronized void observe(String itemId) {
    checkId(itemId);
    step++;
    for (int r = 0; r < depth; r++) {
      int slot = slot(r, itemId);
      long last = lastSeen[slot];
      double observedGap = step - last; // for a first sighting (last = 0): the steps waited so far
      gap[slot] = last == 0 ? (float) observedGap : (float) ((1 - learningRate) * gap[slot] + learningRate * observedGap);
      lastSeen[slot] = step;
    }
  }

  /** Estimated probability that a positive is {@code itemId}, in [minProbability, 1]. */
  public synchronized double probability(String itemId) {
    checkId(itemId);
    double largestGap = 0;
    for (int r = 0; r < depth; r++) {
      int slot = slot(r, itemId);
      // An unseen slot: not seen in `step` steps, so the gap is at least step + 1.
      double g = lastSeen[slot] == 0 ? step + 1 : gap[slot];
      largestGap = Math.max(largestGap, g);
    }
    return Math.max(minProbability, Math.min(1, 1 / largestGap));
  }

  /** {@code log Q(itemId)}: finite, in [log minProbability, 0]. */
  public double logQ(String itemId) {
    return Math.log(probability(itemId));
  }

  /** Positives observed so far. */
  public synchronized long steps() {
    return step;
  }

  public int depth() {
    return depth;
  }

  public int width() {
    return width;
  }

  /** Bytes held by the arrays; fixed at construction, whatever the number of distinct items. */
  public long bytes() {
    return (long) lastSeen.length * Long.BYTES + (long) gap.length * Float.BYTES;
  }

  /** A self-describing little-endian snapshot, to persist and restore with {@link #fromBytes}. */
  public synchronized byte[] toBytes() {
    ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + (int) bytes()).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(MAGIC).putInt(VERSION).putInt(depth).putInt(width);
    buf.putLong(seed).putLong(step).putLong(0); // the 0 is reserved
    buf.putDouble(learningRate).putDouble(minProbability);
    for (long v : lastSeen) buf.putLong(v);
    for (float v : gap) buf.putFloat(v);
    return buf.array();
  }

  /** @throws IllegalArgumentException if {@code bytes} is not a snapshot of this version */
  public static FrequencyEstimator fromBytes(byte[] bytes) {
    try {
      ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      if (buf.getInt() != MAGIC) throw new IllegalArgumentException("bytes are not a FrequencyEstimator snapshot");
      int version = buf.getInt();
      if (version != VERSION) throw new IllegalArgumentException("bytes: unsupported snapshot version " + version);
      int depth = buf.getInt();
      int width = buf.getInt();
      int size = checkedSize(depth, width);
      int seed = (int) buf.getLong();
      long step = buf.getLong();
      buf.getLong();
      double learningRate = buf.getDouble();
      double minProbability = buf.getDouble();
      if (buf.remaining() != (long) size * (Long.BYTES + Float.BYTES)) {
        throw new IllegalArgumentException("bytes: expected " + size + " slots, got " + buf.remaining() + " bytes of data");
      }
      long[] lastSeen = new long[size];
      float[] gap = new float[size];
      for (int i = 0; i < size; i++) lastSeen[i] = buf.getLong();
      for (int i = 0; i < size; i++) gap[i] = buf.getFloat();
      return new FrequencyEstimator(depth, width, seed, learningRate, minProbability,
          new Counts(step, lastSeen, gap));
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("bytes: truncated FrequencyEstimator snapshot", e);
    }
  }

  private int slot(int row, String itemId) {
    return row * width + hashers[row].bucket(itemId, width);
  }

  private static void checkId(String itemId) {
    if (itemId == null) throw new IllegalArgumentException("itemId must not be null");
  }
}
