package model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/** Central finite differences against an analytic gradient, shared by the model tests. */
final class GradCheck {

  private GradCheck() {}

  /**
   * Perturbs each element of {@code param} in place by ±h (restoring it) and compares (L+ − L−)/(x+ − x−), with
   * the step actually representable in float, to {@code analytic}: |a − n| ≤ atol + rtol·max(|a|, |n|).
   */
  static void check(String name, float[] param, float[] analytic, DoubleSupplier loss, double h, double rtol, double atol) {
    for (int i = 0; i < param.length; i++) {
      double numeric = numeric(param, i, loss, h);
      double a = analytic[i];
      double tolerance = atol + rtol * Math.max(Math.abs(a), Math.abs(numeric));
      assertTrue(Math.abs(a - numeric) <= tolerance,
          name + "[" + i + "]: analytic " + a + ", numeric " + numeric + " (tolerance " + tolerance + ")");
    }
  }

  static double numeric(float[] param, int i, DoubleSupplier loss, double h) {
    float saved = param[i];
    float plus = (float) (saved + h);
    float minus = (float) (saved - h);
    param[i] = plus;
    double lossPlus = loss.getAsDouble();
    param[i] = minus;
    double lossMinus = loss.getAsDouble();
    param[i] = saved;
    return (lossPlus - lossMinus) / ((double) plus - minus);
  }

  static float[] gaussian(SplittableRandom rng, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) (rng.nextGaussian() * scale);
    return v;
  }

  /** n row-major unit vectors of length d. */
  static float[] unitRows(SplittableRandom rng, int n, int d) {
    float[] v = gaussian(rng, n * d, 1);
    for (int r = 0; r < n; r++) {
      double n2 = 0;
      for (int k = 0; k < d; k++) n2 += v[r * d + k] * v[r * d + k];
      double inv = 1 / Math.sqrt(n2);
      for (int k = 0; k < d; k++) v[r * d + k] *= inv;
    }
    return v;
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
    return s;
  }
}
