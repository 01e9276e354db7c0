package embedding;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ids of the most recent operations applied to one range, so that a retried or replayed operation (same
 * id) changes nothing. Bounded: a range remembers the last {@code capacity} ids; writers only ever retry
 * operations that are still in flight, far fewer than that.
 */
public final class RecentOps {

  private final int capacity;
  private final ArrayDeque<String> order = new ArrayDeque<>();
  private final Set<String> ids = new HashSet<>();

  public RecentOps(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be positive: " + capacity);
    this.capacity = capacity;
  }

  public static RecentOps of(int capacity, List<String> oldestFirst) {
    RecentOps ops = new RecentOps(capacity);
    oldestFirst.forEach(ops::remember);
    return ops;
  }

  public boolean contains(String id) {
    return ids.contains(id);
  }

  public void remember(String id) {
    if (!ids.add(id)) return;
    order.addLast(id);
    if (order.size() > capacity) ids.remove(order.removeFirst());
  }

  public List<String> oldestFirst() {
    return List.copyOf(order);
  }

  public int size() {
    return order.size();
  }
}
