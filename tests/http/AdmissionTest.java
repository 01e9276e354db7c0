package http;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import testkit.Await;
import testkit.PrometheusText;

/**
 * Admission control over real HTTP: a route class full of requests in flight answers the next one 429 with
 * Retry-After naming the class, at once; requests below the limit, and other classes, are answered.
 */
class AdmissionTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final InFlightLimit.Settings NO_WAIT = new InFlightLimit.Settings(2, 0, Duration.ZERO);

  // A local actor system: no cluster, no remoting port.
  private final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "admission",
      com.typesafe.config.ConfigFactory.parseString("akka.actor.provider = local")
          .withFallback(com.typesafe.config.ConfigFactory.load()));
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** Answers of the held route: requests in it stay in flight until this completes. */
  private final CompletableFuture<HttpResponse> held = new CompletableFuture<>();
  private final AtomicInteger entered = new AtomicInteger();

  @AfterEach
  void stop() {
    held.complete(HttpResponse.create());
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().orTimeout(1, TimeUnit.MINUTES).join();
  }

  private int bind(Admission admission) throws Exception {
    Route route = Directives.concat(
        Directives.path("recall", () -> admission.recall().admit(() -> {
          entered.incrementAndGet();
          return Directives.completeWithFuture(held.thenApply(r -> Json.error(200, "answered", null)));
        })),
        Directives.path("items", () -> admission.items().admit(() ->
            Directives.complete(Json.error(200, "answered", null)))));
    ServerBinding b = Http.get(system).newServerAt("127.0.0.1", 0).bind(route).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    return b.localAddress().getPort();
  }

  private CompletableFuture<java.net.http.HttpResponse<String>> post(int port, String path) {
    return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofMinutes(1)).POST(HttpRequest.BodyPublishers.ofString("{\"userId\": \"u\"}")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aFullRouteClassAnswers429WithRetryAfterNamingItAndBelowTheLimitRequestsAreAnswered() throws Exception {
    metrics.Metrics metrics = new metrics.Metrics(Duration.ofHours(1));
    int port = bind(new Admission(new Admission.Settings(NO_WAIT, NO_WAIT, NO_WAIT, Duration.ofSeconds(3)), metrics));
    List<CompletableFuture<java.net.http.HttpResponse<String>>> inFlight = List.of(post(port, "/recall"),
        post(port, "/recall"));
    assertEquals(2, Await.until(Duration.ofSeconds(30), entered::get, n -> n == 2), "both in the route");

    java.net.http.HttpResponse<String> refused = post(port, "/recall").get(1, TimeUnit.MINUTES);
    assertEquals(429, refused.statusCode(), refused.body());
    assertEquals("3", refused.headers().firstValue("Retry-After").orElse(null));
    JsonNode error = JSON.readTree(refused.body());
    assertTrue(error.get("error").asText().contains("recall")
        && error.get("error").asText().contains("thermocline.http.admission.recall"), refused.body());
    assertEquals(2, entered.get(), "the refused request never reached the route");
    assertEquals(200, post(port, "/items").get(1, TimeUnit.MINUTES).statusCode(), "another class is not limited");

    held.complete(HttpResponse.create());
    for (var f : inFlight) assertEquals(200, f.get(1, TimeUnit.MINUTES).statusCode());
    assertEquals(200, post(port, "/recall").get(1, TimeUnit.MINUTES).statusCode(), "places freed once answered");
    PrometheusText scraped = PrometheusText.parse(scrape(metrics));
    assertEquals(1.0, scraped.sum("thermocline_http_rejected_total",
        labels -> "admission-recall".equals(labels.get("reason"))), 0.0, "one refusal counted");
  }

  @Test
  void aRequestThatWaitsGetsTheNextFreedPlace() throws Exception {
    InFlightLimit.Settings oneWaits = new InFlightLimit.Settings(1, 1, Duration.ofMinutes(5));
    Admission admission = new Admission(new Admission.Settings(oneWaits, NO_WAIT, NO_WAIT, Duration.ofSeconds(1)), null);
    int port = bind(admission);
    CompletableFuture<java.net.http.HttpResponse<String>> first = post(port, "/recall");
    assertEquals(1, Await.until(Duration.ofSeconds(30), entered::get, n -> n == 1));
    CompletableFuture<java.net.http.HttpResponse<String>> waiting = post(port, "/recall");
    assertEquals(1, Await.until(Duration.ofSeconds(30), admission.limit("recall")::waiting, n -> n == 1));
    assertEquals(429, post(port, "/recall").get(1, TimeUnit.MINUTES).statusCode(), "one in flight and one waiting");
    assertFalse(waiting.isDone());
    held.complete(HttpResponse.create());
    assertEquals(200, first.get(1, TimeUnit.MINUTES).statusCode());
    assertEquals(200, waiting.get(1, TimeUnit.MINUTES).statusCode(), "the waiter was served, not refused");
  }

  private static String scrape(metrics.Metrics metrics) throws Exception {
    var out = new java.io.ByteArrayOutputStream();
    metrics.writeText(out);
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
