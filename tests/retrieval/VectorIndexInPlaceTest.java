package retrieval;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * An update swaps the vector in place at once; an item that drifted past the threshold from the vector its edges
 * were chosen for counts as drifted until the graph is rebuilt; a jump through upsert re-links at once.
 */
class VectorIndexInPlaceTest {

  private static VectorIndex indexOf(int n, int dim, long seed) {
    VectorIndex index = new VectorIndex(IndexParams.defaults(dim));
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      float[] v = new float[dim];
      for (int d = 0; d < dim; d++) v[d] = (float) rnd.nextGaussian();
      index.upsert("i" + i, v);
    }
    return index;
  }

  @Test
  void smallMovesStayInPlaceAndOnlyDriftIsQueued() {
    int dim = 8;
    VectorIndex index = indexOf(500, dim, 3);
    float[] base = index.vector("i7");
    float[] nudged = base.clone();
    nudged[0] += 0.05f;
    index.upsert("i7", nudged);
    assertEquals(0, index.deletedNodes(), "updated in place");
    assertEquals(0, index.drifted(), "a small move is not drift");
    float[] stored = index.vector("i7");
    assertArrayEquals(Vectors.normalized(nudged, dim), stored, 1e-6f);
    Hit top = index.search(stored, 1, 50, null).get(0);
    assertEquals("i7", top.itemId());
    assertEquals(1f, top.score(), 1e-5f);

    // Many small moves in one direction: measured against the linked vector, the drift queues the item once.
    float[] walk = base.clone();
    int queuedAt = -1;
    for (int step = 0; step < 40; step++) {
      walk[1] += 0.01f; // 0.4 in all: drift (cosine stays above 0.9), never a jump
      index.upsert("i7", walk);
      if (queuedAt < 0 && index.drifted() == 1) queuedAt = step;
      assertArrayEquals(Vectors.normalized(walk, dim), index.vector("i7"), 1e-6f, "served at once, step " + step);
    }
    assertTrue(queuedAt > 0, "queued after some steps, not the first: " + queuedAt);
    assertEquals(1, index.drifted(), "queued once");
    assertEquals(0, index.deletedNodes(), "nothing re-linked yet");

    index.rebuild();
    assertEquals(0, index.drifted(), "linked afresh");
    assertEquals(0, index.deletedNodes(), "a rebuild leaves no retired nodes");
    assertEquals("i7", index.search(index.vector("i7"), 1, 50, null).get(0).itemId());
    assertArrayEquals(Vectors.normalized(walk, dim), index.vector("i7"), 1e-6f);
    // Linked for where it is now: further small moves are not drift.
    walk[2] += 0.02f;
    index.upsert("i7", walk);
    assertEquals(0, index.drifted());
  }

  @Test
  void aDeletedItemLeavesTheDriftedAndAJumpThroughUpsertRelinksAtOnce() {
    int dim = 8;
    VectorIndex index = indexOf(500, dim, 4);
    for (String id : new String[] {"i7", "i9"}) {
      float[] v = index.vector(id).clone();
      v[0] += 0.25f; // cosine between 0.9 and 0.99 to where it was linked: drift
      index.upsert(id, v);
    }
    assertEquals(2, index.drifted());
    assertEquals(0, index.deletedNodes());
    index.delete("i9");
    assertEquals(1, index.drifted(), "a deleted item is no longer drifted");
    assertNull(index.vector("i9"));
    assertTrue(index.compactIfNeeded(), "1 of 499 drifted and 1 retired, below the rebuild share: re-linked alone");
    assertEquals(0, index.drifted());
    assertEquals(2, index.deletedNodes(), "the deleted item's node and i7's old one");
    assertFalse(index.compactIfNeeded(), "nothing drifted, 2 of 501 retired: nothing to do");

    int before = index.deletedNodes();
    float[] far = new float[dim];
    far[dim - 1] = 1;
    index.upsert("i3", far);
    assertEquals(before + 1, index.deletedNodes(), "a jump re-links at once");
    assertEquals(0, index.drifted());
    assertEquals("i3", index.search(far, 1, 50, null).get(0).itemId());
    // Through update the same jump stays in place and counts as drift.
    float[] back = new float[dim];
    back[0] = 1;
    index.update("i3", back);
    assertEquals(before + 1, index.deletedNodes());
    assertEquals(1, index.drifted());
  }

  @Test
  void driftedItemsBelowTheRebuildShareAreReLinkedOneByOne() {
    int dim = 8;
    int n = 2000;
    VectorIndex index = indexOf(n, dim, 7);
    // 5 % of the items (below the 10 % rebuild share) move in place far from where they were linked.
    SplittableRandom rnd = new SplittableRandom(8);
    int moved = n / 20;
    for (int i = 0; i < moved; i++) {
      float[] v = new float[dim];
      for (int d = 0; d < dim; d++) v[d] = (float) rnd.nextGaussian();
      index.update("i" + (i * 20), v);
    }
    int drifted = index.drifted();
    assertTrue(drifted > moved / 2 && drifted <= moved, "drifted " + drifted);
    int rounds = 0;
    while (index.compactIfNeeded()) rounds++;
    assertEquals(0, index.drifted());
    assertEquals(drifted, index.deletedNodes(), "one retired node per re-linked item, no rebuild");
    assertTrue(rounds >= (drifted + VectorIndex.RELINK_BATCH - 1) / VectorIndex.RELINK_BATCH, "rounds " + rounds);
    assertEquals(n, index.size());
    for (int i = 0; i < moved; i++) {
      String id = "i" + (i * 20);
      assertEquals(id, index.search(index.vector(id), 1, 40, null).get(0).itemId(), "re-linked for its vector");
    }
  }

  @Test
  void manyItemsDriftingFarTriggerARebuildThatRestoresTheGraph() {
    int dim = 8;
    int n = 2000;
    VectorIndex index = indexOf(n, dim, 5);
    double fresh = index.graphRecall(100, 20, 40, 1);
    // Every item moves in place to a new random vector (a learning burst): served at once, graph stale.
    SplittableRandom rnd = new SplittableRandom(6);
    for (int i = 0; i < n; i++) {
      float[] v = new float[dim];
      for (int d = 0; d < dim; d++) v[d] = (float) rnd.nextGaussian();
      index.update("i" + i, v);
      assertArrayEquals(Vectors.normalized(v, dim), index.vector("i" + i), 1e-6f);
    }
    assertEquals(0, index.deletedNodes(), "updates never re-link by themselves");
    assertTrue(index.drifted() > n / 2, "most moved far: " + index.drifted());
    double stale = index.graphRecall(100, 20, 40, 1);

    assertTrue(index.compactIfNeeded(), "drift past the maintenance share rebuilds");
    assertEquals(0, index.drifted());
    assertEquals(0, index.deletedNodes());
    assertEquals(n, index.size());
    double rebuilt = index.graphRecall(100, 20, 40, 1);
    assertTrue(rebuilt >= 0.95 && rebuilt > stale,
        "graph recall fresh " + fresh + ", stale " + stale + ", rebuilt " + rebuilt);
    for (int i = 0; i < n; i += 97) {
      assertEquals("i" + i, index.search(index.vector("i" + i), 1, 40, null).get(0).itemId());
    }
  }
}
