package http;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import metrics.Metrics;
import service.MetricsScrape;

/**
 * {@code GET /metrics} on the operations port: the node's series in the Prometheus text format (docs/operate.md).
 * Outside the admin token, like Akka Management's probes: Prometheus scrapes it without a secret, and the port
 * is cluster-internal (k8s/networkpolicy.yaml).
 */
public final class MetricsRoutes extends AllDirectives {

  /** Prometheus's text format 0.0.4; Prometheus 3 refuses a scrape without a content type it knows. */
  private static final ContentType TEXT_FORMAT = akka.http.scaladsl.model.ContentType
      .parse(Metrics.contentType()).right().get();

  private final MetricsScrape scrape;

  public MetricsRoutes(MetricsScrape scrape) {
    this.scrape = scrape;
  }

  public Route route() {
    return path("metrics", () -> get(() -> completeWithFuture(scrape.refresh().thenApply(ignored -> text()))));
  }

  private HttpResponse text() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
    try {
      scrape.metrics().writeText(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return HttpResponse.create().withEntity(HttpEntities.create(TEXT_FORMAT, out.toByteArray()));
  }
}
