package retrieval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Synthetic embeddings for benchmarks and tests: unit vectors drawn from Gaussian clusters, shaped like learned
 * item vectors rather than uniform noise, so that nearest-neighbour search is neither trivial nor hopeless.
 *
 * <ul>
 *   <li>cluster centres uniform on the sphere;
 *   <li>cluster sizes log-normal (a few big topics, a long tail of small ones);
 *   <li>each cluster anisotropic: per-axis spread decays from 1 to e^-2, in an order of axes of its own, times
 *       a cluster radius drawn from [0.1, 0.35] — wide clusters overlap their neighbours;
 *   <li>points normalised after the noise is added.
 * </ul>
 *
 * Deterministic for a given (dim, clusters, seed); the draws themselves take their own random source, so base
 * vectors and queries can come from the same distribution with independent streams.
 */
public final class ClusteredVectors {

  private static final double MIN_RADIUS = 0.1;
  private static final double MAX_RADIUS = 0.35;

  private final int dim;
  private final float[][] centres;
  private final float[][] axisSpread;
  private final double[] cumulativeWeight;

  public ClusteredVectors(int dim, int clusters, long seed) {
    if (dim < 2) throw new IllegalArgumentException("dim must be at least 2: " + dim);
    if (clusters < 1) throw new IllegalArgumentException("clusters must be positive: " + clusters);
    this.dim = dim;
    SplittableRandom rnd = new SplittableRandom(seed);
    centres = new float[clusters][];
    axisSpread = new float[clusters][dim];
    cumulativeWeight = new double[clusters];
    double total = 0;
    for (int c = 0; c < clusters; c++) {
      float[] centre = new float[dim];
      for (int i = 0; i < dim; i++) centre[i] = (float) rnd.nextGaussian();
      centres[c] = Vectors.normalized(centre, dim);
      double radius = MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * rnd.nextDouble();
      int[] order = shuffledAxes(rnd);
      for (int j = 0; j < dim; j++) axisSpread[c][order[j]] = (float) (radius * Math.exp(-2.0 * j / (dim - 1)));
      total += Math.exp(rnd.nextGaussian());
      cumulativeWeight[c] = total;
    }
    for (int c = 0; c < clusters; c++) cumulativeWeight[c] /= total;
  }

  public int dim() {
    return dim;
  }

  /** One unit vector. */
  public float[] draw(SplittableRandom rnd) {
    float[] v = new float[dim];
    drawInto(rnd, v, 0);
    return v;
  }

  /** {@code n} unit vectors packed row after row into one array of {@code n * dim} floats. */
  public float[] drawPacked(int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] packed = new float[Math.multiplyExact(n, dim)];
    for (int i = 0; i < n; i++) drawInto(rnd, packed, i * dim);
    return packed;
  }

  /** {@code n} unit vectors, one array each. */
  public float[][] draw(int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) out[i] = draw(rnd);
    return out;
  }

  private void drawInto(SplittableRandom rnd, float[] out, int offset) {
    int c = Arrays.binarySearch(cumulativeWeight, rnd.nextDouble());
    if (c < 0) c = Math.min(-c - 1, cumulativeWeight.length - 1);
    float[] centre = centres[c];
    float[] spread = axisSpread[c];
    double sum = 0;
    for (int i = 0; i < dim; i++) {
      double x = centre[i] + spread[i] * rnd.nextGaussian();
      out[offset + i] = (float) x;
      sum += x * x;
    }
    float scale = (float) (1 / Math.sqrt(sum));
    for (int i = 0; i < dim; i++) out[offset + i] *= scale;
  }

  private int[] shuffledAxes(SplittableRandom rnd) {
    int[] order = new int[dim];
    for (int i = 0; i < dim; i++) order[i] = i;
    for (int i = dim - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
