package http;

import service.ApiError;
import service.Failures;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AuthorizationFailedRejection;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.MalformedRequestContentRejection;
import akka.http.javadsl.server.MethodRejection;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.scaladsl.model.EntityStreamSizeException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps every failure to the API's error shape: 4xx for the client's faults, 503 for overload; 5xx is a bug. */
public final class Errors {

  private static final Logger log = LoggerFactory.getLogger(Errors.class);

  private Errors() {}

  public static HttpResponse toResponse(Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof ApiError e) return Json.error(e.status(), e.getMessage(), e.field());
    if (Failures.overloaded(cause)) {
      return retryAfter(Json.error(429, "overloaded: " + cause.getMessage() + "; retry later", null), 1);
    }
    if (cause instanceof service.Dependency.Unavailable u) {
      return retryAfter(Json.error(503, "temporarily unavailable, retry later: " + u.getMessage(), null),
          u.retryAfterSeconds());
    }
    if (cause instanceof EntityStreamSizeException e) {
      return Json.error(413, "body too large: the limit is " + e.limit() + " bytes", null);
    }
    if (Failures.dependencyUnavailable(cause)) {
      log.warn("answering 503: {}", cause.toString());
      return retryAfter(Json.error(503, "temporarily unavailable, retry later (" + cause.getClass().getSimpleName() + ")",
          null), DEFAULT_RETRY_AFTER_SECONDS);
    }
    log.error("unexpected failure answering a request", cause);
    return Json.error(500, "internal error: " + cause.getClass().getSimpleName(), null);
  }

  /** Retry-After of a 503 whose cause does not say when to come back. */
  static final long DEFAULT_RETRY_AFTER_SECONDS = 2;

  /** Adds {@code Retry-After} (seconds) to a 429 or 503, so clients back off instead of retrying at once. */
  public static HttpResponse retryAfter(HttpResponse response, long seconds) {
    return response.addHeader(akka.http.javadsl.model.headers.RetryAfter.create(Math.max(1, seconds)));
  }

  static Throwable unwrap(Throwable t) {
    return Failures.unwrap(t);
  }

  public static ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder().matchAny(t -> akka.http.javadsl.server.Directives.complete(toResponse(t)))
        .build();
  }

  public static RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handle(MalformedRequestContentRejection.class, r -> {
          if (unwrap(r.getCause()) instanceof EntityStreamSizeException) {
            return akka.http.javadsl.server.Directives.complete(toResponse(r.getCause()));
          }
          return akka.http.javadsl.server.Directives.complete(
              Json.error(400, "malformed body: " + r.message(), null));
        })
        .handle(AuthorizationFailedRejection.class,
            r -> akka.http.javadsl.server.Directives.complete(Json.error(401, "missing or wrong bearer token", null)))
        .handleAll(MethodRejection.class, rs -> akka.http.javadsl.server.Directives.complete(Json.error(405,
            "method not allowed; supported: " + rs.stream().map(r -> r.supported().name())
                .collect(Collectors.joining(", ")), null)))
        .handleNotFound(akka.http.javadsl.server.Directives.complete(Json.error(404, "no such resource", null)))
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(resp -> {
          // Whatever the default handler answers, keep the API's JSON error shape.
          if (resp.entity().getContentType().equals(akka.http.javadsl.model.ContentTypes.APPLICATION_JSON)) return resp;
          String text = resp.entity() instanceof akka.http.javadsl.model.HttpEntity.Strict s
              ? s.getData().utf8String() : resp.status().reason();
          return Json.error(resp.status().intValue(), text, null);
        });
  }
}
