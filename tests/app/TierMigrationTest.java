package app;

import static org.junit.jupiter.api.Assertions.*;
import static testkit.MigrationFixture.floats;

import actors.HotSlotAllocator;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.MigrationFixture;
import testkit.TestNodes;

/**
 * Promotion and demotion with hysteresis on the real Cassandra, through the admin API: hot 1000, medium 100, cold 0
 * impressions a day, demotion below half. Two items at the same exposure (700) sit in different tiers depending on
 * where they came from; a promoted item's hot slot starts from its hash row and it is served 0.8·old + 0.2·new.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TierMigrationTest {

  private Node node;
  private MigrationFixture fx;

  @BeforeAll
  void start() {
    node = TestNodes.start(TestNodes.config("tier_migration", Map.of(
        "thermocline.store.tiers", List.of(
            Map.of("name", "hot", "kind", "exclusive", "capacity", 64, "seed", 0, "alpha", 0.8,
                "min-daily-exposure", 1000),
            Map.of("name", "medium", "kind", "hashed", "capacity", 256, "seed", 1540483477, "alpha", 0.55,
                "min-daily-exposure", 100),
            Map.of("name", "cold", "kind", "hashed", "capacity", 1024, "seed", 461845907, "alpha", 0.3,
                "min-daily-exposure", 0)),
        "thermocline.migration.batch-size", 2,
        "thermocline.migration.expire-after", "0 s",
        "thermocline.retrieval.refresh-period", "0 s")));
    fx = new MigrationFixture(node);
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  @Test
  void promotesAndDemotesWithHysteresisAndBlendsTheServedVector() throws Exception {
    String twin = mediumBucketTwinOf("q");
    for (String id : List.of("p", "q", "r", "s", twin)) fx.register(id, "video " + id + " about cats");
    JsonNode pBefore = fx.item("p");
    JsonNode qBefore = fx.item("q");
    JsonNode twinBefore = fx.item(twin);
    assertEquals("cold", pBefore.get("tier").asText());

    // Run 0: q's twin reaches medium, alone in its bucket: the bucket takes the twin's row re-weighted for the
    // medium tier's fusion weight, so its fused vector is the one it had.
    fx.addImpressions(Map.of(twin, 150L));
    JsonNode run0 = fx.awaitRun(fx.startRun());
    assertEquals(Map.of("cold>medium", 1L), MigrationFixture.pairs(run0), run0.toString());
    JsonNode moved = fx.item(twin);
    assertEquals("medium", moved.get("tier").asText());
    assertEquals(0.55, moved.get("alpha").asDouble(), 1e-6, "the medium tier's fusion weight");
    float[] twinRow = model.Fusion.rowKeepingOutput(floats(twinBefore.get("embedding").get("hash")),
        floats(twinBefore.get("embedding").get("meta")), twinBefore.get("alpha").asDouble(), 0.55);
    assertArrayEquals(twinRow, floats(moved.get("embedding").get("hash")), 1e-3f, "the empty bucket's new row");
    assertArrayEquals(floats(twinBefore.get("embedding").get("final")), MigrationFixture.fused(moved), 2e-3f,
        "fused in the medium tier: the vector before the move");

    // Run 1: p reaches hot, q (700) and r (150) reach medium, s (99) stays just below medium.
    fx.addImpressions(Map.of("p", 1500L, "q", 700L, "r", 150L, "s", 99L));
    JsonNode run1 = fx.awaitRun(fx.startRun());
    assertEquals(Map.of("cold>hot", 1L, "cold>medium", 2L), MigrationFixture.pairs(run1), run1.toString());
    assertEquals(5, run1.get("scannedItems").asInt());
    assertEquals("promoted", run1.get("pairs").get(0).get("kind").asText());
    assertEquals(Map.of("hot", 1L, "medium", 3L, "cold", 1L), fx.occupancy());
    assertEquals("medium", fx.item("q").get("tier").asText());
    assertEquals("cold", fx.item("s").get("tier").asText());

    JsonNode p = fx.item("p");
    assertEquals("hot", p.get("tier").asText());
    assertTrue(p.has("slot"), p.toString());
    assertEquals(0.8, p.get("alpha").asDouble(), 1e-6, "the hot tier's fusion weight");
    // The hot slot starts from the item's hash row re-weighted for the hot tier's fusion weight (fp16 rows), so
    // its fused vector is the one it had: a promotion does not turn the vector.
    float[] keptRow = model.Fusion.rowKeepingOutput(floats(pBefore.get("embedding").get("hash")),
        floats(pBefore.get("embedding").get("meta")), pBefore.get("alpha").asDouble(), 0.8);
    assertArrayEquals(keptRow, floats(p.get("embedding").get("hash")), 1e-3f, "the hot slot's first row");
    float[] pOld = floats(pBefore.get("embedding").get("final"));
    assertArrayEquals(pOld, MigrationFixture.fused(p), 2e-3f, "fused in the hot tier: the vector before the move");
    assertArrayEquals(pOld, floats(p.get("move").get("anchor")), 1e-6f, "the anchor is the final vector before");

    // q joined its twin's medium bucket, whose row it shares: its fused vector changes, and the blend covers the
    // jump. The twin's row stays as it was.
    // Served: 0.8 of its final vector before the move plus 0.2 of its new one (the weight has fallen by a few
    // seconds' worth of the 24 h window).
    JsonNode q = fx.item("q");
    JsonNode move = q.get("move");
    double w = move.get("anchorWeight").asDouble();
    assertTrue(w > 0.7999 && w <= 0.8, "weight at the start of the move: " + w);
    float[] old = floats(qBefore.get("embedding").get("final"));
    float[] fresh = MigrationFixture.fused(q);
    assertArrayEquals(old, floats(move.get("anchor")), 1e-6f, "the anchor is the item's final vector before the move");
    assertArrayEquals(fresh, floats(move.get("fused")), 1e-5f);
    float[] served = floats(q.get("embedding").get("final"));
    for (int i = 0; i < served.length; i++) assertEquals(0.8 * old[i] + 0.2 * fresh[i], served[i], 2e-4, "element " + i);
    assertNotEquals(fresh[0], served[0], "not the new vector yet");
    assertArrayEquals(floats(moved.get("embedding").get("hash")), floats(q.get("embedding").get("hash")), 1e-6f,
        "q serves the row its twin brought");

    // Run 2: p falls to 700 and r to 60: above half their thresholds, so both stay; q at 700 stays medium.
    fx.addImpressions(Map.of("p", -800L, "r", -90L));
    JsonNode run2 = fx.awaitRun(fx.startRun());
    assertEquals(Map.of(), MigrationFixture.pairs(run2), run2.toString());
    assertEquals("hot", fx.item("p").get("tier").asText());
    assertEquals("medium", fx.item("q").get("tier").asText(), "the same exposure as p, a different tier");

    // Run 3: p falls to 400 (< 500) and r to 30 (< 50): both demoted, p to medium (it still meets 100).
    fx.addImpressions(Map.of("p", -300L, "r", -30L));
    JsonNode run3 = fx.awaitRun(fx.startRun());
    assertEquals(Map.of("hot>medium", 1L, "medium>cold", 1L), MigrationFixture.pairs(run3), run3.toString());
    for (JsonNode pair : run3.get("pairs")) assertEquals("demoted", pair.get("kind").asText());
    assertEquals("medium", fx.item("p").get("tier").asText());
    assertEquals("cold", fx.item("r").get("tier").asText());
    assertEquals(Map.of("hot", 0L, "medium", 3L, "cold", 2L), fx.occupancy());
    HotSlotAllocator.Allocation slot = ClusterSharding.get(node.system())
        .entityRefFor(HotSlotAllocator.TYPE_KEY, "0")
        .<HotSlotAllocator.Allocation>ask(r -> new HotSlotAllocator.Lookup("p", r), Duration.ofSeconds(10))
        .toCompletableFuture().join();
    assertEquals(HotSlotAllocator.Status.NOT_FOUND, slot.status(), "demotion frees the hot slot");

    // All runs, per pair, on /admin/tiers.
    JsonNode migrations = fx.admin("GET", "/admin/tiers", 200).get("migrations");
    assertEquals(Map.of("cold>hot", 1L, "cold>medium", 3L, "hot>medium", 1L, "medium>cold", 1L),
        MigrationFixture.pairs(migrations), migrations.toString());
    assertEquals(run3.get("runId").asText(), migrations.get("last").get("runId").asText());
    fx.admin("GET", "/admin/migrations/m-99", 404);
  }

  /** An item id that lands in {@code itemId}'s medium bucket (the medium tier above: 256 buckets, its seed). */
  private static String mediumBucketTwinOf(String itemId) {
    embedding.ItemHasher medium = new embedding.ItemHasher(1540483477);
    int bucket = medium.bucket(itemId, 256);
    for (int i = 0; ; i++) {
      if (medium.bucket("twin-" + i, 256) == bucket) return "twin-" + i;
    }
  }
}
