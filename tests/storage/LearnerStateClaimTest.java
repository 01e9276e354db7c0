package storage;

import static org.junit.jupiter.api.Assertions.*;

import com.datastax.oss.driver.api.core.CqlSession;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.TestServers;

/** A partition's writes belong to its last claim: an earlier holder can neither write its intent nor advance. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LearnerStateClaimTest {

  private static final String KEYSPACE = "learner_claims";
  private CqlSession session;
  private LearnerState state;

  @BeforeAll
  void open() {
    session = TestServers.cassandra().newSession();
    ItemStore.open(session, KEYSPACE, 1, true);
    state = new LearnerState(session, KEYSPACE);
  }

  @AfterAll
  void close() {
    if (session != null) session.close();
  }

  @Test
  void anEarlierHolderCannotWriteAfterALaterClaim() {
    state.claim("g", 0, "first").toCompletableFuture().join();
    state.intend("g", 0, "first", new byte[] {1}, null, null).toCompletableFuture().join();
    state.advance("g", 0, "first", 10).toCompletableFuture().join();

    state.claim("g", 0, "second").toCompletableFuture().join();
    var late = assertThrows(CompletionException.class,
        () -> state.intend("g", 0, "first", new byte[] {2}, null, null).toCompletableFuture().join());
    assertInstanceOf(LearnerState.NotOwner.class, late.getCause());
    assertThrows(CompletionException.class, () -> state.advance("g", 0, "first", 99).toCompletableFuture().join());

    LearnerState.Position p = state.read("g", 0).toCompletableFuture().join().orElseThrow();
    assertEquals(10, p.nextOffset(), "the earlier holder's late advance did not land");
    assertNull(p.intent());
    state.advance("g", 0, "second", 12).toCompletableFuture().join();
    assertEquals(12, state.read("g", 0).toCompletableFuture().join().orElseThrow().nextOffset());
  }

  @Test
  void aRowWrittenBeforeOwnersExistedCanBeClaimed() {
    // A store from before the owner column: a row with an offset and no owner.
    session.execute("INSERT INTO " + KEYSPACE + ".learner_state (grp, part, next_offset) VALUES ('old', 3, 42)");
    state.claim("old", 3, "new-holder").toCompletableFuture().join();
    assertEquals(42, state.read("old", 3).toCompletableFuture().join().orElseThrow().nextOffset());
    state.advance("old", 3, "new-holder", 50).toCompletableFuture().join();
    assertEquals(50, state.read("old", 3).toCompletableFuture().join().orElseThrow().nextOffset());
  }
}
