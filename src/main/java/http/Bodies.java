package http;

import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.headers.Connection;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.stream.Materializer;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import akka.util.ByteStringBuilder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import scala.Option;

/**
 * Request bodies as strings, bounded, with a 413 a client can read. Akka HTTP's {@code withSizeLimit} fails the body's
 * stream at the limit and answers while the client is still sending; an answer before the request is all in makes
 * Akka HTTP close the connection, and a client that only reads once it has sent everything (java.net.http, curl
 * without Expect) gets a reset instead of the 413. So a body over the limit is read to its end and dropped (only
 * the first {@code maxBodyBytes} are kept) before the 413, up to {@code drainBytes}
 * ({@code akka.http.server.parsing.max-content-length}). A body declared (Content-Length) or found larger than that
 * is answered 413 at once with {@code Connection: close}: HTTP lets the server stop reading there, and a client that
 * keeps streaming can only be cut off; one that reads while it sends (or sends {@code Expect: 100-continue}) sees the
 * 413, the others a closed connection.
 */
final class Bodies {

  private Bodies() {}

  /**
   * The request body as a string (the charset of its Content-Type, UTF-8 by default), at most maxBodyBytes; drained
   * up to the server's {@code parsing.max-content-length}.
   */
  static Route string(long maxBodyBytes, Function<String, Route> inner) {
    return Directives.extractParserSettings(parsing -> string(maxBodyBytes,
        Math.max(maxBodyBytes, parsing.getMaxContentLength()), inner));
  }

  static Route string(long maxBodyBytes, long drainBytes, Function<String, Route> inner) {
    return Directives.withoutSizeLimit(() -> Directives.extractMaterializer(mat ->
        Directives.extractRequestEntity(entity -> {
          if (entity.getContentLengthOption().isPresent() && entity.getContentLengthOption().getAsLong() > drainBytes) {
            return tooLarge(maxBodyBytes, true);
          }
          // Awaited with onComplete, not chained: the stage wraps a Scala future, whose callbacks would each run on
          // a new thread (the common pool of a 2-core machine).
          return Directives.onComplete(() -> read(entity, maxBodyBytes, drainBytes, mat), read -> {
            if (read.isFailure()) {
              Throwable t = Errors.unwrap(read.failed().get());
              if (t instanceof Overflow o) return tooLarge(maxBodyBytes, o.cutOff);
              return Directives.complete(Errors.toResponse(t));
            }
            if (read.get().total > maxBodyBytes) return tooLarge(maxBodyBytes, false);
            return inner.apply(read.get().kept.result().decodeString(charset(entity)));
          });
        })));
  }

  /** Past the limit: what was read. {@code cutOff}: the body was not read to its end (the connection closes). */
  private static final class Overflow extends RuntimeException {
    final boolean cutOff;

    Overflow(boolean cutOff) {
      super(null, null, false, false);
      this.cutOff = cutOff;
    }
  }

  private static Route tooLarge(long maxBodyBytes, boolean closeConnection) {
    var response = Errors.toResponse(new EntityStreamSizeException(maxBodyBytes, Option.empty()));
    if (closeConnection) response = response.addHeaders(List.<HttpHeader>of(Connection.create("close")));
    return Directives.complete(response);
  }

  private static Charset charset(HttpEntity entity) {
    return entity.getContentType().getCharsetOption().map(c -> c.nioCharset()).orElse(StandardCharsets.UTF_8);
  }

  private static CompletionStage<Read> read(HttpEntity entity, long maxBodyBytes, long drainBytes, Materializer mat) {
    return entity.getDataBytes().runWith(Sink.fold(new Read(), (read, chunk) -> read.add(chunk, maxBodyBytes,
        drainBytes)), mat);
  }

  /** Bytes kept (up to the limit) and seen (up to the drain limit). */
  private static final class Read {
    final ByteStringBuilder kept = new ByteStringBuilder();
    long total;

    Read add(ByteString chunk, long maxBodyBytes, long drainBytes) {
      total += chunk.size();
      if (total > drainBytes) throw new Overflow(true); // stops reading: Akka HTTP closes the connection
      if (total <= maxBodyBytes) kept.append(chunk);
      return this;
    }
  }
}
