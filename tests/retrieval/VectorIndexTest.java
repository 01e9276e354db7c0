package retrieval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VectorIndexTest {

  private static final int DIM = 32;
  private static final int N = 20_000;
  private static final ClusteredVectors DATA = new ClusteredVectors(DIM, 100, 7);

  // One 20k index shared by the read-only tests: building it is most of this class's run time.
  private static VectorIndex shared;
  private static ExactIndex exact;
  private static float[][] queries;

  @BeforeAll
  static void build() {
    float[][] base = DATA.draw(N, 1);
    shared = new VectorIndex(IndexParams.defaults(DIM));
    exact = new ExactIndex(DIM);
    for (int i = 0; i < N; i++) {
      shared.upsert(id(i), base[i]);
      exact.upsert(id(i), base[i]);
    }
    queries = DATA.draw(200, 2);
  }

  @AfterAll
  static void close() {
    shared.close();
  }

  private static String id(int i) {
    return "item-" + i;
  }

  @Test
  void recallAtTenAgainstExactSearch() {
    List<List<Hit>> truth = exact.searchAll(queries, 10);
    double recall = 0;
    for (int q = 0; q < queries.length; q++) {
      recall += overlap(truth.get(q), shared.search(queries[q], 10, 100, null)) / 10.0;
    }
    recall /= queries.length;
    assertTrue(recall >= 0.95, "recall@10 at ef 100 = " + recall);
    assertEquals(N, shared.size());
    assertEquals(0, shared.deletedNodes());
  }

  @Test
  void hitsAreSortedCosinesOfStoredVectors() {
    List<Hit> hits = shared.search(queries[0], 20, 50, null);
    assertEquals(20, hits.size());
    float[] q = Vectors.normalized(queries[0], DIM);
    for (int i = 0; i < hits.size(); i++) {
      Hit h = hits.get(i);
      assertEquals(dot(q, shared.vector(h.itemId())), h.score(), 1e-5);
      if (i > 0) assertTrue(hits.get(i - 1).score() >= h.score());
    }
    // An item's own vector finds the item first, with cosine 1.
    Hit self = shared.search(shared.vector(id(123)), 1, 50, null).get(0);
    assertEquals(id(123), self.itemId());
    assertEquals(1.0, self.score(), 1e-5);
  }

  @Test
  void filterReturnsOnlyAcceptedItems() {
    Predicate<String> everyThird = id -> Integer.parseInt(id.substring(5)) % 3 == 0;
    List<List<Hit>> truth = queriesExact(everyThird, 10);
    // ef 20: a graph walk that skips rejected nodes; ef 100: few enough pass for an exact scan to be cheaper.
    for (int ef : new int[] {20, 100}) {
      double recall = 0;
      for (int q = 0; q < queries.length; q++) {
        List<Hit> hits = shared.search(queries[q], 10, ef, everyThird);
        assertEquals(10, hits.size());
        hits.forEach(h -> assertTrue(everyThird.test(h.itemId()), h.itemId()));
        recall += overlap(truth.get(q), hits) / 10.0;
      }
      assertTrue(recall / queries.length >= 0.95, "filtered recall@10 at ef " + ef + ": " + recall / queries.length);
    }
  }

  @Test
  void rareFilterStillFillsK() {
    // 1 % acceptable, and not near most queries: a graph walk that only looks at the usual neighbourhood
    // would run out of candidates.
    Predicate<String> onePercent = id -> Integer.parseInt(id.substring(5)) % 100 == 17;
    List<List<Hit>> truth = queriesExact(onePercent, 10);
    for (int ef : new int[] {10, 100}) {
      double recall = 0;
      for (int q = 0; q < queries.length; q++) {
        List<Hit> hits = shared.search(queries[q], 10, ef, onePercent);
        assertEquals(10, hits.size());
        hits.forEach(h -> assertTrue(onePercent.test(h.itemId()), h.itemId()));
        recall += overlap(truth.get(q), hits) / 10.0;
      }
      assertTrue(recall / queries.length >= 0.95, "recall@10 with a 1 % filter at ef " + ef + ": " + recall / queries.length);
    }
    // Fewer acceptable items than k: all of them.
    Set<String> three = Set.of(id(5), id(500), id(5000));
    List<Hit> hits = shared.search(queries[0], 10, 10, three::contains);
    assertEquals(three, ids(hits));
    assertEquals(List.of(), shared.search(queries[0], 10, 10, id -> false));
  }

  @Test
  void deletedItemNeverReturned() {
    try (VectorIndex index = new VectorIndex(IndexParams.defaults(DIM))) {
      float[][] base = DATA.draw(3000, 3);
      for (int i = 0; i < base.length; i++) index.upsert(id(i), base[i]);
      Set<String> deleted = new HashSet<>();
      for (int i = 0; i < base.length; i += 4) {
        assertTrue(index.delete(id(i)));
        deleted.add(id(i));
      }
      assertFalse(index.delete(id(0)));
      assertFalse(index.delete("never-there"));
      assertEquals(3000 - deleted.size(), index.size());
      assertEquals(deleted.size(), index.deletedNodes());
      for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < base.length; i += 4) {
          assertFalse(index.contains(id(i)));
          assertNull(index.vector(id(i)));
          // Its own vector is the best possible query for a deleted item.
          for (Hit h : index.search(base[i], 10, 50, null)) assertFalse(deleted.contains(h.itemId()), h.itemId());
          for (Hit h : index.search(base[i], 10, 50, id -> true)) assertFalse(deleted.contains(h.itemId()));
        }
        index.compact();
        assertEquals(0, index.deletedNodes());
        assertEquals(3000 - deleted.size(), index.size());
      }
      // Deleting everything leaves an empty graph that still answers and takes new items.
      for (int i = 0; i < base.length; i++) index.delete(id(i));
      index.compact();
      assertEquals(List.of(), index.search(base[1], 10, 50, null));
      index.upsert("fresh", base[1]);
      assertEquals(List.of("fresh"), index.search(base[1], 10, 50, null).stream().map(Hit::itemId).toList());
    }
  }

  @Test
  void everyItemStaysReachableThroughChurnAndCompaction() {
    // Rounds of heavy churn (40 % deleted, 40 % moved elsewhere), each followed by a compaction. Without the
    // reconnection step after removeDeletedNodes, whole regions of the graph became unreachable here.
    try (VectorIndex index = new VectorIndex(IndexParams.defaults(DIM))) {
      SplittableRandom rnd = new SplittableRandom(8);
      Map<String, float[]> live = new HashMap<>();
      for (int i = 0; i < 6000; i++) {
        float[] v = DATA.draw(rnd);
        index.upsert(id(i), v);
        live.put(id(i), v);
      }
      int checks = 0;
      int missed = 0;
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 6000; i++) {
          int r = rnd.nextInt(10);
          if (r < 4) {
            index.delete(id(i));
            live.remove(id(i));
          } else if (r < 8) {
            float[] v = DATA.draw(rnd);
            index.upsert(id(i), v);
            live.put(id(i), v);
          }
        }
        index.compact();
        assertEquals(live.size(), index.size());
        for (Map.Entry<String, float[]> e : live.entrySet()) {
          checks++;
          if (!index.search(e.getValue(), 1, 50, null).get(0).itemId().equals(e.getKey())) missed++;
        }
      }
      // Its own vector is the easiest query for an item; an approximate search may still miss a very few.
      assertTrue(missed <= checks / 1000, missed + " of " + checks + " items not found by their own vector");
    }
  }

  @Test
  void updatedVectorIsFoundByItsNewNeighboursOnly() {
    try (VectorIndex index = new VectorIndex(IndexParams.defaults(DIM))) {
      float[][] base = DATA.draw(2000, 4);
      for (int i = 0; i < base.length; i++) index.upsert(id(i), base[i]);
      float[] oldVector = base[10];
      float[] newVector = base[20].clone();
      newVector[0] += 0.01f; // near item 20, far from where item 10 was
      index.upsert(id(10), newVector);
      assertEquals(2000, index.size());
      assertEquals(1, index.deletedNodes());
      assertArrayEquals(Vectors.normalized(newVector, DIM), index.vector(id(10)), 0f);
      assertTrue(ids(index.search(newVector, 2, 50, null)).containsAll(Set.of(id(10), id(20))));
      assertFalse(ids(index.search(oldVector, 10, 50, null)).contains(id(10)));
      index.compact();
      assertTrue(ids(index.search(newVector, 2, 50, null)).contains(id(10)));
      assertFalse(ids(index.search(oldVector, 10, 50, null)).contains(id(10)));
      // The same vector again changes nothing.
      index.upsert(id(10), newVector);
      assertEquals(0, index.deletedNodes());
    }
  }

  @Test
  void compactIfNeededFollowsTheDeletedFraction() {
    IndexParams params = new IndexParams(DIM, 16, 50, 1.0f, 1.2f, 0.25);
    try (VectorIndex index = new VectorIndex(params)) {
      float[][] base = DATA.draw(400, 5);
      for (int i = 0; i < base.length; i++) index.upsert(id(i), base[i]);
      assertFalse(index.compactIfNeeded());
      for (int i = 0; i < 90; i++) index.delete(id(i));
      assertFalse(index.compactIfNeeded()); // 90 of 400 nodes
      for (int i = 90; i < 100; i++) index.delete(id(i));
      assertTrue(index.compactIfNeeded()); // 100 of 400
      assertEquals(0, index.deletedNodes());
      assertEquals(300, index.size());
    }
  }

  @Test
  void compactionRecyclesMemoryUnderChurn() {
    try (VectorIndex index = new VectorIndex(IndexParams.defaults(DIM))) {
      SplittableRandom rnd = new SplittableRandom(6);
      for (int i = 0; i < 1000; i++) index.upsert(id(i), DATA.draw(rnd));
      long initial = index.heapBytesEstimate();
      for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 1000; i++) {
          index.upsert(id(i), DATA.draw(rnd));
          index.compactIfNeeded();
        }
      }
      assertEquals(1000, index.size());
      assertTrue(index.heapBytesEstimate() < 2 * initial,
          "heap " + index.heapBytesEstimate() + " after 10 rewrites, " + initial + " at first");
      for (int i = 0; i < 1000; i += 50) {
        assertEquals(id(i), index.search(index.vector(id(i)), 1, 20, null).get(0).itemId());
      }
    }
  }

  @Test
  void rejectsInvalidInput() {
    try (VectorIndex index = new VectorIndex(IndexParams.defaults(4))) {
      assertThrows(IllegalArgumentException.class, () -> index.upsert("a", new float[3]));
      assertThrows(IllegalArgumentException.class, () -> index.upsert("a", new float[4]));
      assertThrows(IllegalArgumentException.class, () -> index.upsert("a", new float[] {1, Float.NaN, 0, 0}));
      assertThrows(IllegalArgumentException.class,
          () -> index.upsert("a", new float[] {1, Float.POSITIVE_INFINITY, 0, 0}));
      assertThrows(IllegalArgumentException.class, () -> index.upsert("a", null));
      assertThrows(NullPointerException.class, () -> index.upsert(null, new float[] {1, 0, 0, 0}));
      index.upsert("a", new float[] {3, 4, 0, 0});
      assertArrayEquals(new float[] {0.6f, 0.8f, 0, 0}, index.vector("a"), 1e-7f);
      // Huge but finite components normalise without overflowing.
      index.upsert("b", new float[] {3e38f, 3e38f, 0, 0});
      assertEquals(0.7071068f, index.vector("b")[0], 1e-6f);
      float[] q = {1, 0, 0, 0};
      assertThrows(IllegalArgumentException.class, () -> index.search(new float[5], 1, 1, null));
      assertThrows(IllegalArgumentException.class, () -> index.search(new float[4], 1, 1, null));
      assertThrows(IllegalArgumentException.class, () -> index.search(new float[] {Float.NaN, 0, 0, 0}, 1, 1, null));
      assertThrows(IllegalArgumentException.class, () -> index.search(q, 0, 1, null));
      assertThrows(IllegalArgumentException.class, () -> index.search(q, 5, 4, null));
      assertEquals(2, index.search(q, 5, 5, null).size());
      assertThrows(IllegalArgumentException.class, () -> new IndexParams(0, 32, 100, 1, 1.2f, 0.1));
      assertThrows(IllegalArgumentException.class, () -> new IndexParams(4, 32, 100, 1, 0.9f, 0.1));
      assertThrows(IllegalArgumentException.class, () -> new IndexParams(4, 32, 100, 1, 1.2f, 0));
    }
    VectorIndex closed = new VectorIndex(IndexParams.defaults(4));
    closed.close();
    assertThrows(IllegalStateException.class, () -> closed.search(new float[] {1, 0, 0, 0}, 1, 1, null));
    assertThrows(IllegalStateException.class, () -> closed.upsert("a", new float[] {1, 0, 0, 0}));
  }

  // ---- helpers ----

  private static List<List<Hit>> queriesExact(Predicate<String> accept, int k) {
    return java.util.Arrays.stream(queries).map(q -> exact.search(q, k, accept)).toList();
  }

  static int overlap(List<Hit> truth, List<Hit> found) {
    Set<String> t = ids(truth);
    int n = 0;
    for (Hit h : found) if (t.contains(h.itemId())) n++;
    return n;
  }

  static Set<String> ids(List<Hit> hits) {
    Set<String> ids = new HashSet<>();
    hits.forEach(h -> ids.add(h.itemId()));
    return ids;
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }
}
