package service;

import static org.junit.jupiter.api.Assertions.*;

import actors.RetrievalShard;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.RecipientRef;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.ConfigFactory;
import embedding.ItemHasher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import model.InteractionWeights;
import model.UserTower;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import retrieval.IndexParams;
import storage.HistoryEntry;

/**
 * Recall over real RetrievalShard actors (messages serialized as across nodes): personal recall, excludeSeen,
 * category filter, unknown-user fallback, the learned user-ID row in the query, and a merge where one shard never
 * answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecallServiceTest {

  private static final int DIM = 8;
  private static final int SHARDS = 4;
  private static final int SILENT = 3;
  private final ItemHasher placement = new ItemHasher(99);
  private final Map<String, List<HistoryEntry>> histories = new HashMap<>();
  // As the store answers: a never-learned user reads as zeros.
  private final Map<String, float[]> userRows = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<RetrievalShard.IndexedItem> catalog = new ArrayList<>();
  private ActorTestKit kit;
  private final List<ActorRef<RetrievalShard.Command>> refs = new ArrayList<>();

  @BeforeAll
  void start() {
    kit = ActorTestKit.create(ConfigFactory.parseString("""
        akka.actor.serialize-messages = on
        akka.remote.artery.canonical.port = 0
        akka.actor.serialization-bindings { "actors.CborSerializable" = jackson-cbor }
        """).withFallback(ConfigFactory.load()));
    // Two clusters of items in two categories: "a" items near e0, "b" items near e1.
    SplittableRandom rnd = new SplittableRandom(5);
    for (int i = 0; i < 200; i++) {
      boolean a = i % 2 == 0;
      float[] v = new float[DIM];
      v[a ? 0 : 1] = 1;
      for (int d = 0; d < DIM; d++) v[d] += (float) rnd.nextGaussian() * 0.05f;
      catalog.add(new RetrievalShard.IndexedItem("item" + i, v, a ? "a" : "b", "cold", 1000L * i, i % 10));
    }
    for (int s = 0; s < SHARDS; s++) {
      int shard = s;
      refs.add(s == SILENT
          ? kit.spawn(Behaviors.ignore(), "silent")
          : kit.spawn(RetrievalShard.create(s, IndexParams.defaults(DIM), (no, page) -> page.apply(
              catalog.stream().filter(it -> shardOf(it.itemId()) == shard).toList()).thenApply(v -> 0L)), "shard-" + s));
    }
  }

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  private int shardOf(String id) {
    return placement.bucket(id, SHARDS);
  }

  private RecallService service;

  /** One service for the class, so its counters add up. */
  private synchronized RecallService service() {
    if (service == null) service = newService();
    return service;
  }

  private RecallService newService() {
    return newService((user, limit) -> CompletableFuture.completedFuture(histories.getOrDefault(user, List.of())),
        false);
  }

  /** @param silentOnly every shard is the silent one (as right after a start, before any index loaded) */
  private RecallService newService(RecallService.HistorySource history, boolean silentOnly) {
    RecallService.Shards shards = new RecallService.Shards() {
      public int count() {
        return SHARDS;
      }

      public int shardOf(String itemId) {
        return RecallServiceTest.this.shardOf(itemId);
      }

      public RecipientRef<RetrievalShard.Command> ref(int shard) {
        return refs.get(silentOnly ? SILENT : shard);
      }
    };
    return new RecallService(kit.system(), new RecallService.Sources(history,
        user -> user.equals("row-store-down")
            ? CompletableFuture.failedFuture(new IllegalStateException("range not answering"))
            : CompletableFuture.completedFuture(userRows.getOrDefault(user, new float[DIM])), shards),
        new UserTower(DIM, Duration.ofDays(1)), InteractionWeights.defaults(), 50, Duration.ofMillis(300),
        Clock.systemUTC());
  }

  /** The answer, or null while no shard has loaded its index yet (recall is unavailable then). */
  private static RecallService.Result loaded(RecallService svc, RecallService.Request req) {
    try {
      return svc.recall(req).toCompletableFuture().join();
    } catch (java.util.concurrent.CompletionException e) {
      if (Failures.unwrap(e) instanceof Dependency.Unavailable) return null;
      throw e;
    }
  }

  private RecallService.Result recall(RecallService.Request req) {
    // A shard answers "not ready" until its rebuild finished: wait until only the silent one is missing.
    try {
      return testkit.Await.until(Duration.ofSeconds(10), () -> loaded(service(), req),
          r -> r != null && r.missingShards().equals(List.of(SILENT)));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void personalRecallFollowsTheHistoryAndDropsSeenItems() {
    histories.put("fan-of-a", List.of(
        new HistoryEntry("fan-of-a", "item0", "like", Instant.now()),
        new HistoryEntry("fan-of-a", "item2", "click", Instant.now()),
        new HistoryEntry("fan-of-a", "item5", "impression", Instant.now())));
    var r = recall(new RecallService.Request("fan-of-a", 20, true, List.of(), null));
    assertEquals("personal", r.strategy());
    assertTrue(r.partial(), "the silent shard is missing");
    assertEquals(List.of(SILENT), r.missingShards());
    assertEquals(20, r.items().size());
    for (var it : r.items()) {
      int n = Integer.parseInt(it.itemId().substring(4));
      assertEquals(0, n % 2, "neighbours of an 'a' history are 'a' items: " + it);
      assertNotEquals(SILENT, shardOf(it.itemId()));
      assertFalse(List.of("item0", "item2", "item5").contains(it.itemId()), "seen items are dropped");
    }
    for (int i = 1; i < r.items().size(); i++) assertTrue(r.items().get(i - 1).score() >= r.items().get(i).score());

    var withSeen = recall(new RecallService.Request("fan-of-a", 200, false, List.of(), null));
    assertTrue(withSeen.items().stream().anyMatch(it -> it.itemId().equals("item0") || it.itemId().equals("item2")),
        "excludeSeen=false keeps seen items");
  }

  @Test
  void categoryFilterAndRecentItemsForAnUnknownUser() {
    // Recent items of category "a", filter "b": only b items, still k of them.
    var r = recall(new RecallService.Request("nobody", 10, true, List.of("item0", "item4"), "b"));
    assertEquals("personal", r.strategy());
    assertEquals(10, r.items().size());
    for (var it : r.items()) assertEquals(1, Integer.parseInt(it.itemId().substring(4)) % 2, it.toString());
  }

  @Test
  void unknownUserWithNothingGetsPopularAndFreshItems() {
    var r = recall(new RecallService.Request("stranger", 10, true, List.of(), null));
    assertEquals("popular-fresh", r.strategy());
    assertEquals(10, r.items().size());
    // The freshest live item (highest createdAt among answering shards) is among them.
    String freshest = catalog.stream().filter(it -> shardOf(it.itemId()) != SILENT)
        .max(java.util.Comparator.comparingLong(RetrievalShard.IndexedItem::createdAtMillis)).orElseThrow().itemId();
    assertTrue(r.items().stream().anyMatch(it -> it.itemId().equals(freshest)), r.items().toString());
    var filtered = recall(new RecallService.Request("stranger", 5, true, List.of(), "a"));
    assertEquals(5, filtered.items().size());
    for (var it : filtered.items()) assertEquals(0, Integer.parseInt(it.itemId().substring(4)) % 2);
  }

  private static float[] axis(int d, float length) {
    float[] v = new float[DIM];
    v[d] = length;
    return v;
  }

  private static long countA(List<RecallService.Item> items) {
    return items.stream().filter(it -> Integer.parseInt(it.itemId().substring(4)) % 2 == 0).count();
  }

  @Test
  void aLearnedUserRowMovesTheQueryFromTheHistoryMean() {
    List<HistoryEntry> aHistory = List.of(new HistoryEntry("x", "item0", "like", Instant.now()),
        new HistoryEntry("x", "item2", "click", Instant.now()));
    histories.put("a-fan-untrained", aHistory);
    histories.put("a-fan-retrained", aHistory);
    // Learning pulled this user towards the "b" items (near e1), more strongly than their history pulls to "a".
    userRows.put("a-fan-retrained", axis(1, 3f));

    var untrained = recall(new RecallService.Request("a-fan-untrained", 10, true, List.of(), null));
    assertEquals(10, countA(untrained.items()), "a zero row: the history mean alone → 'a' items " + untrained.items());
    var retrained = recall(new RecallService.Request("a-fan-retrained", 10, true, List.of(), null));
    assertEquals("personal", retrained.strategy());
    assertEquals(0, countA(retrained.items()), "the row outweighs the history → 'b' items " + retrained.items());

    // u = normalise(historyMean + row), as the learner trains it: the user view shows the same vector.
    float[] u = service().user("a-fan-retrained").toCompletableFuture().join().vector();
    float[] expected = new UserTower(DIM, Duration.ofDays(1)).userVector(List.of(), 0, axis(1, 3f));
    assertTrue(u[1] > 0.9 && u[1] < expected[1], "mostly the row, a little history: " + java.util.Arrays.toString(u));
    assertTrue(u[0] > 0.1, "the history still counts: " + java.util.Arrays.toString(u));
  }

  @Test
  void aLearnedRowAloneIsAPersonalQueryAndAFailedRowReadKeepsTheHistory() {
    userRows.put("row-only", axis(0, 0.2f));
    var rowOnly = recall(new RecallService.Request("row-only", 10, true, List.of(), null));
    assertEquals("personal", rowOnly.strategy(), "no history, but a learned row");
    assertEquals(10, countA(rowOnly.items()), rowOnly.items().toString());

    histories.put("row-store-down", List.of(new HistoryEntry("x", "item1", "share", Instant.now())));
    var degraded = recall(new RecallService.Request("row-store-down", 10, true, List.of(), null));
    assertEquals("personal", degraded.strategy());
    assertEquals(0, countA(degraded.items()), "the history mean alone: 'b' items " + degraded.items());
    assertTrue(service().userRowsMissed() > 0, "a failed row read is counted");
  }

  @Test
  void aShardSkipsASearchItsAskerHasGivenUpOn() throws Exception {
    recall(new RecallService.Request("warm-up", 5, false, List.of("item0"), null)); // shards ready
    var probe = kit.<RetrievalShard.Result>createTestProbe();
    float[] query = new float[DIM];
    query[0] = 1;
    ActorRef<RetrievalShard.Command> shard = refs.get(SILENT == 0 ? 1 : 0);
    shard.tell(new RetrievalShard.Search(query, 5, 50, List.of(), null, System.currentTimeMillis() - 1, probe.getRef()));
    RetrievalShard.Result late = probe.receiveMessage();
    assertFalse(late.ready(), "past its deadline: answered at once, not searched");
    assertTrue(late.hits().isEmpty());
    shard.tell(new RetrievalShard.Search(query, 5, 50, List.of(), null, System.currentTimeMillis() + 60_000,
        probe.getRef()));
    RetrievalShard.Result inTime = probe.receiveMessage();
    assertTrue(inTime.ready());
    assertEquals(5, inTime.hits().size());
  }

  @Test
  void withTheHistoryStoreAwayRecallAnswersFromMemoryAndSaysDegraded() {
    java.util.concurrent.atomic.AtomicBoolean away = new java.util.concurrent.atomic.AtomicBoolean();
    histories.put("remembered", List.of(new HistoryEntry("remembered", "item0", "like", Instant.now()),
        new HistoryEntry("remembered", "item2", "like", Instant.now())));
    RecallService svc = newService((user, limit) -> away.get()
        ? CompletableFuture.failedFuture(new Dependency.Unavailable("cassandra", "paused", 2))
        : CompletableFuture.completedFuture(histories.getOrDefault(user, List.of())), false);
    java.util.function.Function<RecallService.Request, RecallService.Result> ask = req -> {
      try {
        return testkit.Await.until(Duration.ofSeconds(10), () -> loaded(svc, req),
            r -> r != null && r.missingShards().equals(List.of(SILENT)));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    var whole = ask.apply(new RecallService.Request("remembered", 10, true, List.of(), null));
    assertEquals(List.of(), whole.degraded());

    away.set(true);
    var fromMemory = ask.apply(new RecallService.Request("remembered", 10, true, List.of(), null));
    assertEquals(List.of("cassandra"), fromMemory.degraded());
    assertEquals("personal", fromMemory.strategy(), "the history read before, from memory");
    assertEquals(whole.items(), fromMemory.items());
    assertEquals(1, svc.historiesFromMemory());
    var recentOnly = ask.apply(new RecallService.Request("never-read", 10, true, List.of("item1"), null));
    assertEquals(List.of("cassandra"), recentOnly.degraded());
    assertEquals("personal", recentOnly.strategy(), "the request's recent items");
    for (var it : recentOnly.items()) assertEquals(1, Integer.parseInt(it.itemId().substring(4)) % 2, it.toString());
    var nothing = ask.apply(new RecallService.Request("never-read", 10, true, List.of(), null));
    assertEquals("popular-fresh", nothing.strategy());
    assertEquals(List.of("cassandra"), nothing.degraded());

    // Anything else than the store away still fails the recall.
    RecallService broken = newService((user, limit) -> CompletableFuture.failedFuture(new IllegalStateException("bug")),
        false);
    var failure = assertThrows(java.util.concurrent.CompletionException.class, () -> broken.recall(
        new RecallService.Request("remembered", 10, true, List.of(), null)).toCompletableFuture().join());
    assertInstanceOf(IllegalStateException.class, Failures.unwrap(failure));
  }

  @Test
  void noShardAnsweringIsUnavailableNotAnEmptyAnswer() {
    RecallService loading = newService((user, limit) -> CompletableFuture.completedFuture(List.of()), true);
    var failure = assertThrows(java.util.concurrent.CompletionException.class, () -> loading.recall(
        new RecallService.Request("anyone", 10, true, List.of(), null)).toCompletableFuture().join());
    var unavailable = assertInstanceOf(Dependency.Unavailable.class, Failures.unwrap(failure));
    assertTrue(unavailable.retryAfterSeconds() >= 1);
  }
}
