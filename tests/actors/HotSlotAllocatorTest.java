package actors;

import static org.junit.jupiter.api.Assertions.*;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import app.Node;
import com.typesafe.config.Config;
import embedding.RowBlock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import testkit.TestNodes;

/** Exclusive hot slots on the real Cassandra: one item per slot, and a reused slot starts fresh. */
class HotSlotAllocatorTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int SLOTS = 4;

  private final Config config = TestNodes.config("hot_slots", Map.of("thermocline.store.tiers", List.of(
      Map.of("name", "hot", "kind", "exclusive", "capacity", SLOTS, "seed", 0, "alpha", 0.8,
          "min-daily-exposure", 100),
      Map.of("name", "cold", "kind", "hashed", "capacity", 1024, "seed", 7, "alpha", 0.3,
          "min-daily-exposure", 0))));

  @Test
  void allocatesExclusivelyResetsReusedSlotsAndSurvivesRestart() {
    int reused;
    try (Node node = TestNodes.start(config)) {
      Set<Integer> slots = new HashSet<>();
      for (int i = 0; i < SLOTS; i++) {
        HotSlotAllocator.Allocation a = allocate(node, "v" + i);
        assertEquals(HotSlotAllocator.Status.ALLOCATED, a.status());
        assertTrue(slots.add(a.slot()), "slot handed out twice: " + a);
      }
      assertEquals(allocate(node, "v1").slot(), allocate(node, "v1").slot(), "allocation is idempotent per item");
      assertEquals(HotSlotAllocator.Status.FULL, allocate(node, "v9").status());
      assertEquals(SLOTS, summary(node).items(), "each slot counts its one owner");

      // v0 learns something in its slot, then is demoted.
      int slot = allocate(node, "v0").slot();
      float[] learned = new float[32];
      java.util.Arrays.fill(learned, 0.75f);
      BucketRange.Ack w = range(node).<BucketRange.Ack>ask(
          r -> new BucketRange.ApplyDeltas("learn-v0", new int[] {slot}, learned, r), TIMEOUT)
          .toCompletableFuture().join();
      assertEquals(BucketRange.Outcome.APPLIED, w.outcome());
      assertEquals(HotSlotAllocator.Status.RELEASED, release(node, "v0").status());
      assertEquals(HotSlotAllocator.Status.NOT_FOUND, lookup(node, "v0").status());
      assertEquals(SLOTS - 1, summary(node).items());

      // The freed slot goes to a new item, with no trace of v0: the seeded initial row and a fresh optimizer.
      HotSlotAllocator.Allocation v9 = allocate(node, "v9");
      assertEquals(HotSlotAllocator.Status.ALLOCATED, v9.status());
      assertEquals(slot, v9.slot());
      reused = v9.slot();
      RowBlock fresh = node.settings().store().emptyBlock("hot", 0);
      short[] expected = new short[32];
      fresh.readRaw(reused, expected, 0);
      assertArrayEquals(expected, row(node, reused));
      assertEquals(SLOTS, summary(node).items());
    }

    try (Node node = TestNodes.start(config)) {
      HotSlotAllocator.Allocation v9 = lookup(node, "v9");
      assertEquals(HotSlotAllocator.Status.ALLOCATED, v9.status());
      assertEquals(reused, v9.slot());
      assertEquals(HotSlotAllocator.Status.NOT_FOUND, lookup(node, "v0").status());
      assertEquals(HotSlotAllocator.Status.FULL, allocate(node, "v10").status());
    }
  }

  private static akka.cluster.sharding.typed.javadsl.EntityRef<HotSlotAllocator.Command> allocator(Node node) {
    return ClusterSharding.get(node.system()).entityRefFor(HotSlotAllocator.TYPE_KEY, "0");
  }

  private static akka.cluster.sharding.typed.javadsl.EntityRef<BucketRange.Command> range(Node node) {
    return ClusterSharding.get(node.system()).entityRefFor(BucketRange.TYPE_KEY, "hot-0");
  }

  private static HotSlotAllocator.Allocation allocate(Node node, String item) {
    return allocator(node).<HotSlotAllocator.Allocation>ask(r -> new HotSlotAllocator.Allocate(item, r), TIMEOUT)
        .toCompletableFuture().join();
  }

  private static HotSlotAllocator.Allocation release(Node node, String item) {
    return allocator(node).<HotSlotAllocator.Allocation>ask(r -> new HotSlotAllocator.Release(item, r), TIMEOUT)
        .toCompletableFuture().join();
  }

  private static HotSlotAllocator.Allocation lookup(Node node, String item) {
    return allocator(node).<HotSlotAllocator.Allocation>ask(r -> new HotSlotAllocator.Lookup(item, r), TIMEOUT)
        .toCompletableFuture().join();
  }

  private static BucketRange.Summary summary(Node node) {
    return node.admin().rangeSummary("hot-0").toCompletableFuture().join();
  }

  private static short[] row(Node node, int slot) {
    return range(node).<BucketRange.RowsRead>ask(r -> new BucketRange.ReadRows(new int[] {slot}, r), TIMEOUT)
        .toCompletableFuture().join().values();
  }
}
