package model;

import embedding.RowInit;
import java.util.Objects;

/**
 * {@code y = act(W·x + b)}, W of shape out × in, row-major. Initialised as a seeded Gaussian random projection
 * (entries N(0, 1/out), b = 0), which preserves norms and inner products in expectation
 * (Johnson–Lindenstrauss), so a fresh layer keeps the geometry of its input. Hand-written: the project has no
 * dense linear-algebra dependency and these layers are a few thousand multiply-adds.
 *
 * <p>Forward is read-only and safe from many threads. {@link #apply} mutates: only the full-learning job calls
 * it, on its own copy ({@link #copy()}), never while the layer serves.
 */
public final class DenseLayer {

  public enum Activation { IDENTITY, TANH }

  /** dL/dW (row-major, like W), dL/db and dL/dx for one input. */
  public record Gradients(float[] weights, float[] bias, float[] input) {}

  private final int in;
  private final int out;
  private final Activation activation;
  private final float[] weights;
  private final float[] bias;

  public DenseLayer(int in, int out, Activation activation, long seed) {
    if (in <= 0) throw new IllegalArgumentException("in must be > 0, got " + in);
    if (out <= 0) throw new IllegalArgumentException("out must be > 0, got " + out);
    this.in = in;
    this.out = out;
    this.activation = Objects.requireNonNull(activation, "activation");
    this.weights = new float[out * in];
    this.bias = new float[out];
    // RowInit rather than java.util.Random: the values must not change with the JDK.
    float std = (float) (1 / Math.sqrt(out));
    for (int o = 0; o < out; o++) RowInit.initRow(seed, o, std, weights, o * in, in);
  }

  private DenseLayer(DenseLayer other) {
    this.in = other.in;
    this.out = other.out;
    this.activation = other.activation;
    this.weights = other.weights.clone();
    this.bias = other.bias.clone();
  }

  public DenseLayer copy() {
    return new DenseLayer(this);
  }

  public int in() {
    return in;
  }

  public int out() {
    return out;
  }

  public float[] forward(float[] x) {
    checkInput(x);
    float[] y = new float[out];
    for (int o = 0; o < out; o++) {
      float s = bias[o];
      int row = o * in;
      for (int i = 0; i < in; i++) s += weights[row + i] * x[i];
      y[o] = activation == Activation.TANH ? (float) Math.tanh(s) : s;
    }
    return y;
  }

  /** Gradients for input {@code x} given dL/dy; recomputes the forward pass (cheaper than caching it). */
  public Gradients backward(float[] x, float[] dOut) {
    checkInput(x);
    if (dOut == null || dOut.length != out) {
      throw new IllegalArgumentException("dOut must have length " + out);
    }
    float[] y = forward(x);
    float[] dPre = new float[out];
    for (int o = 0; o < out; o++) {
      dPre[o] = activation == Activation.TANH ? dOut[o] * (1 - y[o] * y[o]) : dOut[o];
    }
    float[] dW = new float[out * in];
    float[] dx = new float[in];
    for (int o = 0; o < out; o++) {
      int row = o * in;
      float g = dPre[o];
      for (int i = 0; i < in; i++) {
        dW[row + i] = g * x[i];
        dx[i] += weights[row + i] * g;
      }
    }
    return new Gradients(dW, dPre, dx);
  }

  /** Plain SGD step {@code θ -= learningRate·g}; the full-learning job may bring its own optimiser instead. */
  public void apply(Gradients g, float learningRate) {
    if (g.weights().length != weights.length || g.bias().length != bias.length) {
      throw new IllegalArgumentException("gradients do not match layer " + out + "x" + in);
    }
    for (int k = 0; k < weights.length; k++) weights[k] -= learningRate * g.weights()[k];
    for (int o = 0; o < out; o++) bias[o] -= learningRate * g.bias()[o];
  }

  private void checkInput(float[] x) {
    if (x == null || x.length != in) {
      throw new IllegalArgumentException("x must have length " + in + ", got " + (x == null ? "null" : x.length));
    }
  }
}
