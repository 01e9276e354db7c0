package model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ScalarAdagradTest {

  /**
   * lr 0.1, eps 0: θ = [1, −2, 0.5], acc = [0, 1, 0].
   * g1 = [0.5, −3, 0]: acc = [0.25, 10, 0], θ = [1 − 0.1·0.5/0.5, −2 + 0.1·3/√10, 0.5] = [0.9, −1.9051317, 0.5].
   * g2 = [1.2, 0, 0]: acc0 = 0.25 + 1.44 = 1.69, θ0 = 0.9 − 0.1·1.2/1.3 = 0.8076923.
   */
  @Test
  void stepsMatchHandComputedValues() {
    ScalarAdagrad opt = new ScalarAdagrad(0.1, 0);
    double[] theta = {1, -2, 0.5};
    double[] acc = {0, 1, 0};
    opt.apply(theta, acc, new double[] {0.5, -3, 0});
    assertArrayEquals(new double[] {0.25, 10, 0}, acc, 1e-12);
    assertArrayEquals(new double[] {0.9, -1.9051317, 0.5}, theta, 1e-7);
    opt.apply(theta, acc, new double[] {1.2, 0, 0});
    assertEquals(1.69, acc[0], 1e-12);
    assertEquals(0.8076923, theta[0], 1e-7);
  }

  /** Learning a tier's fusion weight: minimise (sigmoid(θ) − 0.65)² from the cold start 0.3. */
  @Test
  void convergesOnAOneDimensionalProblem() {
    ScalarAdagrad opt = new ScalarAdagrad(0.5, 1e-8);
    double[] theta = {Fusion.thetaFor(0.3)};
    double[] acc = {0};
    for (int t = 0; t < 2000; t++) {
      double a = Fusion.alpha(theta[0]);
      opt.apply(theta, acc, new double[] {2 * (a - 0.65) * a * (1 - a)});
    }
    assertEquals(0.65, Fusion.alpha(theta[0]), 1e-3);
  }

  @Test
  void badInputChangesNothing() {
    ScalarAdagrad opt = new ScalarAdagrad(0.1, 1e-8);
    double[] theta = {1, 2};
    double[] acc = {0, 0};
    assertThrows(IllegalArgumentException.class, () -> opt.apply(theta, acc, new double[] {1, Double.NaN}));
    assertThrows(IllegalArgumentException.class, () -> opt.apply(theta, acc, new double[] {1}));
    assertThrows(IllegalArgumentException.class, () -> opt.apply(theta, new double[] {0, -1}, new double[] {1, 1}));
    assertArrayEquals(new double[] {1, 2}, theta);
    assertArrayEquals(new double[] {0, 0}, acc);
    assertThrows(IllegalArgumentException.class, () -> new ScalarAdagrad(0, 0));
    assertThrows(IllegalArgumentException.class, () -> new ScalarAdagrad(0.1, -1));
  }
}
