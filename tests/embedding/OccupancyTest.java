package embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OccupancyTest {

  @Test
  void aggregatesFollowAddsAndRemoves() {
    Occupancy occupancy = new Occupancy(10);
    assertEquals(1, occupancy.add(3));
    assertEquals(0, occupancy.itemsInSharedBuckets());
    assertEquals(2, occupancy.add(3));
    assertEquals(2, occupancy.itemsInSharedBuckets());
    assertEquals(3, occupancy.add(3));
    assertEquals(1, occupancy.add(7));
    assertEquals(4, occupancy.items());
    assertEquals(2, occupancy.occupiedBuckets());
    assertEquals(3, occupancy.itemsInSharedBuckets());
    assertEquals(new TierOccupancy(10, 4, 2, 3), occupancy.summary());

    assertEquals(2, occupancy.remove(3));
    assertEquals(2, occupancy.itemsInSharedBuckets());
    assertEquals(1, occupancy.remove(3));
    assertEquals(0, occupancy.itemsInSharedBuckets());
    assertEquals(0, occupancy.remove(3));
    assertEquals(0, occupancy.remove(7));
    assertEquals(new TierOccupancy(10, 0, 0, 0), occupancy.summary());
    assertThrows(IllegalStateException.class, () -> occupancy.remove(7));
  }

  @Test
  void removeRestoresCounts() {
    int size = 5000;
    Occupancy occupancy = new Occupancy(size);
    SplittableRandom random = new SplittableRandom(8);
    int[] rows = new int[20_000];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = random.nextInt(size);
    }
    for (int i = 0; i < 10_000; i++) {
      occupancy.add(rows[i]);
    }
    byte[] afterFirstHalf = occupancy.toBytes();
    TierOccupancy summary = occupancy.summary();
    for (int i = 10_000; i < rows.length; i++) {
      occupancy.add(rows[i]);
    }
    for (int i = rows.length - 1; i >= 10_000; i--) {
      occupancy.remove(rows[i]);
    }
    assertEquals(summary, occupancy.summary());
    assertArrayEquals(afterFirstHalf, occupancy.toBytes());
  }

  @Test
  void overflowBucketIsExact() {
    Occupancy occupancy = new Occupancy(4);
    occupancy.add(0);
    for (int i = 1; i <= 300; i++) {
      assertEquals(i, occupancy.add(2));
    }
    assertEquals(300, occupancy.count(2));
    assertEquals(301, occupancy.items());
    assertEquals(2, occupancy.occupiedBuckets());
    assertEquals(300, occupancy.itemsInSharedBuckets());

    Occupancy copy = Occupancy.fromBytes(occupancy.toBytes());
    assertEquals(300, copy.count(2));
    assertEquals(occupancy.summary(), copy.summary());

    for (int i = 299; i >= 0; i--) {
      assertEquals(i, occupancy.remove(2));
    }
    assertEquals(new TierOccupancy(4, 1, 1, 0), occupancy.summary());
    assertArrayEquals(expectedSingle(), occupancy.toBytes()); // overflow entry is gone
  }

  private static byte[] expectedSingle() {
    Occupancy one = new Occupancy(4);
    one.add(0);
    return one.toBytes();
  }

  @Test
  void codecRoundTripIsBitIdentical() {
    Occupancy occupancy = new Occupancy(70_000);
    SplittableRandom random = new SplittableRandom(9);
    for (int i = 0; i < 100_000; i++) {
      occupancy.add(random.nextInt(70_000));
    }
    for (int i = 0; i < 1000; i++) {
      occupancy.add(12_345);
      occupancy.add(17);
    }
    byte[] bytes = occupancy.toBytes();
    Occupancy copy = Occupancy.fromBytes(bytes);
    assertArrayEquals(bytes, copy.toBytes());
    assertEquals(occupancy.summary(), copy.summary());
    for (int row = 0; row < 70_000; row++) {
      assertEquals(occupancy.count(row), copy.count(row));
    }

    byte[] truncated = Arrays.copyOf(bytes, bytes.length - 1);
    assertThrows(IllegalArgumentException.class, () -> Occupancy.fromBytes(truncated));
    byte[] badMagic = bytes.clone();
    badMagic[1] ^= 1;
    assertThrows(IllegalArgumentException.class, () -> Occupancy.fromBytes(badMagic));
  }

  @Test
  void heapBytesStaysNearOneBytePerBucket() {
    Occupancy occupancy = new Occupancy(1 << 20);
    for (int row = 0; row < 1 << 20; row += 3) {
      occupancy.add(row);
    }
    double perBucket = (double) occupancy.heapBytes() / occupancy.size();
    assertTrue(perBucket < 1.01, "heap bytes per bucket " + perBucket);
    assertTrue(perBucket <= 70);
  }
}
