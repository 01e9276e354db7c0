package retrieval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExactIndexTest {

  private static final int DIM = 8;

  @Test
  void matchesANaiveScanThroughUpdatesAndDeletes() {
    SplittableRandom rnd = new SplittableRandom(3);
    ExactIndex index = new ExactIndex(DIM);
    Map<String, float[]> model = new HashMap<>();
    for (int op = 0; op < 3000; op++) {
      String id = "i" + rnd.nextInt(500);
      if (rnd.nextInt(4) == 0) {
        assertEquals(model.remove(id) != null, index.delete(id));
      } else {
        float[] v = random(rnd);
        index.upsert(id, v);
        model.put(id, Vectors.normalized(v, DIM));
      }
    }
    assertEquals(model.size(), index.size());
    model.forEach((id, v) -> assertArrayEquals(v, index.vector(id), 0f));
    for (int q = 0; q < 50; q++) {
      float[] query = random(rnd);
      float[] unit = Vectors.normalized(query, DIM);
      List<Hit> naive = new ArrayList<>();
      model.forEach((id, v) -> naive.add(new Hit(id, dot(unit, v))));
      naive.sort(Comparator.comparingDouble((Hit h) -> -h.score()));
      List<Hit> hits = index.search(query, 10, null);
      assertEquals(10, hits.size());
      for (int i = 0; i < 10; i++) {
        assertEquals(naive.get(i).itemId(), hits.get(i).itemId());
        assertEquals(naive.get(i).score(), hits.get(i).score(), 1e-5);
      }
      List<Hit> even = index.search(query, 5, 5, id -> id.hashCode() % 2 == 0);
      assertEquals(naive.stream().filter(h -> h.itemId().hashCode() % 2 == 0).limit(5).map(Hit::itemId).toList(),
          even.stream().map(Hit::itemId).toList());
    }
  }

  @Test
  void searchAllEqualsOneByOne() {
    SplittableRandom rnd = new SplittableRandom(4);
    ExactIndex index = new ExactIndex(DIM);
    for (int i = 0; i < 2000; i++) index.upsert("i" + i, random(rnd));
    float[][] queries = new float[40][];
    for (int q = 0; q < queries.length; q++) queries[q] = random(rnd);
    List<List<Hit>> all = index.searchAll(queries, 7, 3);
    for (int q = 0; q < queries.length; q++) assertEquals(index.search(queries[q], 7, null), all.get(q));
  }

  @Test
  void smallAndInvalidCases() {
    ExactIndex index = new ExactIndex(DIM);
    assertEquals(List.of(), index.search(new float[] {1, 0, 0, 0, 0, 0, 0, 0}, 3, null));
    index.upsert("a", new float[] {1, 0, 0, 0, 0, 0, 0, 0});
    assertEquals(1, index.search(new float[] {1, 1, 0, 0, 0, 0, 0, 0}, 3, null).size());
    assertTrue(index.contains("a"));
    assertTrue(index.delete("a"));
    assertFalse(index.delete("a"));
    assertNull(index.vector("a"));
    assertThrows(IllegalArgumentException.class, () -> index.upsert("b", new float[DIM]));
    assertThrows(IllegalArgumentException.class, () -> index.upsert("b", new float[DIM + 1]));
    assertThrows(IllegalArgumentException.class, () -> index.search(new float[DIM], 1, null));
    assertThrows(IllegalArgumentException.class, () -> index.search(new float[] {1, 0, 0, 0, 0, 0, 0, 0}, 2, 1, null));
  }

  private static float[] random(SplittableRandom rnd) {
    float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) v[i] = (float) rnd.nextGaussian();
    return v;
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }
}
