package storage;

import static org.junit.jupiter.api.Assertions.*;

import com.datastax.oss.driver.api.core.CqlSession;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.Await;
import testkit.TestServers;

/** The record cache behind findRecent, on the real Cassandra: writes through the store are seen at once. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItemStoreRecordCacheTest {

  private static final String KEYSPACE = "item_record_cache";
  private CqlSession session;
  private ItemStore store;

  @BeforeAll
  void open() {
    session = TestServers.cassandra().newSession();
    store = ItemStore.open(session, KEYSPACE, 1, true, new ItemStore.RecordCache(1000, Duration.ofSeconds(5)));
  }

  @AfterAll
  void close() {
    if (session != null) session.close();
  }

  private static ItemRecord.ItemMetadata titled(String title) {
    return new ItemRecord.ItemMetadata(title, List.of("t"), "pets", "up-1", Instant.parse("2026-11-01T00:00:00Z"),
        null);
  }

  private String title(String itemId) {
    ItemRecord r = store.findRecent(List.of(itemId)).toCompletableFuture().join().get(itemId);
    return r == null ? null : r.metadata().title();
  }

  @Test
  void writesThroughTheStoreAreSeenAtOnceAndUnknownItemsAreLeftOut() {
    Instant now = Instant.parse("2026-11-23T12:00:00Z");
    assertEquals(Map.of(), store.findRecent(List.of("a")).toCompletableFuture().join());
    store.register("a", titled("first"), "cold", 7, -1, now, null).toCompletableFuture().join();
    assertEquals("first", title("a")); // the miss above was not cached
    store.register("a", titled("second"), "cold", 7, -1, now, null).toCompletableFuture().join();
    assertEquals("second", title("a"));
    store.markCounted("a").toCompletableFuture().join();
    assertTrue(store.findRecent(List.of("a")).toCompletableFuture().join().get("a").counted());
    store.delete("a").toCompletableFuture().join();
    assertNull(title("a"));
  }

  @Test
  void aChangeMadeElsewhereIsSeenWithinTheTtl() throws Exception {
    Instant now = Instant.parse("2026-11-23T12:00:00Z");
    store.register("b", titled("old"), "cold", 9, -1, now, null).toCompletableFuture().join();
    assertEquals("old", title("b"));
    // Another node's write: bypasses this store, so only the ttl ends the cached copy.
    session.execute("UPDATE " + KEYSPACE + ".items SET title = 'new' WHERE item_id = 'b'");
    assertEquals("old", title("b"), "served from the cache");
    assertEquals("new", Await.until(Duration.ofSeconds(20), () -> title("b"), "new"::equals));
  }
}
