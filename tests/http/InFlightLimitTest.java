package http;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The limiter under admission control: places, waiters served in order, refusals that say why. */
class InFlightLimitTest {

  private static final Duration LONG = Duration.ofMinutes(5);

  private static CompletableFuture<Void> acquire(InFlightLimit limit) {
    return limit.acquire().toCompletableFuture();
  }

  private static Throwable failure(CompletableFuture<Void> f) {
    CompletionException e = assertThrows(CompletionException.class, () -> f.orTimeout(1, TimeUnit.MINUTES).join());
    return e.getCause();
  }

  @Test
  void belowTheLimitEveryRequestGetsAPlaceAtOnce() {
    InFlightLimit limit = new InFlightLimit("recall", new InFlightLimit.Settings(3, 0, Duration.ZERO));
    for (int i = 0; i < 3; i++) {
      CompletableFuture<Void> place = acquire(limit);
      assertTrue(place.isDone() && !place.isCompletedExceptionally(), "place " + i);
    }
    assertEquals(3, limit.inFlight());
    limit.release();
    assertEquals(2, limit.inFlight());
  }

  @Test
  void pastTheLimitWithoutAQueueTheRefusalIsImmediateAndNamesTheLimit() {
    InFlightLimit limit = new InFlightLimit("items", new InFlightLimit.Settings(2, 0, LONG));
    acquire(limit);
    acquire(limit);
    CompletableFuture<Void> third = acquire(limit);
    assertTrue(third.isCompletedExceptionally(), "refused at once, not queued");
    Throwable why = failure(third);
    assertInstanceOf(InFlightLimit.Full.class, why);
    assertTrue(why.getMessage().contains("items") && why.getMessage().contains("2 requests in flight"),
        why.getMessage());
    limit.release();
    assertFalse(acquire(limit).isCompletedExceptionally(), "a freed place is taken again");
  }

  @Test
  void aWaiterGetsTheNextFreedPlaceInArrivalOrder() {
    InFlightLimit limit = new InFlightLimit("recall", new InFlightLimit.Settings(1, 2, LONG));
    acquire(limit);
    CompletableFuture<Void> first = acquire(limit);
    CompletableFuture<Void> second = acquire(limit);
    assertFalse(first.isDone());
    assertEquals(2, limit.waiting());
    assertTrue(acquire(limit).isCompletedExceptionally(), "the queue of waiters is bounded too");
    limit.release();
    assertTrue(first.isDone() && !first.isCompletedExceptionally(), "the first waiter has the place");
    assertFalse(second.isDone());
    assertEquals(1, limit.inFlight(), "handed over, not given back");
    limit.release();
    assertTrue(second.isDone() && !second.isCompletedExceptionally());
    limit.release();
    assertEquals(0, limit.inFlight());
  }

  @Test
  void aWaiterWhoseWaitRunsOutIsRefusedAndLeavesNoPlaceBehind() {
    InFlightLimit limit = new InFlightLimit("interactions", new InFlightLimit.Settings(1, 4, Duration.ofMillis(1)));
    acquire(limit);
    CompletableFuture<Void> waiter = acquire(limit);
    Throwable why = failure(waiter);
    assertInstanceOf(InFlightLimit.Full.class, why);
    assertTrue(why.getMessage().contains("no place freed up"), why.getMessage());
    assertEquals(0, limit.waiting());
    limit.release();
    assertEquals(0, limit.inFlight(), "the place went back to the pool, not to the refused waiter");
  }

  @Test
  void settingsOutOfRangeAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new InFlightLimit.Settings(0, 0, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> new InFlightLimit.Settings(1, -1, Duration.ZERO));
  }
}
