package retrieval;

/** Validation and L2 normalisation shared by the indexes: both keep unit vectors, so cosine is a dot product. */
final class Vectors {

  private Vectors() {}

  /**
   * A unit-length copy of {@code v}.
   *
   * @throws IllegalArgumentException on a wrong dimension, a non-finite component or the zero vector
   */
  static float[] normalized(float[] v, int dim) {
    if (v == null) throw new IllegalArgumentException("vector is null");
    if (v.length != dim) throw new IllegalArgumentException("expected dimension " + dim + ", got " + v.length);
    // Summed in double: squares of large finite floats would overflow a float sum.
    double sum = 0;
    for (int i = 0; i < dim; i++) {
      float x = v[i];
      if (!Float.isFinite(x)) throw new IllegalArgumentException("component " + i + " is not finite: " + x);
      sum += (double) x * x;
    }
    if (sum == 0) throw new IllegalArgumentException("the zero vector has no direction");
    double scale = 1 / Math.sqrt(sum);
    float[] unit = new float[dim];
    for (int i = 0; i < dim; i++) unit[i] = (float) (v[i] * scale);
    return unit;
  }
}
