package http;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import java.io.IOException;
import java.io.InputStream;

/** {@code GET /openapi.yaml}: the API contract, served from the jar. */
public final class OpenApiRoutes extends AllDirectives {

  private final byte[] document;

  public OpenApiRoutes() {
    try (InputStream in = OpenApiRoutes.class.getResourceAsStream("/openapi.yaml")) {
      document = in.readAllBytes();
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("openapi.yaml missing from the class path", e);
    }
  }

  public Route route() {
    return path("openapi.yaml", () -> get(() -> complete(HttpEntities.create(
        ContentTypes.create(MediaTypes.applicationWithOpenCharset("yaml"), akka.http.javadsl.model.HttpCharsets.UTF_8),
        document))));
  }
}
