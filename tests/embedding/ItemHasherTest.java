package embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ItemHasherTest {

  /**
   * Placement is persistent: these values were computed once (and cross-checked against an
   * independent MurmurHash3 x64_128 implementation). If a library upgrade changes them, trained
   * rows would silently belong to other items.
   */
  @Test
  void goldenValuesArePinned() {
    ItemHasher hasher = new ItemHasher(42);
    assertEquals(-1140915396076141277L, hasher.hash64(""));
    assertEquals(2642183414036157521L, hasher.hash64("item-0"));
    assertEquals(543091661564114906L, hasher.hash64("sku:123456"));
    assertEquals(-3535817383143695782L, hasher.hash64("ünïcødé-ίδ"));
    assertEquals(
        -4916352211370724517L,
        hasher.hash64("a-much-longer-item-identifier-that-spans-several-blocks"));
    assertEquals(-3586121418119524895L, new ItemHasher(7).hash64("item-0"));

    assertEquals(339, hasher.bucket("", 1000));
    assertEquals(521, hasher.bucket("item-0", 1000));
    assertEquals(834, hasher.bucket("ünïcødé-ίδ", 1000)); // negative hash, unsigned remainder
  }

  @Test
  void differentSeedsPlaceDifferently() {
    ItemHasher a = new ItemHasher(1);
    ItemHasher b = new ItemHasher(2);
    int same = 0;
    for (int i = 0; i < 10_000; i++) {
      String id = "item-" + i;
      assertNotEquals(a.hash64(id), b.hash64(id));
      if (a.bucket(id, 1000) == b.bucket(id, 1000)) {
        same++;
      }
    }
    // Independent placement agrees on about 1 in 1000 ids.
    assertTrue(same < 40, "buckets agree for " + same + " of 10000 ids");
  }

  @Test
  void millionIdsSpreadEvenlyOverThousandBuckets() {
    ItemHasher hasher = new ItemHasher(12345);
    int buckets = 1000;
    int n = 1_000_000;
    int[] counts = new int[buckets];
    for (int i = 0; i < n; i++) {
      counts[hasher.bucket("item-" + i, buckets)]++;
    }
    double expected = (double) n / buckets;
    double chiSquare = 0;
    for (int c : counts) {
      chiSquare += (c - expected) * (c - expected) / expected;
    }
    // 999 degrees of freedom: mean 999, sd ~44.7. Allow about +-6 sd.
    assertTrue(chiSquare > 730 && chiSquare < 1270, "chi-square " + chiSquare);
  }

  @Test
  void bucketIsAlwaysInRange() {
    ItemHasher hasher = new ItemHasher(-1);
    int[] capacities = {1, 2, 3, 7, 1000, 65_536, 1_000_003, Integer.MAX_VALUE};
    for (int i = 0; i < 20_000; i++) {
      String id = "x" + i;
      for (int capacity : capacities) {
        int bucket = hasher.bucket(id, capacity);
        assertTrue(bucket >= 0 && bucket < capacity, id + " -> " + bucket + " of " + capacity);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> hasher.bucket("x", 0));
  }
}
