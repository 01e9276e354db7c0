package learner;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.Await;
import testkit.TestNodes;
import testkit.TestServers;

/**
 * Full retraining against the real Kafka and Cassandra: a window of interactions read back from the topic by
 * time and learned for several epochs moves the served vectors so that two groups of users, each liking its own
 * group of items, get their own group's unseen items ranked first; recall answers throughout. Online learning is
 * off here, so every change of the rows is the retraining's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FullRetrainingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ITEMS_PER_GROUP = 20;
  private static final int USERS_PER_GROUP = 30;
  private static final int LIKES_PER_USER = 8;
  private final HttpClient client = HttpClient.newHttpClient();
  private final Map<String, Set<String>> liked = new HashMap<>();
  private app.Node node;

  @BeforeAll
  void start() {
    node = TestNodes.start(TestNodes.config("retrain", Map.of(
        "thermocline.kafka.enabled", true,
        "thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers(),
        "thermocline.kafka.topics.items", "retrain.items",
        "thermocline.kafka.topics.interactions", "retrain.interactions",
        "thermocline.kafka.topics.dlq", "retrain.dlq",
        "thermocline.kafka.consumer.group-prefix", "retrain",
        "thermocline.learner.enabled", false,
        "thermocline.training.batch-positives", 64,
        "thermocline.learner.softmax-batch", 32)));
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  @Test
  void retrainingOnTheWindowSeparatesWhatTheGroupsLikeWhileRecallAnswers() throws Exception {
    ArrayNode items = JSON.createArrayNode();
    for (String group : List.of("a", "b")) {
      for (int i = 0; i < ITEMS_PER_GROUP; i++) items.addObject().put("itemId", group + i).put("title", "clip " + i);
    }
    ObjectNode batch = JSON.createObjectNode();
    batch.set("items", items);
    call("POST", api("/v1/items:batch"), batch.toString(), 200);

    Random random = new Random(5);
    ArrayNode events = JSON.createArrayNode();
    long ts = System.currentTimeMillis() - 3_600_000;
    int positives = 0;
    for (String group : List.of("a", "b")) {
      for (int u = 0; u < USERS_PER_GROUP; u++) {
        String user = group + "-user-" + u;
        Set<String> mine = new HashSet<>();
        while (mine.size() < LIKES_PER_USER) mine.add(group + random.nextInt(ITEMS_PER_GROUP));
        liked.put(user, mine);
        for (String item : mine) {
          events.addObject().put("userId", user).put("itemId", item).put("type", "like").put("ts", ts++);
          positives++;
        }
      }
    }
    ObjectNode body = JSON.createObjectNode();
    body.set("events", events);
    call("POST", api("/v1/interactions"), body.toString(), 202);
    Await.until(Duration.ofSeconds(60), () -> call("GET", api("/v1/users/b-user-" + (USERS_PER_GROUP - 1)), null, 200),
        u -> u.get("history").size() == LIKES_PER_USER);
    double before = groupAuc();

    // Bad requests name their field; an unknown run is a 404.
    assertEquals("epochs", call("POST", admin("/admin/training/full"), "{\"epochs\": 0}", 400).get("field").asText());
    assertEquals("from", call("POST", admin("/admin/training/full"),
        "{\"from\": \"2030-01-01T00:00:00Z\", \"to\": \"2029-01-01T00:00:00Z\"}", 400).get("field").asText());
    call("GET", admin("/admin/training/no-such-run"), null, 404);

    JsonNode started = call("POST", admin("/admin/training/full"), "{\"epochs\": 15}", 202);
    String runId = started.get("runId").asText();
    assertEquals(409, status("POST", admin("/admin/training/full"), "{}"), "one run at a time");
    java.util.concurrent.atomic.AtomicInteger recalls = new java.util.concurrent.atomic.AtomicInteger();
    JsonNode run = Await.until(Duration.ofSeconds(180), () -> {
      JsonNode answer = call("POST", api("/v1/recall"), "{\"userId\": \"a-user-0\", \"k\": 10}", 200);
      assertEquals(10, answer.get("items").size(), answer.toString());
      recalls.incrementAndGet();
      return call("GET", admin("/admin/training/" + runId), null, 200);
    }, r -> !r.get("state").asText().equals("reading") && !r.get("state").asText().equals("training"));
    assertEquals("done", run.get("state").asText(), run.toString());
    assertEquals(positives, run.get("positives").asLong(), "every like of the window, each once per epoch");
    assertEquals(15L * positives, run.get("examplesTotal").asLong());
    assertEquals(run.get("examplesTotal").asLong(), run.get("examplesDone").asLong());
    assertTrue(run.get("loss").isNumber(), run.toString());
    assertTrue(recalls.get() > 1, "recall answered while the run went on");
    assertEquals(runId, call("GET", admin("/admin/training"), null, 200).get("runs").get(0).get("runId").asText());

    double after = groupAuc();
    System.out.printf("full retraining, 15 epochs over %d likes: group AUC %.3f -> %.3f%n", positives, before, after);
    assertTrue(after > 0.85 && after > before + 0.2,
        "users' own group's unseen items first: AUC before " + before + ", after " + after);
  }

  /**
   * Over all users: the share of (own group's unseen item, other group's item) pairs in which the user's served
   * vector scores their own group's item higher.
   */
  private double groupAuc() throws Exception {
    Map<String, float[]> vectors = new HashMap<>();
    for (String group : List.of("a", "b")) {
      for (int i = 0; i < ITEMS_PER_GROUP; i++) {
        vectors.put(group + i, vector(call("GET", api("/v1/items/" + group + i), null, 200).get("embedding").get("final")));
      }
    }
    long right = 0;
    long pairs = 0;
    for (var e : liked.entrySet()) {
      float[] u = vector(call("GET", api("/v1/users/" + e.getKey()), null, 200).get("vector"));
      String own = e.getKey().substring(0, 1);
      String other = own.equals("a") ? "b" : "a";
      for (int i = 0; i < ITEMS_PER_GROUP; i++) {
        if (e.getValue().contains(own + i)) continue;
        for (int j = 0; j < ITEMS_PER_GROUP; j++) {
          pairs++;
          if (dot(u, vectors.get(own + i)) > dot(u, vectors.get(other + j))) right++;
        }
      }
    }
    return (double) right / pairs;
  }

  private static float[] vector(JsonNode array) {
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
    return v;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }

  private String api(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  private String admin(String path) {
    return "http://127.0.0.1:" + node.adminPort() + path;
  }

  private int status(String method, String url, String body) throws Exception {
    return send(method, url, body).statusCode();
  }

  private JsonNode call(String method, String url, String body, int expected) throws Exception {
    HttpResponse<String> r = send(method, url, body);
    assertEquals(expected, r.statusCode(), method + " " + url + " → " + r.body());
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  private HttpResponse<String> send(String method, String url, String body) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
