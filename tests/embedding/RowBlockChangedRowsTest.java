package embedding;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** What an export carries of a range: the rows whose values are no longer the seeded initial ones. */
class RowBlockChangedRowsTest {

  @Test
  void onlyWrittenRowsThatDifferFromTheirInitialValuesAreChanged() {
    RowBlock block = new RowBlock(3000, 8, 42, 16384, 0.05f, 0.001f, 1024);
    assertArrayEquals(new int[0], block.changedRows(), "nothing written");

    float[] v = {1, 2, 3, 4, 5, 6, 7, 8};
    block.writeRow(5, v, 0, new SplittableRandom(1));
    block.writeRow(2999, v, 0, new SplittableRandom(1));
    // Rewriting a row with its own initial values: stored, but nothing to carry.
    float[] initial = new float[8];
    block.readRow(7, initial, 0);
    block.writeRow(7, initial, 0, new SplittableRandom(1));

    assertEquals(2, block.allocatedPages(), "pages 0 and 2 hold whole pages of mostly initial rows");
    assertArrayEquals(new int[] {5, 2999}, block.changedRows());
  }

  @Test
  void aRowResetToZeroInitIsChangedOnlyWhenItsValuesMoved() {
    RowBlock zeros = new RowBlock(100, 4, 7, 0, 0f, 0.001f, 64);
    zeros.writeRow(3, new float[] {0, 0, 0, 0}, 0, new SplittableRandom(1));
    zeros.writeRow(4, new float[] {0, 0.5f, 0, 0}, 0, new SplittableRandom(1));
    assertArrayEquals(new int[] {4}, zeros.changedRows());
  }
}
