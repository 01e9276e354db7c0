package actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import retrieval.IndexParams;

/**
 * The refresh sweep: items the learner never names (their served vector moved with a shared row) reach the index
 * within a pass; a deleted item is not brought back by a slice that loaded it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetrievalShardSweepTest {

  private static final int DIM = 8;
  private ActorTestKit kit;

  @BeforeAll
  void start() {
    kit = ActorTestKit.create(ConfigFactory.parseString("""
        akka.actor.serialize-messages = on
        akka.remote.artery.canonical.port = 0
        akka.actor.serialization-bindings { "actors.CborSerializable" = jackson-cbor }
        """).withFallback(ConfigFactory.load()));
  }

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  private static float[] unit(int axis) {
    float[] v = new float[DIM];
    v[axis % DIM] = 1;
    v[(axis + 1) % DIM] = 0.5f;
    float n = (float) Math.sqrt(1.25);
    for (int d = 0; d < DIM; d++) v[d] /= n;
    return v;
  }

  /** The store as the sweep sees it: each item's vector as served now, changeable by the test. */
  private static final class Store implements RetrievalShard.ItemSource {
    final Map<String, float[]> served = new ConcurrentHashMap<>();

    RetrievalShard.IndexedItem item(String id) {
      return new RetrievalShard.IndexedItem(id, served.get(id), "c", "cold", 0, 0);
    }

    @Override
    public CompletionStage<Long> forEachItem(int shard,
        Function<List<RetrievalShard.IndexedItem>, CompletionStage<Void>> page) {
      List<RetrievalShard.IndexedItem> all = new ArrayList<>();
      for (String id : served.keySet()) all.add(item(id));
      return page.apply(all).thenApply(v -> (long) all.size());
    }

    @Override
    public CompletionStage<List<RetrievalShard.IndexedItem>> current(int shard, List<String> itemIds) {
      List<RetrievalShard.IndexedItem> out = new ArrayList<>();
      for (String id : itemIds) out.add(item(id)); // also the deleted one: the store has not caught up
      return CompletableFuture.completedFuture(out);
    }
  }

  private static RetrievalShard.Summary summary(ActorRef<RetrievalShard.Command> shard, TestProbe<RetrievalShard.Summary> p) {
    shard.tell(new RetrievalShard.GetSummary(p.getRef()));
    return p.receiveMessage();
  }

  @Test
  void itemsMovedByASharedRowAreReindexedWithinAPassAndDeletedOnesStayDeleted() {
    Store store = new Store();
    for (int i = 0; i < 40; i++) store.served.put("item" + i, unit(i));
    ActorRef<RetrievalShard.Command> shard = kit.spawn(RetrievalShard.create(0, IndexParams.defaults(DIM), store, null,
        new RetrievalShard.Sweep(Duration.ofMillis(400), Duration.ofMillis(50))));
    TestProbe<RetrievalShard.Summary> summaries = kit.createTestProbe();
    summaries.awaitAssert(Duration.ofSeconds(20), () -> {
      RetrievalShard.Summary s = summary(shard, summaries);
      assertTrue(s.ready());
      assertEquals(40, s.items());
      return null;
    });
    TestProbe<RetrievalShard.Done> done = kit.createTestProbe();
    shard.tell(new RetrievalShard.Delete("item0", done.getRef()));
    done.receiveMessage();
    // A shared row moved: every item's served vector changed, and nobody tells the shard.
    for (int i = 0; i < 40; i++) store.served.put("item" + i, unit(i + 3));
    long passesBefore = summary(shard, summaries).refreshPasses();
    summaries.awaitAssert(Duration.ofSeconds(20), () -> {
      assertTrue(summary(shard, summaries).refreshPasses() >= passesBefore + 2);
      return null;
    });
    TestProbe<RetrievalShard.VectorsFound> found = kit.createTestProbe();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) ids.add("item" + i);
    shard.tell(new RetrievalShard.GetVectors(ids, found.getRef()));
    RetrievalShard.VectorsFound vectors = found.receiveMessage();
    assertEquals(39, vectors.itemIds().size(), "the deleted item stays deleted");
    for (int i = 0; i < vectors.itemIds().size(); i++) {
      int n = Integer.parseInt(vectors.itemIds().get(i).substring(4));
      assertArrayEquals(unit(n + 3), vectors.vectors().get(i), 1e-6f, vectors.itemIds().get(i));
    }
  }
}
