package actors;

import static org.junit.jupiter.api.Assertions.*;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.AskPattern;
import app.Node;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import testkit.Await;
import testkit.TestNodes;

/**
 * The training coordinator against the real Cassandra journal: one run at a time; a run its node stopped during is
 * found unfinished by the next incarnation, which has the work settle it (and persists how it ended) before
 * starting another; triggers and the schedule start runs by themselves.
 */
class TrainingCoordinatorTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private final Config config = TestNodes.config("training_coord", Map.of());

  /** A work whose runs end when the test says, and whose trigger reports what the test sets. */
  static final class ScriptedWork implements TrainingCoordinator.Work {
    final List<String> ran = new CopyOnWriteArrayList<>();
    final List<String> resumed = new CopyOnWriteArrayList<>();
    final Map<String, CompletableFuture<String[]>> ends = new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicReference<String> reason = new AtomicReference<>();

    @Override
    public CompletionStage<String[]> run(TrainingRuns.Run run) {
      ran.add(run.runId() + " " + run.trigger());
      return ends.computeIfAbsent(run.runId(), id -> new CompletableFuture<>());
    }

    @Override
    public CompletionStage<String[]> resume(TrainingRuns.Run run) {
      resumed.add(run.runId());
      return CompletableFuture.completedFuture(new String[] {"failed", "settled after a crash"});
    }

    @Override
    public CompletionStage<String> due() {
      return CompletableFuture.completedFuture(reason.get());
    }
  }

  @Test
  void anUnfinishedRunIsSettledByTheNextIncarnationAndTriggersStartRuns() throws Exception {
    String interrupted;
    TrainingCoordinator.Settings quiet = new TrainingCoordinator.Settings(Duration.ZERO, Duration.ofMillis(200),
        Duration.ZERO, 5);
    try (Node node = TestNodes.start(config)) {
      ScriptedWork work = new ScriptedWork();
      ActorRef<TrainingCoordinator.Command> coordinator =
          node.system().systemActorOf(TrainingCoordinator.create(quiet, work), "training-1", akka.actor.typed.Props.empty());
      TrainingCoordinator.Started first = start(node, coordinator, 3);
      assertFalse(first.alreadyRunning());
      assertEquals(3, first.run().epochs());
      assertEquals(List.of(first.run().runId() + " manual"), work.ran);
      TrainingCoordinator.Started second = start(node, coordinator, 1);
      assertTrue(second.alreadyRunning(), "one run at a time");
      assertEquals(first.run().runId(), second.run().runId());
      interrupted = first.run().runId();
      // The node stops with the run unfinished (its work never reported an end).
    }

    try (Node node = TestNodes.start(config)) {
      ScriptedWork work = new ScriptedWork();
      ActorRef<TrainingCoordinator.Command> coordinator =
          node.system().systemActorOf(TrainingCoordinator.create(quiet, work), "training-2", akka.actor.typed.Props.empty());
      TrainingRuns.Run settled = Await.until(TIMEOUT, () -> run(node, coordinator, interrupted),
          r -> r != null && r.endState() != null);
      assertEquals(List.of(interrupted), work.resumed, "the unfinished run is settled, not started again");
      assertEquals("failed", settled.endState());
      assertEquals("settled after a crash", settled.error());
      assertTrue(work.ran.isEmpty());

      // A trigger starts a run by itself; its end is persisted.
      work.reason.set("collision rate of tier cold 0.6 above 0.5");
      Await.until(TIMEOUT, () -> work.ran.size(), n -> n > 0);
      String triggered = work.ran.get(0);
      assertTrue(triggered.endsWith(" collision rate of tier cold 0.6 above 0.5"), triggered);
      String runId = triggered.substring(0, triggered.indexOf(' '));
      assertNotEquals(interrupted, runId);
      work.reason.set(null);
      work.ends.get(runId).complete(new String[] {"done", null});
      TrainingRuns.Run done = Await.until(TIMEOUT, () -> run(node, coordinator, runId),
          r -> r != null && r.endState() != null);
      assertEquals("done", done.endState());
      assertEquals(1, work.ran.size(), "no trigger fired since");
    }

    // The schedule: with a zero-length gap since the last start, a scheduled run starts at the next tick.
    try (Node node = TestNodes.start(config)) {
      ScriptedWork work = new ScriptedWork();
      TrainingCoordinator.Settings weekly = new TrainingCoordinator.Settings(Duration.ofMillis(1),
          Duration.ofMillis(200), Duration.ZERO, 5);
      node.system().systemActorOf(TrainingCoordinator.create(weekly, work), "training-3", akka.actor.typed.Props.empty());
      Await.until(TIMEOUT, () -> work.ran.size(), n -> n > 0);
      assertTrue(work.ran.get(0).endsWith(" schedule"), work.ran.toString());
      assertTrue(work.resumed.isEmpty(), "the runs before had ended");
    }
  }

  private static TrainingCoordinator.Started start(Node node, ActorRef<TrainingCoordinator.Command> coordinator,
      int epochs) {
    return AskPattern.<TrainingCoordinator.Command, TrainingCoordinator.Started>ask(coordinator,
            r -> new TrainingCoordinator.Start("manual", null, null, epochs, r), TIMEOUT, node.system().scheduler())
        .toCompletableFuture().join();
  }

  private static TrainingRuns.Run run(Node node, ActorRef<TrainingCoordinator.Command> coordinator, String runId) {
    return AskPattern.<TrainingCoordinator.Command, TrainingCoordinator.RunAnswer>ask(coordinator,
            r -> new TrainingCoordinator.GetRun(runId, r), TIMEOUT, node.system().scheduler())
        .toCompletableFuture().join().run();
  }
}
