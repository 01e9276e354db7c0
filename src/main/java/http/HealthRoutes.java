package http;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.management.javadsl.CheckResult;
import akka.management.javadsl.HealthChecks;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import service.Dependency;

/**
 * {@code /ready} and {@code /alive} on the API port too, answered by Akka Management's configured checks. Not
 * ready either while a dependency requests need (Cassandra, Kafka) is away: that is known at once, without
 * waiting for a check that would time out on it.
 */
public final class HealthRoutes extends AllDirectives {

  private final HealthChecks checks;
  private final List<Dependency> dependencies;

  public HealthRoutes(HealthChecks checks) {
    this(checks, List.of());
  }

  public HealthRoutes(HealthChecks checks, List<Dependency> dependencies) {
    this.checks = checks;
    this.dependencies = List.copyOf(dependencies);
  }

  public Route route() {
    return concat(
        path("ready", () -> get(() -> completeWithFuture(ready()))),
        path("alive", () -> get(() -> completeWithFuture(answer(checks.aliveResult())))));
  }

  private CompletionStage<HttpResponse> ready() {
    StringBuilder away = new StringBuilder();
    for (Dependency d : dependencies) {
      String problem = d.problem();
      if (problem != null) away.append(away.length() == 0 ? "" : "; ").append(d.name()).append(": ").append(problem);
    }
    if (away.length() > 0) {
      return CompletableFuture.completedFuture(
          Errors.retryAfter(Json.error(503, "not ready: " + away, null), Errors.DEFAULT_RETRY_AFTER_SECONDS));
    }
    return answer(checks.readyResult());
  }

  private static CompletionStage<HttpResponse> answer(CompletionStage<CheckResult> result) {
    return result.thenApply(r -> r.isSuccess()
        ? Json.response(200, Json.object().put("status", "ok"))
        : Json.error(503, "not ready: " + r.failure().orElse("unknown"), null))
        .exceptionally(t -> Json.error(503, "not ready: " + Errors.unwrap(t).getMessage(), null));
  }
}
