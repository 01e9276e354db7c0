package http;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Admission control of the public API ({@code thermocline.http.admission}): each route class (recall, items,
 * interactions) serves at most a bounded number of requests at once, and a few more wait briefly for a place; the
 * rest are answered 429 with {@code Retry-After} at once, before their body is parsed. So past capacity a client
 * sees fast refusals instead of every request queuing behind the others (accepted requests keep their latency).
 * Readiness, liveness, the OpenAPI document, metrics and the admin routes are outside any limit.
 */
public final class Admission {

  /** One limit per route class, and the {@code Retry-After} of a refusal. */
  public record Settings(InFlightLimit.Settings recall, InFlightLimit.Settings items,
      InFlightLimit.Settings interactions, Duration retryAfter) {}

  /** Runs a route within a limit; {@link #OPEN} runs it as is. */
  @FunctionalInterface
  public interface Gate {
    Route admit(Supplier<Route> inner);
  }

  public static final Gate OPEN = Supplier::get;

  private final InFlightLimit recall;
  private final InFlightLimit items;
  private final InFlightLimit interactions;
  private final long retryAfterSeconds;
  private final metrics.Metrics metrics;

  /** @param metrics counts refusals as {@code thermocline_http_rejected_total{reason="admission-<class>"}} (null: none) */
  public Admission(Settings settings, metrics.Metrics metrics) {
    this.recall = new InFlightLimit("recall", settings.recall());
    this.items = new InFlightLimit("items", settings.items());
    this.interactions = new InFlightLimit("interactions", settings.interactions());
    this.retryAfterSeconds = Math.max(1, settings.retryAfter().toSeconds());
    this.metrics = metrics;
  }

  /** {@code POST /v1/recall}, {@code GET /v1/users/{id}}. */
  public Gate recall() {
    return inner -> admit(recall, inner);
  }

  /** Every {@code /v1/items} route. */
  public Gate items() {
    return inner -> admit(items, inner);
  }

  /** {@code POST /v1/interactions}. */
  public Gate interactions() {
    return inner -> admit(interactions, inner);
  }

  /** The limit of a route class (recall, items, interactions), to watch it. */
  InFlightLimit limit(String routeClass) {
    return switch (routeClass) {
      case "recall" -> recall;
      case "items" -> items;
      case "interactions" -> interactions;
      default -> throw new IllegalArgumentException("no route class " + routeClass);
    };
  }

  private Route admit(InFlightLimit limit, Supplier<Route> inner) {
    return Directives.onComplete(limit::acquire, admitted -> {
      if (admitted.isFailure()) {
        if (metrics != null) metrics.rejected("admission-" + limit.name());
        HttpResponse refusal = refusal(limit, admitted.failed().get());
        // The body is read and dropped first: answering before it is all in would make Akka HTTP close the
        // connection (an "early response"), and a client still sending would see a reset instead of the 429.
        // (Awaited with onComplete, not chained: the stage is a Scala future's wrapper, which runs every callback
        // asynchronously on the common pool, a new thread each on a 2-core machine.)
        return Directives.extractMaterializer(mat -> Directives.extractRequestEntity(entity ->
            Directives.onComplete(() -> entity.discardBytes(mat).completionStage(),
                done -> Directives.complete(refusal))));
      }
      // The place is held until the inner route has its answer (or fails, or rejects the request); released on the
      // thread that completes it (a direct executor: see above).
      return Directives.mapRouteResultFuture(result -> result.whenCompleteAsync((r, failure) -> limit.release(),
          Runnable::run), inner);
    });
  }

  private HttpResponse refusal(InFlightLimit limit, Throwable why) {
    String reason = why instanceof InFlightLimit.Full ? why.getMessage() : limit.name() + ": " + why;
    return Errors.retryAfter(Json.error(429, "overloaded: " + reason + " (thermocline.http.admission."
        + limit.name() + "); retry later", null), retryAfterSeconds);
  }
}
