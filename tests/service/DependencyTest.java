package service;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.Await;

/** The breaker and the probe behind every request that needs Cassandra or Kafka. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DependencyTest {

  private static final Dependency.Settings SETTINGS = new Dependency.Settings(Duration.ofMillis(200),
      Duration.ofMillis(400), 3, Duration.ofMinutes(1), Duration.ofMillis(50), Duration.ofMillis(100), 2,
      Duration.ofSeconds(2));
  private ActorTestKit kit;

  @BeforeAll
  void start() {
    kit = ActorTestKit.create();
  }

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  private static Throwable failureOf(CompletionStage<?> stage) {
    CompletionException e = assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
    return Failures.unwrap(e);
  }

  @Test
  void aNullValueAndOtherFailuresPassThroughWithoutCountingAgainstTheDependency() {
    Dependency d = new Dependency(kit.system(), "store", SETTINGS);
    assertNull(d.call(() -> CompletableFuture.<Void>completedFuture(null)).toCompletableFuture().join());
    for (int i = 0; i < 10; i++) {
      Throwable bad = failureOf(d.call(() -> CompletableFuture.failedFuture(ApiError.badField("x", "bad"))));
      assertInstanceOf(ApiError.class, bad);
    }
    assertTrue(d.available(), "a bad request says nothing of the dependency");
    assertEquals("ok", d.write(() -> CompletableFuture.completedFuture("ok")).toCompletableFuture().join());
  }

  @Test
  void failuresThatSayItIsAwayOpenTheBreakerAndLaterCallsFailAtOnce() {
    Dependency d = new Dependency(kit.system(), "store", SETTINGS);
    AtomicInteger reached = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      Throwable away = failureOf(d.call(() -> {
        reached.incrementAndGet();
        return CompletableFuture.failedFuture(new com.datastax.oss.driver.api.core.NoNodeAvailableException());
      }));
      assertInstanceOf(Dependency.Unavailable.class, away);
    }
    assertFalse(d.available());
    Throwable fast = failureOf(d.call(() -> {
      reached.incrementAndGet();
      return CompletableFuture.completedFuture("never asked");
    }));
    assertInstanceOf(Dependency.Unavailable.class, fast);
    assertEquals(3, reached.get(), "an open breaker does not call the dependency");
    assertTrue(((Dependency.Unavailable) fast).retryAfterSeconds() >= 1);
  }

  @Test
  void theNodesOwnTimeoutsAreBusyAndDoNotOpenTheBreaker() {
    Dependency d = new Dependency(kit.system(), "store", SETTINGS);
    for (int i = 0; i < 10; i++) {
      Throwable late = failureOf(d.call(() -> CompletableFuture.failedFuture(
          new akka.pattern.AskTimeoutException("an entity did not answer in time"))));
      assertInstanceOf(Dependency.Busy.class, late);
    }
    assertTrue(d.available());
  }

  @Test
  void lateWhileItAnswersItsProbesIsBusyNotAway() {
    Dependency d = new Dependency(kit.system(), "store", SETTINGS);
    d.startProbe(kit.system(), () -> CompletableFuture.completedFuture("pong"));
    Throwable late = failureOf(d.call(CompletableFuture::new)); // never answers
    assertInstanceOf(Dependency.Busy.class, late);
    assertTrue(Failures.overloaded(late), "a busy dependency is a 429, retried by consumers");
    assertTrue(d.available());
  }

  @Test
  void failedProbesMarkItAwayFailTheWaitingCallsAndAPassingProbeBringsItBack() throws Exception {
    // Calls wait far longer than the probes: the probe, not a timeout, fails the waiting call.
    Dependency d = new Dependency(kit.system(), "store", new Dependency.Settings(Duration.ofMinutes(5),
        Duration.ofMinutes(5), 3, Duration.ofMinutes(1), Duration.ofMillis(50), Duration.ofMillis(100), 2,
        Duration.ofSeconds(2)));
    AtomicBoolean answering = new AtomicBoolean(true);
    d.startProbe(kit.system(), () -> answering.get() ? CompletableFuture.completedFuture("pong")
        : new CompletableFuture<>()); // a paused server: no answer
    CompletableFuture<Object> waiting = d.call(CompletableFuture::new).toCompletableFuture();
    answering.set(false);
    assertFalse(Await.until(Duration.ofSeconds(10), d::available, ok -> !ok));
    assertInstanceOf(Dependency.Unavailable.class, failureOf(waiting), "the call waiting on it is failed too");
    assertInstanceOf(Dependency.Unavailable.class,
        failureOf(d.write(() -> CompletableFuture.completedFuture("x"))));
    answering.set(true);
    assertTrue(Await.until(Duration.ofSeconds(10), d::available, ok -> ok));
    assertEquals("x", d.write(() -> CompletableFuture.completedFuture("x")).toCompletableFuture().join());
  }
}
