package service;

import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
  private static final int CHUNK = 500;
  private static final int PARALLELISM = 4;

  private final ActorSystem<?> system;
  private final ItemService items;
  private final int maxPending;
  /** Item → when it was first marked changed since its last re-index (for the staleness figure). */
  private final java.util.Map<String, Long> pending = new java.util.LinkedHashMap<>();
  /** Milliseconds from a change to the re-index that serves it. */
  private final org.HdrHistogram.Histogram staleness = new org.HdrHistogram.Histogram(3_600_000L, 3);
  private final Cancellable tick;
  private volatile boolean flushing;
  private volatile boolean closed;

  public FreshnessQueue(ActorSystem<?> system, ItemService items, Duration interval, int maxPending) {
    this.system = system;
    this.items = items;
    this.maxPending = maxPending;
    this.tick = system.scheduler().scheduleWithFixedDelay(interval, interval, this::flush, system.executionContext());
  }

  /** Marks items as changed; the next round re-indexes them. */
  public void changed(List<String> itemIds) {
    synchronized (pending) {
      long now = System.currentTimeMillis();
      for (String id : itemIds) {
        if (pending.size() >= maxPending) break;
        pending.putIfAbsent(id, now);
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
    java.util.Map<String, Long> batch;
    synchronized (pending) {
      if (pending.isEmpty()) return;
      batch = new java.util.LinkedHashMap<>(pending);
      pending.clear();
    }
    flushing = true;
    List<String> ids = new ArrayList<>(batch.keySet());
    List<List<String>> chunks = new ArrayList<>();
    for (int from = 0; from < ids.size(); from += CHUNK) chunks.add(ids.subList(from, Math.min(ids.size(), from + CHUNK)));
    // Chunks in parallel: each waits mostly on row reads from the ranges, which are busy persisting deltas.
    Source.from(chunks)
        .takeWhile(chunk -> !closed) // the node is going down
        .mapAsyncUnordered(PARALLELISM, chunk -> items.reindex(chunk).handle((ok, failure) -> {
          if (failure != null) {
            log.warn("re-indexing {} changed items failed; they wait for the next round: {}", chunk.size(),
                failure.toString());
            changed(chunk);
          } else {
            long now = System.currentTimeMillis();
            synchronized (staleness) {
              for (String id : chunk) staleness.recordValue(Math.min(3_600_000L, Math.max(0, now - batch.get(id))));
            }
          }
          return chunk.size();
        }))
        .runWith(Sink.ignore(), system)
        .whenComplete((done, failure) -> flushing = false);
  }

  /** A copy of the staleness histogram (ms from a learned change to the re-index serving it). */
  public org.HdrHistogram.Histogram staleness() {
    synchronized (staleness) {
      return staleness.copy();
    }
  }

  @Override
  public void close() {
    closed = true; // a round in flight stops after its chunk: the node is going down
    tick.cancel();
  }
}
