package retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RefreshSweepTest {

  private static VectorIndex index(int n) {
    VectorIndex index = new VectorIndex(IndexParams.defaults(8));
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    for (int i = 0; i < n; i++) {
      float[] v = new float[8];
      for (int d = 0; d < 8; d++) v[d] = (float) random.nextGaussian();
      index.upsert("item-" + i, v);
    }
    return index;
  }

  private static RefreshSweep.Ids ids(VectorIndex index) {
    return new RefreshSweep.Ids() {
      @Override
      public int idsFrom(int from, int max, List<String> out) {
        return index.idsFrom(from, max, out);
      }

      @Override
      public int size() {
        return index.size();
      }
    };
  }

  @Test
  void aSliceIsEnoughToVisitEveryItemWithinThePeriod() {
    RefreshSweep sweep = new RefreshSweep(Duration.ofSeconds(60), Duration.ofSeconds(1));
    assertEquals(0, sweep.perTick(0));
    assertEquals(1, sweep.perTick(1));
    assertEquals(1, sweep.perTick(60));
    assertEquals(2, sweep.perTick(61));
    assertEquals(16_667, sweep.perTick(1_000_000));
  }

  @Test
  void everyItemIsVisitedOncePerPassWithinPeriodOverTickSlices() {
    try (VectorIndex index = index(1_000)) {
      RefreshSweep sweep = new RefreshSweep(Duration.ofSeconds(10), Duration.ofSeconds(1));
      Map<String, Integer> visits = new HashMap<>();
      int ticks = 0;
      while (sweep.passes() == 0) {
        for (String id : sweep.next(ids(index))) visits.merge(id, 1, Integer::sum);
        ticks++;
      }
      assertTrue(ticks <= 10, "one pass took " + ticks + " ticks");
      assertEquals(1_000, visits.size());
      assertTrue(visits.values().stream().allMatch(v -> v == 1));
      // The next pass starts over from the first ordinal.
      Set<String> second = new HashSet<>();
      while (sweep.passes() == 1) second.addAll(sweep.next(ids(index)));
      assertEquals(visits.keySet(), second);
    }
  }

  @Test
  void deletedItemsAreSkippedAndAnEmptyShardGivesNothing() {
    try (VectorIndex index = index(100)) {
      for (int i = 0; i < 100; i += 2) index.delete("item-" + i);
      List<String> all = new ArrayList<>();
      assertEquals(-1, index.idsFrom(0, 1_000, all));
      assertEquals(50, all.size());
      assertTrue(all.stream().allMatch(id -> Integer.parseInt(id.substring(5)) % 2 == 1));
      List<String> firstTen = new ArrayList<>();
      int next = index.idsFrom(0, 10, firstTen);
      List<String> rest = new ArrayList<>();
      assertEquals(-1, index.idsFrom(next, 1_000, rest));
      firstTen.addAll(rest);
      assertEquals(all, firstTen);
    }
    try (VectorIndex empty = new VectorIndex(IndexParams.defaults(8))) {
      RefreshSweep sweep = new RefreshSweep(Duration.ofSeconds(10), Duration.ofSeconds(1));
      assertTrue(sweep.next(ids(empty)).isEmpty());
    }
  }

  @Test
  void aTickLongerThanThePeriodIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RefreshSweep(Duration.ofSeconds(1), Duration.ofSeconds(2)));
    assertThrows(IllegalArgumentException.class, () -> new RefreshSweep(Duration.ZERO, Duration.ZERO));
  }
}
