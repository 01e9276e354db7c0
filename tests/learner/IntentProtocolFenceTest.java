package learner;

import static org.junit.jupiter.api.Assertions.*;

import com.datastax.oss.driver.api.core.CqlSession;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import storage.ItemStore;
import storage.LearnerState;
import testkit.Await;
import testkit.TestServers;

/**
 * Two learners that both believe they hold a partition (a rebalance that did not wait for a batch in flight, a
 * stale stream) against the real Cassandra: whatever the interleaving, the batches whose deltas reach the ranges
 * tile the offsets (no record in two batches), and a learner whose write is refused sends nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntentProtocolFenceTest {

  private static final String KEYSPACE = "learner_fence";
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

  /** The ranges as the learners see them: every delivery recorded by operation id; some held until released. */
  private static final class Ranges implements DeltaDelivery {
    final List<String> delivered = new CopyOnWriteArrayList<>();
    final Map<String, CompletableFuture<Void>> held = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Void> send(int partition, LearnerIntent intent, int count) {
      String op = intent.opId("t", partition);
      delivered.add(op);
      CompletableFuture<Void> hold = held.get(op);
      return hold != null ? hold : CompletableFuture.completedFuture(null);
    }

    /** The distinct operations delivered (a range drops one it has applied), in order. */
    List<String> distinct() {
      return delivered.stream().distinct().toList();
    }
  }

  private static final PartitionMemory MEMORY = new PartitionMemory(new LearnerSettings(true, "learner", 0.1f, 100, 512,
      Duration.ofSeconds(1), 32, 0, 100, 2, 64, 0, false, false,
      new LearnerSettings.History(5, 100, 100, Duration.ofHours(1))));

  private static LearnerIntent batch(long first, long last) {
    return new LearnerIntent(first, last, List.of(new LearnerIntent.Delta("params-0", new int[] {0}, new float[32])));
  }

  private static boolean commit(IntentProtocol learner, long from, LearnerIntent intent) {
    return commitLater(learner, from, intent).toCompletableFuture().join();
  }

  private static CompletionStage<Boolean> commitLater(IntentProtocol learner, long from, LearnerIntent intent) {
    PartitionMemory.Batch memory = MEMORY.forBatch(MEMORY.lane(0), 0);
    return learner.commit(0, from, intent, memory, new BatchTimings().start());
  }

  private static long settle(IntentProtocol learner) {
    return learner.settle(0).toCompletableFuture().join().next();
  }

  private LearnerState.Position row(String group) {
    return state.latest(group, 0).toCompletableFuture().join();
  }

  /** Until the group's partition has an intent pending (the serial read sees it once written). */
  private void awaitIntent(String group) throws Exception {
    var p = Await.until(Duration.ofSeconds(30), () -> row(group), r -> r.intent() != null);
    assertNotNull(p.intent(), "intent written");
  }

  @Test
  void aSuccessorThatReadBeforeTheHoldersIntentIsRefusedAndLearnsOnlyWhatIsLeft() {
    Ranges ranges = new Ranges();
    IntentProtocol holder = new IntentProtocol(state, "read-before-intent", ranges);
    IntentProtocol successor = new IntentProtocol(state, "read-before-intent", ranges);
    assertEquals(0, settle(holder), "a partition never learned starts at 0");
    // The successor reads where the partition stands while the holder's batch is still being computed.
    assertEquals(0, settle(successor));
    assertTrue(commit(holder, 0, batch(0, 9)));
    assertFalse(commit(successor, 0, batch(0, 14)), "the same records under other boundaries are refused");
    assertEquals(List.of("learn:t:0:0-9"), ranges.distinct(), "a refused batch sends nothing");

    assertEquals(10, settle(successor), "the successor re-reads where the partition stands");
    assertTrue(commit(successor, 10, batch(10, 14)));
    assertFalse(commit(holder, 10, batch(10, 19)), "the former holder's next batch is refused in turn");
    assertEquals(List.of("learn:t:0:0-9", "learn:t:0:10-14"), ranges.distinct());
    assertEquals(15, row("read-before-intent").nextOffset());
  }

  @Test
  void aBatchInFlightWhenTheSuccessorReadsIsFinishedByItAndTheHoldersLateAdvanceChangesNothing() throws Exception {
    Ranges ranges = new Ranges();
    IntentProtocol holder = new IntentProtocol(state, "in-flight", ranges);
    IntentProtocol successor = new IntentProtocol(state, "in-flight", ranges);
    settle(holder);
    // The holder's deltas are slow to persist: its intent is written, its offset not advanced yet.
    CompletableFuture<Void> slow = new CompletableFuture<>();
    ranges.held.put("learn:t:0:0-9", slow);
    CompletionStage<Boolean> holderBatch = commitLater(holder, 0, batch(0, 9));
    awaitIntent("in-flight");

    ranges.held.remove("learn:t:0:0-9"); // the successor's re-send goes through
    assertEquals(10, settle(successor), "the successor finishes the pending batch and resumes after it");
    CompletableFuture<Void> successorSlow = new CompletableFuture<>();
    ranges.held.put("learn:t:0:10-19", successorSlow);
    CompletionStage<Boolean> successorBatch = commitLater(successor, 10, batch(10, 19));
    awaitIntent("in-flight");

    // The holder's deltas persist now and it advances late: refused, so the successor's pending intent stays.
    slow.complete(null);
    assertTrue(holderBatch.toCompletableFuture().join(), "the holder's batch was applied (once)");
    LearnerState.Position p = row("in-flight");
    assertEquals(10, p.nextOffset());
    assertEquals(10, LearnerIntent.fromBytes(p.intent()).firstOffset(), "the successor's intent is still there");

    successorSlow.complete(null);
    assertTrue(successorBatch.toCompletableFuture().join());
    assertEquals(List.of("learn:t:0:0-9", "learn:t:0:10-19"), ranges.distinct());
    assertEquals(20, row("in-flight").nextOffset());
    assertNull(row("in-flight").intent());
  }

  @Test
  void recordsWithNothingToLearnAreNotPassedOverABatchPendingThere() throws Exception {
    Ranges ranges = new Ranges();
    IntentProtocol holder = new IntentProtocol(state, "pass", ranges);
    IntentProtocol other = new IntentProtocol(state, "pass", ranges);
    settle(holder);
    CompletableFuture<Void> slow = new CompletableFuture<>();
    ranges.held.put("learn:t:0:0-9", slow);
    CompletionStage<Boolean> pending = commitLater(holder, 0, batch(0, 9));
    awaitIntent("pass");
    assertFalse(other.pass(0, 0, 4).toCompletableFuture().join(), "a pass over a pending intent is refused");
    slow.complete(null);
    assertTrue(pending.toCompletableFuture().join());
    assertFalse(other.pass(0, 0, 4).toCompletableFuture().join(), "and so is one from where the partition was");
    assertTrue(other.pass(0, 10, 12).toCompletableFuture().join());
    assertEquals(13, row("pass").nextOffset());
  }

  @Test
  void aRowWithoutAnOffsetIsTakenAsStandingAtZero() {
    // A row an older learner created with its first intent, before any offset was written.
    session.execute("INSERT INTO " + KEYSPACE + ".learner_state (grp, part, estimator) VALUES ('old', 0, 0x00)");
    Ranges ranges = new Ranges();
    IntentProtocol learner = new IntentProtocol(state, "old", ranges);
    assertEquals(0, settle(learner));
    assertTrue(commit(learner, 0, batch(0, 3)));
    assertEquals(4, row("old").nextOffset());
  }
}
