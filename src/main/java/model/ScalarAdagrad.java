package model;

import embedding.RowwiseAdagrad;

/**
 * Adagrad for a handful of scalars (the per-tier fusion parameters θ_t): the rule of {@link RowwiseAdagrad} with
 * a row of one, {@code acc += g²; x -= lr·g / (√acc + ε)}, kept in double because the values are few and live in
 * the model registry, not in fp16 rows.
 */
public final class ScalarAdagrad {

  private final double learningRate;
  private final double epsilon;

  public ScalarAdagrad(double learningRate, double epsilon) {
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
    }
    if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
    }
    this.learningRate = learningRate;
    this.epsilon = epsilon;
  }

  /** Step size for an accumulator (after the gradient was added). */
  public double step(double accumulator) {
    return learningRate / (Math.sqrt(accumulator) + epsilon);
  }

  /**
   * Updates {@code values} and {@code accumulators} in place. A zero gradient leaves its entry unchanged.
   *
   * @throws IllegalArgumentException on mismatched lengths or a non-finite gradient; nothing is changed then
   */
  public void apply(double[] values, double[] accumulators, double[] gradients) {
    if (values.length != accumulators.length || values.length != gradients.length) {
      throw new IllegalArgumentException("values, accumulators and gradients must have equal lengths, got "
          + values.length + ", " + accumulators.length + ", " + gradients.length);
    }
    for (int i = 0; i < gradients.length; i++) {
      if (!Double.isFinite(gradients[i])) throw new IllegalArgumentException("gradients[" + i + "] must be finite, got " + gradients[i]);
      if (!(accumulators[i] >= 0) || Double.isInfinite(accumulators[i])) {
        throw new IllegalArgumentException("accumulators[" + i + "] must be finite and >= 0, got " + accumulators[i]);
      }
    }
    for (int i = 0; i < gradients.length; i++) {
      double g = gradients[i];
      if (g == 0) continue;
      accumulators[i] += g * g;
      values[i] -= step(accumulators[i]) * g;
    }
  }
}
