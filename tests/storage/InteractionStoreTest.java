package storage;

import static org.junit.jupiter.api.Assertions.*;

import com.datastax.oss.driver.api.core.CqlSession;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.TestServers;

/** User histories and exposure counters on the real Cassandra. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InteractionStoreTest {

  private CqlSession session;
  private InteractionStore store;

  @BeforeAll
  void open() {
    session = TestServers.cassandra().newSession();
    ItemStore.open(session, "interaction_store", 1, true);
    store = new InteractionStore(session, "interaction_store");
  }

  @AfterAll
  void close() {
    if (session != null) session.close();
  }

  @Test
  void historyKeepsTheNewest200NewestFirstAndRepeatsAreOneRow() {
    List<HistoryEntry> entries = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      entries.add(new HistoryEntry("heavy", "item" + i, i % 2 == 0 ? "click" : "impression",
          Instant.ofEpochMilli(1_795_000_000_000L + i * 1000L)));
    }
    store.appendHistory(entries.subList(0, 120)).toCompletableFuture().join();
    store.appendHistory(entries.subList(120, 250)).toCompletableFuture().join();
    store.appendHistory(entries.subList(240, 250)).toCompletableFuture().join(); // a replayed batch
    List<HistoryEntry> history = store.history("heavy", 500).toCompletableFuture().join();
    assertEquals(InteractionStore.HISTORY_LIMIT, history.size());
    assertEquals("item249", history.get(0).itemId());
    assertEquals("item50", history.get(199).itemId());
    // The trim really deleted the older rows (not just a read limit).
    long stored = session.execute("SELECT count(*) FROM interaction_store.user_history WHERE user_id = 'heavy'")
        .one().getLong(0);
    assertEquals(200, stored);
    // What the trim cut from the history is still seen: recall's excludeSeen reads it.
    java.util.Set<String> seen = store.seen("heavy").toCompletableFuture().join();
    assertEquals(250, seen.size());
    assertTrue(seen.contains("item0") && seen.contains("item249"), "the oldest and the newest");
  }

  @Test
  void singleAppendsTrimNowAndThenAndReadsStillStopAtTheLimit() {
    int appends = 600;
    for (int i = 0; i < appends; i++) {
      store.appendHistory(List.of(new HistoryEntry("steady", "item" + i, "click",
          Instant.ofEpochMilli(1_795_000_000_000L + i * 1000L)))).toCompletableFuture().join();
    }
    List<HistoryEntry> history = store.history("steady", 500).toCompletableFuture().join();
    assertEquals(InteractionStore.HISTORY_LIMIT, history.size());
    assertEquals("item" + (appends - 1), history.get(0).itemId());
    long stored = session.execute("SELECT count(*) FROM interaction_store.user_history WHERE user_id = 'steady'")
        .one().getLong(0);
    // Trimmed (600 appended), but not on every append: the partition holds the limit plus some slack.
    assertTrue(stored >= InteractionStore.HISTORY_LIMIT && stored < appends, "stored " + stored);
  }

  @Test
  void aSingleAppendIsTrimmedWithProbabilityOneInTrimEvery() {
    int due = 0;
    int users = 20_000;
    Instant at = Instant.parse("2026-11-23T12:00:00Z");
    for (int u = 0; u < users; u++) {
      if (InteractionStore.trimDue("u" + u, List.of(new HistoryEntry("u" + u, "i", "click", at)))) due++;
    }
    double expected = (double) users / InteractionStore.TRIM_EVERY;
    assertEquals(expected, due, 4 * Math.sqrt(expected), "trims drawn");
    List<HistoryEntry> many = new ArrayList<>();
    for (int i = 0; i < InteractionStore.TRIM_EVERY; i++) many.add(new HistoryEntry("x", "i" + i, "click", at));
    assertTrue(InteractionStore.trimDue("x", many), "a batch of TRIM_EVERY entries always trims");
  }

  @Test
  void exposuresCountPerDayAndInTotal() {
    Instant day1 = Instant.parse("2026-11-22T12:00:00Z");
    Instant day2 = Instant.parse("2026-11-23T12:00:00Z");
    store.addCounts(Map.of("v", new InteractionStore.CountDelta(3, 1)), day1).toCompletableFuture().join();
    store.addCounts(Map.of("v", new InteractionStore.CountDelta(2, 0)), day2).toCompletableFuture().join();
    InteractionStore.Exposures e = store.exposures("v", day2).toCompletableFuture().join();
    assertEquals(2, e.today());
    assertEquals(5, e.total());
    assertEquals(new InteractionStore.Exposures(0, 0), store.exposures("never-seen", day2).toCompletableFuture().join());
  }

  @Test
  void aLargeBatchOfManyUsersAndItemsLandsWhole() {
    // More rows than one replica batch holds, several rows per user, an item counted many times.
    Instant at = Instant.parse("2026-11-23T08:00:00Z");
    List<HistoryEntry> entries = new ArrayList<>();
    Map<String, InteractionStore.CountDelta> counts = new java.util.HashMap<>();
    for (int i = 0; i < 1_000; i++) {
      entries.add(new HistoryEntry("many-u" + (i % 300), "many-i" + (i % 250), "click", at.plusMillis(i)));
      counts.merge("many-i" + (i % 250), new InteractionStore.CountDelta(1, i % 2), InteractionStore.CountDelta::plus);
    }
    store.appendHistory(entries).toCompletableFuture().join();
    store.addCounts(counts, at).toCompletableFuture().join();
    for (int u : new int[] {0, 7, 299}) {
      List<HistoryEntry> h = store.history("many-u" + u, 500).toCompletableFuture().join();
      assertEquals(u < 100 ? 4 : 3, h.size(), "rows of many-u" + u);
      assertEquals(at.plusMillis(u + 300L * (h.size() - 1)), h.get(0).ts(), "newest first");
    }
    long rows = 0;
    for (int u = 0; u < 300; u++) {
      rows += session.execute("SELECT count(*) FROM interaction_store.user_history WHERE user_id = ?", "many-u" + u)
          .one().getLong(0);
    }
    assertEquals(1_000, rows);
    for (int item : new int[] {0, 3, 249}) {
      assertEquals(new InteractionStore.Exposures(4, 4), store.exposures("many-i" + item, at).toCompletableFuture().join());
    }
  }
}
