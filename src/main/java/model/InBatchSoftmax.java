package model;

import java.util.Arrays;

/**
 * Sampled softmax over the candidates of a micro-batch, with the logQ correction.
 *
 * <p>Row b (a user vector {@code u_b}) scores every candidate {@code f_j}:
 * {@code s_bj = <u_b, f_j>/τ − logQ_j}. Candidate b (b < B) is row b's positive; candidates B..C−1 are extra
 * negatives. A candidate holding the same item as row b's positive (an accidental hit: the item was clicked
 * twice in the batch) is masked out of row b, so an item is never pushed away from a user who chose it; so is,
 * when the rows' users are given, every other positive of row b's own user (a user who rated twenty films in one
 * sitting would otherwise push each of them away from their own vector).
 * {@code loss = Σ_b w_b·(−log softmax(s_b)_b) / Σ_b w_b}.
 *
 * <p>Hand-written rather than taken from a library: it is a few loops over B×C scores, and the learner needs it
 * allocation-light and without a tensor runtime. Computed in double, with log-sum-exp, so small τ does not
 * overflow. Vectors are flat row-major {@code float[]}.
 */
public final class InBatchSoftmax {

  /** The loss and its gradients: {@code userGrad} is B×d, {@code candidateGrad} is C×d, both row-major. */
  public record Result(double loss, float[] userGrad, float[] candidateGrad) {}

  private final int dim;
  private final double tau;

  public InBatchSoftmax(int dim, float tau) {
    if (dim <= 0) throw new IllegalArgumentException("dim must be > 0, got " + dim);
    if (!(tau > 0) || Float.isInfinite(tau)) throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
    this.dim = dim;
    this.tau = tau;
  }

  /**
   * log Q of a candidate in a batch of mixed negatives, for {@link #compute}'s {@code logQ}.
   *
   * <p>The candidates of a softmax group are its {@code inBatch} positives, drawn from the distribution of positives
   * (p, the streaming estimate of {@link FrequencyEstimator}), and {@code uniform} extra negatives drawn uniformly
   * from a pool of {@code pool} items. Sampled softmax corrects each candidate's logit by the log of how often the
   * sampling is expected to put it among the candidates — B·p_j + B'/N — whichever sampler actually drew it: the
   * in-batch part is Yi et al. 2019 ("Sampling-bias-corrected neural modeling for large corpus item
   * recommendations", RecSys: s − log p_j), the mixture is the sampling distribution of Mixed Negative Sampling
   * (Yang et al. 2020, "Mixed negative sampling for learning two-tower neural networks in recommendations", WWW
   * Companion: Q* mixes the batch's unigram distribution and the uniform one by their counts). Softmax ignores a
   * shift common to all candidates, so this is taken per in-batch draw: {@code log(p_j + B'/(B·N))}, exactly
   * {@code log p_j} without extras. Correcting a uniform negative by its own {@code log p_j} instead (what the extras
   * got before) inflates a rare item's logit by up to {@code log(1/p_min)} — 14 nats for p_min = 1e-6 — so rare
   * negatives dominated the denominator.
   *
   * <p>An approximation where the sampler differs from the model: extras are drawn without repetition and skip the
   * batch's own items, which raises their inclusion probability to about B'/(N − B) — negligible for N ≫ B.
   *
   * @param positiveProbability p_j, in (0, 1]
   * @param inBatch B ≥ 1, in-batch candidates (the group's positives)
   * @param uniform B' ≥ 0, uniform extra negatives of the group
   * @param pool N, items the extras are drawn from (≥ 1 when B' > 0)
   */
  public static double mixedLogQ(double positiveProbability, int inBatch, int uniform, long pool) {
    if (!(positiveProbability > 0 && positiveProbability <= 1)) {
      throw new IllegalArgumentException("positiveProbability must be in (0, 1], got " + positiveProbability);
    }
    if (inBatch < 1) throw new IllegalArgumentException("inBatch must be >= 1, got " + inBatch);
    if (uniform < 0) throw new IllegalArgumentException("uniform must be >= 0, got " + uniform);
    if (uniform == 0) return Math.log(positiveProbability);
    if (pool < 1) throw new IllegalArgumentException("pool must be >= 1 with uniform extras, got " + pool);
    return Math.log(positiveProbability + (double) uniform / ((double) inBatch * pool));
  }

  public int dim() {
    return dim;
  }

  public double tau() {
    return tau;
  }

  /**
   * @param users B×d user vectors
   * @param candidates C×d candidate vectors, C ≥ B, candidate b the positive of row b
   * @param logQ C values, log of each candidate's sampling probability (0 everywhere = no correction)
   * @param weights B row weights ≥ 0 (positive type weight); a row of weight 0 contributes nothing. If all are 0
   *     the loss is 0 and so are the gradients.
   * @param sameItemKeys C keys, equal keys = same item (masking); null = every candidate is a distinct item
   */
  public Result compute(float[] users, float[] candidates, double[] logQ, float[] weights, int[] sameItemKeys) {
    return compute(users, candidates, logQ, weights, sameItemKeys, null);
  }

  /**
   * As {@link #compute(float[], float[], double[], float[], int[])}, also masking from row b the positives of the
   * other rows of the same user.
   *
   * @param rowUsers B keys, equal keys = same user; null = every row a different user
   */
  public Result compute(float[] users, float[] candidates, double[] logQ, float[] weights, int[] sameItemKeys,
      int[] rowUsers) {
    int b = weights.length;
    int c = logQ.length;
    if (b == 0) throw new IllegalArgumentException("weights must hold at least one row");
    if (c < b) throw new IllegalArgumentException("logQ must have C >= B = " + b + " values, got " + c);
    if (users.length != b * dim) {
      throw new IllegalArgumentException("users must hold " + b + "×" + dim + " values, got " + users.length);
    }
    if (candidates.length != c * dim) {
      throw new IllegalArgumentException("candidates must hold " + c + "×" + dim + " values, got " + candidates.length);
    }
    if (sameItemKeys != null && sameItemKeys.length != c) {
      throw new IllegalArgumentException("sameItemKeys must hold " + c + " values, got " + sameItemKeys.length);
    }
    if (rowUsers != null && rowUsers.length != b) {
      throw new IllegalArgumentException("rowUsers must hold " + b + " values, got " + rowUsers.length);
    }
    double totalWeight = 0;
    for (int row = 0; row < b; row++) {
      float w = weights[row];
      if (!(w >= 0) || Float.isInfinite(w)) throw new IllegalArgumentException("weights[" + row + "] must be finite and >= 0, got " + w);
      totalWeight += w;
    }
    for (int j = 0; j < c; j++) {
      if (!Double.isFinite(logQ[j])) throw new IllegalArgumentException("logQ[" + j + "] must be finite, got " + logQ[j]);
    }

    float[] userGrad = new float[b * dim];
    float[] candidateGrad = new float[c * dim];
    if (totalWeight == 0) return new Result(0, userGrad, candidateGrad);

    // Widened once, so the inner loops run on one type (the JIT vectorises the axpy loops then).
    double[] u = widen(users);
    double[] f = widen(candidates);
    double[] scores = new double[c];
    double[] exps = new double[c];
    double[] du = new double[dim];
    double[] df = new double[c * dim];
    double loss = 0;
    for (int row = 0; row < b; row++) {
      if (weights[row] == 0) continue;
      int uOff = row * dim;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < c; j++) {
        if (masked(sameItemKeys, rowUsers, row, j)) continue;
        scores[j] = dot(u, uOff, f, j * dim) / tau - logQ[j];
        max = Math.max(max, scores[j]);
      }
      double sumExp = 0;
      for (int j = 0; j < c; j++) {
        exps[j] = masked(sameItemKeys, rowUsers, row, j) ? 0 : Math.exp(scores[j] - max);
        sumExp += exps[j];
      }
      double rowWeight = weights[row] / totalWeight;
      loss += rowWeight * (max + Math.log(sumExp) - scores[row]);

      // dL/ds_bj = w_b/W · (softmax_bj − [j = b]); s is linear in u and f with slope 1/τ.
      Arrays.fill(du, 0);
      for (int j = 0; j < c; j++) {
        if (masked(sameItemKeys, rowUsers, row, j)) continue;
        double p = exps[j] / sumExp;
        double g = rowWeight * (p - (j == row ? 1 : 0)) / tau;
        if (g == 0) continue;
        int fOff = j * dim;
        for (int k = 0; k < dim; k++) {
          du[k] += g * f[fOff + k];
          df[fOff + k] += g * u[uOff + k];
        }
      }
      for (int k = 0; k < dim; k++) userGrad[uOff + k] = (float) du[k];
    }
    for (int i = 0; i < df.length; i++) candidateGrad[i] = (float) df[i];
    return new Result(loss, userGrad, candidateGrad);
  }

  /** Four partial sums: breaks the add chain, which is what bounds a scalar dot product. */
  private double dot(double[] a, int aOff, double[] b, int bOff) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int k = 0;
    for (; k + 3 < dim; k += 4) {
      s0 += a[aOff + k] * b[bOff + k];
      s1 += a[aOff + k + 1] * b[bOff + k + 1];
      s2 += a[aOff + k + 2] * b[bOff + k + 2];
      s3 += a[aOff + k + 3] * b[bOff + k + 3];
    }
    for (; k < dim; k++) s0 += a[aOff + k] * b[bOff + k];
    return (s0 + s1) + (s2 + s3);
  }

  private static double[] widen(float[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i];
    return out;
  }

  /** Column j of row b is another copy of row b's positive item, or another positive of row b's user. */
  private static boolean masked(int[] keys, int[] rowUsers, int row, int j) {
    if (j == row) return false;
    if (keys != null && keys[j] == keys[row]) return true;
    return rowUsers != null && j < rowUsers.length && rowUsers[j] == rowUsers[row];
  }
}
