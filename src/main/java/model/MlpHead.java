package model;

import embedding.RowInit;

/**
 * The text head of the metadata encoder: {@code textDim → hidden (tanh) → d}. Both layers start as random
 * projections; inputs are unit vectors, so hidden pre-activations are ~N(0, 1/hidden), where tanh is nearly
 * the identity: a fresh head keeps text similarity (JL) yet can learn a nonlinearity in full learning.
 * Frozen in online learning.
 */
public final class MlpHead {

  public record Gradients(DenseLayer.Gradients hidden, DenseLayer.Gradients output) {
    public float[] input() {
      return hidden.input();
    }
  }

  private final DenseLayer hidden;
  private final DenseLayer output;

  public MlpHead(int textDim, int hiddenDim, int dim, long seed) {
    this.hidden = new DenseLayer(textDim, hiddenDim, DenseLayer.Activation.TANH, RowInit.mix(seed, 1));
    this.output = new DenseLayer(hiddenDim, dim, DenseLayer.Activation.IDENTITY, RowInit.mix(seed, 2));
  }

  private MlpHead(DenseLayer hidden, DenseLayer output) {
    this.hidden = hidden;
    this.output = output;
  }

  public MlpHead copy() {
    return new MlpHead(hidden.copy(), output.copy());
  }

  public int textDim() {
    return hidden.in();
  }

  public int dim() {
    return output.out();
  }

  public float[] forward(float[] text) {
    return output.forward(hidden.forward(text));
  }

  public Gradients backward(float[] text, float[] dOut) {
    float[] h = hidden.forward(text);
    DenseLayer.Gradients out = output.backward(h, dOut);
    return new Gradients(hidden.backward(text, out.input()), out);
  }

  public void apply(Gradients g, float learningRate) {
    hidden.apply(g.hidden(), learningRate);
    output.apply(g.output(), learningRate);
  }
}
