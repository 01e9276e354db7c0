package model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DenseLayerTest {

  private final SplittableRandom random = new SplittableRandom(3);

  private float[] uniform(int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    return v;
  }

  /** L = <g, y>; inputs large enough that tanh is far from linear, so a wrong derivative shows. */
  @Test
  void gradientsMatchFiniteDifferences() {
    for (DenseLayer.Activation act : DenseLayer.Activation.values()) {
      DenseLayer layer = new DenseLayer(6, 4, act, 11);
      float[] x = uniform(6, 3);
      float[] g = uniform(4, 1);
      DenseLayer.Gradients grads = layer.backward(x, g);
      double eps = 1e-2;
      for (int p = 0; p < 24; p++) {
        float[] unit = new float[24];
        unit[p] = 1;
        var step = new DenseLayer.Gradients(unit, new float[4], new float[6]);
        layer.apply(step, (float) -eps);
        double plus = dot(g, layer.forward(x));
        layer.apply(step, (float) (2 * eps));
        double minus = dot(g, layer.forward(x));
        layer.apply(step, (float) -eps);
        assertEquals((plus - minus) / (2 * eps), grads.weights()[p], 2e-3, act + " w" + p);
      }
      for (int i = 0; i < 6; i++) {
        float saved = x[i];
        x[i] = (float) (saved + eps);
        double plus = dot(g, layer.forward(x));
        x[i] = (float) (saved - eps);
        double minus = dot(g, layer.forward(x));
        x[i] = saved;
        assertEquals((plus - minus) / (2 * eps), grads.input()[i], 2e-3, act + " x" + i);
      }
      for (int o = 0; o < 4; o++) {
        float[] unit = new float[4];
        unit[o] = 1;
        var step = new DenseLayer.Gradients(new float[24], unit, new float[6]);
        layer.apply(step, (float) -eps);
        double plus = dot(g, layer.forward(x));
        layer.apply(step, (float) (2 * eps));
        double minus = dot(g, layer.forward(x));
        layer.apply(step, (float) -eps);
        assertEquals((plus - minus) / (2 * eps), grads.bias()[o], 2e-3, act + " b" + o);
      }
    }
  }

  @Test
  void freshLayerIsARandomProjectionThatKeepsNorms() {
    DenseLayer layer = new DenseLayer(512, 256, DenseLayer.Activation.IDENTITY, 5);
    double sum = 0;
    for (int t = 0; t < 20; t++) {
      float[] x = Vectors.normalizeOrNull(uniform(512, 1));
      float[] y = layer.forward(x);
      sum += dot(y, y);
    }
    assertEquals(1.0, sum / 20, 0.1, "E|Wx|² = |x|²");
  }

  @Test
  void copyIsIndependent() {
    DenseLayer layer = new DenseLayer(3, 2, DenseLayer.Activation.TANH, 1);
    DenseLayer copy = layer.copy();
    float[] x = {1, 2, 3};
    float[] before = layer.forward(x);
    copy.apply(copy.backward(x, new float[] {1, 1}), 0.5f);
    assertArrayEquals(before, layer.forward(x));
    assertFalse(java.util.Arrays.equals(before, copy.forward(x)));
  }

  @Test
  void badInputNamesTheParameter() {
    DenseLayer layer = new DenseLayer(3, 2, DenseLayer.Activation.TANH, 1);
    var e = assertThrows(IllegalArgumentException.class, () -> layer.forward(new float[2]));
    assertTrue(e.getMessage().startsWith("x"));
    e = assertThrows(IllegalArgumentException.class, () -> layer.backward(new float[3], new float[3]));
    assertTrue(e.getMessage().startsWith("dOut"));
    e = assertThrows(IllegalArgumentException.class, () -> new DenseLayer(0, 2, DenseLayer.Activation.TANH, 1));
    assertTrue(e.getMessage().startsWith("in"));
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
    return s;
  }
}
