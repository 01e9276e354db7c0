package http;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.http.javadsl.Http;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bodies over the limit get a 413 naming it, not a reset connection (issue 15): read to their end and dropped first,
 * so a client that reads only once it has sent everything (java.net.http) sees it; a body declared past what the
 * server reads at all is answered 413 before its body, with "Connection: close".
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BodiesTest {

  private static final int LIMIT = 1024;
  private static final int DRAIN = 4 << 20;

  private ActorSystem<Void> system;
  private int port;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "bodies", com.typesafe.config.ConfigFactory
        .parseString("akka.actor.provider = local").withFallback(com.typesafe.config.ConfigFactory.load()));
    Route route = Directives.handleExceptions(Errors.exceptionHandler(), () -> Directives.path("echo", () ->
        Bodies.string(LIMIT, DRAIN, body -> Directives.complete(Json.error(200, "length " + body.length(), null)))));
    port = Http.get(system).newServerAt("127.0.0.1", 0).bind(route).toCompletableFuture().get(30, TimeUnit.SECONDS)
        .localAddress().getPort();
  }

  @AfterAll
  void stop() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().orTimeout(1, TimeUnit.MINUTES).join();
  }

  private HttpResponse<String> post(byte[] body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo"))
        .timeout(Duration.ofMinutes(1)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aBodyWithinTheLimitIsReadWhole() throws Exception {
    HttpResponse<String> r = post("é".repeat(LIMIT / 2).getBytes(StandardCharsets.UTF_8));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("length " + LIMIT / 2), "decoded as UTF-8: " + r.body());
  }

  @Test
  void aBodyOverTheLimitGets413NamingItAndTheNextRequestIsAnswered() throws Exception {
    for (int size : List.of(LIMIT + 1, 3 << 20)) { // just over, and megabytes over while the client keeps sending
      HttpResponse<String> r = post(new byte[size]);
      assertEquals(413, r.statusCode(), size + " bytes: " + r.body());
      assertTrue(r.body().contains("the limit is " + LIMIT + " bytes"), r.body());
      assertTrue(r.headers().firstValue("Connection").isEmpty(), "the connection stays open: " + r.headers());
    }
    assertEquals(200, post(new byte[] {'{', '}'}).statusCode());
  }

  @Test
  void aBodyDeclaredPastWhatTheServerReadsIs413BeforeItsBodyWithConnectionClose() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(60_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
          + (DRAIN + 1L) + "\r\n\r\n{\"events\": [").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String status = in.readLine();
      List<String> headers = new ArrayList<>();
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        headers.add(line.toLowerCase());
      }
      assertEquals("HTTP/1.1 413 Payload Too Large", status, "answered before the body was sent");
      assertTrue(headers.contains("connection: close"), headers.toString());
    }
  }
}
