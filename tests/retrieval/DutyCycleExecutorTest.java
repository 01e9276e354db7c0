package retrieval;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DutyCycleExecutorTest {

  /** Burns about this much CPU (the executor rests in proportion to the CPU a task used). */
  private static long spin(long nanos) {
    long end = System.nanoTime() + nanos;
    long x = 0;
    while (System.nanoTime() < end) x += x * 31 + 7;
    return x;
  }

  @Test
  void runsTasksOneAtATimeInOrderAndRestsInProportionToTheirCpu() {
    try (DutyCycleExecutor executor = new DutyCycleExecutor("test-upkeep", 0.5)) {
      AtomicInteger running = new AtomicInteger();
      List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
      List<CompletableFuture<Void>> done = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        int n = i;
        done.add(CompletableFuture.runAsync(() -> {
          assertEquals(1, running.incrementAndGet(), "never two tasks at once");
          spin(5_000_000);
          order.add(n);
          running.decrementAndGet();
        }, executor));
      }
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
      assertEquals(List.of(0, 1, 2, 3, 4, 5), order);
      assertTrue(executor.busyNanos() > 0);
      // Share 0.5: a rest as long as the CPU used, after each task (the last one's may still be under way).
      long perTask = executor.busyNanos() / 6;
      assertTrue(executor.restNanos() >= executor.busyNanos() - 2 * perTask
          && executor.restNanos() <= executor.busyNanos(), executor.restNanos() + " vs " + executor.busyNanos());
    }
  }

  @Test
  void aFailingTaskFailsItsOwnFutureAndTheWorkerGoesOn() {
    try (DutyCycleExecutor executor = new DutyCycleExecutor("test-upkeep", 1.0)) {
      var failing = CompletableFuture.runAsync(() -> {
        throw new IllegalStateException("boom");
      }, executor);
      var next = CompletableFuture.supplyAsync(() -> 42, executor);
      assertEquals(42, next.join());
      assertTrue(failing.isCompletedExceptionally());
      assertEquals(0, executor.restNanos(), "share 1 never rests");
    }
  }

  @Test
  void refusesTasksOnceClosedAndBadShares() {
    DutyCycleExecutor executor = new DutyCycleExecutor("test-upkeep", 0.25);
    executor.close();
    assertThrows(RejectedExecutionException.class, () -> executor.execute(() -> {}));
    assertThrows(IllegalArgumentException.class, () -> new DutyCycleExecutor("x", 0));
    assertThrows(IllegalArgumentException.class, () -> new DutyCycleExecutor("x", 1.5));
  }
}
