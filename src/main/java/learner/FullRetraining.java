package learner;

import actors.BucketRange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import model.FrequencyEstimator;
import model.RecentPositives;
import model.RetrainingOrder;
import model.UserTower;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import service.ApiError;
import service.Training;

/**
 * Full retraining (docs/design.md §2): the interactions of a window read back from the topic
 * ({@link TrainingWindow}), shuffled, and learned for a number of epochs with the online learner's step
 * ({@link BatchAssembly}: in-batch softmax with logQ, fusion, gradient into the history items), starting from fresh
 * rows ({@code training.start-from = fresh}, the default: on MovieLens online learning then the window again
 * over-fits, 0.35 against 0.44 HR@10 after three epochs) or from the served version's ({@code current}). What differs from online learning is what a pass sees: the window's positives in random order,
 * each with its user's other positives of the window as history (decayed from the user's newest one, the
 * history recall serves), where online learning sees each user's past only. On MovieLens this is what lifts
 * warm HR@10 above item-KNN (bench movielens, docs/benchmarks.md).
 *
 * <p><b>Into a shadow version</b> ({@link service.ServedModel}): a run registers a new model version, copies
 * every range of the served version into it while this node's online learner is paused (so the copy and the
 * learner's offsets, carried over to the new version, agree: every record is in the copy or after those offsets,
 * never both), and trains the copy while recall and online learning go on against the served version. At the end
 * the version is published (by default, {@code training.auto-publish}; else on {@code POST
 * /admin/training/{runId}/publish}): the pointer switches, the learners continue in the new version from the
 * carried-over offsets, and the index is re-built from the new rows. A run that fails marks its version failed
 * and frees it; the served version never sees a half-trained model. Runs are started by the cluster singleton
 * {@link actors.TrainingCoordinator} (through {@link TrainingWork}) on its node; a run lives in that node's memory,
 * and a crash ends it: the coordinator's next incarnation settles it ({@link #settle}: done if its version was
 * published, else failed and freed). In a cluster only this node's learner pauses for the copy (others go on: a
 * record another node learns while the copy is made may reach the new version twice).
 */
public final class FullRetraining implements Training, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FullRetraining.class);
  private static final int KEPT_RUNS = 20;
  /** Within an epoch, progress is logged at most this often (and at each epoch's end). */
  private static final long PROGRESS_LOG_NANOS = 30_000_000_000L;

  /**
   * {@code thermocline.training}: the default window and epochs, positives per applied batch, memory cap, softmax
   * temperature, and whether a run's rows start fresh or as a copy of the served version's ({@code start-from}).
   */
  public record Settings(Duration window, int epochs, int batchPositives, int maxPositives, float tau,
      boolean freshRows) {
    public Settings {
      if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("training.window must be > 0");
      if (epochs < 1) throw new IllegalArgumentException("training.epochs must be >= 1, got " + epochs);
      if (batchPositives < 1) {
        throw new IllegalArgumentException("training.batch-positives must be >= 1, got " + batchPositives);
      }
      if (!(tau > 0)) throw new IllegalArgumentException("training.tau must be > 0, got " + tau);
      if (maxPositives < 1) {
        throw new IllegalArgumentException("training.max-positives must be >= 1, got " + maxPositives);
      }
    }
  }

  /** Where the window is read from. */
  public record Source(String bootstrapServers, String topic) {}

  /**
   * The model versions: the registry and pointer, the interactions' partitions and the online learner's group
   * (whose offsets the new version inherits), this node's learner (null without online learning: nothing to
   * pause), and whether a trained version is published at the end of its run.
   */
  public record Versioning(service.ServedModel model, storage.ModelRegistry registry, int partitions,
      String learnerGroup, OnlineLearner learner, boolean autoPublish) {}

  private final Settings settings;
  private final LearnerSettings learner;
  private final LearnerDependencies deps;
  private final Source source;
  private final Clock clock;
  private final UserTower tower;
  private final ExecutorService runner;
  private final ExecutorService stepExecutor;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger started = new AtomicInteger();
  private final ArrayDeque<AtomicReference<Progress>> runs = new ArrayDeque<>();
  private final Map<String, CompletableFuture<Progress>> ends = new HashMap<>();
  private final Versioning versioning;

  public FullRetraining(Settings settings, LearnerSettings learner, LearnerDependencies deps, Source source,
      Versioning versioning, Clock clock) {
    this.versioning = versioning;
    this.settings = settings;
    this.learner = learner.withTau(settings.tau());
    this.deps = deps;
    this.source = source;
    this.clock = clock;
    this.tower = new UserTower(deps.fusion().layout().dim(), learner.history().halfLife());
    this.runner = Executors.newSingleThreadExecutor(r -> daemon(r, "full-retraining"));
    this.stepExecutor = Executors.newSingleThreadExecutor(r -> daemon(r, "full-retraining-step"));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public Progress start(Request request) {
    return begin("full-" + clock.instant().toEpochMilli() + "-" + started.incrementAndGet(), request);
  }

  /**
   * Through the training coordinator when there is one (one run at a time in the cluster, carried out on the
   * coordinator's node): the request is checked here, the run started there.
   */
  @Override
  public java.util.concurrent.CompletionStage<Progress> submit(Request request) {
    window(request);
    var coordinator = this.coordinator;
    if (coordinator == null) return CompletableFuture.completedFuture(start(request));
    return akka.actor.typed.javadsl.AskPattern.<actors.TrainingCoordinator.Command,
            actors.TrainingCoordinator.Started>ask(coordinator.ref(), replyTo -> new actors.TrainingCoordinator.Start(
                "manual", millis(request.from()), millis(request.to()), request.epochs(), replyTo),
            coordinator.askTimeout(), coordinator.system().scheduler())
        .thenApply(started -> {
          if (started.alreadyRunning()) {
            throw new ApiError(409, null, "a full retraining runs already: " + started.run().runId());
          }
          return progress(started.run().runId()).orElseGet(() -> elsewhere(started.run()));
        });
  }

  /** Where runs are coordinated (set once the coordinator exists; null: runs start on this node directly). */
  public record Coordinator(akka.actor.typed.ActorRef<actors.TrainingCoordinator.Command> ref,
      akka.actor.typed.ActorSystem<?> system, Duration askTimeout) {}

  private volatile Coordinator coordinator;

  public void coordinateWith(Coordinator coordinator) {
    this.coordinator = coordinator;
  }

  private static Long millis(Instant t) {
    return t == null ? null : t.toEpochMilli();
  }

  /** This node's progress of the run, else the coordinator's record of it (a run on another node). */
  @Override
  public java.util.concurrent.CompletionStage<Optional<Progress>> find(String runId) {
    Optional<Progress> here = progress(runId);
    var coordinator = this.coordinator;
    if (here.isPresent() || coordinator == null) return CompletableFuture.completedFuture(here);
    return akka.actor.typed.javadsl.AskPattern.<actors.TrainingCoordinator.Command,
            actors.TrainingCoordinator.RunAnswer>ask(coordinator.ref(),
            replyTo -> new actors.TrainingCoordinator.GetRun(runId, replyTo), coordinator.askTimeout(),
            coordinator.system().scheduler())
        .thenApply(answer -> Optional.ofNullable(answer.run()).map(this::recorded));
  }

  /** A run as the coordinator recorded it: running (its progress is on the coordinator's node) or how it ended. */
  private Progress recorded(actors.TrainingRuns.Run r) {
    Progress p = elsewhere(r);
    if (r.endState() == null) return p.inPhase("training");
    return p.ended(r.endState(), Instant.ofEpochMilli(r.finishedAt()), r.error());
  }

  /** A run started on another node (the coordinator's): what this node knows of it. */
  private Progress elsewhere(actors.TrainingRuns.Run r) {
    Request q = request(r);
    Window w = window(q);
    return new Progress(r.runId(), "reading", w.from(), w.to(), w.epochs(), 0, 0, 0, 0, 0, Double.NaN,
        Instant.ofEpochMilli(r.startedAt()), null, null, null, null, "copying");
  }

  static Request request(actors.TrainingRuns.Run r) {
    return new Request(r.fromMillis() == null ? null : Instant.ofEpochMilli(r.fromMillis()),
        r.toMillis() == null ? null : Instant.ofEpochMilli(r.toMillis()), r.epochs());
  }

  private record Window(Instant from, Instant to, int epochs) {}

  /** The request with its defaults; an {@link ApiError} 400 naming the field at fault. */
  private Window window(Request request) {
    Instant now = clock.instant();
    Instant to = request.to() != null ? request.to() : now;
    Instant from = request.from() != null ? request.from() : to.minus(settings.window());
    int epochs = request.epochs() != null ? request.epochs() : settings.epochs();
    if (!from.isBefore(to)) throw ApiError.badField("from", "must be before to (" + to + "), got " + from);
    if (epochs < 1 || epochs > 100) throw ApiError.badField("epochs", "must be 1–100, got " + epochs);
    return new Window(from, to, epochs);
  }

  /** Starts run {@code runId} on this node; 409 while another runs here. */
  Progress begin(String runId, Request request) {
    Window w = window(request);
    Instant now = clock.instant();
    if (!busy.compareAndSet(false, true)) {
      throw new ApiError(409, null, "a full retraining runs already on this node: " + runs.peekFirst().get().runId());
    }
    AtomicReference<Progress> run = new AtomicReference<>(new Progress(runId, "reading", w.from(), w.to(), w.epochs(),
        0, 0, 0, 0, 0, Double.NaN, now, null, null, null, null, "copying"));
    CompletableFuture<Progress> end = new CompletableFuture<>();
    synchronized (runs) {
      runs.addFirst(run);
      while (runs.size() > KEPT_RUNS) runs.pollLast();
      ends.put(runId, end);
      ends.keySet().removeIf(id -> runs.stream().noneMatch(r -> r.get().runId().equals(id)));
    }
    runner.execute(() -> {
      try {
        execute(run);
      } catch (Throwable t) {
        log.error("full retraining {} failed", runId, t);
        run.updateAndGet(p -> finished(p, closed.get() ? "cancelled" : "failed", t.toString()));
        Long version = run.get().modelVersion();
        if (version != null && !closed.get()) {
          try {
            versioning.model().failed(version);
          } catch (RuntimeException e) {
            log.warn("model version {} could not be marked failed: {}", version, e.toString());
          }
        }
      } finally {
        busy.set(false);
        end.complete(run.get());
      }
    });
    log.info("full retraining {} started: window {} – {}, {} epoch(s)", runId, w.from(), w.to(), w.epochs());
    return run.get();
  }

  /** Completes with the run's progress when it ends; empty for a run this node does not know. */
  Optional<CompletableFuture<Progress>> end(String runId) {
    synchronized (runs) {
      return Optional.ofNullable(ends.get(runId));
    }
  }

  /**
   * A run of this id that no node carries out any more (its node stopped): done if its version is the served one
   * (the pointer is written last when publishing), else its version is marked failed and freed.
   */
  String[] settle(String runId) {
    storage.ModelRegistry registry = versioning.registry();
    var version = registry.versions().stream().filter(v -> runId.equals(v.runId())).findFirst();
    if (version.isEmpty()) return new String[] {"failed", "the node running it stopped before it had a version"};
    long id = version.get().id();
    if (registry.served(clock.instant()) == id) return new String[] {"done", null};
    String status = version.get().status();
    if (storage.ModelRegistry.TRAINING.equals(status) || storage.ModelRegistry.SHADOW.equals(status)) {
      versioning.model().failed(id);
    }
    return new String[] {"failed", "the node running it stopped; model version " + id + " not published"};
  }

  @Override
  public Optional<Progress> progress(String runId) {
    synchronized (runs) {
      return runs.stream().map(AtomicReference::get).filter(p -> p.runId().equals(runId)).findFirst();
    }
  }

  @Override
  public List<Progress> runs() {
    synchronized (runs) {
      return runs.stream().map(AtomicReference::get).toList();
    }
  }

  private void execute(AtomicReference<Progress> run) throws InterruptedException {
    Progress start = run.get();
    long parent = versioning.model().served();
    long version = versioning.model().createShadow(start.runId());
    run.updateAndGet(p -> withVersion(p, version));
    Map<Integer, Long> resume = copy(version, parent);
    versioning.registry().resumeOffsets(version, resume);
    log.info("full retraining {}: model version {} copied from {}; its learner resumes at {}", start.runId(), version,
        parent, resume);
    LearnerDependencies shadow = new LearnerDependencies(deps.state(), deps.store(), deps.fusion().atVersion(version),
        deps.ranges().atVersion(version), deps.weights(), deps.deadLetters(), deps.freshness());
    BatchAssembly shadowAssembly = new BatchAssembly(learner, shadow, "full-retraining", new LearnerCounters(),
        stepExecutor);
    run.updateAndGet(p -> p.inPhase("reading"));
    TrainingWindow.Read window = TrainingWindow.read(source.bootstrapServers(), source.topic(), start.from(),
        start.to(), settings.maxPositives(), start.startedAt().toEpochMilli(), deps.weights(), closed::get,
        records -> run.updateAndGet(p -> with(p, "reading", 0, records, 0, 0, p.loss())));
    versioning.registry().window(version, start.from(), start.to(), window.endOffsets());
    RetrainingOrder<String, Positive> order = new RetrainingOrder<>(window.positives(),
        start.startedAt().toEpochMilli(), p -> p.event().userId(), p -> p.event().ts());
    long total = (long) order.size() * start.epochs();
    log.info("full retraining {}: {} records in the window, {} positives ({} kept), {} unreadable; {} examples to "
        + "learn", start.runId(), window.records(), window.positivesSeen(), order.size(), window.unreadable(),
        total);
    BatchHistories.Source windowHistory = windowHistories(order.byUser());
    FrequencyEstimator estimator = new FrequencyEstimator(learner.estimatorDepth(), learner.estimatorWidth(),
        0x51ed2701, 0.05, 1e-6);
    // Primed with one shuffled pass of the window: a fresh estimator knows no frequency, and its first batches'
    // logQ would be wrong (without logQ, MovieLens HR@10 collapses to a tenth: bench movielens's ablation).
    for (Positive p : order.primer()) estimator.observe(p.event().itemId());
    BatchTimings timings = new BatchTimings();
    long lastLogged = System.nanoTime();
    long done = 0;
    double lossAverage = Double.NaN;
    int groupSize = learner.softmaxBatch();
    for (int epoch = 1; epoch <= start.epochs(); epoch++) {
      List<Positive> positives = order.nextEpoch();
      for (int from = 0; from < positives.size(); from += settings.batchPositives()) {
        if (closed.get()) throw new IllegalStateException("node stopping");
        List<Positive> batch = positives.subList(from, Math.min(positives.size(), from + settings.batchPositives()));
        String opId = "retrain:" + start.runId() + ":" + epoch + ":" + from;
        BatchHistories users = new BatchHistories(shadow.fusion(), tower, learner.history().perUser(), windowHistory,
            batch);
        LearnedBatch learned = shadowAssembly.compute(opId, from, from + batch.size() - 1, batch, users, estimator,
                null, timings.start())
            .toCompletableFuture().join();
        send(shadow, opId, learned.intent());
        done += batch.size();
        int groups = (batch.size() + groupSize - 1) / groupSize;
        double loss = learned.examples() == 0 ? Double.NaN : learned.loss() / groups;
        if (!Double.isNaN(loss)) lossAverage = Double.isNaN(lossAverage) ? loss : 0.95 * lossAverage + 0.05 * loss;
        long examplesDone = done;
        double reported = lossAverage;
        int e = epoch;
        Progress now = run.updateAndGet(p -> with(p, "training", e, window.records(), examplesDone, total,
            reported));
        if (System.nanoTime() - lastLogged > PROGRESS_LOG_NANOS) {
          lastLogged = System.nanoTime();
          log.info("full retraining {}: epoch {} of {}, {} of {} examples, loss {}, eta {} s", start.runId(), epoch,
              start.epochs(), examplesDone, total, reported, now.eta() == null ? "?" : now.eta().toSeconds());
        }
      }
      log.info("full retraining {}: epoch {} of {} done, loss {}", start.runId(), epoch, start.epochs(),
          lossAverage);
    }
    versioning.registry().loss(version, Double.isNaN(lossAverage) ? null : lossAverage, null);
    versioning.registry().status(version, storage.ModelRegistry.SHADOW);
    log.info("full retraining {}: model version {} trained, {} examples; batch phases {}", start.runId(), version,
        done, timings.summary());
    if (!versioning.autoPublish()) {
      run.updateAndGet(p -> finished(p, "shadow", null));
      return;
    }
    run.updateAndGet(p -> p.inPhase("publishing"));
    versioning.model().publish(version);
    run.updateAndGet(p -> finished(p, "done", null));
    log.info("full retraining {} done: model version {} is served", start.runId(), version);
  }

  /**
   * Copies the served version into {@code version} with this node's learner paused, and starts the new version's
   * learner offsets where the parent's stand: the copy holds exactly what was learned before those offsets.
   */
  private Map<Integer, Long> copy(long version, long parent) throws InterruptedException {
    versioning.model().awaitNodes();
    OnlineLearner online = versioning.learner();
    if (online != null && !online.pause(Duration.ofSeconds(60))) {
      online.resume();
      throw new IllegalStateException("the online learner did not pause within 60 s");
    }
    try {
      Map<Integer, Long> offsets = new java.util.TreeMap<>();
      String from = OnlineLearner.stateGroup(versioning.learnerGroup(), parent);
      String to = OnlineLearner.stateGroup(versioning.learnerGroup(), version);
      for (int p = 0; p < versioning.partitions(); p++) {
        int partition = p;
        Optional<storage.LearnerState.Position> at = deps.state().read(from, partition).toCompletableFuture().join();
        at.ifPresent(position -> {
          deps.state().begin(to, partition, position).toCompletableFuture().join();
          offsets.put(partition, position.nextOffset());
        });
      }
      versioning.model().seed(version, parent, !settings.freshRows());
      return offsets;
    } finally {
      if (online != null) online.resume();
    }
  }

  @Override
  public String startsFrom() {
    return settings.freshRows() ? "fresh" : "current";
  }

  @Override
  public java.util.concurrent.CompletionStage<Progress> publish(String runId) {
    AtomicReference<Progress> run;
    synchronized (runs) {
      run = runs.stream().filter(r -> r.get().runId().equals(runId)).findFirst()
          .orElseThrow(() -> ApiError.notFound("no training run " + runId + " on this node"));
    }
    Progress p = run.get();
    if (!"shadow".equals(p.state())) {
      throw new ApiError(409, null, "run " + runId + " is " + p.state() + "; only a run in state shadow is published");
    }
    return CompletableFuture.supplyAsync(() -> {
      versioning.model().publish(p.modelVersion());
      return run.updateAndGet(q -> q.ended("done", clock.instant(), null));
    }, runner);
  }

  @Override
  public java.util.concurrent.CompletionStage<storage.ModelRegistry.Version> rollback() {
    return versioning.model().rollback();
  }

  @Override
  public java.util.concurrent.CompletionStage<List<storage.ModelRegistry.Version>> versions() {
    return versioning.model().list();
  }

  @Override
  public long servedVersion() {
    return versioning.model().served();
  }

  /** Each example's history: its user's other positives of the window, decayed from the user's newest. */
  static BatchHistories.Source windowHistories(Map<String, List<Positive>> byUser) {
    return new BatchHistories.Source() {
      @Override
      public List<RecentPositives.Entry> earlier(Positive p) {
        List<Positive> others = RetrainingOrder.others(byUser.get(p.event().userId()), p);
        List<RecentPositives.Entry> out = new ArrayList<>(others.size());
        for (Positive other : others) {
          out.add(new RecentPositives.Entry(other.event().itemId(), other.weight(), other.event().ts(),
              other.offset()));
        }
        return out;
      }

      @Override
      public long now(Positive p) {
        return UserTower.NEWEST;
      }
    };
  }

  /** Every range must have persisted its delta (or had it already: a repeated operation id is dropped). */
  private void send(LearnerDependencies target, String opId, LearnerIntent intent) {
    List<CompletableFuture<BucketRange.Ack>> acks = new ArrayList<>(intent.deltas().size());
    for (LearnerIntent.Delta d : intent.deltas()) {
      acks.add(target.ranges().applyDeltas(d.entityId(), opId, d.rows(), d.gradients()).toCompletableFuture());
    }
    for (CompletableFuture<BucketRange.Ack> a : acks) {
      BucketRange.Ack ack = a.join();
      if (!ack.persisted()) throw new IllegalStateException("retraining delta refused: " + ack.error());
    }
  }

  private Progress with(Progress p, String state, int epoch, long records, long done, long total, double loss) {
    Duration eta = null;
    if (done > 0 && total > done) {
      long elapsed = Duration.between(p.startedAt(), clock.instant()).toMillis();
      eta = Duration.ofMillis((long) (elapsed * (double) (total - done) / done));
    }
    return new Progress(p.runId(), state, p.from(), p.to(), p.epochs(), epoch, records,
        total / Math.max(1, p.epochs()), done, total, loss, p.startedAt(), null, eta, null, p.modelVersion(), state);
  }

  private static Progress withVersion(Progress p, long version) {
    return new Progress(p.runId(), p.state(), p.from(), p.to(), p.epochs(), p.epoch(), p.recordsRead(),
        p.positives(), p.examplesDone(), p.examplesTotal(), p.loss(), p.startedAt(), p.finishedAt(), p.eta(),
        p.error(), version, p.phase());
  }

  private Progress finished(Progress p, String state, String error) {
    return p.ended(state, clock.instant(), error);
  }

  @Override
  public void close() {
    closed.set(true);
    runner.shutdown();
    try {
      runner.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stepExecutor.shutdown();
  }
}
