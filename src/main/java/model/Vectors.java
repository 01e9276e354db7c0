package model;

/** Small vector helpers shared by the towers and the recall path. */
public final class Vectors {

  private Vectors() {}

  public static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }

  /** A unit-length copy, or null for a zero or non-finite vector (nothing to point at). */
  public static float[] normalizeOrNull(float[] v) {
    double n2 = 0;
    for (float x : v) n2 += (double) x * x;
    if (!(n2 > 0) || !Double.isFinite(n2)) return null;
    float inv = (float) (1 / Math.sqrt(n2));
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i] * inv;
    return out;
  }
}
