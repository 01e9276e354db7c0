package embedding;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Row-wise Adagrad: one fp32 accumulator per row (the running sum of the mean squared gradient)
 * instead of one per element, which keeps optimiser state at 4 bytes per row. Weights are updated
 * in fp32 and stored back as fp16 with stochastic rounding.
 */
public final class RowwiseAdagrad {

  private final float learningRate;
  private final float epsilon;

  public RowwiseAdagrad(float learningRate, float epsilon) {
    if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
    }
    if (!(epsilon >= 0) || Float.isInfinite(epsilon)) {
      throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
    }
    this.learningRate = learningRate;
    this.epsilon = epsilon;
  }

  public float learningRate() {
    return learningRate;
  }

  public float epsilon() {
    return epsilon;
  }

  /** {@code acc + mean(g²)} over {@code grad[off, off + dim)}; summed in double for accuracy. */
  public static float accumulate(float acc, float[] grad, int off, int dim) {
    Objects.checkFromIndexSize(off, dim, grad.length);
    if (dim <= 0) {
      throw new IllegalArgumentException("dim must be > 0, got " + dim);
    }
    return (float) (acc + sumOfSquares(grad, off, dim) / dim);
  }

  /** Per-element step size for a row whose accumulator (after this gradient) is {@code accAfter}. */
  public float step(float accAfter) {
    return (float) (learningRate / (Math.sqrt(accAfter) + epsilon));
  }

  /**
   * One update of {@code row}: accumulate, then {@code w -= step(acc') * g} in fp32 from the
   * decoded row, written back with stochastic rounding. An all-zero gradient changes nothing
   * (and allocates nothing).
   *
   * @param scratch at least {@code block.dim()} floats, so the hot path does not allocate
   * @throws IllegalArgumentException if the gradient is not finite or overflows the accumulator;
   *     the row is then left untouched
   */
  public void apply(RowBlock block, int row, float[] grad, int off, RandomGenerator rng, float[] scratch) {
    int dim = block.dim();
    Objects.checkFromIndexSize(off, dim, grad.length);
    if (scratch.length < dim) {
      throw new IllegalArgumentException("scratch has " + scratch.length + " floats, need " + dim);
    }
    double sumSq = sumOfSquares(grad, off, dim);
    if (sumSq == 0) {
      return;
    }
    float acc = (float) (block.accumulator(row) + sumSq / dim);
    if (!Float.isFinite(acc)) {
      // A NaN or huge gradient would poison the row and its accumulator for good.
      throw new IllegalArgumentException("non-finite gradient or accumulator for row " + row);
    }
    float step = step(acc);
    block.readRow(row, scratch, 0);
    for (int i = 0; i < dim; i++) {
      scratch[i] -= step * grad[off + i];
    }
    block.writeRow(row, scratch, 0, rng);
    block.setAccumulator(row, acc);
  }

  private static double sumOfSquares(float[] v, int off, int len) {
    double sum = 0;
    for (int i = off, end = off + len; i < end; i++) {
      double x = v[i];
      sum += x * x;
    }
    return sum;
  }
}
