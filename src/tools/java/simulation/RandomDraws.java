package simulation;

import java.util.SplittableRandom;

/**
 * The synthetic world's random draws, written out so that a seed gives the same world on every JDK: Gaussians
 * (polar method), Gamma (Marsaglia–Tsang), Dirichlet, and picks from cumulative weights.
 */
final class RandomDraws {

  private RandomDraws() {}

  /** Index of the first cumulative value above {@code u · last} in {@code cdf[off, off + k)}. */
  static int pick(float[] cdf, int off, int k, double u) {
    double target = u * cdf[off + k - 1];
    for (int t = 0; t < k - 1; t++) {
      if (cdf[off + t] > target) return t;
    }
    return k - 1;
  }

  static void cdf(double[] weights, float[] out, int off) {
    double sum = 0;
    for (int t = 0; t < weights.length; t++) {
      sum += weights[t];
      out[off + t] = (float) sum;
    }
  }

  /** A Dirichlet(α, …, α) draw into {@code out} (normalised Gamma(α) draws). */
  static void dirichlet(SplittableRandom rnd, double alpha, double[] out) {
    double sum = 0;
    for (int t = 0; t < out.length; t++) {
      out[t] = gamma(rnd, alpha);
      sum += out[t];
    }
    if (!(sum > 0)) {
      // All draws underflowed (tiny α): the mass goes to one topic, which is what such an α means.
      java.util.Arrays.fill(out, 0);
      out[rnd.nextInt(out.length)] = 1;
      return;
    }
    for (int t = 0; t < out.length; t++) out[t] /= sum;
  }

  /**
   * Gamma(α, 1) by Marsaglia–Tsang, boosted for α < 1. Hand-written: a few lines, and the build has no
   * statistics library (commons-math would be a new dependency for this alone).
   */
  static double gamma(SplittableRandom rnd, double alpha) {
    if (alpha < 1) return gamma(rnd, alpha + 1) * Math.pow(rnd.nextDouble(), 1 / alpha);
    double d = alpha - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = gaussian(rnd);
      double v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      double u = rnd.nextDouble();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  static void gaussians(SplittableRandom rnd, float[] out, int off, int len, double std) {
    for (int i = 0; i < len; i++) out[off + i] = (float) (std * gaussian(rnd));
  }

  /** Polar method: fixed here rather than nextGaussian(), whose algorithm may change between JDKs. */
  static double gaussian(SplittableRandom rnd) {
    double v1;
    double v2;
    double s;
    do {
      v1 = 2 * rnd.nextDouble() - 1;
      v2 = 2 * rnd.nextDouble() - 1;
      s = v1 * v1 + v2 * v2;
    } while (s >= 1 || s == 0);
    return v1 * Math.sqrt(-2 * Math.log(s) / s);
  }
}
