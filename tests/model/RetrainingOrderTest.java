package model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetrainingOrderTest {

  /** A positive: user, time, and a tag to tell equal ones apart in messages. */
  record P(String user, long ts, int tag) {}

  private static List<P> window() {
    List<P> w = new ArrayList<>();
    for (int i = 0; i < 40; i++) w.add(new P("u" + (i % 3), 1000 - i * 7L % 50, i));
    return w;
  }

  @Test
  void primerThenEpochsDrawFromOneSeededRandomAsFullRetrainingDid() {
    List<P> w = window();
    RetrainingOrder<String, P> order = new RetrainingOrder<>(w, 42, P::user, P::ts);
    // The node's order before it was shared: a copy shuffled for the primer, then the list shuffled per epoch.
    Random random = new Random(42);
    List<P> primer = new ArrayList<>(w);
    Collections.shuffle(primer, random);
    List<P> epochs = new ArrayList<>(w);
    assertEquals(primer, order.primer());
    Collections.shuffle(epochs, random);
    assertEquals(epochs, order.nextEpoch());
    Collections.shuffle(epochs, random);
    List<P> second = order.nextEpoch();
    assertEquals(epochs, second);
    assertEquals(w.size(), order.size());
    assertEquals(new java.util.HashSet<>(w), new java.util.HashSet<>(second), "an epoch is a permutation");
    assertNotEquals(w, second, "shuffled");
  }

  @Test
  void historiesAreEachUsersPositivesOldestFirstWithoutTheExampleItself() {
    P a = new P("u", 30, 1);
    P b = new P("u", 10, 2);
    P c = new P("u", 20, 3);
    P twin = new P("u", 20, 3); // equal to c, another positive
    P other = new P("w", 5, 4);
    RetrainingOrder<String, P> order = new RetrainingOrder<>(List.of(a, b, c, twin, other), 1, P::user, P::ts);
    List<P> history = order.byUser().get("u");
    assertEquals(List.of(b, c, twin, a), history, "oldest first, ties in window order");
    assertSame(c, history.get(1));
    List<P> others = RetrainingOrder.others(history, c);
    assertEquals(3, others.size(), "only the example itself leaves, not an equal positive: " + others);
    assertSame(twin, others.get(1));
    assertEquals(List.of(), RetrainingOrder.others(order.byUser().get("w"), other));
  }
}
