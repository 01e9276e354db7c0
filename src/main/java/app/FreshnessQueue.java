package app;

import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Items whose served vector changed (the learner updated their rows), re-upserted into their retrieval shards
 * every {@code interval}: an item learned many times in that window is re-indexed once, and the served vector
 * is at most about one interval (plus one re-index) stale. Bounded: beyond {@code maxPending} distinct items
 * the oldest changes wait for the next round instead of growing memory.
 */
public final class FreshnessQueue implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FreshnessQueue.class);
  private static final int CHUNK = 1000;

  private final ItemService items;
  private final int maxPending;
  private final Set<String> pending = new LinkedHashSet<>();
  private final Cancellable tick;
  private volatile boolean flushing;

  public FreshnessQueue(ActorSystem<?> system, ItemService items, Duration interval, int maxPending) {
    this.items = items;
    this.maxPending = maxPending;
    this.tick = system.scheduler().scheduleWithFixedDelay(interval, interval, this::flush, system.executionContext());
  }

  /** Marks items as changed; the next round re-indexes them. */
  public void changed(List<String> itemIds) {
    synchronized (pending) {
      for (String id : itemIds) {
        if (pending.size() >= maxPending) break;
        pending.add(id);
      }
    }
  }

  public int pending() {
    synchronized (pending) {
      return pending.size();
    }
  }

  private void flush() {
    if (flushing) return; // the last round is still running: its items are not lost, this round is skipped
    List<String> batch;
    synchronized (pending) {
      if (pending.isEmpty()) return;
      batch = new ArrayList<>(pending);
      pending.clear();
    }
    flushing = true;
    reindex(batch, 0);
  }

  private void reindex(List<String> batch, int from) {
    if (from >= batch.size()) {
      flushing = false;
      return;
    }
    List<String> chunk = batch.subList(from, Math.min(batch.size(), from + CHUNK));
    items.reindex(chunk).whenComplete((ok, failure) -> {
      if (failure != null) {
        log.warn("re-indexing {} changed items failed; they wait for the next round: {}", chunk.size(),
            failure.toString());
        changed(chunk);
      }
      reindex(batch, from + CHUNK);
    });
  }

  @Override
  public void close() {
    tick.cancel();
  }
}
