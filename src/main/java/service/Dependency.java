package service;

import akka.actor.typed.ActorSystem;
import akka.pattern.CircuitBreaker;
import akka.pattern.CircuitBreakerOpenException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dependency a request needs (Cassandra, Kafka) that may go away. Calls go through Akka's
 * {@link CircuitBreaker}: after {@code maxFailures} failures in a row that say the dependency is away (what
 * {@link Failures#dependencyUnavailable} calls so) calls fail at once for {@code resetTimeout} instead of waiting
 * on it. Each call is bounded by {@code callTimeout}; late while the dependency answers its probes, it fails as
 * {@link Busy} (HTTP 429: the node is overloaded), else as {@link Unavailable}. So does a call that failed on one of
 * the node's own timeouts (an entity's ask): those do not count against the dependency. A probe (a cheap query every {@code probeInterval}, bounded by
 * {@code probeTimeout}) tells {@code /ready} and the breaker the same thing without traffic: after
 * {@code probeFailures} failed probes in a row calls fail at once and the ones waiting are failed too, so no
 * request stays pinned on a paused server. Writes that wait in the node's own queues (registration, the producer)
 * get the longer {@code writeTimeout}: their time in a queue under load is not the dependency's.
 *
 * <p>Every such failure is {@link Unavailable}: HTTP answers 503 with {@code Retry-After}.
 */
public final class Dependency {

  private static final Logger log = LoggerFactory.getLogger(Dependency.class);

  /** How calls to a dependency are bounded, when it counts as gone, and how it is probed. */
  public record Settings(Duration callTimeout, Duration writeTimeout, int maxFailures, Duration resetTimeout,
      Duration probeInterval, Duration probeTimeout, int probeFailures, Duration retryAfter) {
    /** Longer than any call's own timeout. */
    Duration breakerTimeout() {
      return writeTimeout.multipliedBy(2);
    }
  }

  /** The dependency is away or too slow; retry after {@link #retryAfterSeconds}. */
  public static final class Unavailable extends RuntimeException {
    private final String dependency;
    private final long retryAfterSeconds;

    public Unavailable(String dependency, String why, long retryAfterSeconds) {
      super(dependency + " is unavailable (" + why + ")", null, false, false);
      this.dependency = dependency;
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public String dependency() {
      return dependency;
    }

    public long retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  private final String name;
  private final Settings settings;
  private final CircuitBreaker breaker;
  private final Set<CompletableFuture<?>> waiting = ConcurrentHashMap.newKeySet();
  private volatile String probeProblem; // null while the last probe passed
  private volatile String lastFailure; // the last failure that counted against the dependency, for the log
  private final java.util.concurrent.atomic.AtomicInteger failedProbes = new java.util.concurrent.atomic.AtomicInteger();

  public Dependency(ActorSystem<?> system, String name, Settings settings) {
    this.name = name;
    this.settings = settings;
    // The breaker's own call timeout is a backstop only: the calls' timeouts are applied per call (see #run), since a
    // timeout the breaker sees counts as a failure, and a call late because the node is busy says nothing of the
    // dependency.
    this.breaker = CircuitBreaker.create(system.classicSystem().scheduler(), settings.maxFailures(),
        settings.breakerTimeout(), settings.resetTimeout());
    breaker.addOnOpenListener(() -> log.warn("{}: circuit breaker open after {} failures, the last {}", name,
        settings.maxFailures(), lastFailure));
    breaker.addOnCloseListener(() -> log.info("{}: circuit breaker closed again", name));
  }

  public String name() {
    return name;
  }

  /**
   * Runs a read (or a produce) within the call timeout: see {@link #run}.
   */
  public <T> CompletionStage<T> call(Supplier<CompletionStage<T>> call) {
    return run(settings.callTimeout(), call);
  }

  /** Runs a write that may wait in the node's own bounded queues first, within the write timeout: see {@link #run}. */
  public <T> CompletionStage<T> write(Supplier<CompletionStage<T>> call) {
    return run(settings.writeTimeout(), call);
  }

  /**
   * Runs {@code call} unless the dependency is known to be away (then {@link Unavailable} at once). A failure that
   * says the dependency is away counts for the breaker and fails with {@link Unavailable}; no answer within
   * {@code timeout} fails with {@link Unavailable} if the dependency went away meanwhile, else with {@link Busy}
   * (it answers its probes: the node or the dependency is overloaded, HTTP 429). Other failures (a bad request, a
   * full queue) pass through unchanged and do not count against the dependency.
   */
  private <T> CompletionStage<T> run(Duration timeout, Supplier<CompletionStage<T>> call) {
    String problem = problem();
    if (problem != null) return CompletableFuture.failedFuture(unavailable(problem));
    CompletableFuture<T> result = new CompletableFuture<>();
    waiting.add(result);
    breaker.callWithCircuitBreakerCS(() -> this.outcome(call)).whenComplete((outcome, failure) -> {
      if (failure != null) result.completeExceptionally(translate(failure));
      else if (outcome.failure() != null) result.completeExceptionally(outcome.failure());
      else result.complete(outcome.value());
    });
    result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, f) -> waiting.remove(result));
    return result.handle((value, failure) -> {
      if (failure == null) return CompletableFuture.completedFuture(value);
      Throwable t = Failures.unwrap(failure);
      if (t instanceof java.util.concurrent.TimeoutException) {
        String away = problem();
        t = away != null ? unavailable(away) : new Busy(name + " did not answer within " + timeout.toMillis() + " ms");
      }
      return CompletableFuture.<T>failedFuture(t);
    }).thenCompose(f -> f);
  }

  /** No answer in time while the dependency answers its probes: the node or the dependency is overloaded (429). */
  public static final class Busy extends RuntimeException {
    public Busy(String message) {
      super(message, null, false, false);
    }
  }

  /** What a call gave: a value (may be null), or a failure that says nothing about the dependency. */
  private record Outcome<T>(T value, Throwable failure) {}

  /**
   * The call as the breaker sees it: only failures that say the dependency is away fail (and count); any other
   * outcome is a success carrying it. (Akka's failure-definition function cannot take a null value, which a
   * {@code CompletionStage<Void>} completes with.)
   */
  private <T> CompletionStage<Outcome<T>> outcome(Supplier<CompletionStage<T>> call) {
    CompletionStage<T> started;
    try {
      started = call.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    return started.handle((value, failure) -> {
      if (failure == null) return new Outcome<>(value, null);
      Throwable t = Failures.unwrap(failure);
      if (t instanceof akka.pattern.AskTimeoutException || t instanceof java.util.concurrent.TimeoutException) {
        // The node's own timeouts (an entity's ask, a bounded wait): a busy node, unless the probe says otherwise.
        String away = problem();
        return new Outcome<>(null, away != null ? unavailable(away) : new Busy(name + " path timed out: " + t.getMessage()));
      }
      if (Failures.dependencyUnavailable(t)) {
        lastFailure = t.toString();
        throw new java.util.concurrent.CompletionException(t);
      }
      return new Outcome<>(null, t);
    });
  }

  private Throwable translate(Throwable failure) {
    Throwable t = Failures.unwrap(failure);
    if (t instanceof CircuitBreakerOpenException) return unavailable("circuit breaker open");
    if (t instanceof java.util.concurrent.TimeoutException) return unavailable("no answer within " + settings.breakerTimeout().toMillis() + " ms");
    if (Failures.dependencyUnavailable(t)) return unavailable(t.getClass().getSimpleName());
    return t;
  }

  private Unavailable unavailable(String why) {
    return new Unavailable(name, why, Math.max(1, settings.retryAfter().toSeconds()));
  }

  /** Null when calls may go ahead, else why not (the last probe failed, or the breaker is open). */
  public String problem() {
    String p = probeProblem;
    if (p != null) return p;
    return breaker.isOpen() ? "circuit breaker open" : null;
  }

  public boolean available() {
    return problem() == null;
  }

  /** Calls waiting on the dependency right now. */
  public int waiting() {
    return waiting.size();
  }

  /**
   * Probes the dependency every probe interval: a probe that fails or takes longer than the probe timeout marks it
   * away (and fails the calls waiting on it); the next one that passes marks it back.
   */
  public void startProbe(ActorSystem<?> system, Supplier<CompletionStage<?>> probe) {
    system.scheduler().scheduleWithFixedDelay(settings.probeInterval(), settings.probeInterval(), () -> {
      CompletionStage<?> run;
      try {
        run = probe.get();
      } catch (RuntimeException e) {
        run = CompletableFuture.failedFuture(e);
      }
      run.toCompletableFuture().orTimeout(settings.probeTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((ok, failure) -> probed(failure));
    }, system.executionContext());
  }

  private void probed(Throwable failure) {
    if (failure == null) {
      failedProbes.set(0);
      if (probeProblem != null) log.info("{} answers again", name);
      probeProblem = null;
      return;
    }
    if (failedProbes.incrementAndGet() < settings.probeFailures()) return; // one slow probe is not an outage
    Throwable t = Failures.unwrap(failure);
    String problem = t instanceof java.util.concurrent.TimeoutException
        ? "no answer to a probe within " + settings.probeTimeout().toMillis() + " ms" : "probe failed: " + t.getClass().getSimpleName();
    if (probeProblem == null) log.warn("{} is away: {}", name, problem);
    probeProblem = problem;
    for (CompletableFuture<?> w : java.util.List.copyOf(waiting)) w.completeExceptionally(unavailable(problem));
  }
}
