package app;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import infra.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import testkit.Await;
import testkit.TestNodes;
import testkit.TestServers;

/**
 * Kafka, then Cassandra, paused (SIGSTOP, as a hung server or a long GC pause) under a node that started them as
 * its embedded servers, then resumed: /ready says not ready meanwhile; requests that need the paused server answer
 * 503 with Retry-After in the API's error shape, well before Akka's 20 s request timeout (the client here gives up
 * after 5 s); recall keeps answering from memory and says it is degraded; after the server is back, without a
 * restart, everything accepted before and during the pause is there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DependencyOutageTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration FAST = Duration.ofSeconds(5);
  private static final Duration RECOVERY = Duration.ofSeconds(90);
  private final HttpClient client = HttpClient.newHttpClient();
  private Node node;
  private final List<Long> paused = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    int[] ports = FreePorts.pick(4);
    Map<String, Object> embedded = new java.util.HashMap<>(Map.of(
            "thermocline.cassandra.contact-points", List.of(),
            "thermocline.cassandra.embedded-cql-port", ports[0],
            "thermocline.cassandra.embedded-storage-port", ports[1],
            "thermocline.kafka.enabled", true,
            "thermocline.kafka.bootstrap-servers", "",
            "thermocline.kafka.embedded-port", ports[2],
            "thermocline.kafka.embedded-controller-port", ports[3],
            // Small windows: the test waits for interactions to reach the histories.
            "thermocline.kafka.consumer.batch-window", "100 ms",
            "thermocline.kafka.consumer.restart.min-backoff", "200 ms",
            "thermocline.kafka.consumer.restart.max-backoff", "2 s"));
    embedded.put("thermocline.learner.enabled", false);
    node = TestNodes.start(TestNodes.config("outage", "unused:9042", TestServers.newDir("node-outage").toString(),
        embedded));
    for (int i = 0; i < 20; i++) {
      assertEquals(201, call("POST", "/v1/items", "{\"itemId\": \"o" + i + "\", \"title\": \"item " + i + "\"}").status());
    }
    interact("u1", "o1", "o2", "o3");
    awaitHistory("u1", List.of("o1", "o2", "o3"));
    // Recalled once while all is well: recall keeps this history in memory.
    Answer recall = awaitRecall("u1");
    assertEquals("personal", recall.body().get("strategy").asText(), recall.text());
    assertFalse(recall.body().has("degraded"), recall.text());
  }

  @AfterAll
  void stop() throws Exception {
    for (long pid : paused) signal("CONT", pid);
    if (node != null) node.close();
  }

  @Test
  @Order(1)
  void kafkaAwayAndBack() throws Exception {
    long kafka = node.kafkaPid().orElseThrow();
    pause(kafka);
    Answer notReady = Await.until(RECOVERY, () -> call("GET", "/ready", null), a -> a.status() == 503);
    assertEquals(503, notReady.status(), notReady.text());
    assertTrue(notReady.text().contains("kafka"), notReady.text());

    Answer refused = call("POST", "/v1/interactions", events("u1", "o4"));
    assertUnavailable(refused);
    // Reads need Cassandra only.
    assertEquals(200, call("GET", "/v1/items/o1", null).status());
    assertEquals(200, awaitRecall("u1").status());

    resume(kafka);
    assertEquals(200, Await.until(RECOVERY, () -> call("GET", "/ready", null), a -> a.status() == 200).status());
    Answer accepted = Await.until(RECOVERY, () -> call("POST", "/v1/interactions", events("u1", "o4")),
        a -> a.status() == 202);
    assertEquals(202, accepted.status(), accepted.text());
    awaitHistory("u1", List.of("o1", "o2", "o3", "o4"));
  }

  @Test
  @Order(2)
  void cassandraAwayAndBack() throws Exception {
    long cassandra = node.cassandraPid().orElseThrow();
    pause(cassandra);
    Answer notReady = Await.until(RECOVERY, () -> call("GET", "/ready", null), a -> a.status() == 503);
    assertEquals(503, notReady.status(), notReady.text());
    assertTrue(notReady.text().contains("cassandra"), notReady.text());

    assertUnavailable(call("POST", "/v1/items", "{\"itemId\": \"during\", \"title\": \"registered during\"}"));
    assertUnavailable(call("POST", "/v1/items:batch", "{\"items\": [{\"itemId\": \"during-b\"}]}"));
    assertUnavailable(call("GET", "/v1/items/o1", null));
    assertUnavailable(call("DELETE", "/v1/items/o2", null));
    assertUnavailable(call("GET", "/v1/users/u1", null));

    // Recall answers from memory: the history it read before, and the request's recent items.
    Answer fromMemory = call("POST", "/v1/recall", "{\"userId\": \"u1\", \"k\": 5}");
    assertEquals(200, fromMemory.status(), fromMemory.text());
    assertEquals("personal", fromMemory.body().get("strategy").asText(), fromMemory.text());
    assertEquals("cassandra", fromMemory.body().get("degraded").get(0).asText(), fromMemory.text());
    assertTrue(fromMemory.body().get("items").size() > 0, fromMemory.text());
    Answer recent = call("POST", "/v1/recall", "{\"userId\": \"stranger\", \"k\": 5, \"recentItemIds\": [\"o7\"]}");
    assertEquals(200, recent.status(), recent.text());
    assertEquals("personal", recent.body().get("strategy").asText(), recent.text());
    assertEquals("cassandra", recent.body().get("degraded").get(0).asText(), recent.text());

    // Kafka is still there: interactions are accepted, and reach the histories once Cassandra is back.
    assertEquals(202, call("POST", "/v1/interactions", events("u1", "o5")).status());

    resume(cassandra);
    assertEquals(200, Await.until(RECOVERY, () -> call("GET", "/ready", null), a -> a.status() == 200).status());
    for (int i = 0; i < 20; i++) {
      int n = i;
      Answer item = Await.until(RECOVERY, () -> call("GET", "/v1/items/o" + n, null), a -> a.status() == 200);
      assertEquals(200, item.status(), item.text());
    }
    awaitHistory("u1", List.of("o1", "o2", "o3", "o4", "o5"));
    Answer registered = Await.until(RECOVERY,
        () -> call("POST", "/v1/items", "{\"itemId\": \"after\", \"title\": \"registered after\"}"),
        a -> a.status() == 201);
    assertEquals(201, registered.status(), registered.text());
    Answer whole = Await.until(RECOVERY, () -> call("POST", "/v1/recall", "{\"userId\": \"u1\", \"k\": 5}"),
        a -> a.status() == 200 && !a.body().has("degraded"));
    assertFalse(whole.body().has("degraded"), whole.text());
  }

  private static void assertUnavailable(Answer a) {
    assertEquals(503, a.status(), a.text());
    assertTrue(a.retryAfter() != null && Long.parseLong(a.retryAfter()) >= 1, "Retry-After: " + a.retryAfter());
    assertTrue(a.body() != null && a.body().get("error").asText().contains("unavailable"), a.text());
  }

  record Answer(int status, JsonNode body, String text, String retryAfter) {}

  private Answer call(String method, String path, String body) throws Exception {
    var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(FAST).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    try {
      json = r.body().isEmpty() ? null : JSON.readTree(r.body());
    } catch (Exception notJson) {
      // asserted by the callers that need JSON
    }
    return new Answer(r.statusCode(), json, r.body(), r.headers().firstValue("Retry-After").orElse(null));
  }

  private static String events(String user, String... items) {
    StringBuilder sb = new StringBuilder("{\"events\": [");
    long ts = System.currentTimeMillis();
    for (int i = 0; i < items.length; i++) {
      if (i > 0) sb.append(',');
      sb.append("{\"userId\": \"").append(user).append("\", \"itemId\": \"").append(items[i])
          .append("\", \"type\": \"click\", \"ts\": ").append(ts + i).append('}');
    }
    return sb.append("]}").toString();
  }

  private void interact(String user, String... items) throws Exception {
    Answer a = call("POST", "/v1/interactions", events(user, items));
    assertEquals(202, a.status(), a.text());
    assertEquals(items.length, a.body().get("accepted").asInt(), a.text());
  }

  private void awaitHistory(String user, List<String> items) throws Exception {
    Answer h = Await.until(RECOVERY, () -> call("GET", "/v1/users/" + user, null),
        a -> a.status() == 200 && historyOf(a).containsAll(items));
    assertEquals(200, h.status(), h.text());
    assertTrue(historyOf(h).containsAll(items), h.text());
  }

  private static List<String> historyOf(Answer a) {
    List<String> ids = new ArrayList<>();
    a.body().get("history").forEach(e -> ids.add(e.get("itemId").asText()));
    return ids;
  }

  /** Recall, waiting while the index loads (503 until then). */
  private Answer awaitRecall(String user) throws Exception {
    return Await.until(RECOVERY, () -> call("POST", "/v1/recall", "{\"userId\": \"" + user + "\", \"k\": 5}"),
        a -> a.status() == 200 && !a.body().get("partial").asBoolean());
  }

  private void pause(long pid) throws Exception {
    signal("STOP", pid);
    paused.add(pid);
  }

  private void resume(long pid) throws Exception {
    signal("CONT", pid);
    paused.remove(pid);
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
  }
}
