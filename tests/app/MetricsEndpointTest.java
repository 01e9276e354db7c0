package app;

import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.Await;
import testkit.PrometheusText;
import testkit.TestNodes;
import testkit.TestServers;

/**
 * {@code GET /metrics} of a node with the real Kafka and Cassandra: every documented series is there, parsed as
 * Prometheus reads it, and the counters move under load (registrations, interactions, recalls, a poison record).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsEndpointTest {

  private static final String TOPICS = "metrics";
  private final HttpClient client = HttpClient.newHttpClient();
  private Node node;

  @BeforeAll
  void start() {
    node = TestNodes.start(TestNodes.config("metrics_scrape", Map.of(
        "thermocline.kafka.enabled", true,
        "thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers(),
        "thermocline.kafka.topics.items", TOPICS + ".items",
        "thermocline.kafka.topics.interactions", TOPICS + ".interactions",
        "thermocline.kafka.topics.dlq", TOPICS + ".dlq",
        "thermocline.kafka.consumer.group-prefix", "metrics-scrape",
        "thermocline.kafka.consumer.exposure-window.max-age", "1 s",
        "thermocline.learner.batch-window", "200 ms",
        "thermocline.admin.token", "secret")));
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  private HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
    var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void call(String method, String path, String body, int expected) throws Exception {
    HttpResponse<String> r = send(node.httpPort(), method, path, body);
    assertEquals(expected, r.statusCode(), method + " " + path + " → " + r.body());
  }

  private PrometheusText scrape() throws Exception {
    HttpResponse<String> r = send(node.adminPort(), "GET", "/metrics", null);
    assertEquals(200, r.statusCode(), r.body());
    String type = r.headers().firstValue("Content-Type").orElse("");
    assertTrue(type.startsWith("text/plain") && type.contains("version=0.0.4"), type);
    return PrometheusText.parse(r.body());
  }

  @Test
  void everySeriesIsThereAndTheCountersMoveUnderLoad() throws Exception {
    assertEquals(404, send(node.httpPort(), "GET", "/metrics", null).statusCode(), "operations port only");
    PrometheusText before = scrape(); // without the admin token: Prometheus scrapes with none
    assertTrue(before.has("jvm_memory_used_bytes"), "JVM series");
    assertTrue(before.has("thermocline_http_rejected_total"), "the 429 counter exists before any refusal");

    for (int i = 0; i < 20; i++) call("POST", "/v1/items", "{\"itemId\": \"m-" + i + "\", \"title\": \"item " + i + "\"}", 201);
    long now = System.currentTimeMillis();
    StringBuilder events = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      if (i > 0) events.append(',');
      events.append("{\"userId\": \"mu\", \"itemId\": \"m-").append(i).append("\", \"type\": \"impression\", \"ts\": ")
          .append(now + i).append('}');
      if (i < 5) {
        events.append(",{\"userId\": \"mu\", \"itemId\": \"m-").append(i).append("\", \"type\": \"click\", \"ts\": ")
            .append(now + 100 + i).append('}');
      }
    }
    call("POST", "/v1/interactions", "{\"events\": [" + events + "]}", 202);
    poisonRecord();

    PrometheusText after = Await.until(Duration.ofSeconds(60), () -> {
      call("POST", "/v1/recall", "{\"userId\": \"mu\", \"k\": 5}", 200);
      return scrape();
    }, p -> p.sum("thermocline_item_clicks_total", l -> l.get("age").equals("new")) >= 5
        && p.sum("thermocline_item_impressions_total", l -> l.get("age").equals("all")) >= 20
        && p.sum("thermocline_learner_deltas_applied_total") > 0
        && p.sum("thermocline_dead_letters_total") >= 2 // the pipeline's and the learner's, each in its time
        && p.sum("thermocline_recalls_total", l -> l.get("strategy").equals("personal")) > 0
        && p.sum("thermocline_learner_lag_records") == 0
        && p.has("thermocline_served_vector_staleness_seconds") // after the next re-index round
        // a group has lag once it committed: after its batch's exposure window is written, so a moment later
        && p.samples("thermocline_consumer_lag_records").stream()
            .anyMatch(s -> s.labels().get("group").equals("metrics-scrape-interactions")));

    // Counters moved between the two scrapes.
    assertTrue(after.sum("thermocline_recalls_total") > before.sum("thermocline_recalls_total"));
    assertTrue(after.sum("thermocline_recall_latency_seconds_count", l -> l.get("strategy").equals("personal")) > 0);
    assertTrue(after.sum("thermocline_learner_deltas_applied_total")
        > before.sum("thermocline_learner_deltas_applied_total"));
    // The interactions pipeline and the learner read the topic apart, and each dead-letters the poison record.
    assertEquals(2, after.sum("thermocline_dead_letters_total", l -> l.get("topic").equals(TOPICS + ".interactions")));
    // New-item health: every item here is minutes old, so "new" equals "all", per tier.
    assertEquals(20, after.sum("thermocline_item_impressions_total", l -> l.get("age").equals("new")));
    assertEquals(20, after.sum("thermocline_item_impressions_total", l -> l.get("age").equals("all")));
    assertEquals(5, after.sum("thermocline_item_clicks_total", l -> l.get("age").equals("all")));
    assertEquals(5 / 20.0, after.sum("thermocline_item_ctr", l -> l.equals(Map.of("tier", "cold", "age", "new"))),
        1e-9, "new items enter the cold tier");

    // State read at scrape time: the store's tiers and the retrieval shards hold the 20 items.
    assertEquals(20, after.sum("thermocline_tier_items"));
    for (String tier : List.of("hot", "medium", "cold")) {
      assertEquals(1, after.samples("thermocline_tier_load_factor").stream()
          .filter(s -> s.labels().get("tier").equals(tier)).count(), tier);
      assertTrue(after.has("thermocline_tier_collision_rate") && after.has("thermocline_tier_expected_collision_rate"));
    }
    assertEquals(1, after.samples("thermocline_hot_slots_used_ratio").size(), "one exclusive tier");
    assertEquals(20, after.sum("thermocline_hnsw_items"));
    assertEquals(2, after.sum("thermocline_hnsw_ready"), "both retrieval shards serve");
    assertTrue(after.has("thermocline_hnsw_deleted_ratio") && after.has("thermocline_hnsw_rebuilt_items"));
    // Lag: every partition of the learner, the committing pipelines' groups, all caught up.
    assertEquals(4, after.samples("thermocline_learner_lag_records").size(), "one per partition");
    assertTrue(after.samples("thermocline_consumer_lag_records").stream()
        .anyMatch(s -> s.labels().get("group").equals("metrics-scrape-interactions")));
    assertTrue(after.has("thermocline_registration_queue_depth"));
    assertTrue(after.has("thermocline_freshness_pending_items"));
    assertTrue(after.sum("thermocline_served_vector_staleness_seconds", l -> l.get("quantile").equals("1")) >= 0,
        "the learner's items were re-indexed");
    assertEquals(3, after.samples("thermocline_served_vector_staleness_seconds").size(), "p50, p99 and max");
  }

  private void poisonRecord() throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafka().bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (var producer = new KafkaProducer<byte[], byte[]>(p)) {
      producer.send(new ProducerRecord<>(TOPICS + ".interactions", "mu".getBytes(StandardCharsets.UTF_8),
          "{not json".getBytes(StandardCharsets.UTF_8))).get();
    }
  }
}
