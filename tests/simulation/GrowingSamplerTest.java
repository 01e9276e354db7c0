package simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GrowingSamplerTest {

  @Test
  void drawsInProportionToWeightsAsTheListGrows() {
    GrowingSampler sampler = new GrowingSampler(10);
    assertEquals(-1, sampler.sample(0.5), "nothing to draw yet");
    sampler.add(1);
    sampler.add(0);
    sampler.add(3);
    SplittableRandom rnd = new SplittableRandom(1);
    int[] counts = new int[10];
    int n = 40_000;
    for (int i = 0; i < n; i++) counts[sampler.sample(rnd.nextDouble())]++;
    assertEquals(0.25, counts[0] / (double) n, 0.01);
    assertEquals(0, counts[1], "a zero weight is never drawn");
    assertEquals(0.75, counts[2] / (double) n, 0.01);

    sampler.add(4); // total 8: the new index takes half
    counts = new int[10];
    for (int i = 0; i < n; i++) counts[sampler.sample(rnd.nextDouble())]++;
    assertEquals(0.5, counts[3] / (double) n, 0.01);
    assertEquals(0.125, counts[0] / (double) n, 0.01);
    assertEquals(4, sampler.size());
    assertEquals(8, sampler.total(), 1e-12);
  }

  @Test
  void boundaries() {
    GrowingSampler sampler = new GrowingSampler(2);
    sampler.add(2);
    sampler.add(2);
    assertEquals(0, sampler.sample(0));
    assertEquals(1, sampler.sample(Math.nextDown(1.0)));
    assertThrows(IllegalStateException.class, () -> sampler.add(1));
    assertThrows(IllegalArgumentException.class, () -> new GrowingSampler(3).add(Double.NaN));
  }
}
