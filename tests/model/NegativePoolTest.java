package model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NegativePoolTest {

  @Test
  void keepsTheLastDistinctItemsFirstInFirstOut() {
    NegativePool pool = new NegativePool(3);
    for (String id : List.of("a", "b", "a", "c")) pool.offer(id);
    assertEquals(3, pool.size());
    pool.offer("b"); // already in: keeps its place, nothing leaves
    assertTrue(pool.contains("a"));
    pool.offer("d"); // full: the oldest, a, leaves
    assertFalse(pool.contains("a"));
    assertTrue(pool.contains("b") && pool.contains("c") && pool.contains("d"));
    assertEquals(3, pool.size());
  }

  @Test
  void drawsDistinctItemsOutsideTheExclusionsSameSeedSameDraw() {
    NegativePool pool = new NegativePool(100);
    for (int i = 0; i < 50; i++) pool.offer("item-" + i);
    Set<String> batch = Set.of("item-3", "item-7");
    List<String> draw = pool.sample(20, batch, 42);
    assertEquals(20, draw.size());
    assertEquals(20, new HashSet<>(draw).size(), "without replacement");
    for (String id : draw) assertFalse(batch.contains(id), id + " is in the batch");
    assertEquals(draw, pool.sample(20, batch, 42));
    assertNotEquals(draw, pool.sample(20, batch, 43));
    assertEquals(48, pool.sample(100, batch, 1).size(), "at most what is eligible");
    assertEquals(List.of(), new NegativePool(4).sample(3, Set.of(), 1));
  }

  @Test
  void drawsEveryItemAlike() {
    NegativePool pool = new NegativePool(10);
    for (int i = 0; i < 10; i++) pool.offer("item-" + i);
    Map<String, Integer> counts = new HashMap<>();
    int draws = 20_000;
    for (int s = 0; s < draws; s++) for (String id : pool.sample(3, Set.of(), s)) counts.merge(id, 1, Integer::sum);
    // Each item is in a draw of 3 out of 10 with probability 0.3: 6000 ± 65 (one standard deviation).
    for (int i = 0; i < 10; i++) {
      int c = counts.getOrDefault("item-" + i, 0);
      assertTrue(Math.abs(c - 6000) < 400, "item-" + i + " drawn " + c + " times");
    }
  }

  /** A learner restores its pool after a crash: the restored pool must draw what the original would have. */
  @Test
  void aRestoredPoolDrawsAndEvictsLikeTheOriginal() {
    NegativePool original = new NegativePool(5);
    for (int i = 0; i < 8; i++) original.offer("item-" + i); // wrapped: the ring does not start at its oldest
    NegativePool restored = NegativePool.fromBytes(original.toBytes(), 5);
    assertEquals(original.sample(3, Set.of("item-5"), 9), restored.sample(3, Set.of("item-5"), 9));
    original.offer("item-8");
    restored.offer("item-8");
    assertEquals(original.sample(5, Set.of(), 10), restored.sample(5, Set.of(), 10));
    NegativePool smaller = NegativePool.fromBytes(original.toBytes(), 2);
    assertEquals(2, smaller.size());
    assertTrue(smaller.contains("item-7") && smaller.contains("item-8"), "keeps the newest");
  }

  @Test
  void badInputNamesTheField() {
    var e = assertThrows(IllegalArgumentException.class, () -> new NegativePool(0));
    assertTrue(e.getMessage().startsWith("capacity"));
    e = assertThrows(IllegalArgumentException.class, () -> new NegativePool(2).offer(null));
    assertTrue(e.getMessage().startsWith("itemId"));
    e = assertThrows(IllegalArgumentException.class, () -> new NegativePool(2).sample(-1, Set.of(), 0));
    assertTrue(e.getMessage().startsWith("k"));
    e = assertThrows(IllegalArgumentException.class, () -> NegativePool.fromBytes(new byte[] {9}, 2));
    assertTrue(e.getMessage().startsWith("bytes"));
    e = assertThrows(IllegalArgumentException.class, () -> NegativePool.fromBytes(new byte[] {1, 0}, 2));
    assertTrue(e.getMessage().startsWith("bytes"));
  }
}
