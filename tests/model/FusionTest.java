package model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FusionTest {

  private static final int D = 6;

  @Test
  void thetaForIsTheInverseOfAlpha() {
    for (double a : new double[] {0.8, 0.55, 0.3, 0.01, 0.99}) assertEquals(a, Fusion.alpha(Fusion.thetaFor(a)), 1e-12);
    assertEquals(0, Fusion.thetaFor(0.5), 0);
    assertEquals(Math.log(4), Fusion.thetaFor(0.8), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> Fusion.thetaFor(0));
    assertThrows(IllegalArgumentException.class, () -> Fusion.thetaFor(1));
    assertThrows(IllegalArgumentException.class, () -> Fusion.thetaFor(Double.NaN));
  }

  @Test
  void forwardIsTheNormalisedMix() {
    Fusion.Fused f = Fusion.forward(new float[] {1, 0}, new float[] {0, 2}, Fusion.thetaFor(0.8));
    // z = 0.8·(1, 0) + 0.2·(0, 2) = (0.8, 0.4)
    double n = Math.hypot(0.8, 0.4);
    assertArrayEquals(new float[] {(float) (0.8 / n), (float) (0.4 / n)}, f.vector(), 1e-7f);
    assertEquals(n, f.norm(), 1e-7);
    assertEquals(0.8, f.alpha(), 1e-12);
  }

  /** L = <c, f> exercises all of the normalisation's Jacobian. */
  @Test
  void gradientsIntoHashMetaAndThetaMatchFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(1);
    for (double alpha : new double[] {0.8, 0.3}) {
      float[] h = GradCheck.gaussian(rng, D, 0.3);
      float[] m = GradCheck.gaussian(rng, D, 0.3);
      float[] c = GradCheck.gaussian(rng, D, 1);
      float[] theta = {(float) Fusion.thetaFor(alpha)};
      Fusion.Gradients g = Fusion.forward(h, m, theta[0]).backward(c);
      java.util.function.DoubleSupplier loss = () -> GradCheck.dot(c, Fusion.forward(h, m, theta[0]).vector());
      GradCheck.check("dL/dh", h, g.hash(), loss, 1e-3, 2e-3, 2e-5);
      GradCheck.check("dL/dm", m, g.meta(), loss, 1e-3, 2e-3, 2e-5);
      GradCheck.check("dL/dθ", theta, new float[] {(float) g.theta()}, loss, 1e-3, 2e-3, 2e-5);
      assertTrue(Math.abs(g.theta()) > 1e-3, "θ gradient should not vanish here: " + g.theta());
    }
  }

  @Test
  void withoutMetadataTheHashRowIsUsedAlone() {
    SplittableRandom rng = new SplittableRandom(2);
    float[] h = GradCheck.gaussian(rng, D, 0.3);
    float[] c = GradCheck.gaussian(rng, D, 1);
    Fusion.Fused f = Fusion.forward(h, null, 5.0);
    assertEquals(1, f.alpha());
    assertArrayEquals(Vectors.normalizeOrNull(h), f.vector(), 1e-6f);
    Fusion.Gradients g = f.backward(c);
    assertNull(g.meta());
    assertEquals(0, g.theta());
    GradCheck.check("dL/dh", h, g.hash(), () -> GradCheck.dot(c, Fusion.forward(h, null, 5.0).vector()), 1e-3, 2e-3, 2e-5);
  }

  @Test
  void zeroMixGivesZeroVectorAndZeroGradientsNotNaN() {
    float[] c = {1, 2, 3};
    Fusion.Fused zero = Fusion.forward(new float[3], new float[3], 0.3);
    // Also a mix that cancels exactly: a = 0.5, h = −m.
    Fusion.Fused cancel = Fusion.forward(new float[] {1, -2, 0.5f}, new float[] {-1, 2, -0.5f}, 0);
    for (Fusion.Fused f : new Fusion.Fused[] {zero, cancel}) {
      assertEquals(0, f.norm());
      assertArrayEquals(new float[3], f.vector());
      Fusion.Gradients g = f.backward(c);
      assertArrayEquals(new float[3], g.hash());
      assertArrayEquals(new float[3], g.meta());
      assertEquals(0, g.theta());
    }
  }

  @Test
  void badInputIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Fusion.forward(new float[2], new float[3], 0));
    assertThrows(IllegalArgumentException.class, () -> Fusion.forward(null, null, 0));
    assertThrows(IllegalArgumentException.class, () -> Fusion.forward(new float[2], null, Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Fusion.forward(new float[] {1, 0}, null, 0).backward(new float[3]));
  }

  @Test
  void aRowReweightedForAnotherTiersWeightFusesToTheSameVector() {
    java.util.Random r = new java.util.Random(3);
    float[] h = new float[32];
    float[] m = new float[32];
    for (int i = 0; i < 32; i++) {
      h[i] = (float) r.nextGaussian() * 0.1f;
      m[i] = (float) r.nextGaussian() * 0.1f;
    }
    for (double[] move : new double[][] {{0.6, 0.8}, {0.8, 0.3}, {0.3, 0.55}}) {
      float[] before = Fusion.forward(h, m, Fusion.thetaFor(move[0])).vector();
      float[] moved = Fusion.rowKeepingOutput(h, m, move[0], move[1]);
      float[] after = Fusion.forward(moved, m, Fusion.thetaFor(move[1])).vector();
      for (int i = 0; i < 32; i++) assertEquals(before[i], after[i], 1e-5, "a " + move[0] + " -> " + move[1]);
      // Without the re-weighting the vector turns (what a move did before).
      float[] naive = Fusion.forward(h, m, Fusion.thetaFor(move[1])).vector();
      double cos = 0;
      for (int i = 0; i < 32; i++) cos += naive[i] * before[i];
      assertTrue(cos < 0.999, "the naive move turns the vector: cos " + cos);
    }
    assertArrayEquals(h, Fusion.rowKeepingOutput(h, null, 0.6, 0.8), "no metadata: a is 1 in every tier");
  }
}
