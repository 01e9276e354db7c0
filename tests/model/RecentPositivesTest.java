package model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RecentPositivesTest {

  @Test
  void keepsTheNewestPerUserInOffsetOrder() {
    RecentPositives h = new RecentPositives(3, 10, 1000);
    for (int i = 0; i < 5; i++) h.add("u", "item" + i, 1, 100L * i, i);
    assertEquals(List.of("item2", "item3", "item4"), ids(h.of("u", 0)));
    assertEquals(3, h.entries());
    assertEquals(List.of(), h.of("nobody", 0));
  }

  @Test
  void aBatchSeesOnlyTheWindowBeforeIt() {
    RecentPositives h = new RecentPositives(10, 10, 5);
    h.add("u", "old", 1, 0, 1);
    h.add("u", "mid", 1, 0, 4);
    h.add("u", "new", 1, 0, 8);
    // A batch starting at offset 9 sees [4, 9).
    assertEquals(4, h.windowStart(9));
    assertEquals(List.of("mid", "new"), ids(h.of("u", h.windowStart(9))));
    assertEquals(0, h.windowStart(3), "the window does not start before the partition");
    // Adding at offset 12 drops what no later batch can see (< 7).
    h.add("u", "newer", 1, 0, 12);
    assertEquals(List.of("new", "newer"), ids(h.of("u", 0)));
    assertEquals(2, h.entries());
  }

  @Test
  void theUserWithTheOldestLastPositiveIsEvictedAndReadsDoNotReorder() {
    RecentPositives h = new RecentPositives(5, 2, 1000);
    h.add("a", "x", 1, 0, 0);
    h.add("b", "x", 1, 0, 1);
    h.add("a", "y", 1, 0, 2); // a is now the most recent
    h.of("b", 0); // a read must not protect b
    h.add("c", "z", 1, 0, 3);
    assertEquals(2, h.users());
    assertEquals(List.of(), h.of("b", 0));
    assertEquals(List.of("x", "y"), ids(h.of("a", 0)));
    assertEquals(3, h.entries());
  }

  @Test
  void expireDropsUsersWhollyBeforeTheWindow() {
    RecentPositives h = new RecentPositives(5, 10, 1000);
    h.add("a", "x", 1, 0, 0);
    h.add("b", "x", 1, 0, 5);
    h.add("a", "y", 1, 0, 6);
    h.expire(6);
    assertEquals(1, h.users(), "b's last positive is before 6");
    assertEquals(List.of("y"), ids(h.of("a", 6)));
    assertEquals(2, h.entries(), "a keeps its older entry until it adds one more");
  }

  @Test
  void signalsCarryWeightAndTimeAndSkipItemsWithoutAVector() {
    RecentPositives h = new RecentPositives(5, 10, 1000);
    h.add("u", "known", 2.0, 1234, 0);
    h.add("u", "gone", 1.0, 1300, 1);
    var signals = h.signals("u", 0, id -> id.equals("known") ? new float[] {1, 0} : null);
    assertEquals(1, signals.size());
    assertEquals(2.0, signals.get(0).typeWeight());
    assertEquals(1234, signals.get(0).atMillis());
    assertArrayEquals(new float[] {1, 0}, signals.get(0).vector());
  }

  @Test
  void refusesOutOfOrderOffsetsAndNonPositiveWeights() {
    RecentPositives h = new RecentPositives(5, 10, 1000);
    h.add("u", "x", 1, 0, 7);
    assertThrows(IllegalArgumentException.class, () -> h.add("v", "x", 1, 0, 7));
    assertThrows(IllegalArgumentException.class, () -> h.add("v", "x", 0, 0, 8));
    assertThrows(IllegalArgumentException.class, () -> new RecentPositives(0, 1, 1));
  }

  /**
   * The property the learner's exactly-once guarantee rests on: rebuilt at any batch boundary from the window
   * before it, the history every later batch sees is the one of a history that never stopped — with caps small
   * enough that users are evicted and entries fall out of the window all the time.
   */
  @Test
  void aHistoryRebuiltFromTheWindowMatchesOneThatNeverStopped() {
    SplittableRandom random = new SplittableRandom(11);
    int records = 3000;
    List<long[]> stream = new ArrayList<>(); // offset, user, item; some offsets are not positives
    for (int offset = 0; offset < records; offset++) {
      if (random.nextInt(4) == 0) continue;
      int user = (int) Math.floor(Math.pow(random.nextDouble(), 2) * 40); // a few heavy users, a long tail
      stream.add(new long[] {offset, user, random.nextInt(100)});
    }
    List<Long> boundaries = new ArrayList<>();
    for (long b = 0; b < records; b += 1 + random.nextInt(60)) boundaries.add(b);
    boundaries.add((long) records);

    int perUser = 4;
    int maxUsers = 12;
    int window = 150;
    RecentPositives reference = new RecentPositives(perUser, maxUsers, window);
    List<Map<Integer, List<RecentPositives.Entry>>> seen = run(reference, stream, boundaries, 0);
    // The cap bites: in most batches more users were active in the window than the history may keep.
    int evictingBatches = 0;
    for (int b = 0; b < boundaries.size() - 1; b++) {
      long first = boundaries.get(b);
      long from = reference.windowStart(first);
      long active = stream.stream().filter(p -> p[0] >= from && p[0] < first).mapToLong(p -> p[1]).distinct().count();
      if (active > maxUsers) {
        evictingBatches++;
        assertEquals(maxUsers, seen.get(b).size(), "batch " + b);
      }
    }
    assertTrue(evictingBatches > boundaries.size() / 2, "the cap bites: " + evictingBatches);

    int compared = 0;
    for (int resume = 1; resume < boundaries.size() - 1; resume += 3) {
      long at = boundaries.get(resume);
      RecentPositives rebuilt = new RecentPositives(perUser, maxUsers, window);
      for (long[] p : stream) {
        if (p[0] >= rebuilt.windowStart(at) && p[0] < at) add(rebuilt, p);
      }
      List<Map<Integer, List<RecentPositives.Entry>>> after = run(rebuilt, stream, boundaries, resume);
      for (int b = 0; b < after.size(); b++) {
        assertEquals(seen.get(resume + b), after.get(b), "rebuilt at offset " + at + ", batch " + (resume + b));
      }
      compared++;
    }
    assertTrue(compared > 10);

    // And the comparison can fail: a rebuild that reads too little of the window misses entries.
    int middle = boundaries.size() / 2;
    long at = boundaries.get(middle);
    RecentPositives late = new RecentPositives(perUser, maxUsers, window);
    for (long[] p : stream) if (p[0] >= at - 20 && p[0] < at) add(late, p);
    assertFalse(seen.get(middle).equals(run(late, stream, boundaries, middle).get(0)), "a short rebuild differs");
  }

  /** Batch by batch from boundary index {@code fromBatch}: what each batch sees, then its positives join. */
  private static List<Map<Integer, List<RecentPositives.Entry>>> run(RecentPositives h, List<long[]> stream, List<Long> boundaries,
      int fromBatch) {
    List<Map<Integer, List<RecentPositives.Entry>>> out = new ArrayList<>();
    for (int b = fromBatch; b < boundaries.size() - 1; b++) {
      long first = boundaries.get(b);
      long end = boundaries.get(b + 1);
      long from = h.windowStart(first);
      h.expire(from);
      Map<Integer, List<RecentPositives.Entry>> view = new TreeMap<>();
      for (int u = 0; u < 40; u++) {
        List<RecentPositives.Entry> entries = h.of("user" + u, from);
        if (!entries.isEmpty()) view.put(u, entries);
      }
      out.add(view);
      for (long[] p : stream) if (p[0] >= first && p[0] < end) add(h, p);
    }
    return out;
  }

  private static void add(RecentPositives h, long[] p) {
    h.add("user" + p[1], "item" + p[2], 1 + p[2] % 3, 1000 * p[0], p[0]);
  }

  private static List<String> ids(List<RecentPositives.Entry> entries) {
    return entries.stream().map(RecentPositives.Entry::itemId).toList();
  }
}
