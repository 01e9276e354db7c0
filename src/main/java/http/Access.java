package http;

import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Bearer tokens on the public API: writes ({@code POST}/{@code DELETE} under {@code /v1/items} and
 * {@code /v1/interactions}) need the write token, {@code GET /v1/users/{id}} the read token (the write token
 * also does); a blank token is not required. A request without the header gets 401, with a wrong token 403, both
 * in the API's error shape naming the {@code Authorization} field. Recall and the health routes stay open.
 */
public final class Access extends AllDirectives {

  /** Blank: not required. */
  public record Tokens(String write, String read) {
    public Tokens {
      write = write == null ? "" : write;
      read = read == null ? "" : read;
    }
  }

  private final Tokens tokens;

  public Access(Tokens tokens) {
    this.tokens = tokens;
  }

  public Route guard(Route inner) {
    if (tokens.write().isEmpty() && tokens.read().isEmpty()) return inner;
    return extractRequest(request -> {
      if (isWrite(request) && !tokens.write().isEmpty()) {
        return check(request, inner, tokens.write(), null);
      }
      if (isUserRead(request) && !tokens.read().isEmpty()) {
        return check(request, inner, tokens.read(), tokens.write());
      }
      return inner;
    });
  }

  static boolean isWrite(HttpRequest request) {
    var m = request.method();
    boolean writes = m.equals(HttpMethods.POST) || m.equals(HttpMethods.PUT) || m.equals(HttpMethods.PATCH)
        || m.equals(HttpMethods.DELETE);
    String path = request.getUri().path();
    return writes && (path.startsWith("/v1/items") || path.startsWith("/v1/interactions"));
  }

  static boolean isUserRead(HttpRequest request) {
    return request.method().equals(HttpMethods.GET) && request.getUri().path().startsWith("/v1/users/");
  }

  private Route check(HttpRequest request, Route inner, String token, String alsoAccepted) {
    Optional<String> header = request.getHeader("Authorization").map(h -> h.value());
    if (header.isEmpty()) return complete(unauthorized(401, "this request needs \"Authorization: Bearer <token>\""));
    if (matches(header.get(), token) || (alsoAccepted != null && !alsoAccepted.isEmpty()
        && matches(header.get(), alsoAccepted))) {
      return inner;
    }
    return complete(unauthorized(403, "the bearer token does not allow this request"));
  }

  /** Constant-time: the comparison does not tell how much of a guess was right. */
  static boolean matches(String header, String token) {
    return MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
        ("Bearer " + token).getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse unauthorized(int status, String message) {
    HttpResponse r = Json.error(status, message, "Authorization");
    return status == 401 ? r.addHeader(akka.http.javadsl.model.headers.RawHeader.create("WWW-Authenticate", "Bearer"))
        : r;
  }
}
