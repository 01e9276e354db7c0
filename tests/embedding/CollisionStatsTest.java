package embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CollisionStatsTest {

  private static final int N = 200_000;

  /** Hash n ids into m buckets and compare the exact rates with the uniform-hashing prediction. */
  @Test
  void simulatedFillMatchesExpectedRates() {
    ItemHasher hasher = new ItemHasher(2024);
    String[] ids = new String[N];
    for (int i = 0; i < N; i++) {
      ids[i] = "item-" + i;
    }
    for (double ratio : new double[] {0.05, 0.2, 1, 3}) {
      int m = (int) Math.round(N / ratio);
      Occupancy occupancy = new Occupancy(m);
      for (String id : ids) {
        occupancy.add(hasher.bucket(id, m));
      }
      TierOccupancy summary = occupancy.summary();
      assertEquals(N, summary.items());
      assertEquals((double) N / m, summary.loadFactor(), 1e-12);
      assertEquals(
          CollisionStats.expectedCollisionRate(N, m), summary.collisionRate(), 0.01, "n/m = " + ratio);
      assertEquals(
          CollisionStats.expectedDisplacedRate(N, m), summary.displacedRate(), 0.01, "n/m = " + ratio);
    }
  }

  @Test
  void expectedRatesAtKnownPoints() {
    assertEquals(0, CollisionStats.expectedCollisionRate(0, 10));
    assertEquals(0, CollisionStats.expectedCollisionRate(1, 10));
    assertEquals(1, CollisionStats.expectedCollisionRate(2, 1));
    assertEquals(0.1, CollisionStats.expectedCollisionRate(2, 10), 1e-12); // second item hits the first
    assertEquals(1 - Math.exp(-1), CollisionStats.expectedCollisionRate(1_000_000, 1_000_000), 1e-6);
    assertEquals(0, CollisionStats.expectedDisplacedRate(0, 10));
    assertEquals(Math.exp(-1), CollisionStats.expectedDisplacedRate(1000, 1000), 1e-12);
    assertEquals(0.5e-6, CollisionStats.expectedDisplacedRate(1, 1_000_000), 1e-9); // ~ n/(2m)
    assertThrows(IllegalArgumentException.class, () -> CollisionStats.expectedCollisionRate(1, 0));
  }

  @Test
  void tierOccupancySums() {
    TierOccupancy a = new TierOccupancy(100, 50, 40, 18);
    TierOccupancy b = TierOccupancy.empty(300);
    TierOccupancy sum = a.plus(b);
    assertEquals(new TierOccupancy(400, 50, 40, 18), sum);
    assertEquals(0.125, sum.loadFactor());
    assertEquals(0.36, sum.collisionRate(), 1e-12);
    assertEquals(0.2, sum.displacedRate(), 1e-12);
    assertEquals(0, b.collisionRate());
    assertEquals(0, b.displacedRate());
    assertThrows(IllegalArgumentException.class, () -> new TierOccupancy(1, 1, 2, 0));
  }
}
