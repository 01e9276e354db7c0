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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Full retraining as a cluster singleton with its runs persisted (the pattern of {@link MigrationCoordinator}): one
 * run at a time in the cluster, started on {@link Start} ({@code POST /admin/training/full}), on a schedule
 * ({@code training.schedule} after the last run started) and on triggers the {@link Work} reports (a hashed tier's
 * collision rate above its threshold, the online loss rising). A run is carried out by the work on the
 * singleton's node. Its start and end are events: after a crash the coordinator finds the run it had started
 * unfinished and asks the work to {@link Work#resume} it, which waits for it if it still runs on this node, and
 * otherwise settles it cleanly: done if its version was published (the registry's pointer is the commit point of a
 * publish), else failed, its shadow version freed. A run is never half-published.
 */
public final class TrainingCoordinator
    extends EventSourcedBehavior<TrainingCoordinator.Command, TrainingCoordinator.Event, TrainingRuns> {

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  /** Starts a run unless one is in progress; answers with the run in progress and whether it was already. */
  public record Start(String trigger, Long fromMillis, Long toMillis, Integer epochs, ActorRef<Started> replyTo)
      implements Command {}

  public record Started(TrainingRuns.Run run, boolean alreadyRunning) implements CborSerializable {}

  public record GetRun(String runId, ActorRef<RunAnswer> replyTo) implements Command {}

  public record RunAnswer(TrainingRuns.Run run) implements CborSerializable {}

  enum Tick implements Command { INSTANCE }

  /** A trigger's verdict: a reason to retrain, or null. */
  record Checked(String reason) implements Command {}

  /** The run ended (or was settled after a crash). */
  record Ended(String runId, String state, String error) implements Command {}

  // ---- events ----

  public sealed interface Event extends CborSerializable {}

  public record RunStarted(TrainingRuns.Run run) implements Event {}

  public record RunEnded(String runId, String state, long atMillis, String error) implements Event {}

  /** What carries runs out; implemented by the learner. */
  public interface Work {
    /**
     * Starts the run on this node (its progress visible at once) and completes with its end state (done, shadow,
     * failed, cancelled) and error when it ends.
     */
    CompletionStage<String[]> run(TrainingRuns.Run run);

    /** A run found unfinished after a crash: its end state once it ends here, or settled now (see the class). */
    CompletionStage<String[]> resume(TrainingRuns.Run run);

    /** A reason to retrain now (a trigger fired), or null. */
    CompletionStage<String> due();
  }

  /**
   * @param schedule between scheduled runs, from one's start to the next (zero: no schedule)
   * @param checkInterval how often the schedule and the triggers are looked at
   * @param minGap a triggered run starts no sooner than this after the last run started
   * @param keepRuns finished runs remembered
   */
  public record Settings(Duration schedule, Duration checkInterval, Duration minGap, int keepRuns) {
    public Settings {
      if (schedule.isNegative()) throw new IllegalArgumentException("training.schedule must be >= 0");
      if (checkInterval.isNegative() || checkInterval.isZero()) {
        throw new IllegalArgumentException("training.check-interval must be > 0");
      }
      if (minGap.isNegative()) throw new IllegalArgumentException("training.triggers.min-gap must be >= 0");
      if (keepRuns < 1) throw new IllegalArgumentException("keepRuns must be >= 1");
    }
  }

  /** Starts the singleton (on the oldest node) and returns its proxy. */
  public static ActorRef<Command> init(ActorSystem<?> system, Settings settings, Work work) {
    Behavior<Command> behavior = Behaviors.<Command>supervise(create(settings, work))
        .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
    return ClusterSingleton.get(system).init(SingletonActor.of(behavior, "training-coordinator"));
  }

  public static Behavior<Command> create(Settings settings, Work work) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new TrainingCoordinator(ctx, timers, settings, work)));
  }

  private final ActorContext<Command> ctx;
  private final Settings settings;
  private final Work work;
  private final long incarnationStart = System.currentTimeMillis();
  private boolean checking;

  private TrainingCoordinator(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings,
      Work work) {
    super(PersistenceId.ofUniqueId("TrainingCoordinator"));
    this.ctx = ctx;
    this.settings = settings;
    this.work = work;
    timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.checkInterval());
  }

  @Override
  public TrainingRuns emptyState() {
    return TrainingRuns.empty();
  }

  @Override
  public CommandHandler<Command, Event, TrainingRuns> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Start.class, (s, cmd) -> start(s, cmd.trigger(), cmd.fromMillis(), cmd.toMillis(), cmd.epochs(),
            cmd.replyTo()))
        .onCommand(GetRun.class, (s, cmd) -> Effect().reply(cmd.replyTo(), new RunAnswer(s.run(cmd.runId()))))
        .onCommand(Tick.class, (s, cmd) -> onTick(s))
        .onCommand(Checked.class, (s, cmd) -> {
          checking = false;
          boolean gapPassed = System.currentTimeMillis() - s.lastStartedAt() >= settings.minGap().toMillis();
          if (cmd.reason() == null || s.active() != null || !gapPassed) return Effect().none();
          return start(s, cmd.reason(), null, null, null, ctx.getSystem().ignoreRef());
        })
        .onCommand(Ended.class, (s, cmd) -> s.active() == null || !s.active().runId().equals(cmd.runId())
            ? Effect().none()
            : Effect().persist(new RunEnded(cmd.runId(), cmd.state(), System.currentTimeMillis(), cmd.error()))
                .thenRun(after -> ctx.getLog().info("training run {} ended: {}{}", cmd.runId(), cmd.state(),
                    cmd.error() == null ? "" : " (" + cmd.error() + ")")))
        .build();
  }

  private Effect<Event, TrainingRuns> start(TrainingRuns s, String trigger, Long from, Long to, Integer epochs,
      ActorRef<Started> replyTo) {
    if (s.active() != null) return Effect().reply(replyTo, new Started(s.active(), true));
    long now = System.currentTimeMillis();
    TrainingRuns.Run run = new TrainingRuns.Run(s.nextRunId(now), trigger, now, from, to, epochs, null, 0, null);
    ctx.getLog().info("training run {} starts ({})", run.runId(), trigger);
    return Effect().persist(new RunStarted(run)).thenRun(after -> {
      // Started before the answer, so that its progress is there when the asker looks.
      follow(run, () -> work.run(run));
      replyTo.tell(new Started(run, false));
    });
  }

  private void follow(TrainingRuns.Run run, java.util.function.Supplier<CompletionStage<String[]>> step) {
    CompletionStage<String[]> end;
    try {
      end = step.get();
    } catch (RuntimeException e) {
      end = CompletableFuture.failedFuture(e);
    }
    ctx.pipeToSelf(end, (result, failure) -> failure != null
        ? new Ended(run.runId(), "failed", failure.toString())
        : new Ended(run.runId(), result[0], result.length > 1 ? result[1] : null));
  }

  private Effect<Event, TrainingRuns> onTick(TrainingRuns s) {
    if (s.active() != null || checking) return Effect().none();
    long since = s.lastStartedAt() > 0 ? s.lastStartedAt() : incarnationStart;
    long schedule = settings.schedule().toMillis();
    if (schedule > 0 && System.currentTimeMillis() - since >= schedule) {
      return start(s, "schedule", null, null, null, ctx.getSystem().ignoreRef());
    }
    checking = true;
    CompletionStage<String> due;
    try {
      due = work.due();
    } catch (RuntimeException e) {
      due = CompletableFuture.failedFuture(e);
    }
    ctx.pipeToSelf(due, (reason, failure) -> {
      if (failure != null) ctx.getLog().warn("checking the retraining triggers failed: {}", failure.toString());
      return new Checked(failure == null ? reason : null);
    });
    return Effect().none();
  }

  @Override
  public EventHandler<TrainingRuns, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(RunStarted.class, (s, e) -> s.started(e.run()))
        .onEvent(RunEnded.class, (s, e) -> s.finished(e.runId(), e.state(), e.atMillis(), e.error(),
            settings.keepRuns()))
        .build();
  }

  /** A run found unfinished after recovery: the work waits for it or settles it. */
  @Override
  public SignalHandler<TrainingRuns> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), s -> {
          if (s.active() == null) return;
          ctx.getLog().info("training run {} was unfinished when this coordinator started: settling it",
              s.active().runId());
          TrainingRuns.Run run = s.active();
          follow(run, () -> work.resume(run));
        })
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2).withDeleteEventsOnSnapshot();
  }
}
