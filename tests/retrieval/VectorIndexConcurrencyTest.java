package retrieval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Compaction with searches and a writer running at the same time. */
class VectorIndexConcurrencyTest {

  private static final int DIM = 32;
  private static final ClusteredVectors DATA = new ClusteredVectors(DIM, 50, 11);

  @Test
  void searchesKeepAnsweringDuringCompaction() throws Exception {
    try (VectorIndex index = new VectorIndex(IndexParams.defaults(DIM))) {
      float[][] base = DATA.draw(6_000, 1);
      for (int i = 0; i < base.length; i++) index.upsert("item-" + i, base[i]);
      Set<String> live = new HashSet<>();
      for (int i = 0; i < base.length; i++) {
        if (i % 5 == 0) index.delete("item-" + i);
        else live.add("item-" + i);
      }
      float[][] queries = DATA.draw(100, 2);
      List<List<Hit>> before = new ArrayList<>();
      for (float[] q : queries) before.add(index.search(q, 10, 100, null));

      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger searches = new AtomicInteger();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      List<Thread> searchers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        SplittableRandom rnd = new SplittableRandom(100 + t);
        Thread thread = new Thread(() -> {
          try {
            while (!stop.get()) {
              boolean filtered = rnd.nextBoolean();
              // Filtered at ef 10 the index walks the graph (half the items pass); unfiltered at ef 50.
              List<Hit> hits = filtered
                  ? index.search(queries[rnd.nextInt(queries.length)], 10, 10, id -> id.hashCode() % 2 == 0)
                  : index.search(queries[rnd.nextInt(queries.length)], 10, 50, null);
              assertEquals(10, hits.size());
              Set<String> distinct = new HashSet<>();
              for (Hit h : hits) {
                assertTrue(live.contains(h.itemId()), "not a live item: " + h.itemId());
                assertTrue(distinct.add(h.itemId()), "twice: " + h.itemId());
                if (filtered) assertEquals(0, h.itemId().hashCode() % 2);
              }
              searches.incrementAndGet();
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }, "searcher-" + t);
        searchers.add(thread);
        thread.start();
      }
      testkit.Await.until(java.time.Duration.ofSeconds(30), searches::get, n -> n >= 200);
      int startedAt = searches.get();
      index.compact();
      int duringCompaction = searches.get() - startedAt;
      int afterCompaction = searches.get();
      testkit.Await.until(java.time.Duration.ofSeconds(30), searches::get, n -> n >= afterCompaction + 100);
      stop.set(true);
      for (Thread t : searchers) t.join();

      assertTrue(failures.isEmpty(), () -> "search failed: " + failures.peek());
      assertTrue(duringCompaction > 0, "no search completed during compaction");
      assertEquals(0, index.deletedNodes());
      assertEquals(live.size(), index.size());
      // Same answers as before: the deleted items were already invisible, compaction only removes them.
      int differing = 0;
      for (int q = 0; q < queries.length; q++) {
        if (!VectorIndexTest.ids(before.get(q)).equals(VectorIndexTest.ids(index.search(queries[q], 10, 100, null)))) {
          differing++;
        }
      }
      assertTrue(differing <= 2, differing + " of 100 queries answer differently after compaction");
    }
  }

  @Test
  void mutationsDuringCompactionAreKept() throws Exception {
    try (VectorIndex index = new VectorIndex(IndexParams.defaults(DIM))) {
      float[][] base = DATA.draw(6_000, 3);
      Map<String, float[]> expected = new HashMap<>();
      for (int i = 0; i < base.length; i++) {
        index.upsert("item-" + i, base[i]);
        expected.put("item-" + i, base[i]);
      }
      for (int i = 0; i < base.length; i += 4) {
        index.delete("item-" + i);
        expected.remove("item-" + i);
      }

      AtomicBoolean compacted = new AtomicBoolean();
      AtomicInteger ops = new AtomicInteger();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      Set<String> deleted = new HashSet<>();
      Set<String> written = new HashSet<>();
      Thread writer = new Thread(() -> {
        SplittableRandom rnd = new SplittableRandom(5);
        try {
          // Keep writing until well after the compaction has finished.
          for (int i = 0; !compacted.get() || i % 500 != 0; i++) {
            String id = switch (i % 3) {
              case 0 -> "new-" + i;                          // insert
              case 1 -> "item-" + (1 + 4 * rnd.nextInt(1500)); // replace a vector
              default -> null;
            };
            if (id != null) {
              float[] v = DATA.draw(rnd);
              index.upsert(id, v);
              expected.put(id, v);
              written.add(id);
              deleted.remove(id);
            } else {
              String victim = rnd.nextBoolean() ? "item-" + (2 + 4 * rnd.nextInt(1500)) : "new-" + (i - 5);
              if (index.delete(victim)) {
                expected.remove(victim);
                written.remove(victim);
                deleted.add(victim);
              }
            }
            ops.incrementAndGet();
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }, "writer");
      writer.start();
      testkit.Await.until(java.time.Duration.ofSeconds(30), ops::get, n -> n >= 100);
      int opsBefore = ops.get();
      index.compact();
      int opsDuring = ops.get() - opsBefore;
      compacted.set(true);
      writer.join();

      assertTrue(failures.isEmpty(), () -> "writer failed: " + failures.peek());
      assertTrue(opsDuring > 0, "the writer made no progress during compaction");
      assertState(index, expected, deleted, written);
      index.compact();
      assertEquals(0, index.deletedNodes());
      assertState(index, expected, deleted, written);
    }
  }

  private static void assertState(VectorIndex index, Map<String, float[]> expected, Set<String> deleted,
      Set<String> written) {
    assertEquals(expected.size(), index.size());
    expected.forEach((id, v) -> assertArrayEquals(Vectors.normalized(v, DIM), index.vector(id), 0f, id));
    for (String id : deleted) {
      assertFalse(index.contains(id), id);
      assertNull(index.vector(id), id);
    }
    // Everything the writer wrote is reachable in the graph, not just in the maps: its own vector finds it,
    // nearly always at ef 100 (the churn here is heavy), and always with a broader search.
    int missedAtEf100 = 0;
    for (String id : written) {
      if (!VectorIndexTest.ids(index.search(expected.get(id), 10, 100, null)).contains(id)) {
        missedAtEf100++;
        assertTrue(VectorIndexTest.ids(index.search(expected.get(id), 10, 1000, null)).contains(id), id);
      }
    }
    assertTrue(missedAtEf100 <= written.size() / 500, missedAtEf100 + " of " + written.size() + " missed at ef 100");
  }
}
