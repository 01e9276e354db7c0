package app;

import static org.junit.jupiter.api.Assertions.*;
import static testkit.MigrationFixture.floats;

import actors.HotSlotAllocator;
import actors.RetrievalShard;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import testkit.Await;
import testkit.MigrationFixture;
import testkit.TestNodes;

/**
 * A coordinator killed mid-run: the first node's coordinator stops halfway through its third batch (as if the node
 * died) and the node is closed; a second node on the same store resumes the run, and every item is moved exactly once
 * (the occupancy counts and hot slots are exact). Its short blend window then shows the new vector after the window.
 */
class MigrationResumeTest {

  private static final int HOT = 6;
  private static final int MEDIUM = 14;

  private static com.typesafe.config.Config config(int stopAfterBatches) {
    return TestNodes.config("migration_resume", Map.of(
        "thermocline.store.tiers", List.of(
            Map.of("name", "hot", "kind", "exclusive", "capacity", 64, "seed", 0, "alpha", 0.8,
                "min-daily-exposure", 1000),
            Map.of("name", "medium", "kind", "hashed", "capacity", 256, "seed", 1540483477, "alpha", 0.55,
                "min-daily-exposure", 100),
            Map.of("name", "cold", "kind", "hashed", "capacity", 1024, "seed", 461845907, "alpha", 0.3,
                "min-daily-exposure", 0)),
        "thermocline.migration.batch-size", 4,
        "thermocline.migration.stop-after-batches", stopAfterBatches,
        "thermocline.migration.expire-after", "0 s",
        "thermocline.migration.blend.window", "2 s",
        "thermocline.retrieval.refresh-period", "1 s",
        "thermocline.retrieval.refresh-tick", "200 ms"));
  }

  private static String id(int i) {
    return "item-" + i;
  }

  @Test
  void aRunKilledMidBatchResumesOnAnotherNodeAndMovesEveryItemOnce() throws Exception {
    String runId;
    try (Node first = TestNodes.start(config(2))) {
      MigrationFixture fx = new MigrationFixture(first);
      Map<String, Long> impressions = new HashMap<>();
      for (int i = 0; i < HOT + MEDIUM; i++) {
        fx.register(id(i), "video number " + i);
        impressions.put(id(i), i < HOT ? 2000L + i : 200L + i);
      }
      fx.addImpressions(impressions);
      runId = fx.startRun();
      // Two batches of 4 and half the third: 10 items moved, then the coordinator stops.
      int moved = Await.until(Duration.ofSeconds(60), () -> movedItems(fx), n -> n >= 10);
      assertEquals(10, moved, "two batches and half of the third");
    }

    try (Node second = TestNodes.start(config(0))) {
      MigrationFixture fx = new MigrationFixture(second);
      JsonNode run = fx.awaitRun(runId);
      assertEquals(1, run.get("resumes").asInt(), run.toString());
      assertEquals(HOT + MEDIUM, run.get("doneMoves").asInt());
      assertEquals(Map.of("cold>hot", (long) HOT, "cold>medium", (long) MEDIUM), MigrationFixture.pairs(run),
          "each item counted once in the run");
      // Exactly once in the store too: a repeated claim would count an item twice, a lost one not at all.
      assertEquals(Map.of("hot", (long) HOT, "medium", (long) MEDIUM, "cold", 0L), fx.occupancy());
      Set<Integer> slots = new HashSet<>();
      for (int i = 0; i < HOT; i++) {
        String itemId = id(i);
        JsonNode item = fx.item(itemId);
        assertEquals("hot", item.get("tier").asText());
        HotSlotAllocator.Allocation a = ClusterSharding.get(second.system())
            .entityRefFor(HotSlotAllocator.TYPE_KEY, "0")
            .<HotSlotAllocator.Allocation>ask(r -> new HotSlotAllocator.Lookup(itemId, r), Duration.ofSeconds(10))
            .toCompletableFuture().join();
        assertEquals(item.get("slot").asInt(), a.slot(), "the record and the allocator agree");
        assertTrue(slots.add(a.slot()), "one slot per item");
      }
      for (int i = HOT; i < HOT + MEDIUM; i++) assertEquals("medium", fx.item(id(i)).get("tier").asText());

      // After the (2 s) window the item is served its new vector, in the API and, through the sweep, in the index.
      String probe = id(0);
      JsonNode settled = Await.until(Duration.ofSeconds(30), () -> fx.item(probe), item -> !item.has("move"));
      assertFalse(settled.has("move"), settled.toString());
      float[] fresh = MigrationFixture.fused(settled);
      assertArrayEquals(fresh, floats(settled.get("embedding").get("final")), 1e-5f);
      float[] indexed = Await.until(Duration.ofSeconds(30), () -> indexed(second, probe),
          v -> v != null && maxDiff(v, fresh) < 1e-3);
      assertTrue(indexed != null && maxDiff(indexed, fresh) < 1e-3, "the index serves the new vector");
    }
  }

  private static int movedItems(MigrationFixture fx) throws Exception {
    int n = 0;
    for (int i = 0; i < HOT + MEDIUM; i++) if (!fx.item(id(i)).get("tier").asText().equals("cold")) n++;
    return n;
  }

  private static float[] indexed(Node node, String itemId) {
    RetrievalShard.VectorsFound found = ClusterSharding.get(node.system())
        .entityRefFor(RetrievalShard.TYPE_KEY, Integer.toString(node.items().shardOf(itemId)))
        .<RetrievalShard.VectorsFound>ask(r -> new RetrievalShard.GetVectors(List.of(itemId), r), Duration.ofSeconds(10))
        .toCompletableFuture().join();
    return found.vectors().isEmpty() ? null : found.vectors().get(0);
  }

  private static double maxDiff(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    return d;
  }
}
