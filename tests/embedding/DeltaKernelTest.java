package embedding;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DeltaKernelTest {

  private static final int DIM = 8;
  private final RowwiseAdagrad adagrad = new RowwiseAdagrad(0.1f, 1e-8f);

  private static RowBlock block() {
    return new RowBlock(64, DIM, 11L, 0L, 0.05f, 0.1f);
  }

  private static float[] grads(int rows, float value) {
    float[] g = new float[rows * DIM];
    Arrays.fill(g, value);
    return g;
  }

  @Test
  void computingAPatchLeavesTheBlockUntouched() {
    RowBlock b = block();
    float[] before = new float[DIM];
    b.readRow(3, before, 0);
    new DeltaKernel(adagrad, DIM).adagrad(b, new int[] {3}, grads(1, 0.5f), 1L);
    float[] after = new float[DIM];
    b.readRow(3, after, 0);
    assertArrayEquals(before, after);
    assertEquals(0, b.allocatedPages());
  }

  @Test
  void patchMatchesTheOptimizerAppliedInPlace() {
    RowBlock viaPatch = block();
    RowBlock inPlace = block();
    float[] g = grads(1, 0.25f);
    RowPatch patch = new DeltaKernel(adagrad, DIM).adagrad(viaPatch, new int[] {5}, g, 9L);
    patch.applyTo(viaPatch);
    adagrad.apply(inPlace, 5, g, 0, new java.util.SplittableRandom(9L), new float[DIM]);
    assertEquals(inPlace.accumulator(5), viaPatch.accumulator(5), 0f);
    short[] a = new short[DIM];
    short[] c = new short[DIM];
    viaPatch.readRaw(5, a, 0);
    inPlace.readRaw(5, c, 0);
    assertArrayEquals(c, a, "same seed, same rounding draws, same rows");
  }

  @Test
  void sameSeedGivesTheSamePatchAndDuplicatesAreSummed() {
    DeltaKernel kernel = new DeltaKernel(adagrad, DIM);
    RowPatch p1 = kernel.adagrad(block(), new int[] {7, 2, 7}, grads(3, 0.1f), 42L);
    RowPatch p2 = kernel.adagrad(block(), new int[] {7, 2, 7}, grads(3, 0.1f), 42L);
    assertEquals(p1, p2);
    assertArrayEquals(new int[] {2, 7}, p1.rows(), "one step per distinct row, ascending");
    RowPatch summed = kernel.adagrad(block(), new int[] {2, 7}, concat(grads(1, 0.1f), grads(1, 0.2f)), 42L);
    assertEquals(summed.accumulators()[1], p1.accumulators()[1], 1e-7f, "row 7 saw 0.1 + 0.1 = 0.2 per component");
  }

  @Test
  void patchBytesRoundTrip() {
    RowPatch p = new DeltaKernel(adagrad, DIM).adagrad(block(), new int[] {1, 63, 0}, grads(3, -0.3f), 5L);
    assertEquals(p, RowPatch.fromBytes(p.toBytes()));
  }

  @Test
  void writeKeepsOrResetsTheAccumulator() {
    RowBlock b = block();
    b.setAccumulator(4, 3f);
    DeltaKernel kernel = new DeltaKernel(adagrad, DIM);
    assertEquals(3f, kernel.write(b, new int[] {4}, grads(1, 1f), 0.1f, false, 1L).accumulators()[0]);
    assertEquals(0.1f, kernel.write(b, new int[] {4}, grads(1, 1f), 0.1f, true, 1L).accumulators()[0]);
  }

  @Test
  void rejectsRowsOutsideTheBlockAndWrongLengths() {
    DeltaKernel kernel = new DeltaKernel(adagrad, DIM);
    assertThrows(IllegalArgumentException.class, () -> kernel.adagrad(block(), new int[] {64}, grads(1, 1f), 1L));
    assertThrows(IllegalArgumentException.class, () -> kernel.adagrad(block(), new int[] {1, 2}, grads(1, 1f), 1L));
  }

  private static float[] concat(float[] a, float[] b) {
    float[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
