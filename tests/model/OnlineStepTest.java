package model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import model.OnlineStep.Example;
import model.OnlineStep.ItemInput;
import model.OnlineStep.Step;
import org.junit.jupiter.api.Test;

class OnlineStepTest {

  private static final int D = 4;
  private static final int TIERS = 3;
  private static final long POOL = 50;

  /**
   * Six items: 2 has no metadata, 5 takes no part. Five examples: 0 and 2 share a positive (masked accidental
   * hit), 1 has no history, 2 has no user-ID row, 3's row is still zero, 4 has neither (no user vector: skipped).
   * Extra negatives 4, 1 (row 1's positive again) and 3, drawn from a pool of {@link #POOL} items.
   */
  private static Step batch(SplittableRandom rng) {
    int[] tiers = {0, 1, 2, 2, 1, 0};
    List<ItemInput> items = new ArrayList<>();
    for (int j = 0; j < 6; j++) {
      float[] meta = j == 2 ? null : GradCheck.gaussian(rng, D, 0.4);
      items.add(new ItemInput("item-" + j, GradCheck.gaussian(rng, D, 0.4), tiers[j], meta));
    }
    List<Example> examples = List.of(
        new Example(0, GradCheck.gaussian(rng, D, 0.5), GradCheck.gaussian(rng, D, 0.2), 1f),
        new Example(1, null, GradCheck.gaussian(rng, D, 0.5), 2f),
        new Example(0, GradCheck.gaussian(rng, D, 0.5), null, 1.5f),
        new Example(2, GradCheck.gaussian(rng, D, 0.5), new float[D], 1f),
        new Example(3, null, null, 1f));
    return new Step(items, examples, new int[] {4, 1, 3}, POOL);
  }

  private static FrequencyEstimator estimator() {
    FrequencyEstimator freq = new FrequencyEstimator(2, 1024, 7, 0.05, 1e-6);
    for (int t = 0; t < 300; t++) freq.observe("item-" + (t % 3 == 0 ? 0 : t % 11));
    return freq;
  }

  private static double[] toDouble(float[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i];
    return out;
  }

  @Test
  void wholeStepMatchesFiniteDifferences() {
    checkWholeStep(0.2f, 11);
  }

  @Test
  void wholeStepMatchesFiniteDifferencesAtSmallTemperature() {
    checkWholeStep(0.05f, 17);
  }

  private void checkWholeStep(float tau, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Step step = batch(rng);
    FrequencyEstimator freq = estimator();
    float[] theta = {(float) Fusion.thetaFor(0.8), (float) Fusion.thetaFor(0.55), (float) Fusion.thetaFor(0.3)};
    DoubleSupplier loss = () -> new OnlineStep(D, tau, toDouble(theta), freq).compute(step).loss();
    OnlineStep.Gradients g = new OnlineStep(D, tau, toDouble(theta), freq).compute(step);

    double h = tau * 5e-3; // curvature grows like 1/τ²
    double rtol = 5e-3;
    double atol = 5e-4;
    for (int j = 0; j < 5; j++) {
      ItemInput item = step.items().get(j);
      GradCheck.check("hash " + j, item.hash(), g.hash()[j], loss, h, rtol, atol);
      if (item.meta() != null) GradCheck.check("meta " + j, item.meta(), g.meta()[j], loss, h, rtol, atol);
    }
    for (int row : new int[] {0, 1, 3}) {
      GradCheck.check("userIdRow " + row, step.examples().get(row).userIdRow(), g.userIdRow()[row], loss, h, rtol, atol);
    }
    float[] thetaGrad = new float[TIERS];
    for (int t = 0; t < TIERS; t++) thetaGrad[t] = (float) g.theta()[t];
    GradCheck.check("theta", theta, thetaGrad, loss, h, rtol, atol);
    for (int t = 0; t < TIERS; t++) assertTrue(Math.abs(g.theta()[t]) > 1e-4, "θ_" + t + " gradient " + g.theta()[t]);
  }

  @Test
  void untouchedAndUndefinedPartsAreNull() {
    Step step = batch(new SplittableRandom(12));
    OnlineStep.Gradients g = new OnlineStep(D, 0.05f, new double[TIERS], estimator()).compute(step);
    assertNull(g.hash()[5], "item 5 is neither a positive nor a negative");
    assertNull(g.meta()[5]);
    assertNull(g.itemVectors()[5]);
    assertNull(g.meta()[2], "item 2 has no metadata");
    assertNotNull(g.hash()[2]);
    assertNull(g.userVectors()[4], "example 4 has no user vector");
    assertNull(g.userIdRow()[4]);
    assertNotNull(g.userIdRow()[2], "a missing user-ID row is zero, and still learns");
    assertTrue(Double.isFinite(g.loss()) && g.loss() > 0);
  }

  /** With user-ID rows at zero, the user vector is the normalised history mean, and items are fused as in Fusion. */
  @Test
  void outputsAreTheForwardVectors() {
    Step step = batch(new SplittableRandom(13));
    double[] theta = {0.3, -0.2, 1.1};
    OnlineStep.Gradients g = new OnlineStep(D, 0.05f, theta, null).compute(step);
    Example e3 = step.examples().get(3);
    assertArrayEquals(Vectors.normalizeOrNull(e3.historyMean()), g.userVectors()[3], 1e-6f);
    ItemInput item1 = step.items().get(1);
    assertArrayEquals(Fusion.forward(item1.hash(), item1.meta(), theta[1]).vector(), g.itemVectors()[1]);
  }

  @Test
  void aSmallGradientStepLowersTheLoss() {
    Step step = batch(new SplittableRandom(14));
    FrequencyEstimator freq = estimator();
    double[] theta = {1.4, 0.2, -0.8};
    OnlineStep before = new OnlineStep(D, 0.05f, theta, freq);
    OnlineStep.Gradients g = before.compute(step);
    float lr = 1e-3f;
    for (int j = 0; j < step.items().size(); j++) {
      sgd(step.items().get(j).hash(), g.hash()[j], lr);
      sgd(step.items().get(j).meta(), g.meta()[j], lr);
    }
    for (int row = 0; row < step.examples().size(); row++) sgd(step.examples().get(row).userIdRow(), g.userIdRow()[row], lr);
    double[] newTheta = theta.clone();
    for (int t = 0; t < TIERS; t++) newTheta[t] -= lr * g.theta()[t];
    double after = new OnlineStep(D, 0.05f, newTheta, freq).compute(step).loss();
    assertTrue(after < g.loss(), "loss " + g.loss() + " → " + after);
  }

  private static void sgd(float[] param, float[] grad, float lr) {
    if (param == null || grad == null) return;
    for (int i = 0; i < param.length; i++) param[i] -= lr * grad[i];
  }

  @Test
  void computeLeavesTheEstimatorAloneAndObservePositivesFeedsIt() {
    Step step = batch(new SplittableRandom(15));
    FrequencyEstimator freq = estimator();
    long steps = freq.steps();
    double logQ = freq.logQ("item-0");
    new OnlineStep(D, 0.05f, new double[TIERS], freq).compute(step);
    assertEquals(steps, freq.steps());
    OnlineStep.observePositives(step, freq);
    assertEquals(steps + step.examples().size(), freq.steps());
    assertTrue(freq.logQ("item-0") != logQ);
  }

  @Test
  void groupedStepSumsTheGroupsAndObservesEachGroupBeforeTheNext() {
    Step whole = batch(new SplittableRandom(17));
    double[] theta = {0.3, -0.2, 0.1};
    whole = new Step(whole.items(), whole.examples(), new int[] {4, 1, 3, 1}, POOL);
    // Expected: group {0,1,2} with extras 4, 1, observe, then group {3,4} with extras 3, 1, observe; gradients summed.
    FrequencyEstimator byHand = estimator();
    OnlineStep manual = new OnlineStep(D, 0.05f, theta, byHand);
    Step first = new Step(whole.items(), whole.examples().subList(0, 3), new int[] {4, 1}, POOL);
    OnlineStep.Gradients g1 = manual.compute(first);
    OnlineStep.observePositives(first, byHand);
    Step second = new Step(whole.items(), whole.examples().subList(3, 5), new int[] {3, 1}, POOL);
    OnlineStep.Gradients g2 = manual.compute(second);
    OnlineStep.observePositives(second, byHand);

    FrequencyEstimator grouped = estimator();
    OnlineStep.Gradients g = new OnlineStep(D, 0.05f, theta, grouped).computeGrouped(whole, 3);
    assertEquals(byHand.steps(), grouped.steps());
    assertEquals(g1.loss() + g2.loss(), g.loss(), 1e-9);
    for (int j = 0; j < whole.items().size(); j++) {
      assertArrayEquals(plus(g1.hash()[j], g2.hash()[j]), g.hash()[j], 1e-6f, "hash " + j);
      assertArrayEquals(plus(g1.meta()[j], g2.meta()[j]), g.meta()[j], 1e-6f, "meta " + j);
    }
    assertNull(g.hash()[5], "item 5 takes no part in either group");
    assertArrayEquals(g1.userIdRow()[0], g.userIdRow()[0]);
    assertArrayEquals(g2.userIdRow()[0], g.userIdRow()[3]);
    for (int t = 0; t < TIERS; t++) assertEquals(g1.theta()[t] + g2.theta()[t], g.theta()[t], 1e-9);
    // The second group saw the estimate after the first group's positives: not the same as one big softmax.
    OnlineStep.Gradients oneGroup = new OnlineStep(D, 0.05f, theta, estimator()).computeGrouped(whole, 5);
    assertTrue(Math.abs(oneGroup.loss() - g.loss()) > 1e-6);
  }

  @Test
  void groupedExtrasMustSplitEvenly() {
    Step whole = batch(new SplittableRandom(18)); // 3 extras, 2 groups of 3
    var e = assertThrows(IllegalArgumentException.class,
        () -> new OnlineStep(D, 0.05f, new double[TIERS], estimator()).computeGrouped(whole, 3));
    assertTrue(e.getMessage().startsWith("extraNegatives"), e.getMessage());
  }

  /**
   * Every column's logQ is the mixture's, log(p_j + B'/(B·N)) — the in-batch positives and the uniform extras alike —
   * not the item's popularity alone: the loss equals the softmax computed by hand with those corrections, and
   * differs from the one the extras' own log p_j gives.
   */
  @Test
  void everyCandidateIsCorrectedByTheMixture() {
    Step step = batch(new SplittableRandom(19));
    FrequencyEstimator freq = estimator();
    double[] theta = {0.3, -0.2, 1.1};
    float tau = 0.1f;
    OnlineStep.Gradients g = new OnlineStep(D, tau, theta, freq).compute(step);

    int b = step.examples().size();
    int[] extras = step.extraNegatives();
    int[] column = new int[b + extras.length];
    for (int row = 0; row < b; row++) column[row] = step.examples().get(row).positive();
    System.arraycopy(extras, 0, column, b, extras.length);
    float[] users = new float[b * D];
    float[] weights = new float[b];
    for (int row = 0; row < b; row++) {
      if (g.userVectors()[row] == null) continue;
      System.arraycopy(g.userVectors()[row], 0, users, row * D, D);
      weights[row] = step.examples().get(row).weight();
    }
    float[] candidates = new float[column.length * D];
    double[] mixture = new double[column.length];
    double[] popularity = new double[column.length];
    for (int col = 0; col < column.length; col++) {
      String id = step.items().get(column[col]).itemId();
      System.arraycopy(g.itemVectors()[column[col]], 0, candidates, col * D, D);
      mixture[col] = Math.log(freq.probability(id) + (double) extras.length / (b * POOL));
      popularity[col] = freq.logQ(id);
    }
    InBatchSoftmax softmax = new InBatchSoftmax(D, tau);
    assertEquals(softmax.compute(users, candidates, mixture, weights, column).loss(), g.loss(), 1e-9);
    double byPopularity = softmax.compute(users, candidates, popularity, weights, column).loss();
    assertTrue(Math.abs(byPopularity - g.loss()) > 1e-3, "popularity " + byPopularity + " vs " + g.loss());
  }

  private static float[] plus(float[] a, float[] b) {
    if (a == null) return b;
    if (b == null) return a;
    float[] out = a.clone();
    for (int k = 0; k < out.length; k++) out[k] += b[k];
    return out;
  }

  @Test
  void badInputIsRefused() {
    Step good = batch(new SplittableRandom(16));
    OnlineStep online = new OnlineStep(D, 0.05f, new double[TIERS], null);
    List<ItemInput> items = good.items();
    List<Example> examples = good.examples();
    assertThrows(IllegalArgumentException.class, () -> new OnlineStep(D, 0.05f, new double[0], null));
    assertThrows(IllegalArgumentException.class, () -> new OnlineStep(D, 0.05f, new double[] {Double.NaN}, null));
    assertThrows(IllegalArgumentException.class, () -> new OnlineStep(D, 0f, new double[1], null));
    assertThrows(IllegalArgumentException.class, () -> online.compute(new Step(List.of(), examples, null)));
    assertThrows(IllegalArgumentException.class, () -> online.compute(new Step(items, List.of(), null)));
    assertThrows(IllegalArgumentException.class, () -> online.compute(new Step(items, examples, new int[] {6})));
    var noPool = assertThrows(IllegalArgumentException.class, () -> online.compute(new Step(items, examples, new int[] {4})));
    assertTrue(noPool.getMessage().startsWith("uniformPool"), noPool.getMessage());
    List<ItemInput> duplicate = new ArrayList<>(items);
    duplicate.set(1, new ItemInput("item-0", new float[D], 0, null));
    assertThrows(IllegalArgumentException.class, () -> online.compute(new Step(duplicate, examples, null)));
    List<ItemInput> badTier = new ArrayList<>(items);
    badTier.set(1, new ItemInput("item-1", new float[D], TIERS, null));
    assertThrows(IllegalArgumentException.class, () -> online.compute(new Step(badTier, examples, null)));
    List<ItemInput> badDim = new ArrayList<>(items);
    badDim.set(1, new ItemInput("item-1", new float[D], 0, new float[D + 1]));
    assertThrows(IllegalArgumentException.class, () -> online.compute(new Step(badDim, examples, null)));
    assertThrows(IllegalArgumentException.class,
        () -> online.compute(new Step(items, List.of(new Example(9, null, new float[D], 1)), null)));
    assertThrows(IllegalArgumentException.class,
        () -> online.compute(new Step(items, List.of(new Example(0, null, new float[D], -1)), null)));
  }
}
