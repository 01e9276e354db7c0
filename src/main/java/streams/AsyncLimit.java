package streams;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Runs at most {@code permits} asynchronous tasks at once; the others wait, in the order they came. For writes
 * whose callers may have more in flight than the store should see at once. (The JDK's Semaphore blocks a thread;
 * this never does.) Thread-safe.
 */
public final class AsyncLimit {

  private final int permits;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>(); // guarded by this
  private int running; // guarded by this

  public AsyncLimit(int permits) {
    if (permits < 1) throw new IllegalArgumentException("permits must be >= 1, got " + permits);
    this.permits = permits;
  }

  /** Starts {@code task} now if a permit is free, else once one is; the result completes as the task's does. */
  public <T> CompletionStage<T> submit(Supplier<? extends CompletionStage<T>> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable start = () -> {
      CompletionStage<T> running;
      try {
        running = task.get();
      } catch (RuntimeException e) {
        running = CompletableFuture.failedFuture(e);
      }
      running.whenComplete((value, failure) -> {
        release();
        if (failure != null) result.completeExceptionally(failure);
        else result.complete(value);
      });
    };
    synchronized (this) {
      if (running == permits) {
        waiting.add(start);
        return result;
      }
      running++;
    }
    start.run();
    return result;
  }

  /** Tasks started and not yet completed. */
  public synchronized int running() {
    return running;
  }

  private void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        running--;
        return;
      }
    }
    next.run(); // the permit passes to the next task
  }
}
