package actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Tier migration (docs/design.md §2), a cluster singleton with its run persisted. A run first scans the items part
 * by part and plans their moves (promotion, demotion, expiry; {@link Work#plan}), then carries the plan out in
 * bounded batches ({@link Work#execute}), one batch at a time while recall and learning go on. Each scanned part
 * and each finished batch is an event, so a coordinator that crashes or loses its node resumes where it was: it
 * re-runs at most the batch in flight, whose items the work recognises as already moved by this run.
 *
 * <p>Runs start on {@link Start} ({@code POST /admin/migrations}) and on a schedule ({@code interval} after the last
 * one started); one run at a time.
 */
public final class MigrationCoordinator
    extends EventSourcedBehavior<MigrationCoordinator.Command, MigrationCoordinator.Event, MigrationRuns> {

  private static final Duration RETRY_AFTER = Duration.ofSeconds(2);
  private static final Duration LONGEST_TICK = Duration.ofMinutes(1);

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  /** Starts a run unless one is in progress; answers with the run that is now in progress. */
  public record Start(String trigger, ActorRef<RunView> replyTo) implements Command {}

  /** Answers with the run, or a null run when the id is unknown. */
  public record GetRun(String runId, ActorRef<RunAnswer> replyTo) implements Command {}

  public record GetOverview(ActorRef<Overview> replyTo) implements Command {}

  enum Tick implements Command { INSTANCE }

  enum Continue implements Command { INSTANCE }

  enum Resume implements Command { INSTANCE }

  enum InjectedStop implements Command { INSTANCE }

  /** Every part is scanned: persist the plan's order. */
  record CompletePlan(String runId) implements Command {}

  /** Every move is done. */
  record Finish(String runId) implements Command {}

  /** A part scanned; {@code incarnation} tells answers to an earlier incarnation of this actor apart. */
  record PartPlanned(long incarnation, String runId, int part, PartPlan plan, String error) implements Command {}

  record BatchMoved(long incarnation, String runId, int from, List<Outcome> outcomes, String error)
      implements Command {}

  /** One planned move of one item: a promotion or demotion to {@code to}, or an expiry ({@code to} = entry tier). */
  public record Move(String itemId, String from, String to, Kind kind, long exposure) implements CborSerializable {
    /** In execution order: expiries and demotions free rows and hot slots before promotions take them. */
    public enum Kind { EXPIRE, DEMOTE, PROMOTE }
  }

  public record PartPlan(long scanned, List<Move> moves) implements CborSerializable {}

  /** What became of a move: done, or skipped because the hot tier was full or the item changed since the plan. */
  public enum Outcome { MOVED, EXPIRED, SKIPPED_FULL, SKIPPED_STALE }

  /**
   * A run as the API reports it. {@code moved}: items per tier pair ("from>to", see {@link MigrationRuns#pairKey});
   * {@code done} of {@code planned} moves carried out; {@code resumes}: times a crashed coordinator picked it up.
   */
  public record RunView(String runId, String trigger, String status, long startedAt, long finishedAt, long scanned,
      int planned, int done, int resumes, Map<String, Long> moved, long skippedFull, long skippedStale)
      implements CborSerializable {
    public static final String PLANNING = "planning";
    public static final String MOVING = "moving";
    public static final String DONE = "done";

    RunView with(String status, long scanned, int planned, int done, int resumes, Map<String, Long> moved,
        long skippedFull, long skippedStale) {
      return new RunView(runId, trigger, status, startedAt, finishedAt, scanned, planned, done, resumes,
          Map.copyOf(moved), skippedFull, skippedStale);
    }
  }

  public record RunAnswer(RunView run) implements CborSerializable {}

  /** Moves of all runs per tier pair, the run in progress (or null) and the recent finished runs. */
  public record Overview(Map<String, Long> totals, RunView active, List<RunView> recent) implements CborSerializable {}

  /** What a run does to the items; implemented by the service layer. */
  public interface Work {
    /** Parts of the item list a run scans, one {@link #plan} each. */
    int parts();

    CompletionStage<PartPlan> plan(String runId, int part);

    /** Carries out the moves; each outcome in the order of {@code moves}. Safe to repeat for the same run. */
    CompletionStage<List<Outcome>> execute(String runId, List<Move> moves);
  }

  /**
   * @param interval between scheduled runs (from one's start to the next)
   * @param batchSize moves carried out at once
   * @param maxMovesPerRun a run plans at most this many (the rest wait for the next run)
   * @param keepRuns finished runs remembered for {@code GET /admin/migrations/{runId}}
   * @param stopAfterBatches tests only: after this many batches, do half of the next and stop as if killed (0 = never)
   */
  public record Settings(Duration interval, int batchSize, int maxMovesPerRun, int keepRuns, int stopAfterBatches) {
    public Settings {
      if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("migration.interval must be > 0");
      if (batchSize < 1) throw new IllegalArgumentException("migration.batch-size must be >= 1");
      if (maxMovesPerRun < 1) throw new IllegalArgumentException("migration.max-moves-per-run must be >= 1");
      if (keepRuns < 1) throw new IllegalArgumentException("migration.keep-runs must be >= 1");
    }
  }

  // ---- events ----

  public sealed interface Event extends CborSerializable {}

  public record RunStarted(String runId, String trigger, long atMillis, int parts) implements Event {}

  public record PartScanned(String runId, int part, long scanned, List<Move> moves) implements Event {}

  public record PlanCompleted(String runId) implements Event {}

  public record BatchCompleted(String runId, int from, List<Outcome> outcomes) implements Event {}

  public record RunResumed(String runId, long atMillis) implements Event {}

  public record RunFinished(String runId, long atMillis) implements Event {}

  // ---- behavior ----

  /** Starts the singleton (on the oldest node) and returns its proxy. */
  public static ActorRef<Command> init(ActorSystem<?> system, Settings settings, Work work) {
    Behavior<Command> behavior = Behaviors.<Command>supervise(create(settings, work))
        .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
    return ClusterSingleton.get(system).init(SingletonActor.of(behavior, "migration-coordinator"));
  }

  public static Behavior<Command> create(Settings settings, Work work) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new MigrationCoordinator(ctx, timers, settings, work)));
  }

  private final ActorContext<Command> ctx;
  private final Settings settings;
  private final Work work;
  private final long incarnation = System.nanoTime();
  private final long incarnationStart = System.currentTimeMillis();
  /** A part or batch is in flight (not persisted: after a crash nothing is). */
  private boolean busy;
  private int batchesThisIncarnation;

  private MigrationCoordinator(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings,
      Work work) {
    super(PersistenceId.ofUniqueId("MigrationCoordinator"));
    this.ctx = ctx;
    this.settings = settings;
    this.work = work;
    Duration tick = settings.interval().compareTo(LONGEST_TICK) < 0 ? settings.interval() : LONGEST_TICK;
    timers.startTimerWithFixedDelay(Tick.INSTANCE, tick);
  }

  @Override
  public MigrationRuns emptyState() {
    return MigrationRuns.empty();
  }

  @Override
  public CommandHandler<Command, Event, MigrationRuns> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Start.class, (s, cmd) -> start(s, cmd.trigger(), cmd.replyTo()))
        .onCommand(GetRun.class, (s, cmd) -> Effect().reply(cmd.replyTo(), new RunAnswer(s.run(cmd.runId()))))
        .onCommand(GetOverview.class, (s, cmd) -> Effect().reply(cmd.replyTo(),
            new Overview(s.totals(), s.active() == null ? null : s.active().view(), s.recent())))
        .onCommand(Tick.class, (s, cmd) -> onTick(s))
        .onCommand(Resume.class, (s, cmd) -> s.active() == null ? Effect().none()
            : Effect().persist(new RunResumed(s.active().view().runId(), System.currentTimeMillis()))
                .thenRun(this::next))
        .onCommand(Continue.class, (s, cmd) -> {
          next(s);
          return Effect().none();
        })
        .onCommand(PartPlanned.class, this::onPartPlanned)
        .onCommand(BatchMoved.class, this::onBatchMoved)
        .onCommand(CompletePlan.class, this::onCompletePlan)
        .onCommand(Finish.class, this::onFinish)
        .onCommand(InjectedStop.class, (s, cmd) -> {
          ctx.getLog().warn("migration coordinator stops mid-batch (stop-after-batches, tests only)");
          return Effect().stop();
        })
        .build();
  }

  private Effect<Event, MigrationRuns> start(MigrationRuns s, String trigger, ActorRef<RunView> replyTo) {
    if (s.active() != null) return Effect().reply(replyTo, s.active().view());
    RunStarted started = new RunStarted(s.nextRunId(), trigger, System.currentTimeMillis(), work.parts());
    ctx.getLog().info("migration run {} starts ({})", started.runId(), trigger);
    return Effect().persist(started).thenRun(after -> {
      replyTo.tell(after.active().view());
      next(after);
    });
  }

  private Effect<Event, MigrationRuns> onTick(MigrationRuns s) {
    long from = s.lastStartedAt() > 0 ? s.lastStartedAt() : incarnationStart;
    boolean due = s.active() == null && System.currentTimeMillis() - from >= settings.interval().toMillis();
    return due ? start(s, "schedule", ctx.getSystem().ignoreRef()) : Effect().none();
  }

  /** Starts the next step of the run in progress, unless one is in flight. */
  private void next(MigrationRuns s) {
    MigrationRuns.Active a = s.active();
    if (busy || a == null) return;
    String runId = a.view().runId();
    if (!a.planned() && a.nextPart() < a.parts()) {
      busy = true;
      int part = a.nextPart();
      ctx.pipeToSelf(safely(() -> work.plan(runId, part)), (plan, failure) ->
          new PartPlanned(incarnation, runId, part, plan, failure == null ? null : failure.toString()));
    } else if (!a.planned()) {
      ctx.getSelf().tell(new CompletePlan(runId));
    } else if (a.nextMove() < a.plan().size()) {
      busy = true;
      int from = a.nextMove();
      List<Move> batch = List.copyOf(a.plan().subList(from, Math.min(a.plan().size(), from + settings.batchSize())));
      if (settings.stopAfterBatches() > 0 && batchesThisIncarnation == settings.stopAfterBatches()) {
        List<Move> half = batch.subList(0, Math.max(1, batch.size() / 2));
        ctx.pipeToSelf(safely(() -> work.execute(runId, half)), (ok, failure) -> InjectedStop.INSTANCE);
        return;
      }
      ctx.pipeToSelf(safely(() -> work.execute(runId, batch)), (outcomes, failure) ->
          new BatchMoved(incarnation, runId, from, outcomes, failure == null ? null : failure.toString()));
    } else {
      ctx.getSelf().tell(new Finish(runId));
    }
  }

  private Effect<Event, MigrationRuns> onPartPlanned(MigrationRuns s, PartPlanned answer) {
    if (answer.incarnation() != incarnation) return Effect().none(); // an earlier incarnation's: superseded
    busy = false;
    MigrationRuns.Active a = s.active();
    if (a == null || !a.view().runId().equals(answer.runId()) || a.planned() || a.nextPart() != answer.part()) {
      return Effect().none();
    }
    if (answer.error() != null) return retry(answer.runId(), "scanning part " + answer.part(), answer.error());
    List<Move> moves = answer.plan().moves();
    int room = Math.max(0, settings.maxMovesPerRun() - a.plan().size());
    if (moves.size() > room) moves = List.copyOf(moves.subList(0, room)); // the rest wait for the next run
    return Effect().persist(new PartScanned(answer.runId(), answer.part(), answer.plan().scanned(), moves))
        .thenRun(this::next);
  }

  private Effect<Event, MigrationRuns> onBatchMoved(MigrationRuns s, BatchMoved answer) {
    if (answer.incarnation() != incarnation) return Effect().none();
    busy = false;
    MigrationRuns.Active a = s.active();
    if (a == null || !a.view().runId().equals(answer.runId()) || !a.planned() || a.nextMove() != answer.from()) {
      return Effect().none();
    }
    if (answer.error() != null) return retry(answer.runId(), "moving items from #" + answer.from(), answer.error());
    batchesThisIncarnation++;
    return Effect().persist(new BatchCompleted(answer.runId(), answer.from(), answer.outcomes())).thenRun(this::next);
  }

  /** A failed step is tried again (the store may be briefly unavailable); the run keeps its place. */
  private Effect<Event, MigrationRuns> retry(String runId, String step, String error) {
    ctx.getLog().warn("migration run {}: {} failed, retrying in {}: {}", runId, step, RETRY_AFTER, error);
    ctx.scheduleOnce(RETRY_AFTER, ctx.getSelf(), Continue.INSTANCE);
    return Effect().none();
  }

  private Effect<Event, MigrationRuns> onCompletePlan(MigrationRuns s, CompletePlan cmd) {
    MigrationRuns.Active a = s.active();
    if (a == null || !a.view().runId().equals(cmd.runId()) || a.planned() || a.nextPart() < a.parts()) {
      return Effect().none();
    }
    return Effect().persist(new PlanCompleted(cmd.runId())).thenRun(after -> {
      ctx.getLog().info("migration run {}: {} items scanned, {} moves planned", cmd.runId(),
          after.active().view().scanned(), after.active().view().planned());
      next(after);
    });
  }

  private Effect<Event, MigrationRuns> onFinish(MigrationRuns s, Finish cmd) {
    MigrationRuns.Active a = s.active();
    if (a == null || !a.view().runId().equals(cmd.runId()) || !a.planned() || a.nextMove() < a.plan().size()) {
      return Effect().none();
    }
    return Effect().persist(new RunFinished(cmd.runId(), System.currentTimeMillis())).thenRun(after -> {
      RunView done = after.run(cmd.runId());
      ctx.getLog().info("migration run {} done: moved {}, skipped {} (hot tier full) and {} (changed meanwhile)",
          cmd.runId(), done.moved(), done.skippedFull(), done.skippedStale());
    });
  }

  private static <T> CompletionStage<T> safely(java.util.function.Supplier<CompletionStage<T>> step) {
    try {
      return step.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public EventHandler<MigrationRuns, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(RunStarted.class, (s, e) -> s.started(e.runId(), e.trigger(), e.atMillis(), e.parts()))
        .onEvent(PartScanned.class, (s, e) -> s.partScanned(e.part(), e.scanned(), e.moves()))
        .onEvent(PlanCompleted.class, (s, e) -> s.planCompleted())
        .onEvent(BatchCompleted.class, (s, e) -> s.batchCompleted(e.from(), e.outcomes()))
        .onEvent(RunResumed.class, (s, e) -> s.resumed())
        .onEvent(RunFinished.class, (s, e) -> s.finished(e.atMillis(), settings.keepRuns()))
        .build();
  }

  /** A run found in progress after recovery was interrupted: it resumes where its events say it was. */
  @Override
  public SignalHandler<MigrationRuns> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), s -> {
          if (s.active() == null) return;
          ctx.getLog().info("migration run {} resumes: {} of {} parts scanned, {} of {} moves done",
              s.active().view().runId(), s.active().nextPart(), s.active().parts(), s.active().nextMove(),
              s.active().plan().size());
          ctx.getSelf().tell(Resume.INSTANCE);
        })
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // A run is a few hundred events (a part scanned, a batch done); snapshots keep recovery short.
    return RetentionCriteria.snapshotEvery(100, 2).withDeleteEventsOnSnapshot();
  }
}
