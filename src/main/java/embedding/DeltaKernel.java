package embedding;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Turns a batch of sparse gradients into the {@link RowPatch} it produces, without touching the block: the
 * caller persists the patch first and applies it afterwards (event sourcing), so a failed write changes
 * nothing.
 *
 * <p>Gradients for the same row within one batch are summed first (one Adagrad step per row per batch).
 * Stochastic rounding draws from a generator seeded by the caller (e.g. from the range and the batch id), so
 * the same batch on the same rows always yields the same patch.
 */
public final class DeltaKernel {

  private final RowwiseAdagrad optimizer;
  private final int dim;
  private final float[] row;
  private final float[] grad;

  public DeltaKernel(RowwiseAdagrad optimizer, int dim) {
    this.optimizer = optimizer;
    this.dim = dim;
    this.row = new float[dim];
    this.grad = new float[dim];
  }

  /**
   * @param rows row indices within the block (may repeat)
   * @param gradients {@code rows.length * dim} values, row-major
   */
  public RowPatch adagrad(RowBlock block, int[] rows, float[] gradients, long roundingSeed) {
    if (gradients.length != rows.length * dim) {
      throw new IllegalArgumentException(
          "expected " + rows.length * dim + " gradient values for " + rows.length + " rows, got " + gradients.length);
    }
    int[] order = sortedOrder(rows);
    int unique = 0;
    for (int i = 0; i < order.length; i++) {
      if (i == 0 || rows[order[i]] != rows[order[i - 1]]) unique++;
    }
    int[] outRows = new int[unique];
    short[] outValues = new short[unique * dim];
    float[] outAcc = new float[unique];
    SplittableRandom rng = new SplittableRandom(roundingSeed);

    int u = 0;
    for (int i = 0; i < order.length; ) {
      int r = rows[order[i]];
      checkRow(block, r);
      Arrays.fill(grad, 0f);
      for (; i < order.length && rows[order[i]] == r; i++) {
        int off = order[i] * dim;
        for (int k = 0; k < dim; k++) grad[k] += gradients[off + k];
      }
      float acc = RowwiseAdagrad.accumulate(block.accumulator(r), grad, 0, dim);
      float step = optimizer.step(acc);
      block.readRow(r, row, 0);
      for (int k = 0; k < dim; k++) row[k] -= step * grad[k];
      Fp16.encode(row, 0, outValues, u * dim, dim, rng);
      outRows[u] = r;
      outAcc[u] = acc;
      u++;
    }
    return new RowPatch(dim, outRows, outValues, outAcc);
  }

  /** The patch that writes the given float rows (stochastically rounded), optionally resetting optimizer state. */
  public RowPatch write(RowBlock block, int[] rows, float[] values, float resetAccumulator, boolean resetOptimizer,
      long roundingSeed) {
    if (values.length != rows.length * dim) {
      throw new IllegalArgumentException(
          "expected " + rows.length * dim + " values for " + rows.length + " rows, got " + values.length);
    }
    short[] out = new short[values.length];
    float[] acc = new float[rows.length];
    SplittableRandom rng = new SplittableRandom(roundingSeed);
    for (int i = 0; i < rows.length; i++) {
      checkRow(block, rows[i]);
      acc[i] = resetOptimizer ? resetAccumulator : block.accumulator(rows[i]);
    }
    Fp16.encode(values, 0, out, 0, values.length, rng);
    return new RowPatch(dim, rows.clone(), out, acc);
  }

  private static void checkRow(RowBlock block, int r) {
    if (r < 0 || r >= block.rows()) {
      throw new IllegalArgumentException("row " + r + " outside range of " + block.rows() + " rows");
    }
  }

  /** Indices of rows in ascending row order; packs (row, index) into longs to sort without boxing. */
  private static int[] sortedOrder(int[] rows) {
    long[] packed = new long[rows.length];
    for (int i = 0; i < rows.length; i++) packed[i] = ((long) rows[i] << 32) | i;
    Arrays.sort(packed);
    int[] order = new int[rows.length];
    for (int i = 0; i < rows.length; i++) order[i] = (int) packed[i];
    return order;
  }
}
