package retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopKTest {

  @Test
  void mergesBestFirstAcrossShards() {
    List<Hit> a = List.of(new Hit("a1", 0.9f), new Hit("a2", 0.5f), new Hit("a3", 0.1f));
    List<Hit> b = List.of(new Hit("b1", 0.8f), new Hit("b2", 0.7f));
    List<Hit> c = List.of();
    assertEquals(List.of(new Hit("a1", 0.9f), new Hit("b1", 0.8f), new Hit("b2", 0.7f), new Hit("a2", 0.5f)),
        TopK.merge(List.of(a, b, c), 4));
    assertEquals(5, TopK.merge(List.of(a, b, c), 10).size());
    assertEquals(List.of(), TopK.merge(List.of(), 3));
  }

  @Test
  void keepsEachItemOnceWithItsBestScore() {
    // An item moving between shards can briefly be in two of them.
    List<Hit> a = List.of(new Hit("x", 0.6f), new Hit("y", 0.4f));
    List<Hit> b = List.of(new Hit("x", 0.9f), new Hit("z", 0.3f));
    assertEquals(List.of(new Hit("x", 0.9f), new Hit("y", 0.4f), new Hit("z", 0.3f)), TopK.merge(List.of(a, b), 3));
  }

  @Test
  void breaksTiesByItemId() {
    List<Hit> a = List.of(new Hit("b", 0.5f));
    List<Hit> b = List.of(new Hit("a", 0.5f), new Hit("c", 0.5f));
    assertEquals(List.of(new Hit("a", 0.5f), new Hit("b", 0.5f)), TopK.merge(List.of(a, b), 2));
  }

  @Test
  void rejectsUnsortedInputAndBadK() {
    List<Hit> unsorted = List.of(new Hit("a", 0.1f), new Hit("b", 0.9f));
    assertThrows(IllegalArgumentException.class, () -> TopK.merge(List.of(unsorted), 2));
    assertThrows(IllegalArgumentException.class, () -> TopK.merge(List.of(), 0));
  }
}
