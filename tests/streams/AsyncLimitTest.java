package streams;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class AsyncLimitTest {

  @Test
  void atMostThePermitsRunAndTheRestStartInOrderAsOthersComplete() {
    AsyncLimit limit = new AsyncLimit(2);
    List<CompletableFuture<Integer>> tasks = new ArrayList<>();
    List<Integer> started = new ArrayList<>();
    List<CompletionStage<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int n = i;
      CompletableFuture<Integer> task = new CompletableFuture<>();
      tasks.add(task);
      results.add(limit.submit(() -> {
        started.add(n);
        return task;
      }));
    }
    assertEquals(List.of(0, 1), started);
    assertEquals(2, limit.running());
    tasks.get(1).complete(1);
    assertEquals(List.of(0, 1, 2), started);
    tasks.get(0).completeExceptionally(new IllegalStateException("boom"));
    assertEquals(List.of(0, 1, 2, 3), started, "a failed task frees its permit too");
    assertTrue(results.get(0).toCompletableFuture().isCompletedExceptionally());
    assertEquals(1, results.get(1).toCompletableFuture().join());
    tasks.get(2).complete(2);
    tasks.get(3).complete(3);
    tasks.get(4).complete(4);
    assertEquals(List.of(0, 1, 2, 3, 4), started);
    assertEquals(4, results.get(4).toCompletableFuture().join());
    assertEquals(0, limit.running());
  }

  @Test
  void aTaskThatThrowsFailsItsResultAndFreesItsPermit() {
    AsyncLimit limit = new AsyncLimit(1);
    CompletionStage<Object> thrown = limit.submit(() -> {
      throw new IllegalArgumentException("bad");
    });
    assertTrue(thrown.toCompletableFuture().isCompletedExceptionally());
    assertEquals("ok", limit.submit(() -> CompletableFuture.completedFuture("ok")).toCompletableFuture().join());
    assertEquals(0, limit.running());
    assertThrows(IllegalArgumentException.class, () -> new AsyncLimit(0));
  }
}
