package embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RowwiseAdagradTest {

  private static short[] fp16(float... values) {
    short[] bits = new short[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Fp16.fromFloat(values[i]);
    }
    return bits;
  }

  /** One fp16 ulp at |x| (spacing of the binade x falls in). */
  private static float fp16Ulp(float x) {
    short lo = Fp16.fromFloat(Math.abs(x));
    return Fp16.toFloat((short) (lo + 1)) - Fp16.toFloat(lo);
  }

  private static float[] read(RowBlock block, int row) {
    float[] values = new float[block.dim()];
    block.readRow(row, values, 0);
    return values;
  }

  /**
   * lr 0.5, accumulator 0, w = [1, -1, 0.5, 2].
   * Step 1: g = [2, -2, 2, -2], mean g² = 4, acc = 4, step = 0.5 / 2 = 0.25, w = [0.5, -0.5, 0, 2.5].
   * Step 2: g = [4, 4, -4, 0], mean g² = 48 / 4 = 12, acc = 16, step = 0.5 / 4 = 0.125,
   * w = [0, -1, 0.5, 2.5]. Every value is an fp16, so stochastic rounding must return it.
   */
  @Test
  void twoStepsMatchHandComputedValues() {
    RowBlock block = new RowBlock(8, 4, 1L, 0L, 0.1f, 0f);
    block.writeRaw(3, fp16(1f, -1f, 0.5f, 2f), 0);
    RowwiseAdagrad adagrad = new RowwiseAdagrad(0.5f, 1e-8f);
    SplittableRandom rng = new SplittableRandom(1);
    float[] scratch = new float[4];

    adagrad.apply(block, 3, new float[] {2f, -2f, 2f, -2f}, 0, rng, scratch);
    assertEquals(4f, block.accumulator(3));
    assertEquals(0.25f, adagrad.step(4f));
    assertClose(new float[] {0.5f, -0.5f, 0f, 2.5f}, read(block, 3), 0.5f);

    adagrad.apply(block, 3, new float[] {9f, 4f, 4f, -4f, 0f}, 1, rng, scratch); // offset 1
    assertEquals(16f, block.accumulator(3));
    assertClose(new float[] {0f, -1f, 0.5f, 2.5f}, read(block, 3), 0.5f);
  }

  /**
   * Non-dyadic numbers, worked by hand: lr 0.05, eps 1e-8, accumulator 0.1, w = [0.25, -0.75, 0.125].
   * g1 = [0.3, -0.2, 0.1]: acc = 0.1 + 0.14 / 3 = 0.1466667, step = 0.05 / sqrt(0.1466667) = 0.1305582.
   * g2 = [-0.5, 0.4, 0]: acc = 0.1466667 + 0.41 / 3 = 0.2833333, step = 0.05 / sqrt(0.2833333) = 0.0939336.
   * w = w - 0.1305582 g1 - 0.0939336 g2 = [0.2577993, -0.7614618, 0.1119442].
   * Each of the two stochastic roundings may land one fp16 ulp away, so allow two ulps.
   */
  @Test
  void realisticStepsMatchHandComputedValues() {
    RowBlock block = new RowBlock(1, 3, 1L, 0L, 0.1f, 0.1f);
    block.writeRaw(0, fp16(0.25f, -0.75f, 0.125f), 0);
    RowwiseAdagrad adagrad = new RowwiseAdagrad(0.05f, 1e-8f);
    SplittableRandom rng = new SplittableRandom(2);
    float[] scratch = new float[3];

    adagrad.apply(block, 0, new float[] {0.3f, -0.2f, 0.1f}, 0, rng, scratch);
    assertEquals(0.1466667f, block.accumulator(0), 1e-7f);
    assertEquals(0.1305582f, adagrad.step(block.accumulator(0)), 1e-7f);
    adagrad.apply(block, 0, new float[] {-0.5f, 0.4f, 0f}, 0, rng, scratch);
    assertEquals(0.2833333f, block.accumulator(0), 1e-7f);
    assertEquals(0.0939336f, adagrad.step(block.accumulator(0)), 1e-7f);
    assertClose(new float[] {0.2577993f, -0.7614618f, 0.1119442f}, read(block, 0), 2f);
  }

  private static void assertClose(float[] expected, float[] actual, float ulps) {
    for (int i = 0; i < expected.length; i++) {
      float tolerance = ulps * (expected[i] == 0 ? 0x1p-24f : fp16Ulp(expected[i]));
      assertEquals(expected[i], actual[i], tolerance, "element " + i);
    }
  }

  @Test
  void accumulateIsMeanOfSquares() {
    assertEquals(1.5f + 12.5f, RowwiseAdagrad.accumulate(1.5f, new float[] {0f, 3f, 4f}, 1, 2));
  }

  @Test
  void accumulatorOnlyGrowsAndStepOnlyShrinks() {
    int dim = 16;
    RowBlock block = new RowBlock(4, dim, 9L, 0L, 0.1f, 0.1f);
    RowwiseAdagrad adagrad = new RowwiseAdagrad(0.05f, 1e-8f);
    SplittableRandom rng = new SplittableRandom(3);
    float[] grad = new float[dim];
    float[] scratch = new float[dim];
    float previous = block.accumulator(2);
    float previousStep = adagrad.step(previous);
    for (int t = 0; t < 500; t++) {
      for (int i = 0; i < dim; i++) {
        grad[i] = (float) (rng.nextGaussian() * 0.01);
      }
      adagrad.apply(block, 2, grad, 0, rng, scratch);
      float acc = block.accumulator(2);
      assertTrue(acc > previous, "step " + t + ": " + acc + " <= " + previous);
      assertTrue(adagrad.step(acc) <= previousStep);
      previous = acc;
      previousStep = adagrad.step(acc);
    }
  }

  @Test
  void resetRowRestoresInitAndAccumulator() {
    int dim = 8;
    RowBlock block = new RowBlock(4, dim, 9L, 100L, 0.1f, 0.25f);
    float[] before = read(block, 1);
    RowwiseAdagrad adagrad = new RowwiseAdagrad(0.1f, 1e-8f);
    float[] grad = {1, 2, 3, 4, 5, 6, 7, 8};
    adagrad.apply(block, 1, grad, 0, new SplittableRandom(4), new float[dim]);
    assertTrue(block.accumulator(1) > 0.25f);
    block.resetRow(1);
    assertArrayEquals(before, read(block, 1));
    assertEquals(0.25f, block.accumulator(1));
  }

  @Test
  void zeroGradientChangesNothingAndBadGradientIsRejected() {
    int dim = 4;
    RowBlock block = new RowBlock(4, dim, 9L, 0L, 0.1f, 0.1f);
    RowwiseAdagrad adagrad = new RowwiseAdagrad(0.1f, 0f);
    adagrad.apply(block, 0, new float[dim], 0, new SplittableRandom(5), new float[dim]);
    assertEquals(0, block.allocatedPages());
    float[] before = read(block, 0);
    assertThrows(
        IllegalArgumentException.class,
        () -> adagrad.apply(block, 0, new float[] {1, Float.NaN, 0, 0}, 0, new SplittableRandom(5), new float[dim]));
    assertThrows(
        IllegalArgumentException.class,
        () -> adagrad.apply(block, 0, new float[] {1e30f, 0, 0, 0}, 0, new SplittableRandom(5), new float[dim]));
    assertArrayEquals(before, read(block, 0));
    assertEquals(0.1f, block.accumulator(0));
    assertThrows(IllegalArgumentException.class, () -> new RowwiseAdagrad(0f, 1e-8f));
  }
}
