package service;

import akka.pattern.AskTimeoutException;
import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.connection.HeartbeatException;
import com.datastax.oss.driver.api.core.servererrors.QueryExecutionException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Which failures pass by themselves: a dependency slow or away (timeouts, no Cassandra node, a server-side
 * timeout or unavailability, Kafka's retriable errors) or a full queue. HTTP answers them 503/429; a consumer
 * retries them from its last commit. Everything else is permanent for the input that caused it: a consumer
 * dead-letters the record instead of retrying it forever (streams.CommittingPipeline).
 */
public final class Failures {

  private Failures() {}

  /** The failure itself, without the wrappers futures put around it. */
  public static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** A dependency slow or unreachable: worth retrying later (HTTP 503). */
  public static boolean dependencyUnavailable(Throwable failure) {
    Throwable t = unwrap(failure);
    return t instanceof Dependency.Unavailable || t instanceof akka.pattern.CircuitBreakerOpenException
        || t instanceof AskTimeoutException || t instanceof TimeoutException
        || t instanceof DriverTimeoutException || t instanceof AllNodesFailedException
        || t instanceof NoNodeAvailableException || t instanceof ClosedConnectionException
        || t instanceof HeartbeatException || t instanceof QueryExecutionException
        || t instanceof RetriableException || t instanceof org.apache.kafka.common.errors.TimeoutException;
  }

  /** Refused because a queue is full: retry later (HTTP 429). */
  public static boolean overloaded(Throwable failure) {
    Throwable t = unwrap(failure);
    return t instanceof streams.InteractionProducer.Overloaded || t instanceof ItemService.Overloaded
        || t instanceof Dependency.Busy;
  }

  /** Neither of the above: retrying the same input fails the same way. */
  public static boolean permanent(Throwable failure) {
    return !dependencyUnavailable(failure) && !overloaded(failure);
  }
}
