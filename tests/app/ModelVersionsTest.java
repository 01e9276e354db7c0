package app;

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import learner.OnlineLearner;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.Await;
import testkit.TestNodes;
import testkit.TestServers;

/**
 * Model versions against the real Kafka and Cassandra, with online learning on: full retraining trains a shadow
 * version while recall answers from the served one; the shadow's held-out loss is below what online learning alone
 * reached; after publish recall carries the new version, whose learner continues from the offsets its copy was made
 * at, so every record is applied once to each version (counted per version from the learner's applied batches);
 * rollback serves the previous version again, its item vectors exactly as before the publish.
 *
 * <p>Data: two groups of users, each liking items of its own group. Each user's likes are split into the window
 * (posted before the run), one like posted while the run goes on (after the window) and held-out likes never
 * posted, on which the loss is measured: a full softmax over the catalogue of {@code cos(u, f)/τ}, u the user's
 * served vector, f the items' served vectors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelVersionsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOPIC = "versions.interactions";
  private static final int ITEMS_PER_GROUP = 20;
  private static final int USERS_PER_GROUP = 24;
  private static final int WINDOW_LIKES = 8;
  private static final int HELD_OUT_LIKES = 2;
  private static final double TAU = 0.1;
  private final HttpClient client = HttpClient.newHttpClient();
  private final Map<String, List<String>> windowLikes = new TreeMap<>();
  private final Map<String, List<String>> heldOut = new TreeMap<>();
  private final Map<String, String> afterWindow = new TreeMap<>();
  private Node node;

  @BeforeAll
  void start() {
    node = TestNodes.start(TestNodes.config("versions", Map.of(
        "thermocline.kafka.enabled", true,
        "thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers(),
        "thermocline.kafka.topics.items", "versions.items",
        "thermocline.kafka.topics.interactions", TOPIC,
        "thermocline.kafka.topics.dlq", "versions.dlq",
        "thermocline.kafka.consumer.group-prefix", "versions",
        "thermocline.training.batch-positives", 64,
        "thermocline.training.auto-publish", false,
        "thermocline.registry.poll-interval", "300 ms",
        "thermocline.learner.softmax-batch", 32)));
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  @Test
  void retrainedShadowLowersHeldOutLossIsPublishedCaughtUpAndRolledBack() throws Exception {
    registerItemsAndSplitLikes();
    List<String[]> window = new ArrayList<>();
    windowLikes.forEach((user, items) -> items.forEach(item -> window.add(new String[] {user, item})));
    post(window);
    Map<Integer, Long> windowEnd = endOffsets();
    awaitLearned(0, windowEnd);
    String lastUser = windowLikes.keySet().stream().reduce((a, b) -> b).orElseThrow();
    Await.until(Duration.ofSeconds(60), () -> call("GET", api("/v1/users/" + lastUser), null, 200),
        u -> u.get("history").size() == WINDOW_LIKES);
    assertEquals(0, call("GET", admin("/admin/models"), null, 200).get("served").asLong());

    JsonNode started = call("POST", admin("/admin/training/full"), "{\"epochs\": 15}", 202);
    String runId = started.get("runId").asText();
    // After the window: one more like per user, learned online into the served version. Group a's while the run
    // goes on (before or after the copy of the served version, either way each is applied once per version),
    // group b's once the run has ended, certainly after the copy: version 1 must learn those itself.
    List<String[]> duringRun = new ArrayList<>();
    List<String[]> afterRun = new ArrayList<>();
    afterWindow.forEach((user, item) -> (user.startsWith("a") ? duringRun : afterRun).add(new String[] {user, item}));
    post(duringRun);
    AtomicInteger recalls = new AtomicInteger();
    JsonNode run = Await.until(Duration.ofSeconds(300), () -> {
      JsonNode answer = call("POST", api("/v1/recall"), "{\"userId\": \"a-user-0\", \"k\": 10}", 200);
      assertEquals(10, answer.get("items").size(), answer.toString());
      assertEquals(0, answer.get("modelVersion").asLong(), "the served version, not the shadow");
      recalls.incrementAndGet();
      return call("GET", admin("/admin/training/" + runId), null, 200);
    }, r -> service.Training.ENDED.contains(r.get("state").asText()));
    assertEquals("shadow", run.get("state").asText(), run.toString());
    assertTrue(recalls.get() > 1, "recall answered while the run went on");
    long version = run.get("modelVersion").asLong();
    assertEquals(1, version);
    post(afterRun);
    Map<Integer, Long> end = Await.until(Duration.ofSeconds(30), this::endOffsets,
        offsets -> offsets.values().stream().mapToLong(Long::longValue).sum() == window.size() + afterWindow.size());
    awaitLearned(0, end);

    JsonNode shadow = versionOf(version);
    assertEquals("shadow", shadow.get("status").asText(), shadow.toString());
    assertEquals(0, shadow.get("parent").asLong());
    assertTrue(shadow.get("loss").isNumber(), shadow.toString());
    Map<Integer, Long> resume = new TreeMap<>();
    shadow.get("resumeOffsets").fields().forEachRemaining(e -> resume.put(Integer.parseInt(e.getKey()),
        e.getValue().asLong()));
    shadow.get("windowEndOffsets").fields().forEachRemaining(e -> assertEquals(
        windowEnd.get(Integer.parseInt(e.getKey())), e.getValue().asLong(), "the window's end offsets"));

    double onlineLoss = heldOutLoss();
    Map<String, String> finalsBefore = finals();
    JsonNode published = call("POST", admin("/admin/training/" + runId + "/publish"), null, 200);
    assertEquals("done", published.get("state").asText());
    assertEquals(409, status("POST", admin("/admin/training/" + runId + "/publish"), null), "published once");
    assertEquals(version, recallVersion());
    awaitLearned(version, end);
    double retrainedLoss = heldOutLoss();
    System.out.printf("held-out loss over %d likes: online learning %.4f, after full retraining %.4f%n",
        USERS_PER_GROUP * 2 * HELD_OUT_LIKES, onlineLoss, retrainedLoss);
    assertTrue(retrainedLoss < onlineLoss, "retraining lowers the held-out loss: " + onlineLoss + " → " + retrainedLoss);

    // Every record once per version: version 0 learned all of them; version 1 inherited those before the offsets
    // its copy was made at and learned those after, the likes after the window among them.
    OnlineLearner learner = node.learner();
    for (int p : end.keySet()) {
      long from = resume.getOrDefault(p, 0L);
      for (long offset = 0; offset < end.get(p); offset++) {
        assertEquals(1, coverage(learner.appliedBatches(0), p, offset), "version 0, partition " + p + " @" + offset);
        assertEquals(offset >= from ? 1 : 0, coverage(learner.appliedBatches(version), p, offset),
            "version 1 learns partition " + p + " from " + from + "; @" + offset);
      }
    }
    assertTrue(end.entrySet().stream().anyMatch(e -> e.getValue() > resume.getOrDefault(e.getKey(), 0L)),
        "some records were learned by version 1 itself: " + resume + " → " + end);

    String fusionLogits = "BucketRange|params-0@v" + version; // the per-tier fusion logits, learned by every batch
    assertTrue(journalRows(fusionLogits) > 0, "version 1 has its own journal");
    JsonNode back = call("POST", admin("/admin/training/rollback"), null, 200);
    assertEquals(0, back.get("id").asLong(), back.toString());
    assertTrue(back.get("served").asBoolean());
    assertEquals(0, recallVersion());
    assertEquals(finalsBefore, finals(), "the previous version's vectors, exactly");
    assertEquals("retired", versionOf(version).get("status").asText());
    assertEquals(0, journalRows(fusionLogits), "a retired version's events are deleted");
    assertEquals(0, snapshotRows(fusionLogits), "and its snapshots");
    assertTrue(Await.until(Duration.ofSeconds(30),
        () -> actors.LocalRanges.get(node.system()).find("params-0@v" + version) == null, gone -> gone),
        "a retired version's ranges leave memory");
    assertEquals(409, status("POST", admin("/admin/training/rollback"), null), "nothing before version 0");
  }

  private static long journalRows(String persistenceId) {
    try (var session = TestServers.cassandra().newSession()) {
      return session.execute("SELECT count(*) FROM journal_versions.messages WHERE persistence_id = ? AND "
          + "partition_nr = 0", persistenceId).one().getLong(0);
    }
  }

  private static long snapshotRows(String persistenceId) {
    try (var session = TestServers.cassandra().newSession()) {
      return session.execute("SELECT count(*) FROM snapshot_versions.snapshots WHERE persistence_id = ?",
          persistenceId).one().getLong(0);
    }
  }

  private void registerItemsAndSplitLikes() throws Exception {
    ArrayNode items = JSON.createArrayNode();
    for (String group : List.of("a", "b")) {
      for (int i = 0; i < ITEMS_PER_GROUP; i++) items.addObject().put("itemId", group + i).put("title", "clip " + i);
    }
    ObjectNode batch = JSON.createObjectNode();
    batch.set("items", items);
    call("POST", api("/v1/items:batch"), batch.toString(), 200);
    Random random = new Random(11);
    for (String group : List.of("a", "b")) {
      for (int u = 0; u < USERS_PER_GROUP; u++) {
        Set<String> mine = new LinkedHashSet<>();
        while (mine.size() < WINDOW_LIKES + HELD_OUT_LIKES + 1) mine.add(group + random.nextInt(ITEMS_PER_GROUP));
        List<String> all = new ArrayList<>(mine);
        String user = group + "-user-" + u;
        windowLikes.put(user, all.subList(0, WINDOW_LIKES));
        heldOut.put(user, all.subList(WINDOW_LIKES, WINDOW_LIKES + HELD_OUT_LIKES));
        afterWindow.put(user, all.get(WINDOW_LIKES + HELD_OUT_LIKES));
      }
    }
  }

  private void post(List<String[]> likes) throws Exception {
    ArrayNode events = JSON.createArrayNode();
    long ts = System.currentTimeMillis() - 60_000;
    for (String[] like : likes) {
      events.addObject().put("userId", like[0]).put("itemId", like[1]).put("type", "like").put("ts", ts++);
    }
    ObjectNode body = JSON.createObjectNode();
    body.set("events", events);
    call("POST", api("/v1/interactions"), body.toString(), 202);
  }

  /** The topic's end offsets once the posted records are all in (what the producer acknowledged). */
  private Map<Integer, Long> endOffsets() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafka().bootstrapServers());
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = consumer.partitionsFor(TOPIC).stream()
          .map(i -> new TopicPartition(TOPIC, i.partition())).toList();
      Map<Integer, Long> out = new TreeMap<>();
      consumer.endOffsets(parts).forEach((tp, o) -> out.put(tp.partition(), o));
      return out;
    }
  }

  /** Waits until this node's learner has applied every record before {@code end} to {@code version}. */
  private void awaitLearned(long version, Map<Integer, Long> end) throws Exception {
    Map<Integer, Long> from = new HashMap<>();
    if (version > 0) {
      versionOf(version).get("resumeOffsets").fields().forEachRemaining(e -> from.put(Integer.parseInt(e.getKey()),
          e.getValue().asLong()));
    }
    boolean done = Await.until(Duration.ofSeconds(120), () -> end.entrySet().stream().allMatch(e -> {
      long start = from.getOrDefault(e.getKey(), 0L);
      for (long o = start; o < e.getValue(); o++) {
        if (coverage(node.learner().appliedBatches(version), e.getKey(), o) == 0) return false;
      }
      return true;
    }), ok -> ok);
    assertTrue(done, "version " + version + " learned up to " + end + ": " + node.learner().appliedBatches(version));
  }

  private static long coverage(List<OnlineLearner.AppliedBatch> batches, int partition, long offset) {
    return batches.stream().filter(b -> b.partition() == partition && b.first() <= offset && offset <= b.last())
        .count();
  }

  private JsonNode versionOf(long id) throws Exception {
    for (JsonNode v : call("GET", admin("/admin/models"), null, 200).get("versions")) {
      if (v.get("id").asLong() == id) return v;
    }
    throw new AssertionError("no model version " + id);
  }

  private long recallVersion() throws Exception {
    return call("POST", api("/v1/recall"), "{\"userId\": \"b-user-0\", \"k\": 5}", 200).get("modelVersion").asLong();
  }

  private Map<String, String> finals() throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (String group : List.of("a", "b")) {
      for (int i = 0; i < ITEMS_PER_GROUP; i++) {
        out.put(group + i, call("GET", api("/v1/items/" + group + i), null, 200).get("embedding").get("final")
            .toString());
      }
    }
    return out;
  }

  /** Mean over the held-out likes of −log softmax(cos(u, f_item)/τ) over every item of the catalogue. */
  private double heldOutLoss() throws Exception {
    Map<String, float[]> items = new HashMap<>();
    for (String group : List.of("a", "b")) {
      for (int i = 0; i < ITEMS_PER_GROUP; i++) {
        items.put(group + i, unit(vector(call("GET", api("/v1/items/" + group + i), null, 200)
            .get("embedding").get("final"))));
      }
    }
    double sum = 0;
    int n = 0;
    for (var e : heldOut.entrySet()) {
      float[] u = unit(vector(call("GET", api("/v1/users/" + e.getKey()), null, 200).get("vector")));
      double max = Double.NEGATIVE_INFINITY;
      Map<String, Double> logits = new HashMap<>();
      for (var item : items.entrySet()) {
        double l = dot(u, item.getValue()) / TAU;
        logits.put(item.getKey(), l);
        max = Math.max(max, l);
      }
      double z = 0;
      for (double l : logits.values()) z += Math.exp(l - max);
      for (String positive : e.getValue()) {
        sum += -(logits.get(positive) - max - Math.log(z));
        n++;
      }
    }
    return sum / n;
  }

  private static float[] vector(JsonNode array) {
    assertNotNull(array);
    assertTrue(array.isArray(), "a vector: " + array);
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
    return v;
  }

  private static float[] unit(float[] v) {
    double norm = Math.sqrt(dot(v, v));
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] / norm);
    return out;
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
    var b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
