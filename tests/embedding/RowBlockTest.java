package embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RowBlockTest {

  private static final int DIM = 32;
  private static final long SEED = 0x5eedL;
  private static final long FIRST_ROW = 3L * 4096;
  private static final float STD = 0.1f;
  private static final float ACC0 = 0.1f;

  private static RowBlock block(int rows) {
    return new RowBlock(rows, DIM, SEED, FIRST_ROW, STD, ACC0);
  }

  /** RowInit values of a row, rounded to the nearest fp16 as stored. */
  private static float[] initial(int row) {
    float[] values = new float[DIM];
    RowInit.initRow(SEED, FIRST_ROW + row, STD, values, 0, DIM);
    for (int i = 0; i < DIM; i++) {
      values[i] = Fp16.toFloat(Fp16.fromFloat(values[i]));
    }
    return values;
  }

  @Test
  void untouchedRowsReadAsRowInitAndAllocateNothing() {
    RowBlock block = block(4096);
    float[] row = new float[DIM];
    float[] raw = new float[DIM];
    for (int r : new int[] {0, 1, 1023, 1024, 4095}) {
      block.readRow(r, row, 0);
      assertArrayEquals(initial(r), row);
      RowInit.initRow(SEED, FIRST_ROW + r, STD, raw, 0, DIM);
      for (int i = 0; i < DIM; i++) {
        assertEquals(raw[i], row[i], Math.abs(raw[i]) * 0x1p-11f + 0x1p-25f); // fp16 half-ulp
      }
      assertEquals(ACC0, block.accumulator(r));
    }
    short[] bits = new short[DIM];
    block.readRaw(7, bits, 0);
    block.resetRow(7);
    assertEquals(0, block.allocatedPages());
    assertEquals(4, block.pageCount());
  }

  @Test
  void writingAllocatesOnlyThatPageAndKeepsNeighboursInitial() {
    RowBlock block = block(4096);
    float[] values = new float[DIM];
    Arrays.fill(values, 0.5f);
    block.writeRow(1500, values, 0, new SplittableRandom(1));
    assertEquals(1, block.allocatedPages());
    assertTrue(block.isPageAllocated(1));
    List<Integer> pages = new ArrayList<>();
    block.forEachAllocatedPage(pages::add);
    assertEquals(List.of(1), pages);

    float[] row = new float[DIM];
    block.readRow(1500, row, 0);
    assertArrayEquals(values, row);
    for (int r : new int[] {1024, 1499, 1501, 2047, 0, 3000}) {
      block.readRow(r, row, 0);
      assertArrayEquals(initial(r), row, "row " + r);
    }
    block.setAccumulator(3000, 2f);
    assertEquals(2, block.allocatedPages());
    assertEquals(2f, block.accumulator(3000));
    assertEquals(ACC0, block.accumulator(3001));
  }

  @Test
  void rawWritesAndResetRestoreInitialState() {
    RowBlock block = block(100);
    short[] src = new short[DIM + 2];
    for (int i = 0; i < src.length; i++) {
      src[i] = Fp16.fromFloat(i * 0.25f);
    }
    block.writeRaw(42, src, 2);
    block.setAccumulator(42, 9f);
    short[] back = new short[DIM];
    block.readRaw(42, back, 0);
    assertArrayEquals(Arrays.copyOfRange(src, 2, DIM + 2), back);

    block.resetRow(42);
    float[] row = new float[DIM];
    block.readRow(42, row, 0);
    assertArrayEquals(initial(42), row);
    assertEquals(ACC0, block.accumulator(42));
  }

  @Test
  void snapshotRoundTripIsBitIdentical() {
    RowBlock block = block(3000); // last page is short (952 rows)
    SplittableRandom random = new SplittableRandom(5);
    float[] values = new float[DIM];
    for (int r : new int[] {0, 17, 1023, 2100, 2999}) {
      for (int i = 0; i < DIM; i++) {
        values[i] = (float) random.nextGaussian();
      }
      block.writeRow(r, values, 0, random);
      block.setAccumulator(r, random.nextFloat());
    }
    byte[] bytes = block.toBytes();
    RowBlock copy = RowBlock.fromBytes(bytes, SEED, FIRST_ROW, STD, ACC0);
    assertArrayEquals(bytes, copy.toBytes());
    assertEquals(block.allocatedPages(), copy.allocatedPages());
    short[] a = new short[DIM];
    short[] b = new short[DIM];
    for (int r = 0; r < 3000; r++) {
      block.readRaw(r, a, 0);
      copy.readRaw(r, b, 0);
      assertArrayEquals(a, b);
      assertEquals(
          Float.floatToRawIntBits(block.accumulator(r)), Float.floatToRawIntBits(copy.accumulator(r)));
    }
    // Only allocated pages are stored: page 0 (1024 rows) and the short page 2 (952 rows).
    assertEquals(2, block.allocatedPages());
    long pageBytes = (1024 + 952) * (2L * DIM + 4);
    assertEquals(24 + 2 * 4 + pageBytes, bytes.length);
    assertEquals(24, block(3000).toBytes().length);
  }

  @Test
  void corruptSnapshotsAreRejected() {
    RowBlock block = block(2000);
    block.setAccumulator(5, 1f);
    byte[] bytes = block.toBytes();
    assertThrows(
        IllegalArgumentException.class,
        () -> RowBlock.fromBytes(Arrays.copyOf(bytes, bytes.length - 1), SEED, FIRST_ROW, STD, ACC0));
    assertThrows(
        IllegalArgumentException.class,
        () -> RowBlock.fromBytes(Arrays.copyOf(bytes, bytes.length + 1), SEED, FIRST_ROW, STD, ACC0));
    byte[] badMagic = bytes.clone();
    badMagic[0] ^= 1;
    assertThrows(IllegalArgumentException.class, () -> RowBlock.fromBytes(badMagic, SEED, FIRST_ROW, STD, ACC0));
    assertThrows(IllegalArgumentException.class, () -> RowBlock.fromBytes(new byte[3], SEED, FIRST_ROW, STD, ACC0));
  }

  @Test
  void heapBytesOfAFullBlockIsAboutTwoBytesPerElementPlusFourPerRow() {
    int rows = 3000;
    int dim = 64;
    RowBlock block = new RowBlock(rows, dim, SEED, 0, STD, ACC0);
    long empty = block.heapBytes();
    assertTrue(empty < 1024, "empty block costs " + empty);
    short[] row = new short[dim];
    for (int r = 0; r < rows; r++) {
      block.writeRaw(r, row, 0);
    }
    double ideal = rows * (2.0 * dim + 4);
    assertEquals(1.0, block.heapBytes() / ideal, 0.02, "heapBytes " + block.heapBytes() + " vs " + ideal);
  }

  @Test
  void differentSeedsOrRangesGiveDifferentInitialRows() {
    float[] a = new float[DIM];
    float[] b = new float[DIM];
    block(10).readRow(0, a, 0);
    new RowBlock(10, DIM, SEED, FIRST_ROW + 10, STD, ACC0).readRow(0, b, 0);
    assertNotEquals(Arrays.toString(a), Arrays.toString(b));
    assertFalse(Arrays.equals(a, new float[DIM]));
  }

  @Test
  void rejectsBadArguments() {
    RowBlock block = block(10);
    assertThrows(IndexOutOfBoundsException.class, () -> block.readRow(10, new float[DIM], 0));
    assertThrows(IndexOutOfBoundsException.class, () -> block.readRow(0, new float[DIM], 1));
    assertThrows(IllegalArgumentException.class, () -> block.setAccumulator(0, Float.NaN));
    assertThrows(IllegalArgumentException.class, () -> block.setAccumulator(0, -1f));
    assertThrows(IllegalArgumentException.class, () -> new RowBlock(0, DIM, SEED, 0, STD, ACC0));
  }
}
