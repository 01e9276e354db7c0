package learner;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import model.FrequencyEstimator;
import model.NegativePool;
import model.RecentPositives;
import storage.LearnerState;

/**
 * What the learner keeps per partition between batches: the frequency estimator (logQ), the pool extra negatives
 * are drawn from (while they are on), and the users' recent positives with the offset learning resumed at. The
 * estimator and pool are saved with every batch's intent and restored on assignment; the recent positives are
 * rebuilt from the records before the resume offset.
 */
final class PartitionMemory {

  /** A partition's users' recent positives and where learning resumed (records before it only rebuild them). */
  private record History(long learnFrom, RecentPositives recent) {}

  /** What one batch of a partition learns with; {@code pool} is null while extra negatives are off. */
  record Batch(FrequencyEstimator estimator, NegativePool pool, RecentPositives recent) {
    /** The batch's positives join their users' histories, for the batches after it. */
    void remember(List<Positive> positives) {
      for (Positive p : positives) {
        recent.add(p.event().userId(), p.event().itemId(), p.weight(), p.event().ts(), p.offset());
      }
    }
  }

  private final LearnerSettings settings;
  private final Map<Integer, FrequencyEstimator> estimators = new ConcurrentHashMap<>();
  /** Per partition, while extra negatives are on: where they are drawn from, saved with every batch. */
  private final Map<Integer, NegativePool> pools = new ConcurrentHashMap<>();
  private final Map<Integer, History> histories = new ConcurrentHashMap<>();

  PartitionMemory(LearnerSettings settings) {
    this.settings = settings;
  }

  /** The estimator and pool saved with the partition's last batch, or fresh ones for a partition never learned. */
  void restore(int partition, Optional<LearnerState.Position> found) {
    estimators.put(partition, found.map(LearnerState.Position::estimator).map(FrequencyEstimator::fromBytes)
        .orElseGet(this::newEstimator));
    if (settings.extraNegatives() > 0) {
      pools.put(partition, found.map(LearnerState.Position::negatives)
          .map(b -> NegativePool.fromBytes(b, settings.negativePool()))
          .orElseGet(() -> new NegativePool(settings.negativePool())));
    }
  }

  /**
   * Learning of the partition resumes at {@code resume} with empty users' histories; returns the offset to read
   * from, {@code history.window} records earlier, to rebuild them.
   */
  long resumeAt(int partition, long resume) {
    RecentPositives recent = newRecent();
    histories.put(partition, new History(resume, recent));
    return recent.windowStart(resume);
  }

  void revoked(int partition) {
    histories.remove(partition);
  }

  /** The recent positives a record at {@code offset} only rebuilds (it is before the resume offset), else null. */
  RecentPositives rebuilding(int partition, long offset) {
    History h = histories.get(partition);
    return h == null || offset >= h.learnFrom() ? null : h.recent();
  }

  Batch forBatch(int partition) {
    FrequencyEstimator estimator = estimators.computeIfAbsent(partition, p -> newEstimator());
    // Set on assignment, before the partition's records flow. Missing only for a revoked partition's last batch:
    // an empty history then, not kept (the next owner rebuilds its own).
    History found = histories.get(partition);
    RecentPositives recent = found != null ? found.recent() : newRecent();
    NegativePool pool = settings.extraNegatives() == 0 ? null
        : pools.computeIfAbsent(partition, p -> new NegativePool(settings.negativePool()));
    return new Batch(estimator, pool, recent);
  }

  private FrequencyEstimator newEstimator() {
    return new FrequencyEstimator(settings.estimatorDepth(), settings.estimatorWidth(), 0x51ed2701, 0.05, 1e-6);
  }

  private RecentPositives newRecent() {
    LearnerSettings.History h = settings.history();
    return new RecentPositives(h.perUser(), h.maxUsers(), h.window());
  }
}
