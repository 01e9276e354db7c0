package service;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import storage.InteractionStore.CountDelta;

class ExposureWindowTest {

  /** Records each write and lets the test decide when it completes; timers run when the test says. */
  private static final class Fixture {
    final List<Map<String, CountDelta>> counts = new ArrayList<>();
    final List<Map<String, Double>> popularity = new ArrayList<>();
    final List<CompletableFuture<Void>> writes = new ArrayList<>();
    final List<Runnable> timers = new ArrayList<>();
    final ExposureWindow window = new ExposureWindow(100, Duration.ofSeconds(10), (c, p) -> {
      counts.add(Map.copyOf(c));
      popularity.add(Map.copyOf(p));
      CompletableFuture<Void> w = new CompletableFuture<>();
      writes.add(w);
      return w;
    }, (delay, task) -> timers.add(task));

    CompletableFuture<Void> add(String item, long impressions, int records) {
      return window.add(Map.of(item, new CountDelta(impressions, 0)), Map.of(item, (double) impressions), records)
          .toCompletableFuture();
    }
  }

  @Test
  void batchesAreSummedAndWrittenOnceTheWindowIsFullAndCompleteOnlyWhenItIsWritten() {
    Fixture f = new Fixture();
    CompletableFuture<Void> a = f.add("x", 2, 40);
    CompletableFuture<Void> b = f.add("x", 3, 40);
    assertTrue(f.writes.isEmpty(), "80 of 100 records: not yet");
    CompletableFuture<Void> c = f.add("y", 1, 20);
    assertEquals(1, f.writes.size());
    assertEquals(Map.of("x", new CountDelta(5, 0), "y", new CountDelta(1, 0)), f.counts.get(0));
    assertEquals(Map.of("x", 5.0, "y", 1.0), f.popularity.get(0));
    assertFalse(a.isDone() || b.isDone() || c.isDone(), "nothing is done before the write is");
    f.writes.get(0).complete(null);
    assertTrue(a.isDone() && b.isDone() && c.isDone());
    assertFalse(a.isCompletedExceptionally());

    // The size flush already wrote the window its timer was set for: the timer changes nothing.
    f.timers.get(0).run();
    assertEquals(1, f.writes.size());
    CompletableFuture<Void> d = f.add("z", 1, 1);
    assertEquals(2, f.timers.size(), "a new window, a new timer");
    f.timers.get(1).run();
    assertEquals(2, f.writes.size(), "an old window is written when it ages out");
    assertEquals(Map.of("z", new CountDelta(1, 0)), f.counts.get(1));
    f.writes.get(1).complete(null);
    assertTrue(d.isDone());
  }

  @Test
  void anAbandonedWindowIsNeverWrittenAndItsBatchesFail() {
    Fixture f = new Fixture();
    CompletableFuture<Void> a = f.add("x", 1, 10);
    f.window.abandon(new IllegalStateException("history write failed"));
    assertTrue(a.isCompletedExceptionally());
    f.timers.get(0).run();
    assertTrue(f.writes.isEmpty(), "its timer finds nothing to write");
    CompletableFuture<Void> b = f.add("y", 1, 100);
    assertEquals(List.of(Map.of("y", new CountDelta(1, 0))), f.counts, "the next window holds only later counts");
    f.writes.get(0).complete(null);
    assertTrue(b.isDone() && !b.isCompletedExceptionally());
  }

  @Test
  void aFailedWriteFailsItsBatchesAndDropsTheWindowOpenedMeanwhile() {
    Fixture f = new Fixture();
    CompletableFuture<Void> a = f.add("x", 1, 100);
    CompletableFuture<Void> later = f.add("y", 1, 10); // re-delivered after the failure: must not be written now
    f.writes.get(0).completeExceptionally(new IllegalStateException("Cassandra timed out"));
    assertTrue(a.isCompletedExceptionally());
    assertTrue(later.isCompletedExceptionally());
    f.timers.forEach(Runnable::run);
    assertEquals(1, f.writes.size());
  }

  @Test
  void whenTheNodeStopsTheOpenWindowAndEveryLaterBatchIsWrittenAtOnce() {
    Fixture f = new Fixture();
    CompletionStage<Void> a = f.add("x", 1, 10);
    f.window.flushNowAndFromNowOn();
    assertEquals(1, f.writes.size());
    f.add("y", 1, 1);
    assertEquals(2, f.writes.size());
    f.writes.forEach(w -> w.complete(null));
    assertTrue(a.toCompletableFuture().isDone());
  }

  @Test
  void settingsAreChecked() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new ExposureWindow(0, Duration.ofSeconds(1), (c, p) -> null, (d, t) -> {}));
    assertTrue(e.getMessage().contains("max-records"));
    e = assertThrows(IllegalArgumentException.class,
        () -> new ExposureWindow(1, Duration.ZERO, (c, p) -> null, (d, t) -> {}));
    assertTrue(e.getMessage().contains("max-age"));
  }
}
