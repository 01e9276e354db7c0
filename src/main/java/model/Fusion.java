package model;

import java.util.Arrays;

/**
 * The served item vector: {@code f = normalise(a·h + (1−a)·m)} with {@code a = sigmoid(θ_t)} learned per tier.
 *
 * <p>Learning θ rather than a keeps a inside (0, 1) without clipping. An item without a metadata vector uses its
 * hash row alone ({@code a = 1}, no gradient into θ). A zero mix (h and m cancel or are both zero) gives a zero
 * vector and zero gradients: there is no direction to learn, and a NaN would poison the rows.
 */
public final class Fusion {

  private Fusion() {}

  /** Gradients of the loss with respect to the three inputs; {@code meta} is null when the item had none. */
  public record Gradients(float[] hash, float[] meta, double theta) {}

  public static double alpha(double theta) {
    return 1 / (1 + Math.exp(-theta));
  }

  /** The θ whose sigmoid is {@code alpha} (logit), e.g. 0.8 for a hot tier's starting weight. */
  public static double thetaFor(double alpha) {
    if (!(alpha > 0 && alpha < 1)) throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
    return Math.log(alpha / (1 - alpha));
  }

  /**
   * @param hash the item's hash row h
   * @param meta the item's metadata vector m, same length, or null
   * @param theta the item's tier parameter
   */
  /**
   * The hash row that, fused with {@code meta} at weight {@code toAlpha}, gives the same served vector as
   * {@code hash} at {@code fromAlpha}: {@code (from·h + (to − from)·m) / to}, equal before the normalisation. A
   * move to a tier with another fusion weight starts its fresh row there, so the move does not turn the vector
   * (bench movielens: promoted movies kept their row but took the hot tier's weight, cosine 0.89 to their old
   * vector, and HR@10 fell from 0.44 to 0.34 once the blend was over).
   */
  public static float[] rowKeepingOutput(float[] hash, float[] meta, double fromAlpha, double toAlpha) {
    if (meta == null || toAlpha <= 0) return hash.clone();
    float[] out = new float[hash.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) ((fromAlpha * hash[i] + (toAlpha - fromAlpha) * meta[i]) / toAlpha);
    }
    return out;
  }

  public static Fused forward(float[] hash, float[] meta, double theta) {
    if (hash == null || hash.length == 0) throw new IllegalArgumentException("hash must be a non-empty vector");
    if (meta != null && meta.length != hash.length) {
      throw new IllegalArgumentException("meta has length " + meta.length + ", hash has " + hash.length);
    }
    if (!Double.isFinite(theta)) throw new IllegalArgumentException("theta must be finite, got " + theta);
    double a = meta == null ? 1 : alpha(theta);
    int d = hash.length;
    double[] z = new double[d];
    double n2 = 0;
    for (int i = 0; i < d; i++) {
      z[i] = a * hash[i] + (meta == null ? 0 : (1 - a) * meta[i]);
      n2 += z[i] * z[i];
    }
    double norm = Math.sqrt(n2);
    if (norm > 0 && Double.isFinite(norm)) {
      for (int i = 0; i < d; i++) z[i] /= norm;
    } else {
      norm = 0;
      Arrays.fill(z, 0);
    }
    return new Fused(hash, meta, a, z, norm);
  }

  /** The result of {@link #forward}; keeps what the backward pass needs. */
  public static final class Fused {
    private final float[] hash;
    private final float[] meta;
    private final double alpha;
    private final double[] unit;
    private final double norm;

    private Fused(float[] hash, float[] meta, double alpha, double[] unit, double norm) {
      this.hash = hash;
      this.meta = meta;
      this.alpha = alpha;
      this.unit = unit;
      this.norm = norm;
    }

    /** The unit-length fused vector (all zeros when the mix is zero). */
    public float[] vector() {
      float[] f = new float[unit.length];
      for (int i = 0; i < f.length; i++) f[i] = (float) unit[i];
      return f;
    }

    /** The weight a of the hash row actually used (1 when there is no metadata vector). */
    public double alpha() {
      return alpha;
    }

    /** |a·h + (1−a)·m| before normalising; 0 means the vector is undefined (zero). */
    public double norm() {
      return norm;
    }

    /** dL/dh, dL/dm and dL/dθ from dL/df. */
    public Gradients backward(float[] gradVector) {
      int d = unit.length;
      if (gradVector.length != d) throw new IllegalArgumentException("gradVector has length " + gradVector.length + ", expected " + d);
      float[] gh = new float[d];
      float[] gm = meta == null ? null : new float[d];
      if (norm == 0) return new Gradients(gh, gm, 0);
      // dL/dz = (g − f·(f·g)) / |z| for f = z/|z|.
      double along = 0;
      for (int i = 0; i < d; i++) along += unit[i] * gradVector[i];
      double dAlpha = 0;
      for (int i = 0; i < d; i++) {
        double dz = (gradVector[i] - unit[i] * along) / norm;
        gh[i] = (float) (alpha * dz);
        if (meta != null) {
          gm[i] = (float) ((1 - alpha) * dz);
          dAlpha += dz * (hash[i] - meta[i]);
        }
      }
      return new Gradients(gh, gm, dAlpha * alpha * (1 - alpha));
    }
  }
}
