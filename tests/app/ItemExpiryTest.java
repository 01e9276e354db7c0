package app;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.Await;
import testkit.MigrationFixture;
import testkit.TestNodes;
import testkit.TestServers;

/**
 * Expiry and return with the real Kafka and Cassandra: items with no exposure for expire-after (2 s here) leave their
 * bucket's occupancy and recall, keeping their metadata; one comes back when it is shown again (an impression through
 * the interactions topic), another when it is posted again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItemExpiryTest {

  private static final String TOPICS = "expiry";
  private Node node;
  private MigrationFixture fx;

  @BeforeAll
  void start() {
    node = TestNodes.start(TestNodes.config("item_expiry", Map.ofEntries(
        Map.entry("thermocline.kafka.enabled", true),
        Map.entry("thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers()),
        Map.entry("thermocline.kafka.topics.items", TOPICS + ".items"),
        Map.entry("thermocline.kafka.topics.interactions", TOPICS + ".interactions"),
        Map.entry("thermocline.kafka.topics.dlq", TOPICS + ".dlq"),
        Map.entry("thermocline.kafka.consumer.group-prefix", "expiry"),
        Map.entry("thermocline.kafka.consumer.exposure-window.max-age", "500 ms"),
        Map.entry("thermocline.learner.enabled", false),
        Map.entry("thermocline.migration.expire-after", "2 s"))));
    fx = new MigrationFixture(node);
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  @Test
  void quietItemsExpireAndComeBackWhenShownOrPostedAgain() throws Exception {
    for (String id : List.of("shown", "quiet-1", "quiet-2")) fx.register(id, "video " + id);
    Instant registered = Instant.now(); // after the last registration answered: every item is older than this
    impression("shown"); // exposure today: not quiet
    Await.until(Duration.ofSeconds(30), () -> fx.item("shown").get("exposures").get("today").asLong(), n -> n >= 1);
    Await.until(Duration.ofSeconds(10), Instant::now, now -> now.isAfter(registered.plusSeconds(3)));
    assertEquals(Map.of("hot", 0L, "medium", 0L, "cold", 3L), fx.occupancy());

    JsonNode run = fx.awaitRun(fx.startRun());
    assertEquals(Map.of("cold>expired", 2L), MigrationFixture.pairs(run), run.toString());
    assertEquals("expired", run.get("pairs").get(0).get("kind").asText());
    assertEquals(Map.of("hot", 0L, "medium", 0L, "cold", 1L), fx.occupancy(), "out of their buckets' occupancy");
    JsonNode quiet = fx.item("quiet-1");
    assertTrue(quiet.path("expired").asBoolean(), quiet.toString());
    assertEquals("video quiet-1", quiet.get("metadata").get("title").asText(), "the metadata stays");
    List<String> recalled = recalled();
    assertTrue(recalled.contains("shown") && !recalled.contains("quiet-1") && !recalled.contains("quiet-2"),
        "out of recall: " + recalled);

    // Shown again: the impression's exposure brings it back.
    impression("quiet-1");
    JsonNode back = Await.until(Duration.ofSeconds(30), () -> fx.item("quiet-1"), i -> !i.has("expired"));
    assertFalse(back.has("expired"), back.toString());
    assertEquals(2L, Await.until(Duration.ofSeconds(10), () -> fx.occupancy().get("cold"), n -> n == 2));
    assertTrue(Await.until(Duration.ofSeconds(10), this::recalled, r -> r.contains("quiet-1")).contains("quiet-1"));

    // Posted again: registration counts it again and re-indexes it (200: it was known).
    fx.api("POST", "/v1/items", "{\"itemId\": \"quiet-2\", \"title\": \"video quiet-2\"}", 200);
    assertFalse(fx.item("quiet-2").has("expired"));
    assertEquals(Map.of("hot", 0L, "medium", 0L, "cold", 3L), fx.occupancy());
    // (Popular and fresh rankings are cached for a second.)
    assertTrue(Await.until(Duration.ofSeconds(10), this::recalled, r -> r.contains("quiet-2")).contains("quiet-2"));

    // Both are live items again: a second run leaves the shown one alone (it has exposure today).
    // A second run: the two items shown today stay; quiet-2, whose re-posting is its only sign of life, may expire
    // again if that was over 2 s ago.
    JsonNode again = fx.awaitRun(fx.startRun());
    assertTrue(MigrationFixture.pairs(again).getOrDefault("cold>expired", 0L) <= 1, again.toString());
    assertFalse(fx.item("shown").has("expired"));
    assertFalse(fx.item("quiet-1").has("expired"));
  }

  private void impression(String itemId) throws Exception {
    fx.api("POST", "/v1/interactions", "{\"events\": [{\"userId\": \"u1\", \"itemId\": \"" + itemId
        + "\", \"type\": \"impression\", \"ts\": " + System.currentTimeMillis() + "}]}", 202);
  }

  /** Popular and fresh items for a user the node knows nothing about: every indexed item, with k this large. */
  private List<String> recalled() throws Exception {
    JsonNode r = fx.api("POST", "/v1/recall", "{\"userId\": \"nobody\", \"k\": 100, \"excludeSeen\": false}", 200);
    List<String> ids = new ArrayList<>();
    for (JsonNode i : r.get("items")) ids.add(i.get("itemId").asText());
    return ids;
  }
}
