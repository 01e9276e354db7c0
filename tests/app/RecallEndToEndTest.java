package app;

import actors.BucketRanges;
import service.FusionService;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.Await;
import testkit.TestNodes;
import testkit.TestServers;

/** Ingest and recall on one node with the real Kafka and Cassandra, through the public HTTP API and topics. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecallEndToEndTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOPICS = "e2e";
  private final HttpClient client = HttpClient.newHttpClient();
  private Node node;

  @BeforeAll
  void start() {
    node = TestNodes.start(TestNodes.config("recall_e2e", Map.of(
        "thermocline.kafka.enabled", true,
        "thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers(),
        "thermocline.kafka.topics.items", TOPICS + ".items",
        "thermocline.kafka.topics.interactions", TOPICS + ".interactions",
        "thermocline.kafka.topics.dlq", TOPICS + ".dlq",
        "thermocline.kafka.consumer.group-prefix", "recall-e2e",
        "thermocline.retrieval.shards", 4,
        // Recall semantics here; learning (which moves vectors every few seconds) is tested on its own.
        "thermocline.learner.enabled", false,
        "thermocline.model.user-id-rows", true))); // aLearnedUserIdRowIsPartOfTheRecallQuery
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  private JsonNode call(String method, String path, String body, int expected) throws Exception {
    var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(expected, r.statusCode(), method + " " + path + " → " + r.body());
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  /** A recall's answer; null while it answers 503 with Retry-After (no shard has loaded its index yet). */
  private JsonNode recallOnceLoaded(String body) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort()
            + "/v1/recall")).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 503) {
      assertTrue(r.headers().firstValue("Retry-After").isPresent(), "503 without Retry-After: " + r.body());
      return null;
    }
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private List<String> recalled(String userId, String extra) throws Exception {
    return recalled(userId, 20, extra);
  }

  private List<String> recalled(String userId, int k, String extra) throws Exception {
    JsonNode r = call("POST", "/v1/recall", "{\"userId\": \"" + userId + "\", \"k\": " + k + extra + "}", 200);
    assertFalse(r.get("partial").asBoolean(), r.toString());
    List<String> ids = new ArrayList<>();
    r.get("items").forEach(it -> ids.add(it.get("itemId").asText()));
    return ids;
  }

  @Test
  void itemsInInteractionsThroughKafkaPersonalRecallAndDelete() throws Exception {
    for (int i = 0; i < 40; i++) {
      call("POST", "/v1/items", "{\"itemId\": \"e2e-" + i + "\", \"category\": \"" + (i % 2 == 0 ? "even" : "odd")
          + "\", \"createdAt\": " + (1_790_000_000_000L + i) + "}", 201);
    }
    // Recallable at once: an unknown user with nothing gets popular and fresh items, never an empty list.
    JsonNode cold = Await.until(Duration.ofSeconds(30),
        () -> recallOnceLoaded("{\"userId\": \"newcomer\", \"k\": 5}"),
        r -> r != null && !r.get("partial").asBoolean());
    assertNotNull(cold, "recall answered 503 (index loading) for 30 s");
    assertEquals(5, cold.get("items").size(), cold.toString());
    assertEquals("popular-fresh", cold.get("strategy").asText());

    long now = System.currentTimeMillis();
    JsonNode accepted = call("POST", "/v1/interactions", """
        {"events": [
          {"userId": "u1", "itemId": "e2e-0", "type": "like", "ts": %d},
          {"userId": "u1", "itemId": "e2e-2", "type": "click", "ts": %d},
          {"userId": "u1", "itemId": "e2e-4", "type": "impression", "ts": %d},
          {"userId": "u1", "itemId": "e2e-6", "type": "jump", "ts": %d}
        ]}""".formatted(now, now + 1, now + 2, now + 3), 202);
    assertEquals(3, accepted.get("accepted").asInt());
    assertEquals("events[3].type", accepted.get("rejected").get(0).get("field").asText());

    JsonNode user = Await.until(Duration.ofSeconds(30), () -> call("GET", "/v1/users/u1", null, 200),
        u -> u.get("history").size() == 3);
    assertEquals(3, user.get("history").size(), user.toString());
    assertEquals("e2e-4", user.get("history").get(0).get("itemId").asText(), "newest first");
    assertEquals(32, user.get("vector").size());
    // Counters are written once per exposure window (at most max-age after the batch): awaited, not read at once.
    JsonNode item4 = Await.until(Duration.ofSeconds(30), () -> call("GET", "/v1/items/e2e-4", null, 200),
        i -> i.get("exposures").get("total").asLong() > 0);
    assertEquals(1, item4.get("exposures").get("total").asLong(), "the impression counts as exposure");

    List<String> personal = recalled("u1", "");
    assertEquals(20, personal.size());
    assertFalse(personal.contains("e2e-0") || personal.contains("e2e-2") || personal.contains("e2e-4"),
        "seen items are excluded: " + personal);
    assertTrue(recalled("u1", ", \"excludeSeen\": false").contains("e2e-0"), "its own history is nearest");
    for (String id : recalled("u1", ", \"category\": \"odd\"")) {
      // Odd e2e items, or the odd item the other test registers through the items topic.
      assertTrue(id.equals("from-kafka") || Integer.parseInt(id.substring(4)) % 2 == 1, id);
    }

    call("DELETE", "/v1/items/e2e-0", null, 204);
    call("GET", "/v1/items/e2e-0", null, 404);
    call("DELETE", "/v1/items/e2e-0", null, 404);
    assertFalse(recalled("u1", 40, ", \"excludeSeen\": false").contains("e2e-0"), "deleted: never recalled");
  }

  @Test
  void aPoisonRecordGoesToTheDeadLetterTopicAndTheStreamGoesOn() throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafka().bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (var producer = new KafkaProducer<byte[], byte[]>(p)) {
      String topic = TOPICS + ".interactions";
      producer.send(new ProducerRecord<>(topic, "u2".getBytes(), "{not json".getBytes(StandardCharsets.UTF_8))).get();
      producer.send(new ProducerRecord<>(topic, "u2".getBytes(), ("{\"userId\": \"u2\", \"itemId\": \"e2e-1\", "
          + "\"type\": \"share\", \"ts\": " + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8))).get();
      // An item record with a bad field on the items topic.
      producer.send(new ProducerRecord<>(TOPICS + ".items", "x".getBytes(),
          "{\"itemId\": \"\"}".getBytes(StandardCharsets.UTF_8))).get();
      producer.send(new ProducerRecord<>(TOPICS + ".items", "k".getBytes(),
          "{\"itemId\": \"from-kafka\", \"category\": \"odd\"}".getBytes(StandardCharsets.UTF_8))).get();
    }
    JsonNode u2 = Await.until(Duration.ofSeconds(30), () -> call("GET", "/v1/users/u2", null, 200),
        u -> u.get("history").size() == 1);
    assertEquals("share", u2.get("history").get(0).get("type").asText(), "the good record after the poison one flowed");
    Await.until(Duration.ofSeconds(30), () -> status("/v1/items/from-kafka"), s -> s == 200);
    assertEquals(200, status("/v1/items/from-kafka"), "items topic registers like POST /v1/items");

    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafka().bootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-check");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
    try (var consumer = new KafkaConsumer<byte[], byte[]>(c)) {
      consumer.subscribe(List.of(TOPICS + ".dlq"));
      Await.until(Duration.ofSeconds(30), () -> {
        consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
        return dead.size();
      }, n -> n >= 2);
    }
    assertEquals(2, dead.size());
    List<String> values = new ArrayList<>();
    for (var r : dead) {
      values.add(new String(r.value(), StandardCharsets.UTF_8));
      assertNotNull(r.headers().lastHeader("thermocline.dlq.reason"));
    }
    assertTrue(values.contains("{not json"), values.toString());
    assertTrue(values.contains("{\"itemId\": \"\"}"), values.toString());
  }

  /**
   * Recall adds the user's learned ID row to the query (as the learner trains it): a user with no history and a
   * zero row gets popular-fresh; once their row is learned (written here as item row-7's served vector) they get
   * a personal answer led by that item.
   */
  @Test
  void aLearnedUserIdRowIsPartOfTheRecallQuery() throws Exception {
    for (int i = 0; i < 30; i++) {
      call("POST", "/v1/items", "{\"itemId\": \"row-" + i + "\", \"title\": \"row item " + i + "\", \"tags\": [\"t"
          + i + "\"]}", 201);
    }
    JsonNode before = Await.until(Duration.ofSeconds(30),
        () -> recallOnceLoaded("{\"userId\": \"row-learner\", \"k\": 5}"),
        r -> r != null && !r.get("partial").asBoolean());
    assertNotNull(before, "recall answered 503 (index loading) for 30 s");
    assertEquals("popular-fresh", before.get("strategy").asText(), "no history, zero row: " + before);

    float[] target = node.items().find("row-7").toCompletableFuture().join().orElseThrow().served().vector();
    FusionService fusion = node.items().fusion();
    BucketRanges.Key key = fusion.userRow("row-learner");
    int rowsPerRange = fusion.layout().rowsPerRange();
    actors.BucketRange.Ack ack = akka.cluster.sharding.typed.javadsl.ClusterSharding.get(node.system())
        .entityRefFor(actors.BucketRange.TYPE_KEY, embedding.StoreLayout.entityId(key.tier(), key.row() / rowsPerRange))
        .<actors.BucketRange.Ack>ask(r -> new actors.BucketRange.WriteRows("test-user-row", new int[] {key.row() % rowsPerRange},
            target, false, r), Duration.ofSeconds(10))
        .toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertTrue(ack.persisted(), ack.toString());

    JsonNode after = call("POST", "/v1/recall", "{\"userId\": \"row-learner\", \"k\": 5}", 200);
    assertEquals("personal", after.get("strategy").asText(), after.toString());
    assertEquals("row-7", after.get("items").get(0).get("itemId").asText(), after.toString());
  }

  /**
   * Replaying logs (a backfill, a migration, a benchmark) gives the same user vectors and recall as living
   * through them: the same history years ago and shifted to today, for two users, through Kafka and the API.
   */
  @Test
  void aHistoryReplayedFromYearsAgoGivesTheSameVectorAndRecallAsToday() throws Exception {
    for (int i = 0; i < 30; i++) {
      call("POST", "/v1/items", "{\"itemId\": \"replay-" + i + "\", \"title\": \"replay item " + i
          + "\", \"tags\": [\"r" + (i % 5) + "\"]}", 201);
    }
    long today = System.currentTimeMillis();
    long yearsAgo = 1_262_304_000_000L; // 2010-01-01
    StringBuilder events = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      long offset = i * 25_200_000L; // 7 hours apart: with a 1-day half-life their weights differ
      String type = i % 2 == 0 ? "like" : "click";
      for (String[] user : new String[][] {{"replay-then", "" + (yearsAgo + offset)}, {"replay-now", "" + (today - 6 * 25_200_000L + offset)}}) {
        if (events.length() > 0) events.append(',');
        events.append("{\"userId\": \"").append(user[0]).append("\", \"itemId\": \"replay-").append(i * 4)
            .append("\", \"type\": \"").append(type).append("\", \"ts\": ").append(user[1]).append('}');
      }
    }
    call("POST", "/v1/interactions", "{\"events\": [" + events + "]}", 202);
    JsonNode then = Await.until(Duration.ofSeconds(30), () -> call("GET", "/v1/users/replay-then", null, 200),
        u -> u.get("history").size() == 6);
    JsonNode now = Await.until(Duration.ofSeconds(30), () -> call("GET", "/v1/users/replay-now", null, 200),
        u -> u.get("history").size() == 6);
    assertTrue(then.get("vector").isArray(), "a history from 2010 still has a vector: " + then);
    assertEquals(now.get("vector"), then.get("vector"));
    assertEquals(recalled("replay-now", ""), recalled("replay-then", ""));
    // A `now` passed with the request decays to it; a bad one is a 400 naming the field.
    assertEquals(then.get("vector"), call("GET", "/v1/users/replay-then?now=" + (yearsAgo + 6 * 25_200_000L), null, 200).get("vector"));
    JsonNode bad = call("POST", "/v1/recall", "{\"userId\": \"replay-then\", \"now\": \"yesterday\"}", 400);
    assertEquals("now", bad.get("field").asText(), bad.toString());
  }

  /** excludeSeen covers what the user saw before the history's newest 200 events, not only those. */
  @Test
  void aHeavyUsersItemsSeenBeforeTheNewestHistoryAreStillExcluded() throws Exception {
    for (int i = 0; i < 10; i++) call("POST", "/v1/items", "{\"itemId\": \"heavy-" + i + "\"}", 201);
    long t = System.currentTimeMillis() - 3_600_000;
    StringBuilder events = new StringBuilder("{\"userId\": \"heavy\", \"itemId\": \"heavy-0\", \"type\": \"like\", \"ts\": "
        + t + "}");
    for (int i = 1; i <= storage.InteractionStore.HISTORY_LIMIT + 10; i++) {
      events.append(", {\"userId\": \"heavy\", \"itemId\": \"heavy-1\", \"type\": \"impression\", \"ts\": ")
          .append(t + i).append('}');
    }
    call("POST", "/v1/interactions", "{\"events\": [" + events + "]}", 202);
    Await.until(Duration.ofSeconds(30), () -> call("GET", "/v1/users/heavy", null, 200),
        u -> u.get("history").size() == storage.InteractionStore.HISTORY_LIMIT
            && u.get("history").get(0).get("ts").asLong() == t + storage.InteractionStore.HISTORY_LIMIT + 10);
    List<String> excluded = all("heavy", "");
    assertFalse(excluded.contains("heavy-0") || excluded.contains("heavy-1"), "seen, older or newer: " + excluded);
    assertTrue(all("heavy", ", \"excludeSeen\": false").contains("heavy-0"), "not excluded when asked not to");
  }

  /** Every item recall can answer with for the user (k above the test's items), its own filter applied. */
  private List<String> all(String userId, String extra) throws Exception {
    JsonNode r = call("POST", "/v1/recall", "{\"userId\": \"" + userId + "\", \"k\": 1000" + extra + "}", 200);
    List<String> ids = new ArrayList<>();
    r.get("items").forEach(it -> ids.add(it.get("itemId").asText()));
    return ids;
  }

  private int status(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
