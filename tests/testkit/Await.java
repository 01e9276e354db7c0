package testkit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/** Polls a condition until it holds or a deadline passes: waits for a state, never for a fixed time. */
public final class Await {

  private Await() {}

  /** The first value that satisfies {@code done}, or the last value seen when the deadline passes. */
  public static <T> T until(Duration timeout, Callable<T> probe, Predicate<T> done) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    T value = probe.call();
    while (!done.test(value) && System.nanoTime() < deadline) {
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
      value = probe.call();
    }
    return value;
  }
}
