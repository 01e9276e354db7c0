package model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InBatchSoftmaxTest {

  private static final int B = 4;
  private static final int C = 7;
  private static final int D = 5;
  // Rows 1 and 3 have the same positive item; extra candidate 6 is row 2's positive item again.
  private static final int[] KEYS = {10, 11, 12, 11, 14, 15, 12};

  private void checkGradients(float tau, int[] keys, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    InBatchSoftmax softmax = new InBatchSoftmax(D, tau);
    float[] users = GradCheck.unitRows(rng, B, D);
    float[] candidates = GradCheck.unitRows(rng, C, D);
    double[] logQ = new double[C];
    for (int j = 0; j < C; j++) logQ[j] = Math.log(rng.nextDouble(1e-4, 0.2));
    float[] weights = {1f, 2f, 0.5f, 3f};

    InBatchSoftmax.Result r = softmax.compute(users, candidates, logQ, weights, keys);
    // Curvature grows like 1/τ², so the step shrinks with τ.
    double h = tau * 1e-2;
    GradCheck.check("dL/du", users, r.userGrad(),
        () -> softmax.compute(users, candidates, logQ, weights, keys).loss(), h, 1e-3, 1e-4);
    GradCheck.check("dL/df", candidates, r.candidateGrad(),
        () -> softmax.compute(users, candidates, logQ, weights, keys).loss(), h, 1e-3, 1e-4);
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    checkGradients(0.5f, null, 1);
    checkGradients(0.5f, KEYS, 2);
  }

  @Test
  void gradientsMatchFiniteDifferencesAtSmallTemperature() {
    checkGradients(0.05f, null, 3);
    checkGradients(0.05f, KEYS, 4);
  }

  @Test
  void lossIsLogCWhenAllScoresAreEqual() {
    SplittableRandom rng = new SplittableRandom(5);
    float[] users = GradCheck.unitRows(rng, B, D);
    float[] one = GradCheck.unitRows(rng, 1, D);
    float[] candidates = new float[C * D];
    for (int j = 0; j < C; j++) System.arraycopy(one, 0, candidates, j * D, D);
    double[] logQ = new double[C];
    java.util.Arrays.fill(logQ, Math.log(0.01));
    InBatchSoftmax.Result r = new InBatchSoftmax(D, 0.05f).compute(users, candidates, logQ, new float[] {1, 2, 3, 4}, null);
    assertEquals(Math.log(C), r.loss(), 1e-12);
    // Every candidate is the same vector, so moving u cannot separate them.
    for (float g : r.userGrad()) assertEquals(0, g, 1e-6);
  }

  /** A maskable copy of row 1's positive is invisible to row 1, whatever it scores. */
  @Test
  void accidentalHitIsMaskedOutOfItsRow() {
    SplittableRandom rng = new SplittableRandom(6);
    InBatchSoftmax softmax = new InBatchSoftmax(D, 0.1f);
    float[] users = GradCheck.unitRows(rng, B, D);
    float[] candidates = GradCheck.unitRows(rng, C, D);
    double[] logQ = new double[C];
    float[] onlyRow1 = {0, 1, 0, 0};
    double before = softmax.compute(users, candidates, logQ, onlyRow1, KEYS).loss();
    System.arraycopy(users, 1 * D, candidates, 3 * D, D); // column 3 now scores highest for row 1
    InBatchSoftmax.Result masked = softmax.compute(users, candidates, logQ, onlyRow1, KEYS);
    assertEquals(before, masked.loss(), 1e-12);
    for (int k = 0; k < D; k++) assertEquals(0f, masked.candidateGrad()[3 * D + k]);
    double unmasked = softmax.compute(users, candidates, logQ, onlyRow1, null).loss();
    assertTrue(unmasked > before + 1, "unmasked " + unmasked + " vs masked " + before);
  }

  /** Rows 0 and 2 are one user's: each row's loss ignores the other's positive, and gradients stay exact. */
  @Test
  void theOtherPositivesOfTheSameUserAreNotItsNegatives() {
    SplittableRandom rng = new SplittableRandom(8);
    InBatchSoftmax softmax = new InBatchSoftmax(D, 0.1f);
    float[] users = GradCheck.unitRows(rng, B, D);
    float[] candidates = GradCheck.unitRows(rng, C, D);
    double[] logQ = new double[C];
    for (int j = 0; j < C; j++) logQ[j] = Math.log(rng.nextDouble(1e-4, 0.2));
    int[] rowUsers = {5, 6, 5, 7};
    float[] onlyRow0 = {1, 0, 0, 0};
    double before = softmax.compute(users, candidates, logQ, onlyRow0, null, rowUsers).loss();
    System.arraycopy(users, 0, candidates, 2 * D, D); // row 2's positive now scores highest for row 0
    InBatchSoftmax.Result masked = softmax.compute(users, candidates, logQ, onlyRow0, null, rowUsers);
    assertEquals(before, masked.loss(), 1e-12);
    for (int k = 0; k < D; k++) assertEquals(0f, masked.candidateGrad()[2 * D + k]);
    assertTrue(softmax.compute(users, candidates, logQ, onlyRow0, null).loss() > before + 1, "without the users: a negative");

    float[] weights = {1f, 2f, 0.5f, 3f};
    InBatchSoftmax.Result r = softmax.compute(users, candidates, logQ, weights, KEYS, rowUsers);
    GradCheck.check("dL/du", users, r.userGrad(),
        () -> softmax.compute(users, candidates, logQ, weights, KEYS, rowUsers).loss(), 1e-3, 1e-3, 1e-4);
    GradCheck.check("dL/df", candidates, r.candidateGrad(),
        () -> softmax.compute(users, candidates, logQ, weights, KEYS, rowUsers).loss(), 1e-3, 1e-3, 1e-4);
  }

  /** Two negatives with the same vector: the popular one (larger Q) is pushed away less, in the ratio of the Qs. */
  @Test
  void logQCorrectionPushesPopularNegativesLess() {
    SplittableRandom rng = new SplittableRandom(7);
    float[] user = GradCheck.unitRows(rng, 1, D);
    float[] positive = GradCheck.unitRows(rng, 1, D);
    float[] negative = GradCheck.unitRows(rng, 1, D);
    float[] candidates = new float[3 * D];
    System.arraycopy(positive, 0, candidates, 0, D);
    System.arraycopy(negative, 0, candidates, D, D);
    System.arraycopy(negative, 0, candidates, 2 * D, D);
    InBatchSoftmax softmax = new InBatchSoftmax(D, 0.05f);

    InBatchSoftmax.Result plain = softmax.compute(user, candidates, new double[3], new float[] {1}, null);
    assertEquals(norm(plain.candidateGrad(), 1), norm(plain.candidateGrad(), 2), 1e-9);

    double[] logQ = {Math.log(0.01), Math.log(0.1), Math.log(0.001)}; // candidate 1 popular, 2 rare
    InBatchSoftmax.Result corrected = softmax.compute(user, candidates, logQ, new float[] {1}, null);
    double popular = norm(corrected.candidateGrad(), 1);
    double rare = norm(corrected.candidateGrad(), 2);
    assertEquals(0.001 / 0.1, popular / rare, 1e-6);
    // Pushed away: the gradient on a negative points along +u, so a descent step lowers its score.
    double along = 0;
    for (int k = 0; k < D; k++) along += corrected.candidateGrad()[D + k] * user[k];
    assertTrue(along > 0);
  }

  private static double norm(float[] flat, int row) {
    double s = 0;
    for (int k = 0; k < D; k++) s += flat[row * D + k] * flat[row * D + k];
    return Math.sqrt(s);
  }

  @Test
  void tinyTemperatureStaysFinite() {
    SplittableRandom rng = new SplittableRandom(8);
    float[] users = GradCheck.unitRows(rng, B, D);
    float[] candidates = GradCheck.unitRows(rng, C, D);
    InBatchSoftmax.Result r = new InBatchSoftmax(D, 1e-5f).compute(users, candidates, new double[C], new float[] {1, 1, 1, 1}, null);
    assertTrue(Double.isFinite(r.loss()) && r.loss() >= 0, "loss " + r.loss());
    for (float g : r.userGrad()) assertTrue(Float.isFinite(g));
    for (float g : r.candidateGrad()) assertTrue(Float.isFinite(g));
  }

  @Test
  void rowWeightsWeighTheMeanAndZeroWeightsGiveZero() {
    SplittableRandom rng = new SplittableRandom(9);
    float[] users = GradCheck.unitRows(rng, B, D);
    float[] candidates = GradCheck.unitRows(rng, C, D);
    InBatchSoftmax softmax = new InBatchSoftmax(D, 0.2f);
    double[] logQ = new double[C];
    double[] rowLoss = new double[B];
    for (int row = 0; row < B; row++) {
      float[] w = new float[B];
      w[row] = 1;
      rowLoss[row] = softmax.compute(users, candidates, logQ, w, null).loss();
    }
    double expected = (1 * rowLoss[0] + 2 * rowLoss[1] + 0 * rowLoss[2] + 5 * rowLoss[3]) / 8;
    assertEquals(expected, softmax.compute(users, candidates, logQ, new float[] {1, 2, 0, 5}, null).loss(), 1e-12);
    assertNotEquals(rowLoss[0], rowLoss[1]);
    InBatchSoftmax.Result zero = softmax.compute(users, candidates, logQ, new float[B], null);
    assertEquals(0, zero.loss());
    for (float g : zero.candidateGrad()) assertEquals(0f, g);
  }

  @Test
  void mixedLogQIsTheExpectedCountPerInBatchDraw() {
    assertEquals(Math.log(0.02), InBatchSoftmax.mixedLogQ(0.02, 128, 0, 0), 0, "no extras: exactly log p");
    // B = 128 positives, B' = 32 uniform out of N = 1000: p + 32 / (128 · 1000).
    assertEquals(Math.log(0.02 + 2.5e-4), InBatchSoftmax.mixedLogQ(0.02, 128, 32, 1000), 1e-15);
    // A rare item's correction is bounded by the uniform part, not by its own tiny p.
    assertEquals(Math.log(2.5e-4), InBatchSoftmax.mixedLogQ(1e-12, 128, 32, 1000), 1e-6);
  }

  /**
   * What the correction is for: {@code Σ_c e^(s_c − logQ_c)} over a batch's candidates must estimate the full
   * softmax's denominator {@code Σ_j e^(s_j)} (times B, a constant), whichever sampler drew each candidate. With B
   * draws from the popularity p and B' uniform draws, the mixture's correction does (up to Monte Carlo error); the
   * streaming estimate's own log p_j on the uniform draws (what extras got before) weighs rare items by 1/p_j and
   * overshoots many times over.
   */
  @Test
  void mixedCorrectionEstimatesTheFullDenominatorAndTheirPopularityDoesNot() {
    int n = 500;
    int inBatch = 16;
    int uniform = 16;
    SplittableRandom rng = new SplittableRandom(8);
    double[] p = new double[n];
    double[] cdf = new double[n];
    double[] expScore = new double[n];
    double sumP = 0;
    double full = 0;
    for (int j = 0; j < n; j++) {
      p[j] = 1.0 / (j + 1); // Zipf: the head is clicked, the tail rarely
      sumP += p[j];
      expScore[j] = Math.exp(rng.nextDouble(-2, 2)); // scores unrelated to popularity
      full += expScore[j];
    }
    double acc = 0;
    for (int j = 0; j < n; j++) {
      p[j] /= sumP;
      acc += p[j];
      cdf[j] = acc;
    }
    int trials = 40_000;
    double sumMixed = 0;
    double sumMixedSq = 0;
    double sumOld = 0;
    for (int t = 0; t < trials; t++) {
      double mixed = 0;
      double old = 0;
      for (int c = 0; c < inBatch + uniform; c++) {
        int j = c < inBatch ? draw(cdf, rng.nextDouble()) : rng.nextInt(n);
        mixed += expScore[j] * Math.exp(-InBatchSoftmax.mixedLogQ(p[j], inBatch, uniform, n));
        old += expScore[j] * Math.exp(-Math.log(p[j]));
      }
      mixed /= inBatch;
      sumMixed += mixed;
      sumMixedSq += mixed * mixed;
      sumOld += old / inBatch;
    }
    double meanMixed = sumMixed / trials;
    double standardError = Math.sqrt((sumMixedSq / trials - meanMixed * meanMixed) / trials);
    assertTrue(Math.abs(meanMixed - full) < 4 * standardError && Math.abs(meanMixed / full - 1) < 0.02,
        "mixture: " + meanMixed + " vs " + full + " (standard error " + standardError + ")");
    double overshoot = sumOld / trials / full;
    assertTrue(overshoot > 2, "popularity on uniform draws: " + overshoot + "× the full denominator");
  }

  private static int draw(double[] cdf, double u) {
    int i = java.util.Arrays.binarySearch(cdf, u);
    return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
  }

  @Test
  void badInputIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> InBatchSoftmax.mixedLogQ(0, 1, 0, 0), "positiveProbability");
    assertThrows(IllegalArgumentException.class, () -> InBatchSoftmax.mixedLogQ(0.1, 0, 0, 0), "inBatch");
    assertThrows(IllegalArgumentException.class, () -> InBatchSoftmax.mixedLogQ(0.1, 1, -1, 0), "uniform");
    var e = assertThrows(IllegalArgumentException.class, () -> InBatchSoftmax.mixedLogQ(0.1, 1, 2, 0));
    assertTrue(e.getMessage().startsWith("pool"), e.getMessage());
    InBatchSoftmax s = new InBatchSoftmax(2, 0.1f);
    float[] u = new float[4];
    float[] f = new float[6];
    assertThrows(IllegalArgumentException.class, () -> new InBatchSoftmax(0, 0.1f));
    assertThrows(IllegalArgumentException.class, () -> new InBatchSoftmax(2, 0f));
    assertThrows(IllegalArgumentException.class, () -> new InBatchSoftmax(2, Float.NaN));
    assertThrows(IllegalArgumentException.class, () -> s.compute(u, new float[2], new double[1], new float[2], null), "C < B");
    assertThrows(IllegalArgumentException.class, () -> s.compute(new float[3], f, new double[3], new float[2], null));
    assertThrows(IllegalArgumentException.class, () -> s.compute(u, new float[5], new double[3], new float[2], null));
    assertThrows(IllegalArgumentException.class, () -> s.compute(u, f, new double[3], new float[] {1, -1}, null));
    assertThrows(IllegalArgumentException.class, () -> s.compute(u, f, new double[] {0, Double.NaN, 0}, new float[2], null));
    assertThrows(IllegalArgumentException.class, () -> s.compute(u, f, new double[3], new float[2], new int[2]));
    assertThrows(IllegalArgumentException.class, () -> s.compute(new float[0], new float[0], new double[0], new float[0], null));
  }
}
