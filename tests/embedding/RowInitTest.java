package embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RowInitTest {

  @Test
  void sameInputsGiveSameValues() {
    float[] a = new float[67];
    float[] b = new float[70];
    RowInit.initRow(99L, 123_456_789L, 0.02f, a, 0, 67);
    RowInit.initRow(99L, 123_456_789L, 0.02f, b, 3, 67);
    assertArrayEquals(a, Arrays.copyOfRange(b, 3, 70));
    assertArrayEquals(new float[3], Arrays.copyOf(b, 3)); // nothing written before the offset
  }

  /**
   * Untouched rows are never stored, so these values are persistent state: pinned literally
   * (cross-checked with an independent SplitMix64 + polar-method implementation).
   */
  @Test
  void goldenValuesArePinned() {
    assertEquals(7413375851664136916L, RowInit.mix(99L, 123_456_789L));
    float[] row = new float[5];
    RowInit.initRow(99L, 123_456_789L, 1f, row, 0, 5);
    assertArrayEquals(new float[] {0.36965096f, 0.87279916f, 0.6073341f, -0.21402803f, 1.9357519f}, row);
    RowInit.initRow(99L, 123_456_789L, 0.5f, row, 0, 5);
    assertEquals(0.5f * 0.87279916f, row[1], 1e-7f);
  }

  @Test
  void rowsAndTablesDiffer() {
    float[] a = new float[16];
    float[] b = new float[16];
    float[] c = new float[16];
    RowInit.initRow(1L, 0L, 1f, a, 0, 16);
    RowInit.initRow(1L, 1L, 1f, b, 0, 16);
    RowInit.initRow(2L, 0L, 1f, c, 0, 16);
    assertFalse(Arrays.equals(a, b));
    assertFalse(Arrays.equals(a, c));
  }

  @Test
  void valuesAreNormalWithTheRequestedStd() {
    int rows = 2000;
    int dim = 63; // odd, so the discarded second polar value is exercised
    float std = 0.05f;
    float[] row = new float[dim];
    double sum = 0;
    double sumSq = 0;
    long withinOneSd = 0;
    for (int r = 0; r < rows; r++) {
      RowInit.initRow(42L, r, std, row, 0, dim);
      for (float v : row) {
        sum += v;
        sumSq += (double) v * v;
        if (Math.abs(v) < std) {
          withinOneSd++;
        }
      }
    }
    long n = (long) rows * dim;
    assertEquals(0, sum / n, 4 * std / Math.sqrt(n));
    assertEquals(std, Math.sqrt(sumSq / n), 0.01 * std);
    assertEquals(0.6827, (double) withinOneSd / n, 0.005);
  }
}
