package model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The recent positives of the users of one stream partition, for the history mean of the user side
 * ({@link UserSide}) during online learning. Built only from the partition's own records, in offset order, so it
 * is a function of the records: a learner that rebuilds it after a restart by re-reading the last {@code window}
 * records before its resume offset holds the same history as one that never stopped.
 *
 * <p><b>What a batch sees.</b> For a batch whose first offset is {@code s}, a user's history is their newest
 * {@code perUser} positives among the records in {@code [s − window, s)}, as {@link #signals} with
 * {@code from = s − window} returns them; the caller adds a batch's positives only after the batch.
 *
 * <p><b>Memory bound.</b> At most {@code maxUsers} users (the one whose last positive is oldest goes first) of at
 * most {@code perUser} entries. Every kept entry is at most {@code 2·window} records old (a user's stale
 * entries go when they add one, a user whose entries all fell out of the window goes at {@link #expire}), so it
 * also holds at most {@code 2·window} entries.
 *
 * <p><b>Why eviction does not break the rebuild.</b> Users are ordered by the offset of their last positive and
 * evicted oldest first, and reads never reorder them. A user outside the window is therefore always evicted
 * before any user inside it, so the users inside the window (and their entries inside it) are the same whether
 * the history started empty at {@code s − window} or long before. Tests: {@code RecentPositivesTest}.
 *
 * <p>Not thread-safe: one partition's stream owns it.
 */
public final class RecentPositives {

  /** One positive: the item, the type's weight, when it happened and the record's offset in its partition. */
  public record Entry(String itemId, double weight, long atMillis, long offset) {}

  private final int perUser;
  private final int maxUsers;
  private final long window;
  // Insertion order = order of each user's last positive: add() re-inserts, reads do not touch the order.
  private final LinkedHashMap<String, ArrayDeque<Entry>> users;
  private long entries;
  private long lastOffset = -1;

  public RecentPositives(int perUser, int maxUsers, long window) {
    if (perUser < 1) throw new IllegalArgumentException("perUser must be >= 1, got " + perUser);
    if (maxUsers < 1) throw new IllegalArgumentException("maxUsers must be >= 1, got " + maxUsers);
    if (window < 1) throw new IllegalArgumentException("window must be >= 1, got " + window);
    this.perUser = perUser;
    this.maxUsers = maxUsers;
    this.window = window;
    this.users = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Entry>> eldest) {
        if (size() <= RecentPositives.this.maxUsers) return false;
        entries -= eldest.getValue().size();
        return true;
      }
    };
  }

  public long window() {
    return window;
  }

  /** How many of a user's newest positives are kept (and make their history). */
  public int perUser() {
    return perUser;
  }

  /** Where the history of a batch starting at {@code firstOffset} begins (also where a rebuild starts reading). */
  public long windowStart(long firstOffset) {
    return Math.max(0, firstOffset - window);
  }

  /** The offset of the newest positive added, or −1. */
  public long lastOffset() {
    return lastOffset;
  }

  /**
   * Appends a positive of {@code userId}; calls must come in offset order.
   *
   * @throws IllegalArgumentException when {@code offset} is not after the last one added
   */
  public void add(String userId, String itemId, double weight, long atMillis, long offset) {
    if (offset <= lastOffset) {
      throw new IllegalArgumentException("offset " + offset + " is not after the last one added, " + lastOffset);
    }
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight must be finite and > 0, got " + weight);
    }
    lastOffset = offset;
    ArrayDeque<Entry> list = users.remove(userId);
    if (list == null) list = new ArrayDeque<>(Math.min(perUser, 8));
    // No later batch can see an entry older than offset − window: drop them while we are here.
    while (!list.isEmpty() && (list.size() >= perUser || list.peekFirst().offset() < offset - window)) {
      list.pollFirst();
      entries--;
    }
    list.addLast(new Entry(itemId, weight, atMillis, offset));
    entries++;
    users.put(userId, list);
  }

  /** Drops the users whose every entry is before {@code from}; they are the eldest, so this stops early. */
  public void expire(long from) {
    Iterator<ArrayDeque<Entry>> it = users.values().iterator();
    while (it.hasNext()) {
      ArrayDeque<Entry> list = it.next();
      if (list.peekLast().offset() >= from) return;
      entries -= list.size();
      it.remove();
    }
  }

  /** The user's entries at or after offset {@code from}, oldest first (empty when none). */
  public List<Entry> of(String userId, long from) {
    ArrayDeque<Entry> list = users.get(userId);
    if (list == null) return List.of();
    List<Entry> out = new ArrayList<>(list.size());
    for (Entry e : list) if (e.offset() >= from) out.add(e);
    return out;
  }

  /**
   * The user's entries from {@code from} as {@link UserTower} signals, with each item's current vector from
   * {@code vectorOf}; an item without one (unknown, deleted) is left out, as recall leaves it out.
   */
  public List<UserTower.Signal> signals(String userId, long from, Function<String, float[]> vectorOf) {
    List<UserTower.Signal> out = new ArrayList<>();
    for (Entry e : of(userId, from)) {
      float[] v = vectorOf.apply(e.itemId());
      if (v != null) out.add(new UserTower.Signal(v, e.weight(), e.atMillis()));
    }
    return out;
  }

  public int users() {
    return users.size();
  }

  public long entries() {
    return entries;
  }
}
