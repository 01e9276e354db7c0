package embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ObjIntConsumer;
import org.junit.jupiter.api.Test;

/**
 * Adagrad steps smaller than an fp16 ulp, through the optimizer paths the learner uses: the mean of many
 * stochastically rounded rows follows the fp32 trajectory, where round-to-nearest would lose every step.
 * (StochasticRoundingTest covers Fp16 alone; RowwiseAdagradTest the update rule with exact values.)
 */
class AdagradSubUlpStepTest {

  private static final int ROWS = 2048;
  private static final int DIM = 8;
  private static final int STEPS = 100;
  // Below 1.0 fp16 values are 2^-11 apart; the first step (lr / √1) is about 0.2 of that, later ones smaller.
  private static final float ULP_BELOW_ONE = 0x1p-11f;
  private static final RowwiseAdagrad ADAGRAD = new RowwiseAdagrad(1e-4f, 1e-8f);
  private static final float[] ONES = ones(DIM);

  private static float[] ones(int n) {
    float[] v = new float[n];
    Arrays.fill(v, 1f);
    return v;
  }

  private static RowBlock blockOfOnes() {
    RowBlock block = new RowBlock(ROWS, DIM, 1L, 0L, 0f, 0f);
    short[] one = new short[DIM];
    Arrays.fill(one, Fp16.fromFloat(1f));
    for (int r = 0; r < ROWS; r++) block.writeRaw(r, one, 0);
    return block;
  }

  /** The same steps in fp32 on one weight, and with round-to-nearest fp16 storage. */
  private static float[] referenceAndNearest() {
    float acc = 0;
    float fp32 = 1f;
    short nearest = Fp16.fromFloat(1f);
    for (int t = 0; t < STEPS; t++) {
      acc = RowwiseAdagrad.accumulate(acc, ONES, 0, DIM);
      float step = ADAGRAD.step(acc);
      fp32 -= step;
      nearest = Fp16.fromFloat(Fp16.toFloat(nearest) - step);
    }
    return new float[] {fp32, Fp16.toFloat(nearest)};
  }

  private static void check(ObjIntConsumer<RowBlock> stepAllRows) {
    RowBlock block = blockOfOnes();
    for (int t = 0; t < STEPS; t++) stepAllRows.accept(block, t);
    double sum = 0;
    float[] row = new float[DIM];
    for (int r = 0; r < ROWS; r++) {
      block.readRow(r, row, 0);
      for (float x : row) sum += x;
    }
    double mean = sum / (ROWS * DIM);
    float[] ref = referenceAndNearest();
    float fp32 = ref[0];
    assertEquals(1f, ref[1], "round-to-nearest loses every step");
    assertTrue(1 - fp32 > 3 * ULP_BELOW_ONE, "the fp32 weight moves several ulps: " + (1 - fp32) / ULP_BELOW_ONE);
    // Each weight's rounding error is a martingale with variance < STEPS/4 ulp²: the sd of the mean is < 0.04 ulp.
    double sdOfMean = Math.sqrt(STEPS / 4.0 / (ROWS * DIM)) * ULP_BELOW_ONE;
    assertEquals(fp32, mean, 6 * sdOfMean, "mean off by " + (mean - fp32) / ULP_BELOW_ONE + " ulp");
  }

  @Test
  void rowwiseAdagradApplyIsUnbiasedBelowAnUlp() {
    SplittableRandom rng = new SplittableRandom(42);
    float[] scratch = new float[DIM];
    check((block, t) -> {
      for (int r = 0; r < ROWS; r++) ADAGRAD.apply(block, r, ONES, 0, rng, scratch);
    });
  }

  @Test
  void deltaKernelPatchesAreUnbiasedBelowAnUlp() {
    DeltaKernel kernel = new DeltaKernel(ADAGRAD, DIM);
    int[] rows = new int[ROWS];
    for (int r = 0; r < ROWS; r++) rows[r] = r;
    float[] grads = ones(ROWS * DIM);
    check((block, t) -> kernel.adagrad(block, rows, grads, 1000L + t).applyTo(block));
  }
}
