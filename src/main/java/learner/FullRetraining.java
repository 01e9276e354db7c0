package learner;

import actors.BucketRange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import model.FrequencyEstimator;
import model.RecentPositives;
import model.UserTower;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import service.ApiError;
import service.Training;

/**
 * Full retraining (docs/design.md §2): the interactions of a window read back from the topic
 * ({@link TrainingWindow}), shuffled, and learned for a number of epochs with the online learner's step
 * ({@link BatchAssembly}: in-batch softmax with logQ, fusion, gradient into the history items), starting from the
 * current rows. What differs from online learning is what a pass sees: the window's positives in random order,
 * each with its user's other positives of the window as history (decayed from the user's newest one, the
 * history recall serves), where online learning sees each user's past only. On MovieLens this is what lifts
 * warm HR@10 above item-KNN (bench movielens, docs/benchmarks.md).
 *
 * <p><b>In place.</b> Deltas go to the live rows through the bucket ranges, as the online learner's do (each
 * range applies a batch once, by operation id), while recall and online learning go on; recall sees the
 * retrained vectors as the freshness queue re-indexes them. Not yet: a shadow version published atomically,
 * a versioned registry with rollback, and a run that resumes on another node after a crash (a run lives in
 * the memory of the node that started it; a crash ends it, and the rows keep the epochs' batches applied so
 * far). One run at a time per node.
 */
public final class FullRetraining implements Training, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FullRetraining.class);
  private static final int KEPT_RUNS = 20;

  /** {@code thermocline.training}: the default window and epochs, positives per applied batch, memory cap. */
  public record Settings(Duration window, int epochs, int batchPositives, int maxPositives, float tau) {
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

  private final Settings settings;
  private final LearnerSettings learner;
  private final LearnerDependencies deps;
  private final Source source;
  private final Clock clock;
  private final UserTower tower;
  private final BatchAssembly assembly;
  private final ExecutorService runner;
  private final ExecutorService stepExecutor;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger started = new AtomicInteger();
  private final ArrayDeque<AtomicReference<Progress>> runs = new ArrayDeque<>();

  public FullRetraining(Settings settings, LearnerSettings learner, LearnerDependencies deps, Source source,
      Clock clock) {
    this.settings = settings;
    this.learner = learner.withTau(settings.tau());
    this.deps = deps;
    this.source = source;
    this.clock = clock;
    this.tower = new UserTower(deps.fusion().layout().dim(), learner.history().halfLife());
    this.runner = Executors.newSingleThreadExecutor(r -> daemon(r, "full-retraining"));
    this.stepExecutor = Executors.newSingleThreadExecutor(r -> daemon(r, "full-retraining-step"));
    this.assembly = new BatchAssembly(this.learner, deps, "full-retraining", new LearnerCounters(), stepExecutor);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public Progress start(Request request) {
    Instant now = clock.instant();
    Instant to = request.to() != null ? request.to() : now;
    Instant from = request.from() != null ? request.from() : to.minus(settings.window());
    int epochs = request.epochs() != null ? request.epochs() : settings.epochs();
    if (!from.isBefore(to)) throw ApiError.badField("from", "must be before to (" + to + "), got " + from);
    if (epochs < 1 || epochs > 100) throw ApiError.badField("epochs", "must be 1–100, got " + epochs);
    if (!busy.compareAndSet(false, true)) {
      throw new ApiError(409, null, "a full retraining runs already on this node: " + runs.peekFirst().get().runId());
    }
    String runId = "full-" + now.toEpochMilli() + "-" + started.incrementAndGet();
    AtomicReference<Progress> run = new AtomicReference<>(new Progress(runId, "reading", from, to, epochs, 0, 0, 0,
        0, 0, Double.NaN, now, null, null, null));
    synchronized (runs) {
      runs.addFirst(run);
      while (runs.size() > KEPT_RUNS) runs.pollLast();
    }
    runner.execute(() -> {
      try {
        execute(run);
      } catch (Throwable t) {
        log.error("full retraining {} failed", runId, t);
        run.updateAndGet(p -> finished(p, closed.get() ? "cancelled" : "failed", t.toString()));
      } finally {
        busy.set(false);
      }
    });
    log.info("full retraining {} started: window {} – {}, {} epoch(s)", runId, from, to, epochs);
    return run.get();
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

  private void execute(AtomicReference<Progress> run) {
    Progress start = run.get();
    TrainingWindow.Read window = TrainingWindow.read(source.bootstrapServers(), source.topic(), start.from(),
        start.to(), settings.maxPositives(), start.startedAt().toEpochMilli(), deps.weights(), closed::get,
        records -> run.updateAndGet(p -> with(p, "reading", 0, records, 0, 0, p.loss())));
    List<Positive> positives = new ArrayList<>(window.positives());
    long total = (long) positives.size() * start.epochs();
    log.info("full retraining {}: {} records in the window, {} positives ({} kept), {} unreadable; {} examples to "
        + "learn", start.runId(), window.records(), window.positivesSeen(), positives.size(), window.unreadable(),
        total);
    Map<String, List<Positive>> byUser = new HashMap<>();
    for (Positive p : positives) byUser.computeIfAbsent(p.event().userId(), u -> new ArrayList<>()).add(p);
    for (List<Positive> history : byUser.values()) history.sort(Comparator.comparingLong(p -> p.event().ts()));
    BatchHistories.Source windowHistory = windowHistories(byUser);
    FrequencyEstimator estimator = new FrequencyEstimator(learner.estimatorDepth(), learner.estimatorWidth(),
        0x51ed2701, 0.05, 1e-6);
    Random random = new Random(start.startedAt().toEpochMilli());
    // Primed with one shuffled pass of the window: a fresh estimator knows no frequency, and its first batches'
    // logQ would be wrong (without logQ, MovieLens HR@10 collapses to a tenth: bench movielens's ablation).
    List<Positive> primer = new ArrayList<>(positives);
    Collections.shuffle(primer, random);
    for (Positive p : primer) estimator.observe(p.event().itemId());
    BatchTimings timings = new BatchTimings();
    long done = 0;
    double lossAverage = Double.NaN;
    int groupSize = learner.softmaxBatch();
    for (int epoch = 1; epoch <= start.epochs(); epoch++) {
      Collections.shuffle(positives, random);
      for (int from = 0; from < positives.size(); from += settings.batchPositives()) {
        if (closed.get()) throw new IllegalStateException("node stopping");
        List<Positive> batch = positives.subList(from, Math.min(positives.size(), from + settings.batchPositives()));
        String opId = "retrain:" + start.runId() + ":" + epoch + ":" + from;
        BatchHistories users = new BatchHistories(deps.fusion(), tower, learner.history().perUser(), windowHistory,
            batch);
        LearnedBatch learned = assembly.compute(opId, from, from + batch.size() - 1, batch, users, estimator, null,
                timings.start())
            .toCompletableFuture().join();
        send(opId, learned.intent());
        deps.freshness().changed(learned.items());
        done += batch.size();
        int groups = (batch.size() + groupSize - 1) / groupSize;
        double loss = learned.examples() == 0 ? Double.NaN : learned.loss() / groups;
        if (!Double.isNaN(loss)) lossAverage = Double.isNaN(lossAverage) ? loss : 0.95 * lossAverage + 0.05 * loss;
        long examplesDone = done;
        double reported = lossAverage;
        int e = epoch;
        run.updateAndGet(p -> with(p, "training", e, window.records(), examplesDone, total, reported));
      }
      log.info("full retraining {}: epoch {} of {} done, loss {}", start.runId(), epoch, start.epochs(),
          lossAverage);
    }
    run.updateAndGet(p -> finished(with(p, "training", p.epoch(), p.recordsRead(), p.examplesDone(),
        p.examplesTotal(), p.loss()), "done", null));
    log.info("full retraining {} done: {} examples; batch phases {}", start.runId(), done, timings.summary());
  }

  /** Each example's history: its user's other positives of the window, decayed from the user's newest. */
  static BatchHistories.Source windowHistories(Map<String, List<Positive>> byUser) {
    return new BatchHistories.Source() {
      @Override
      public List<RecentPositives.Entry> earlier(Positive p) {
        List<Positive> all = byUser.get(p.event().userId());
        List<RecentPositives.Entry> out = new ArrayList<>(all.size());
        for (Positive other : all) {
          if (other == p) continue;
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
  private void send(String opId, LearnerIntent intent) {
    List<CompletableFuture<BucketRange.Ack>> acks = new ArrayList<>(intent.deltas().size());
    for (LearnerIntent.Delta d : intent.deltas()) {
      acks.add(deps.ranges().applyDeltas(d.entityId(), opId, d.rows(), d.gradients()).toCompletableFuture());
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
        total / Math.max(1, p.epochs()), done, total, loss, p.startedAt(), null, eta, null);
  }

  private Progress finished(Progress p, String state, String error) {
    return new Progress(p.runId(), state, p.from(), p.to(), p.epochs(), p.epoch(), p.recordsRead(), p.positives(),
        p.examplesDone(), p.examplesTotal(), p.loss(), p.startedAt(), clock.instant(), Duration.ZERO, error);
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
