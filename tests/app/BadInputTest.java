package app;

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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
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

/**
 * Issue 15's bad input against one node with the real Kafka and Cassandra: each reproducer over HTTP is a 4xx
 * naming the field, and each as a record from a plain Kafka producer goes to the dead-letter topic while the
 * good records after it, on the same partition, are applied.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOPICS = "bad-input";
  private static final String HUGE_DIGITS = "9".repeat(100_000);
  private final HttpClient client = HttpClient.newHttpClient();
  private Node node;

  @BeforeAll
  void start() {
    node = TestNodes.start(TestNodes.config("bad_input", Map.of(
        "thermocline.kafka.enabled", true,
        "thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers(),
        "thermocline.kafka.topics.items", TOPICS + ".items",
        "thermocline.kafka.topics.interactions", TOPICS + ".interactions",
        "thermocline.kafka.topics.dlq", TOPICS + ".dlq",
        "thermocline.kafka.consumer.group-prefix", "bad-input",
        "thermocline.learner.enabled", false)));
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  record Answer(int status, JsonNode body, String text) {}

  private Answer call(String method, String path, String body) throws Exception {
    var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    try {
      json = r.body().isEmpty() ? null : JSON.readTree(r.body());
    } catch (Exception notJson) {
      // asserted where needed
    }
    return new Answer(r.statusCode(), json, r.body());
  }

  private void assertRefused(String what, String path, String body, String field) throws Exception {
    Answer a = call("POST", path, body);
    assertEquals(400, a.status(), what + " → " + a.text().substring(0, Math.min(300, a.text().length())));
    assertEquals(field, a.body().path("field").asText(null), what + " → " + a.text());
    assertFalse(a.body().get("error").asText().isBlank());
  }

  private static String vectorOf(int n, String x) {
    return IntStream.range(0, n).mapToObj(i -> x).collect(Collectors.joining(",", "[", "]"));
  }

  @Test
  void reproducersOverHttpAre400sNamingTheField() throws Exception {
    assertRefused("createdAt year 300,000,000", "/v1/items",
        "{\"itemId\": \"h1\", \"createdAt\": \"+300000000-01-01T00:00:00Z\"}", "createdAt");
    assertRefused("createdAt year -999,999,999", "/v1/items",
        "{\"itemId\": \"h1\", \"createdAt\": \"-999999999-01-01T00:00:00Z\"}", "createdAt");
    assertRefused("imageVector of 3.4e38", "/v1/items",
        "{\"itemId\": \"h2\", \"imageVector\": " + vectorOf(64, "3.4e38") + "}", "imageVector[0]");
    assertRefused("lone surrogate itemId", "/v1/items", "{\"itemId\": \"a\\ud800\"}", "itemId");
    assertRefused("lone surrogate recall userId", "/v1/recall", "{\"userId\": \"a\\ud800\"}", "userId");
    assertRefused("lone surrogate recent item", "/v1/recall",
        "{\"userId\": \"u\", \"recentItemIds\": [\"\\udc00\"]}", "recentItemIds[0]");
    assertRefused("recall category of 1 MB", "/v1/recall",
        "{\"userId\": \"u\", \"category\": \"" + "c".repeat(1_000_000) + "\"}", "category");
    assertRefused("trailing garbage", "/v1/items", "{\"itemId\":\"tt\",\"title\":\"x\"} trailing", null);
    assertRefused("two values", "/v1/items", "{\"itemId\":\"t1\"}{\"itemId\":\"t2\"}", null);
    assertEquals(404, call("GET", "/v1/items/tt", null).status(), "nothing stored");
    assertEquals(404, call("GET", "/v1/items/t1", null).status(), "nothing stored");

    long start = System.nanoTime();
    assertRefused("k of 4,000,000 digits", "/v1/recall", "{\"userId\": \"u\", \"k\": " + "9".repeat(4_000_000) + "}", "k");
    assertRefused("k out of range", "/v1/recall", "{\"userId\": \"u\", \"k\": " + "9".repeat(900) + "}", "k");
    assertTrue(System.nanoTime() - start < 10_000_000_000L, "refused quickly");

    Answer ts = call("POST", "/v1/interactions",
        "{\"events\": [{\"userId\": \"u\", \"itemId\": \"v\", \"type\": \"like\", \"ts\": 9223372036854775807}]}");
    assertEquals(202, ts.status(), ts.text());
    assertEquals(0, ts.body().get("accepted").asInt(), ts.text());
    assertEquals("events[0].ts", ts.body().get("rejected").get(0).get("field").asText(), ts.text());
    Answer user = call("POST", "/v1/interactions",
        "{\"events\": [{\"userId\": \"a\\ud800\", \"itemId\": \"v\", \"type\": \"like\", \"ts\": 1}]}");
    assertEquals("events[0].userId", user.body().get("rejected").get(0).get("field").asText(), user.text());

    Answer badPath = call("GET", "/v1/users/a%ED%A0%80", null);
    assertTrue(badPath.status() < 500, badPath.text());
  }

  @Test
  void aBatchOfOneIdRepeatedIsOneRegistrationAndSaysSo() throws Exception {
    String body = IntStream.range(0, 1000).mapToObj(i -> "{\"itemId\": \"rep\", \"title\": \"t" + i + "\"}")
        .collect(Collectors.joining(",", "{\"items\": [", "]}"));
    long start = System.nanoTime();
    Answer r = call("POST", "/v1/items:batch", body);
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals(200, r.status(), r.text());
    assertEquals(1000, r.body().get("accepted").asInt());
    assertEquals(0, r.body().get("rejected").size());
    JsonNode results = r.body().get("results");
    assertEquals(1, results.size(), r.text());
    assertEquals("rep", results.get(0).get("itemId").asText());
    assertEquals(999, results.get(0).get("index").asInt());
    assertEquals("created", results.get(0).get("status").asText());
    assertEquals(999, results.get(0).get("superseded").size());
    assertTrue(ms < 3000, "one registration, not a thousand rounds: " + ms + " ms");
    assertEquals("t999", call("GET", "/v1/items/rep", null).body().get("metadata").get("title").asText());
  }

  @Test
  void poisonRecordsOnBothTopicsAreDeadLetteredAndTheRecordsAfterThemApplied() throws Exception {
    long now = System.currentTimeMillis();
    Map<String, String> itemPoison = new LinkedHashMap<>();
    itemPoison.put("createdAt year 300,000,000", "{\"itemId\": \"p1\", \"createdAt\": \"+300000000-01-01T00:00:00Z\"}");
    itemPoison.put("createdAt year -999,999,999", "{\"itemId\": \"p2\", \"createdAt\": \"-999999999-01-01T00:00:00Z\"}");
    itemPoison.put("createdAt Long.MAX", "{\"itemId\": \"p3\", \"createdAt\": 9223372036854775807}");
    itemPoison.put("imageVector of 3.4e38", "{\"itemId\": \"p4\", \"imageVector\": " + vectorOf(64, "3.4e38") + "}");
    itemPoison.put("lone surrogate itemId", "{\"itemId\": \"a\\ud800\"}");
    itemPoison.put("lone surrogate title", "{\"itemId\": \"p5\", \"title\": \"x\\udbff\"}");
    itemPoison.put("category of 200 kB", "{\"itemId\": \"p6\", \"category\": \"" + "c".repeat(200_000) + "\"}");
    itemPoison.put("trailing garbage", "{\"itemId\":\"p7\",\"title\":\"x\"} trailing");
    itemPoison.put("two values", "{\"itemId\":\"p8\"}{\"itemId\":\"p9\"}");
    itemPoison.put("number of 100,000 digits", "{\"itemId\": \"p10\", \"createdAt\": " + HUGE_DIGITS + "}");
    itemPoison.put("not JSON", "{not json");
    Map<String, String> eventPoison = new LinkedHashMap<>();
    String ok = "\"userId\": \"good-user\", \"itemId\": \"good-item-0\", \"type\": \"like\"";
    eventPoison.put("ts Long.MAX", "{" + ok + ", \"ts\": 9223372036854775807}");
    eventPoison.put("ts year 300,000,000", "{" + ok + ", \"ts\": \"+300000000-01-01T00:00:00Z\"}");
    eventPoison.put("ts two days ahead", "{" + ok + ", \"ts\": " + (now + 2 * 86_400_000L) + "}");
    eventPoison.put("ts of 100,000 digits", "{" + ok + ", \"ts\": " + HUGE_DIGITS + "}");
    eventPoison.put("lone surrogate userId",
        "{\"userId\": \"a\\ud800\", \"itemId\": \"good-item-0\", \"type\": \"like\", \"ts\": " + now + "}");
    eventPoison.put("lone surrogate itemId",
        "{\"userId\": \"good-user\", \"itemId\": \"\\udc00\", \"type\": \"like\", \"ts\": " + now + "}");
    eventPoison.put("trailing garbage", "{" + ok + ", \"ts\": " + now + "} trailing");
    eventPoison.put("two values", "{" + ok + ", \"ts\": " + now + "}{" + ok + ", \"ts\": " + (now + 1) + "}");
    eventPoison.put("not JSON", "{not json");

    try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
      // One key per topic: every record on one partition, the good ones behind the poison.
      for (String v : itemPoison.values()) send(producer, TOPICS + ".items", "k", v);
      for (String v : eventPoison.values()) send(producer, TOPICS + ".interactions", "good-user", v);
      for (int i = 0; i < 3; i++) {
        send(producer, TOPICS + ".items", "k", "{\"itemId\": \"good-item-" + i + "\", \"title\": \"good " + i + "\"}");
        send(producer, TOPICS + ".interactions", "good-user", "{\"userId\": \"good-user\", \"itemId\": \"good-item-"
            + i + "\", \"type\": \"like\", \"ts\": " + (now - 1000 + i) + "}");
      }
    }

    for (int i = 0; i < 3; i++) {
      String path = "/v1/items/good-item-" + i;
      Answer item = Await.until(Duration.ofSeconds(60), () -> call("GET", path, null), a -> a.status() == 200);
      assertEquals(200, item.status(), "the good item after the poison was registered: " + item.text());
    }
    Answer user = Await.until(Duration.ofSeconds(60), () -> call("GET", "/v1/users/good-user", null),
        a -> a.status() == 200 && a.body().get("history").size() == 3);
    assertEquals(3, user.body().get("history").size(), "the good events after the poison were written: " + user.text());
    for (JsonNode e : user.body().get("history")) assertTrue(e.get("ts").asLong() <= now, e.toString());
    for (String id : List.of("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10")) {
      assertEquals(404, call("GET", "/v1/items/" + id, null).status(), id + " was not stored");
    }

    Map<String, List<String>> reasons = deadLetters(itemPoison.size() + eventPoison.size());
    assertDeadLettered(itemPoison, reasons.get(TOPICS + ".items"));
    assertDeadLettered(eventPoison, reasons.get(TOPICS + ".interactions"));
  }

  private static void assertDeadLettered(Map<String, String> poison, List<String> valuesAndReasons) {
    assertNotNull(valuesAndReasons, "dead letters of the topic");
    for (var p : poison.entrySet()) {
      assertTrue(valuesAndReasons.stream().anyMatch(v -> v.startsWith(p.getValue() + "\n")),
          p.getKey() + " is a dead letter");
    }
  }

  /** The dead letters by original topic: each as its value, a newline and its reason. */
  private Map<String, List<String>> deadLetters(int atLeast) throws Exception {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafka().bootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "bad-input-dlq-check");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(TOPICS + ".dlq"));
      Await.until(Duration.ofSeconds(60), () -> {
        consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
        return dead.size();
      }, n -> n >= atLeast);
    }
    Map<String, List<String>> out = new HashMap<>();
    for (var r : dead) {
      String topic = new String(r.headers().lastHeader("thermocline.dlq.topic").value(), StandardCharsets.UTF_8);
      String reason = new String(r.headers().lastHeader("thermocline.dlq.reason").value(), StandardCharsets.UTF_8);
      out.computeIfAbsent(topic, t -> new ArrayList<>()).add(new String(r.value(), StandardCharsets.UTF_8) + "\n" + reason);
    }
    assertTrue(dead.size() >= atLeast, "dead letters: " + dead.size());
    return out;
  }

  private static KafkaProducer<byte[], byte[]> rawProducer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafka().bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, String value)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8))).get();
  }
}
