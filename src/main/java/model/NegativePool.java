package model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The items extra uniform negatives are drawn from (mixed negative sampling): the last {@code capacity} distinct
 * items offered, first in, first out (an item already in the pool keeps its place; one that left comes back when
 * offered again). Drawing is uniform over the pool, and a function of the pool and a seed only, so a learner that
 * saves the pool with its position draws the same negatives when it replays a batch.
 *
 * <p>What "uniform" means here, honestly: uniform over the distinct items recently offered, not over the whole
 * catalogue. Fed with the items of learned positives, the pool holds items with at least one recent positive: every
 * such item equally (the head does not crowd the tail out, unlike in-batch negatives), but items nobody has engaged
 * with yet never enter it.
 *
 * <p>Not thread-safe: one owner (a learner partition).
 */
public final class NegativePool {

  private static final int FORMAT = 1;

  private final int capacity;
  private final String[] ring;
  private final Set<String> members = new HashSet<>();
  private int size;
  private int next;

  public NegativePool(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
    this.capacity = capacity;
    this.ring = new String[capacity];
  }

  /** Adds the item unless it is already in the pool; a full pool lets its oldest item go. */
  public void offer(String itemId) {
    if (itemId == null) throw new IllegalArgumentException("itemId must not be null");
    if (members.contains(itemId)) return;
    if (size == capacity) members.remove(ring[next]);
    else size++;
    ring[next] = itemId;
    members.add(itemId);
    next = (next + 1) % capacity;
  }

  public int size() {
    return size;
  }

  public int capacity() {
    return capacity;
  }

  public boolean contains(String itemId) {
    return members.contains(itemId);
  }

  /**
   * {@code min(k, eligible)} distinct items drawn uniformly without replacement from the pool's items not in
   * {@code exclude}, in draw order; the same pool and seed draw the same items.
   */
  public List<String> sample(int k, Set<String> exclude, long seed) {
    if (k < 0) throw new IllegalArgumentException("k must be >= 0, got " + k);
    // Oldest first, not ring order: a pool restored from bytes has the same order, so it draws the same items.
    List<String> eligible = new ArrayList<>(size);
    int oldest = size == capacity ? next : 0;
    for (int i = 0; i < size; i++) {
      String item = ring[(oldest + i) % capacity];
      if (!exclude.contains(item)) eligible.add(item);
    }
    int n = Math.min(k, eligible.size());
    // Partial Fisher–Yates: the first n places end up a uniform sample without replacement.
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      int j = i + random.nextInt(eligible.size() - i);
      String swap = eligible.get(i);
      eligible.set(i, eligible.get(j));
      eligible.set(j, swap);
    }
    return new ArrayList<>(eligible.subList(0, n));
  }

  /** The pool as bytes (its items in ring order and the next place), for {@link #fromBytes}. */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeInt(capacity);
      out.writeInt(size);
      out.writeInt(next);
      for (int i = 0; i < size; i++) out.writeUTF(ring[i]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * A pool from {@link #toBytes}, with room for {@code capacity} items: a smaller capacity than the saved one
   * keeps the newest items (so a configuration change does not refuse the saved state).
   */
  public static NegativePool fromBytes(byte[] bytes, int capacity) {
    NegativePool pool = new NegativePool(capacity);
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int format = in.readByte();
      if (format != FORMAT) throw new IllegalArgumentException("bytes: unknown negative pool format " + format);
      int savedCapacity = in.readInt();
      int size = in.readInt();
      int next = in.readInt();
      if (savedCapacity < 1 || size < 0 || size > savedCapacity || next < 0 || next >= savedCapacity) {
        throw new IllegalArgumentException("bytes: inconsistent negative pool header");
      }
      String[] saved = new String[size];
      for (int i = 0; i < size; i++) saved[i] = in.readUTF();
      // Oldest first: a full ring starts at next, a filling one at 0.
      int start = size == savedCapacity ? next : 0;
      for (int i = 0; i < size; i++) pool.offer(saved[(start + i) % size]);
      return pool;
    } catch (IOException e) {
      throw new IllegalArgumentException("bytes: truncated negative pool", e);
    }
  }
}
