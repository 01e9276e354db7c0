package embedding;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Exact number of items per bucket (row) of one range of a hashed tier.
 *
 * <p>One byte per bucket: counts 0..254 are stored inline; the byte value 255 marks a bucket whose
 * true count (255 or more, rare) lives in a small overflow map. Aggregates are maintained on every
 * change, so the collision summary is O(1).
 *
 * <p>Not thread-safe; owned by the same entity as the range's rows.
 */
public final class Occupancy {

  private static final int MAGIC = 0x5343434f; // "OCCS" when written little-endian
  private static final int VERSION = 1;
  private static final int OVERFLOW_MARK = 0xff;
  private static final int HEADER_BYTES = 4 * Integer.BYTES;
  // Heap estimate constants (compressed oops): this object, an empty HashMap, and per overflow
  // entry a node plus boxed key and value and its share of the table.
  private static final int OBJECT_BYTES = 48;
  private static final int MAP_BYTES = 48;
  private static final int MAP_ENTRY_BYTES = 32 + 16 + 16 + 8;

  private final byte[] counts;
  private final Map<Integer, Integer> overflow = new HashMap<>();
  private long items;
  private long occupiedBuckets;
  private long itemsInSharedBuckets;

  public Occupancy(int size) {
    if (size <= 0) {
      throw new IllegalArgumentException("size must be > 0, got " + size);
    }
    this.counts = new byte[size];
  }

  public int size() {
    return counts.length;
  }

  public int count(int row) {
    int inline = counts[row] & 0xff;
    return inline == OVERFLOW_MARK ? overflow.get(row) : inline;
  }

  /** Records one more item in {@code row}; returns the new count. */
  public int add(int row) {
    int before = count(row);
    int after = Math.addExact(before, 1);
    store(row, after);
    items++;
    if (before == 0) {
      occupiedBuckets++;
    } else if (before == 1) {
      itemsInSharedBuckets += 2; // the first item becomes shared too
    } else {
      itemsInSharedBuckets++;
    }
    return after;
  }

  /**
   * Records one item fewer in {@code row}; returns the new count.
   *
   * @throws IllegalStateException if the bucket is already empty
   */
  public int remove(int row) {
    int before = count(row);
    if (before == 0) {
      throw new IllegalStateException("bucket " + row + " is already empty");
    }
    int after = before - 1;
    store(row, after);
    items--;
    if (after == 0) {
      occupiedBuckets--;
    } else if (after == 1) {
      itemsInSharedBuckets -= 2; // the remaining item is alone again
    } else {
      itemsInSharedBuckets--;
    }
    return after;
  }

  public long items() {
    return items;
  }

  public long occupiedBuckets() {
    return occupiedBuckets;
  }

  /** Items in buckets that hold two or more items. */
  public long itemsInSharedBuckets() {
    return itemsInSharedBuckets;
  }

  public TierOccupancy summary() {
    return new TierOccupancy(counts.length, items, occupiedBuckets, itemsInSharedBuckets);
  }

  /** Estimated heap bytes, arrays and overflow map included. */
  public long heapBytes() {
    long countsBytes = (16L + counts.length + 7) & ~7L;
    return OBJECT_BYTES + countsBytes + MAP_BYTES + (long) overflow.size() * MAP_ENTRY_BYTES;
  }

  /**
   * Snapshot: a little-endian header (magic, version, size, overflow entries), the count bytes,
   * then the overflow entries as (row, count) pairs in ascending row order so equal states give
   * equal bytes.
   */
  public byte[] toBytes() {
    int[] overflowRows = overflow.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    long size = HEADER_BYTES + (long) counts.length + 2L * Integer.BYTES * overflowRows.length;
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("snapshot of " + size + " bytes exceeds a byte[]");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(MAGIC).putInt(VERSION).putInt(counts.length).putInt(overflowRows.length);
    buf.put(counts);
    for (int row : overflowRows) {
      buf.putInt(row).putInt(overflow.get(row));
    }
    return buf.array();
  }

  /**
   * Inverse of {@link #toBytes()}; aggregates are recomputed.
   *
   * @throws IllegalArgumentException if the bytes are not a valid snapshot
   */
  public static Occupancy fromBytes(byte[] bytes) {
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    try {
      int magic = buf.getInt();
      if (magic != MAGIC) {
        throw new IllegalArgumentException("not an Occupancy snapshot (magic " + Integer.toHexString(magic) + ")");
      }
      int version = buf.getInt();
      if (version != VERSION) {
        throw new IllegalArgumentException("unsupported Occupancy snapshot version " + version);
      }
      int size = buf.getInt();
      int overflowCount = buf.getInt();
      if (size <= 0 || overflowCount < 0 || overflowCount > size
          || buf.remaining() != (long) size + 2L * Integer.BYTES * overflowCount) {
        throw new IllegalArgumentException("inconsistent Occupancy snapshot length");
      }
      Occupancy occupancy = new Occupancy(size);
      buf.get(occupancy.counts);
      int previous = -1;
      for (int i = 0; i < overflowCount; i++) {
        int row = buf.getInt();
        int count = buf.getInt();
        if (row <= previous || row >= size || (occupancy.counts[row] & 0xff) != OVERFLOW_MARK
            || count < OVERFLOW_MARK) {
          throw new IllegalArgumentException("invalid overflow entry (" + row + ", " + count + ")");
        }
        previous = row;
        occupancy.overflow.put(row, count);
      }
      if (occupancy.overflow.size() != countMarks(occupancy.counts)) {
        throw new IllegalArgumentException("overflow marks without overflow entries");
      }
      occupancy.recomputeAggregates();
      return occupancy;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated Occupancy snapshot", e);
    }
  }

  private void store(int row, int count) {
    if (count < OVERFLOW_MARK) {
      if ((counts[row] & 0xff) == OVERFLOW_MARK) {
        overflow.remove(row);
      }
      counts[row] = (byte) count;
    } else {
      counts[row] = (byte) OVERFLOW_MARK;
      overflow.put(row, count);
    }
  }

  private void recomputeAggregates() {
    items = 0;
    occupiedBuckets = 0;
    itemsInSharedBuckets = 0;
    for (int row = 0; row < counts.length; row++) {
      int c = count(row);
      items += c;
      if (c > 0) {
        occupiedBuckets++;
      }
      if (c > 1) {
        itemsInSharedBuckets += c;
      }
    }
  }

  private static int countMarks(byte[] counts) {
    int marks = 0;
    for (byte b : counts) {
      if ((b & 0xff) == OVERFLOW_MARK) {
        marks++;
      }
    }
    return marks;
  }
}
