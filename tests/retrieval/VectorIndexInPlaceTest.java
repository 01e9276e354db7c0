package retrieval;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Small moves update a vector in place; a move (or a drift) past the threshold re-links the item. */
class VectorIndexInPlaceTest {

  @Test
  void smallMovesStayInPlaceAndDriftIsReLinked() {
    int dim = 8;
    VectorIndex index = new VectorIndex(IndexParams.defaults(dim));
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < 500; i++) {
      float[] v = new float[dim];
      for (int d = 0; d < dim; d++) v[d] = (float) rnd.nextGaussian();
      index.upsert("i" + i, v);
    }
    float[] base = index.vector("i7");
    // A small move: no node retired, and searches score the new vector.
    float[] nudged = base.clone();
    nudged[0] += 0.05f;
    index.upsert("i7", nudged);
    assertEquals(0, index.deletedNodes(), "updated in place");
    float[] stored = index.vector("i7");
    assertArrayEquals(Vectors.normalized(nudged, dim), stored, 1e-6f);
    Hit top = index.search(stored, 1, 50, null).get(0);
    assertEquals("i7", top.itemId());
    assertEquals(1f, top.score(), 1e-5f);

    // Many small moves in one direction: measured against the linked vector, the drift re-links the item once.
    float[] walk = base.clone();
    int relinks = 0;
    for (int step = 0; step < 40; step++) {
      walk[1] += 0.05f;
      int before = index.deletedNodes();
      index.upsert("i7", walk);
      relinks += index.deletedNodes() - before;
    }
    assertTrue(relinks >= 1, "drift past the threshold re-links");
    assertTrue(relinks < 40, "not every step re-links: " + relinks);
    assertEquals("i7", index.search(index.vector("i7"), 1, 50, null).get(0).itemId());

    // A large move re-links at once.
    int before = index.deletedNodes();
    float[] far = new float[dim];
    far[dim - 1] = 1;
    index.upsert("i7", far);
    assertEquals(before + 1, index.deletedNodes());
    assertEquals("i7", index.search(far, 1, 50, null).get(0).itemId());
  }
}
