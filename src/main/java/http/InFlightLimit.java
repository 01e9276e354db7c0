package http;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * At most {@code maxInFlight} holders at once; up to {@code maxQueued} more wait, in arrival order, at most
 * {@code maxWait} for a place; beyond that, or once its wait is over, {@link #acquire} fails with {@link Full}.
 *
 * <p>Written here rather than taken from a library: {@link java.util.concurrent.Semaphore} (and bulkheads built on
 * it) wait by blocking the caller's thread, which on Akka's dispatcher would stall every other request on it; the
 * adaptive limiters (Netflix concurrency-limits) are not among the artifacts this build can fetch. This is a
 * semaphore whose waiters are futures, so a waiting request holds no thread.
 */
public final class InFlightLimit {

  /**
   * @param maxInFlight requests served at once
   * @param maxQueued requests that may wait for a place (0: none wait)
   * @param maxWait how long one waits at most before it is refused
   */
  public record Settings(int maxInFlight, int maxQueued, Duration maxWait) {
    public Settings {
      if (maxInFlight < 1) throw new IllegalArgumentException("max-in-flight must be >= 1, got " + maxInFlight);
      if (maxQueued < 0) throw new IllegalArgumentException("max-queued must be >= 0, got " + maxQueued);
      if (maxWait.isNegative()) throw new IllegalArgumentException("max-wait must be >= 0, got " + maxWait);
    }
  }

  /** No place within the wait: the caller is refused (HTTP 429). */
  public static final class Full extends RuntimeException {
    Full(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Ends the waits: one daemon thread for every limit. (Not CompletableFuture.delayedExecutor: its tasks run on the
   * common pool, a new thread each where that pool has fewer than two threads, as on a 2-core machine.)
   */
  private static final java.util.concurrent.ScheduledThreadPoolExecutor TIMER = timer();

  private static java.util.concurrent.ScheduledThreadPoolExecutor timer() {
    var t = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "thermocline-admission-timer");
      thread.setDaemon(true);
      return thread;
    });
    t.setRemoveOnCancelPolicy(true); // a waiter that got its place leaves no task behind
    return t;
  }

  private final String name;
  private final Settings settings;
  private final ArrayDeque<CompletableFuture<Void>> waiters = new ArrayDeque<>();
  private int inFlight; // guarded by this

  public InFlightLimit(String name, Settings settings) {
    this.name = name;
    this.settings = settings;
  }

  public String name() {
    return name;
  }

  public Settings settings() {
    return settings;
  }

  /**
   * A place, now or after a wait of at most {@code maxWait}; fails with {@link Full} when none frees up in time or the
   * queue of waiters is full. Every success must be followed by one {@link #release}.
   */
  public CompletionStage<Void> acquire() {
    CompletableFuture<Void> waiter = new CompletableFuture<>();
    synchronized (this) {
      if (inFlight < settings.maxInFlight()) {
        inFlight++;
        return CompletableFuture.completedFuture(null);
      }
      if (waiters.size() >= settings.maxQueued() || settings.maxWait().isZero()) {
        return CompletableFuture.failedFuture(new Full(name + ": " + settings.maxInFlight() + " requests in flight and "
            + waiters.size() + " waiting"));
      }
      waiters.addLast(waiter);
    }
    var timeout = TIMER.schedule(() -> {
      boolean stillWaiting;
      synchronized (this) {
        stillWaiting = waiters.remove(waiter); // false: release handed it a place just now
      }
      if (stillWaiting) {
        waiter.completeExceptionally(new Full(name + ": no place freed up within " + settings.maxWait().toMillis()
            + " ms (" + settings.maxInFlight() + " requests in flight)"));
      }
    }, settings.maxWait().toNanos(), TimeUnit.NANOSECONDS);
    waiter.whenComplete((placed, refused) -> timeout.cancel(false));
    return waiter;
  }

  /** Gives a place back: to the longest waiter still waiting, else to the pool. */
  public void release() {
    while (true) {
      CompletableFuture<Void> next;
      synchronized (this) {
        next = waiters.pollFirst();
        if (next == null) {
          inFlight--;
          return;
        }
      }
      // Completed outside the lock: the waiter's request goes on in this thread. False only if its caller gave up.
      if (next.complete(null)) return;
    }
  }

  /** Places taken right now. */
  public synchronized int inFlight() {
    return inFlight;
  }

  /** Requests waiting for a place right now. */
  public synchronized int waiting() {
    return waiters.size();
  }
}
