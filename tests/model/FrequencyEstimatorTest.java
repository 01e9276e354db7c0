package model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrequencyEstimatorTest {

  private static final int ITEMS = 10_000;
  private static final int STEPS = 200_000;

  /** Zipf(s = 1) over ITEMS items: p_k ∝ 1/k, k = 1..ITEMS. */
  private static final class Zipf {
    final double[] p = new double[ITEMS];
    final double[] cdf = new double[ITEMS];

    Zipf() {
      double h = 0;
      for (int k = 1; k <= ITEMS; k++) h += 1.0 / k;
      double acc = 0;
      for (int k = 1; k <= ITEMS; k++) {
        p[k - 1] = 1.0 / k / h;
        acc += p[k - 1];
        cdf[k - 1] = acc;
      }
    }

    int draw(SplittableRandom rng) {
      int i = Arrays.binarySearch(cdf, rng.nextDouble() * cdf[ITEMS - 1]);
      return Math.min(ITEMS - 1, i >= 0 ? i : -i - 1);
    }
  }

  private static String id(int rank) {
    return "item-" + rank;
  }

  private static FrequencyEstimator feed(FrequencyEstimator est, long seed) {
    Zipf zipf = new Zipf();
    SplittableRandom rng = new SplittableRandom(seed);
    for (int t = 0; t < STEPS; t++) est.observe(id(zipf.draw(rng)));
    return est;
  }

  @Test
  void topItemsOfAZipfStreamAreWithinTwentyPercentAndPopularRanksAboveRare() {
    Zipf zipf = new Zipf();
    FrequencyEstimator est = feed(new FrequencyEstimator(2, 1 << 14, 17, 0.01, 1e-9), 1);
    for (int rank = 0; rank < 10; rank++) {
      double q = est.probability(id(rank));
      double relativeError = Math.abs(q - zipf.p[rank]) / zipf.p[rank];
      assertTrue(relativeError < 0.2, "rank " + rank + ": Q " + q + " vs true " + zipf.p[rank]);
    }
    // Mean estimate per decade of rank falls with the true frequency.
    double previous = Double.POSITIVE_INFINITY;
    for (int[] decade : new int[][] {{0, 10}, {10, 100}, {100, 1000}, {1000, ITEMS}}) {
      double sum = 0;
      for (int r = decade[0]; r < decade[1]; r++) sum += est.probability(id(r));
      double mean = sum / (decade[1] - decade[0]);
      assertTrue(mean < previous / 3, "decade " + Arrays.toString(decade) + ": mean Q " + mean + " vs " + previous);
      previous = mean;
    }
  }

  /** Extra hash functions only raise the gap estimate, so they cut the collision overestimate. */
  @Test
  void moreHashFunctionsReduceCollisionBias() {
    Zipf zipf = new Zipf();
    int width = 512; // ~20 items per slot: collisions matter
    FrequencyEstimator one = feed(new FrequencyEstimator(1, width, 5, 0.01, 1e-9), 2);
    FrequencyEstimator four = feed(new FrequencyEstimator(4, width, 5, 0.01, 1e-9), 2);
    double errorOne = 0;
    double errorFour = 0;
    for (int r = 0; r < 200; r++) {
      assertTrue(four.probability(id(r)) <= one.probability(id(r)), "rank " + r);
      errorOne += Math.abs(one.probability(id(r)) / zipf.p[r] - 1);
      errorFour += Math.abs(four.probability(id(r)) / zipf.p[r] - 1);
    }
    assertTrue(errorFour < 0.7 * errorOne, "depth 4 error " + errorFour / 200 + " vs depth 1 " + errorOne / 200);
  }

  @Test
  void memoryIsFixedWhateverTheNumberOfItems() {
    FrequencyEstimator est = new FrequencyEstimator(3, 1000, 1, 0.05, 1e-6);
    long before = est.bytes();
    assertEquals(3 * 1000 * (8 + 4), before);
    for (int i = 0; i < 100_000; i++) est.observe("distinct-" + i);
    assertEquals(before, est.bytes());
    assertEquals(100_000, est.steps());
  }

  @Test
  void regularGapsAreEstimatedExactly() {
    FrequencyEstimator est = new FrequencyEstimator(2, 1 << 12, 3, 0.05, 1e-9);
    for (int t = 1; t <= 1000; t++) est.observe(t % 10 == 0 ? "every-tenth" : "filler-" + (t % 7));
    assertEquals(0.1, est.probability("every-tenth"), 1e-6);
    FrequencyEstimator single = new FrequencyEstimator(1, 64, 3, 0.05, 1e-9);
    for (int t = 0; t < 50; t++) single.observe("only");
    assertEquals(1, single.probability("only"), 0);
    assertEquals(0, single.logQ("only"), 0);
  }

  @Test
  void unseenItemsGetASaneFloor() {
    FrequencyEstimator fresh = new FrequencyEstimator(2, 1 << 16, 3, 0.05, 1e-3);
    assertEquals(0, fresh.logQ("never"), 0); // nothing seen yet: no evidence against it
    for (int t = 0; t < 99; t++) fresh.observe("a");
    assertEquals(Math.log(1 / 100.0), fresh.logQ("never"), 1e-12); // not seen in 99 steps
    for (int t = 0; t < 10_000; t++) fresh.observe("a");
    assertEquals(Math.log(1e-3), fresh.logQ("never"), 1e-12); // floored
    assertTrue(Double.isFinite(fresh.logQ("never")));
  }

  @Test
  void snapshotRoundTripsAndKeepsLearningIdentically() {
    FrequencyEstimator est = new FrequencyEstimator(2, 257, 9, 0.02, 1e-7);
    for (int t = 0; t < 5000; t++) est.observe("item-" + (t * 7919 % 97));
    FrequencyEstimator copy = FrequencyEstimator.fromBytes(est.toBytes());
    assertArrayEquals(est.toBytes(), copy.toBytes());
    for (int t = 0; t < 1000; t++) {
      est.observe("item-" + (t % 13));
      copy.observe("item-" + (t % 13));
    }
    for (int i = 0; i < 120; i++) assertEquals(est.probability("item-" + i), copy.probability("item-" + i), 0);
    assertEquals(est.steps(), copy.steps());
    byte[] bytes = est.toBytes();
    assertThrows(IllegalArgumentException.class, () -> FrequencyEstimator.fromBytes(Arrays.copyOf(bytes, bytes.length - 1)));
    assertThrows(IllegalArgumentException.class, () -> FrequencyEstimator.fromBytes(Arrays.copyOf(bytes, 10)));
    byte[] wrongMagic = bytes.clone();
    wrongMagic[0] ^= 1;
    assertThrows(IllegalArgumentException.class, () -> FrequencyEstimator.fromBytes(wrongMagic));
  }

  @Test
  void badInputIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new FrequencyEstimator(0, 10, 1, 0.1, 1e-6));
    assertThrows(IllegalArgumentException.class, () -> new FrequencyEstimator(1, 0, 1, 0.1, 1e-6));
    assertThrows(IllegalArgumentException.class, () -> new FrequencyEstimator(1, 10, 1, 0, 1e-6));
    assertThrows(IllegalArgumentException.class, () -> new FrequencyEstimator(1, 10, 1, 1.5, 1e-6));
    assertThrows(IllegalArgumentException.class, () -> new FrequencyEstimator(1, 10, 1, 0.1, 0));
    assertThrows(IllegalArgumentException.class, () -> new FrequencyEstimator(1, 10, 1, 0.1, 1e-6).observe(null));
    assertThrows(IllegalArgumentException.class, () -> new FrequencyEstimator(1, 10, 1, 0.1, 1e-6).logQ(null));
  }
}
