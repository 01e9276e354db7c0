package storage;

import static org.junit.jupiter.api.Assertions.*;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.TestServers;

/** Packing writes into replica batches, with the real driver's token metadata. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaBatchesTest {

  private CqlSession session;
  private PreparedStatement daily;

  @BeforeAll
  void open() {
    session = TestServers.cassandra().newSession();
    ItemStore.open(session, "replica_batches", 1, true);
    daily = session.prepare("UPDATE replica_batches.item_daily_counts SET impressions = impressions + ? "
        + "WHERE item_id = ? AND day = ?");
  }

  @AfterAll
  void close() {
    if (session != null) session.close();
  }

  @Test
  void everyStatementOnceInBoundedBatchesWithPairsKeptTogether() {
    List<BoundStatement> statements = new ArrayList<>();
    java.time.LocalDate day = java.time.LocalDate.of(2026, 11, 23);
    for (int i = 0; i < 251; i++) {
      // Pairs that must not be split: an item's counters of two days.
      statements.add(daily.bind(1L, "v" + i, day));
      statements.add(daily.bind(1L, "v" + i, day.plusDays(1)));
    }
    List<BatchStatement> batches = ReplicaBatches.of(session, CqlIdentifier.fromCql("replica_batches"), statements, 2,
        BatchType.COUNTER, 99);
    List<BatchableStatement<?>> seen = new ArrayList<>();
    for (BatchStatement b : batches) {
      assertEquals(BatchType.COUNTER, b.getBatchType());
      assertTrue(b.size() <= 98 && b.size() % 2 == 0, "batch of " + b.size() + ": at most 99 rounded down to pairs");
      assertNotNull(b.getRoutingKey(), "routed to the replicas of its partitions");
      BatchableStatement<?> previous = null;
      for (BatchableStatement<?> s : b) {
        if (previous != null && seen.size() % 2 == 1) {
          assertEquals(((BoundStatement) previous).getRoutingKey(), ((BoundStatement) s).getRoutingKey(),
              "an item's two counters in one batch");
        }
        seen.add(s);
        previous = s;
      }
    }
    assertEquals(statements.size(), seen.size());
    assertTrue(seen.containsAll(statements));
    assertEquals(6, batches.size(), "one node owns everything: ceil(502 / 98) batches");
    assertThrows(IllegalArgumentException.class, () -> ReplicaBatches.of(session,
        CqlIdentifier.fromCql("replica_batches"), statements.subList(0, 3), 2, BatchType.COUNTER, 99));
  }
}
