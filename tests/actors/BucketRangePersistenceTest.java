package actors;

import static org.junit.jupiter.api.Assertions.*;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import app.Node;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import testkit.DeltaStream;
import testkit.TestNodes;

/** BucketRange against the real Cassandra: what was acknowledged survives a restart bit for bit. */
class BucketRangePersistenceTest {

  private static final String ENTITY = "cold-0";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  // Snapshot every 5 events: recovery goes through a snapshot and the events after it.
  private final Config config = TestNodes.config("range_persist", Map.of("thermocline.store.snapshot-every", 5));

  @Test
  void rowsAreBitIdenticalAfterRestartAndRepeatedBatchesChangeNothing() {
    int batches = 23;
    short[] before;
    BucketRange.Summary summaryBefore;
    try (Node node = TestNodes.start(config)) {
      int dim = node.settings().store().layout().dim();
      for (int b = 0; b < batches; b++) {
        int batch = b;
        BucketRange.Ack ack = ask(node, r -> DeltaStream.command(batch, dim, r));
        assertEquals(BucketRange.Outcome.APPLIED, ack.outcome(), ack.toString());
      }
      before = rows(node);
      // The same batch again (a retry, or a replay after a crash) is recognised and changes nothing.
      BucketRange.Ack again = ask(node, r -> DeltaStream.command(3, dim, r));
      assertEquals(BucketRange.Outcome.DUPLICATE, again.outcome());
      assertArrayEquals(before, rows(node));
      summaryBefore = summary(node);
      assertEquals(batches, summaryBefore.opsApplied());
    }

    try (Node node = TestNodes.start(config)) {
      assertArrayEquals(before, rows(node), "rows after restart");
      // The recovered range is readable on its node without a message, and reads the same rows.
      embedding.SharedRows local = LocalRanges.get(node.system()).find(ENTITY);
      assertNotNull(local, "a recovered range registers its rows for same-node readers");
      int[] touched = new int[DeltaStream.TOUCHED_ROWS];
      for (int i = 0; i < touched.length; i++) touched[i] = i;
      assertArrayEquals(before, local.read(touched), "same-node read after restart");
      BucketRange.Summary after = summary(node);
      assertEquals(summaryBefore.opsApplied(), after.opsApplied());
      assertEquals(summaryBefore.rowsUpdated(), after.rowsUpdated());
      // The dedupe window survives the restart too.
      int dim = node.settings().store().layout().dim();
      assertEquals(BucketRange.Outcome.DUPLICATE, ask(node, r -> DeltaStream.command(batches - 1, dim, r)).outcome());
      // And what was persisted is exactly the stream replayed outside the actor.
      short[] expected = DeltaStream.rawRows(
          DeltaStream.replay(node.settings().store(), ENTITY, batches), DeltaStream.TOUCHED_ROWS);
      assertArrayEquals(expected, rows(node));
    }
  }

  @Test
  void batchedOccupantsAreCountedOnceAcrossRetriesAndRestarts() {
    Config occupants = TestNodes.config("range_occupants");
    try (Node node = TestNodes.start(occupants)) {
      assertEquals(BucketRange.Outcome.APPLIED, ask(node, r -> new BucketRange.AddOccupant("a", 1, false, null, r)).outcome());
      // "a" was counted alone before; "c" repeats within the batch: only b and c are new.
      BucketRange.Ack batch = ask(node, r -> new BucketRange.AddOccupants(
          java.util.List.of("a", "b", "c", "c"), new int[] {1, 2, 2, 2}, r));
      assertEquals(BucketRange.Outcome.APPLIED, batch.outcome(), batch.toString());
      assertEquals(2, batch.rows());
      assertEquals(BucketRange.Outcome.DUPLICATE,
          ask(node, r -> new BucketRange.AddOccupants(java.util.List.of("b"), new int[] {2}, r)).outcome());
      BucketRange.Ack mismatched = ask(node, r -> new BucketRange.AddOccupants(
          java.util.List.of("d", "e"), new int[] {3}, r));
      assertEquals(BucketRange.Outcome.REJECTED, mismatched.outcome());
      assertTrue(mismatched.error().contains("2 opIds for 1 rows"), mismatched.error());
      assertOccupancy(summary(node));
    }
    try (Node node = TestNodes.start(occupants)) {
      assertOccupancy(summary(node));
      assertEquals(BucketRange.Outcome.DUPLICATE,
          ask(node, r -> new BucketRange.AddOccupants(java.util.List.of("c"), new int[] {2}, r)).outcome());
    }
  }

  @Test
  void anItemAloneInABucketBringsItsRowAndAnItemJoiningOthersLeavesTheirs() {
    try (Node node = TestNodes.start(TestNodes.config("range_adopt"))) {
      int dim = node.settings().store().layout().dim();
      float[] mine = new float[dim];
      float[] other = new float[dim];
      for (int i = 0; i < dim; i++) {
        mine[i] = 0.25f * (i % 5) - 0.5f;
        other[i] = 1f - 0.125f * (i % 7);
      }
      assertEquals(BucketRange.Outcome.APPLIED, ask(node, r -> new BucketRange.AddOccupant("a", 5, false, mine, r))
          .outcome());
      assertArrayEquals(mine, row(node, 5), 1e-3f, "an empty bucket takes the newcomer's row");
      // A second occupant shares the row as it is; its own row is not written over the first's.
      assertEquals(BucketRange.Outcome.APPLIED, ask(node, r -> new BucketRange.AddOccupant("b", 5, false, other, r))
          .outcome());
      assertArrayEquals(mine, row(node, 5), 1e-3f, "a shared bucket keeps its row");
      BucketRange.Ack bad = ask(node, r -> new BucketRange.AddOccupant("c", 6, false, new float[3], r));
      assertEquals(BucketRange.Outcome.REJECTED, bad.outcome());
      assertTrue(bad.error().contains("rowIfAlone"), bad.error());
      assertEquals(2, summary(node).items());
    }
  }

  @Test
  void aNewVersionsRangeSeededFromItsParentHoldsItsRowsOccupancyAndDedupeWindow() {
    try (Node node = TestNodes.start(TestNodes.config("range_seed"))) {
      int dim = node.settings().store().layout().dim();
      for (int b = 0; b < 3; b++) {
        int batch = b;
        assertEquals(BucketRange.Outcome.APPLIED, ask(node, r -> DeltaStream.command(batch, dim, r)).outcome());
      }
      assertEquals(BucketRange.Outcome.APPLIED, ask(node, r -> new BucketRange.AddOccupants(
          java.util.List.of("a", "b", "c"), new int[] {1, 2, 2}, r)).outcome());
      String child = embedding.StoreLayout.entityId("cold", 0, 7);
      BucketRange.Ack seeded = ClusterSharding.get(node.system()).entityRefFor(BucketRange.TYPE_KEY, child)
          .<BucketRange.Ack>ask(r -> new BucketRange.Seed(ENTITY, true, r), TIMEOUT).toCompletableFuture().join();
      assertEquals(BucketRange.Outcome.APPLIED, seeded.outcome(), seeded.toString());
      BucketRange.Summary copy = node.admin().rangeSummary(child).toCompletableFuture().join();
      assertOccupancy(copy);
      assertEquals(summary(node).opsApplied(), copy.opsApplied(), copy.toString());
      assertEquals(summary(node).rememberedOps(), copy.rememberedOps(), copy.toString());
      BucketRange.RowsRead rows = ClusterSharding.get(node.system()).entityRefFor(BucketRange.TYPE_KEY, child)
          .<BucketRange.RowsRead>ask(r -> new BucketRange.ReadRows(new int[] {0, 1, 2, 3}, r), TIMEOUT)
          .toCompletableFuture().join();
      assertArrayEquals(java.util.Arrays.copyOf(rows(node), 4 * dim), rows.values(), "the parent's rows");

      // Without the rows (full retraining from fresh rows): the occupancy is the parent's, the rows a new table's.
      String fresh = embedding.StoreLayout.entityId("cold", 0, 8);
      var range = ClusterSharding.get(node.system()).entityRefFor(BucketRange.TYPE_KEY, fresh);
      assertEquals(BucketRange.Outcome.APPLIED, range.<BucketRange.Ack>ask(r -> new BucketRange.Seed(ENTITY, false, r),
          TIMEOUT).toCompletableFuture().join().outcome());
      assertOccupancy(node.admin().rangeSummary(fresh).toCompletableFuture().join());
      short[] newTable = new embedding.SharedRows(node.settings().store().emptyBlock("cold", 0))
          .read(new int[] {0, 1, 2, 3});
      assertArrayEquals(newTable, range.<BucketRange.RowsRead>ask(r -> new BucketRange.ReadRows(new int[] {0, 1, 2, 3},
          r), TIMEOUT).toCompletableFuture().join().values(), "a new table's rows");
      assertFalse(java.util.Arrays.equals(newTable, rows.values()), "the parent's rows had moved from a new table's");
    }
  }

  private static float[] row(Node node, int row) {
    BucketRange.RowsRead read = ClusterSharding.get(node.system()).entityRefFor(BucketRange.TYPE_KEY, ENTITY)
        .<BucketRange.RowsRead>ask(r -> new BucketRange.ReadRows(new int[] {row}, r), TIMEOUT).toCompletableFuture()
        .join();
    assertNull(read.error());
    return read.row(0);
  }

  private static void assertOccupancy(BucketRange.Summary s) {
    assertEquals(3, s.items(), s.toString());
    assertEquals(2, s.occupiedBuckets(), s.toString());
    assertEquals(2, s.itemsInSharedBuckets(), s.toString());
  }

  @Test
  void badBatchesAreRejectedWithoutChangingAnything() {
    try (Node node = TestNodes.start(TestNodes.config("range_reject"))) {
      short[] before = rows(node);
      BucketRange.Ack outside = ask(node, r -> new BucketRange.ApplyDeltas("x1", new int[] {1 << 20},
          new float[32], r));
      assertEquals(BucketRange.Outcome.REJECTED, outside.outcome());
      assertTrue(outside.error().contains("outside"), outside.error());
      float[] nan = new float[32];
      nan[5] = Float.NaN;
      BucketRange.Ack notFinite = ask(node, r -> new BucketRange.ApplyDeltas("x2", new int[] {1}, nan, r));
      assertEquals(BucketRange.Outcome.REJECTED, notFinite.outcome());
      assertTrue(notFinite.error().contains("gradients[5]"), notFinite.error());
      assertArrayEquals(before, rows(node));
      assertEquals(0, summary(node).opsApplied());
    }
  }

  private static BucketRange.Ack ask(Node node,
      akka.japi.function.Function<akka.actor.typed.ActorRef<BucketRange.Ack>, BucketRange.Command> message) {
    return ClusterSharding.get(node.system()).entityRefFor(BucketRange.TYPE_KEY, ENTITY)
        .ask(message, TIMEOUT).toCompletableFuture().join();
  }

  static short[] rows(Node node) {
    int[] rows = new int[DeltaStream.TOUCHED_ROWS];
    for (int i = 0; i < rows.length; i++) rows[i] = i;
    BucketRange.RowsRead read = ClusterSharding.get(node.system()).entityRefFor(BucketRange.TYPE_KEY, ENTITY)
        .<BucketRange.RowsRead>ask(r -> new BucketRange.ReadRows(rows, r), TIMEOUT).toCompletableFuture().join();
    assertNull(read.error());
    return read.values();
  }

  private static BucketRange.Summary summary(Node node) {
    return node.admin().rangeSummary(ENTITY).toCompletableFuture().join();
  }
}
