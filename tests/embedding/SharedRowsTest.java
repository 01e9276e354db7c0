package embedding;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SharedRowsTest {

  private static final int DIM = 8;

  @Test
  void readsReturnTheBlocksRowsAndNameARowOutsideIt() {
    RowBlock block = new RowBlock(3000, DIM, 7, 0, 0.05f, 0.1f);
    block.writeRaw(1500, new short[] {1, 2, 3, 4, 5, 6, 7, 8}, 0);
    SharedRows shared = new SharedRows(block);
    short[] read = shared.read(new int[] {1500, 2});
    short[] expected = new short[2 * DIM];
    block.readRaw(1500, expected, 0);
    block.readRaw(2, expected, DIM); // a row of a page never written: its initial values
    assertArrayEquals(expected, read);
    var e = assertThrows(IllegalArgumentException.class, () -> shared.read(new int[] {0, 3000}));
    assertTrue(e.getMessage().contains("row 3000"), e.getMessage());
  }

  /**
   * Each change sets every row of the block to one generation's value. A reader that saw half a change would find
   * two generations in one read (or within one row); pages first allocated by a change are part of it too.
   */
  @Test
  void concurrentReadersNeverSeeHalfAChange() throws Exception {
    int rows = 4096; // four pages: the first changes allocate them while readers read initial values
    RowBlock block = new RowBlock(rows, DIM, 11, 0, 0.05f, 0.1f);
    SharedRows shared = new SharedRows(block);
    int[] all = new int[rows];
    for (int i = 0; i < rows; i++) all[i] = i;
    short[] initial = shared.read(all);
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService readers = Executors.newFixedThreadPool(3);
    try {
      List<Future<Integer>> checks = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        checks.add(readers.submit(() -> {
          int reads = 0;
          while (!done.get() || reads == 0) {
            short[] v = shared.read(all);
            if (v[0] == initial[0] && v[1] == initial[1]) {
              assertArrayEquals(initial, v, "a read mixing initial rows with written ones");
            } else {
              for (int i = 1; i < v.length; i++) assertEquals(v[0], v[i], "a read mixing two changes at " + i);
            }
            reads++;
          }
          return reads;
        }));
      }
      short[] row = new short[DIM];
      for (short generation = 1; generation <= 2000; generation++) {
        short g = generation;
        java.util.Arrays.fill(row, g);
        shared.update(() -> {
          for (int r = rows - 1; r >= 0; r--) block.writeRaw(r, row, 0); // last page first: allocation mid-change
        });
      }
      done.set(true);
      for (Future<Integer> c : checks) assertTrue(c.get() > 0);
      assertEquals(2000, shared.read(new int[] {123})[0]);
    } finally {
      readers.shutdownNow();
    }
  }
}
