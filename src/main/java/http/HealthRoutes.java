package http;

import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import akka.management.javadsl.CheckResult;
import akka.management.javadsl.HealthChecks;
import java.util.concurrent.CompletionStage;

/** {@code /ready} and {@code /alive} on the API port too, answered by Akka Management's configured checks. */
public final class HealthRoutes extends AllDirectives {

  private final HealthChecks checks;

  public HealthRoutes(HealthChecks checks) {
    this.checks = checks;
  }

  public Route route() {
    return concat(
        path("ready", () -> get(() -> answer(checks.readyResult()))),
        path("alive", () -> get(() -> answer(checks.aliveResult()))));
  }

  private Route answer(CompletionStage<CheckResult> result) {
    return completeWithFuture(result.thenApply(r -> r.isSuccess()
        ? Json.response(200, Json.object().put("status", "ok"))
        : Json.error(503, "not ready: " + r.failure().orElse("unknown"), null))
        .exceptionally(t -> Json.error(503, "not ready: " + Errors.unwrap(t).getMessage(), null)));
  }
}
