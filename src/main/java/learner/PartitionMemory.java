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
 * What the learner keeps between batches: the node's frequency estimator (logQ) and, per partition, the pool
 * extra negatives are drawn from (while they are on), and per assignment a {@link Lane}: the users' recent
 * positives and where the partition stands. The estimator and pool are saved with every batch's intent and
 * restored on assignment (and after a write refused because another node learned meanwhile); the recent positives
 * are rebuilt from the records before the resume offset.
 */
final class PartitionMemory {

  /**
   * One assignment of a partition to this node: the users' recent positives rebuilt for it, the offset learning
   * resumed at (records before it only rebuild those) and where the partition stands as far as this node knows
   * ({@code next}: learner_state's next offset after this node's last batch, or as last read). A lane is closed
   * when its partition is revoked (its stream ends): a batch the stream still flushes is not learned here.
   */
  static final class Lane {
    private final long learnFrom;
    private final RecentPositives recent;
    private volatile long next;
    private volatile boolean closed;
    /** Records of this lane's stream were dropped unlearned: a later batch may not start where the lane stands. */
    private volatile boolean skipped;

    Lane(long learnFrom, RecentPositives recent) {
      this.learnFrom = learnFrom;
      this.recent = recent;
      this.next = learnFrom;
    }

    long next() {
      return next;
    }

    /** The partition stands at {@code offset} at least (this node's batch passed it, or another node's did). */
    synchronized void moveTo(long offset) {
      next = Math.max(next, offset);
    }

    boolean closed() {
      return closed;
    }

    void close() {
      closed = true;
    }

    boolean skipped() {
      return skipped;
    }

    /** A batch of this lane's stream was dropped unlearned (its partition was being handed over). */
    void skip() {
      skipped = true;
    }

    /** The recent positives a record at {@code offset} only rebuilds (before the resume offset), else null. */
    RecentPositives rebuilding(long offset) {
      return offset >= learnFrom ? null : recent;
    }

    /**
     * A positive learned (here or, after a refused write, by another node) joins its user's history; one at or
     * before the newest already there is not added twice.
     */
    synchronized void remember(String userId, String itemId, double weight, long atMillis, long offset) {
      if (offset > recent.lastOffset()) recent.add(userId, itemId, weight, atMillis, offset);
    }
  }

  /** What one batch of a partition learns with; {@code pool} is null while extra negatives are off. */
  record Batch(FrequencyEstimator estimator, NegativePool pool, Lane lane) {
    RecentPositives recent() {
      return lane.recent;
    }

    /** The batch's positives join their users' histories, for the batches after it. */
    void remember(List<Positive> positives) {
      for (Positive p : positives) {
        lane.remember(p.event().userId(), p.event().itemId(), p.weight(), p.event().ts(), p.offset());
      }
    }
  }

  private final LearnerSettings settings;
  /**
   * One for the node, not one per partition: a partition sees only its share of the positives, and on MovieLens
   * four partitions' estimates (each from a quarter of the stream) served online HR@10 0.29-0.31 against 0.34 with
   * one estimate for the node (docs/benchmarks.md, MovieLens round 6). Users, not items, are keyed to partitions,
   * so every partition's stream draws from the same item distribution and one estimate serves them all.
   */
  private volatile FrequencyEstimator estimator;
  /** Per partition, while extra negatives are on: where they are drawn from, saved with every batch. */
  private final Map<Integer, NegativePool> pools = new ConcurrentHashMap<>();
  private final Map<Integer, Lane> lanes = new ConcurrentHashMap<>();

  PartitionMemory(LearnerSettings settings) {
    this.settings = settings;
    this.estimator = newEstimator();
  }

  /**
   * The pool saved with the partition's last batch (a fresh one for a partition never learned); the estimator saved
   * with it replaces the node's when it has seen more positives (a node starting, or taking over from one that
   * learned longer).
   */
  synchronized void restore(int partition, Optional<LearnerState.Position> found) {
    found.map(LearnerState.Position::estimator).map(FrequencyEstimator::fromBytes)
        .filter(saved -> saved.steps() > estimator.steps())
        .ifPresent(saved -> estimator = saved);
    if (settings.extraNegatives() > 0) {
      pools.put(partition, found.map(LearnerState.Position::negatives)
          .map(b -> NegativePool.fromBytes(b, settings.negativePool()))
          .orElseGet(() -> new NegativePool(settings.negativePool())));
    }
  }

  /**
   * Learning of the partition resumes at {@code resume} with empty users' histories (a new lane); returns the offset
   * to read from, {@code history.window} records earlier, to rebuild them.
   */
  long resumeAt(int partition, long resume) {
    // Not closing a lane replaced here: Alpakka may keep a partition's stream when the partition comes straight
    // back, and that stream (sought back to the resume offset) goes on learning in its own lane.
    RecentPositives recent = newRecent();
    lanes.put(partition, new Lane(resume, recent));
    return recent.windowStart(resume);
  }

  void revoked(int partition) {
    Lane old = lanes.remove(partition);
    if (old != null) old.close();
  }

  /** The partition's lane of its current assignment; a closed one when it is not assigned here. */
  Lane lane(int partition) {
    Lane found = lanes.get(partition);
    if (found != null) return found;
    Lane none = new Lane(Long.MAX_VALUE, newRecent());
    none.close();
    return none;
  }

  Batch forBatch(Lane lane, int partition) {
    NegativePool pool = settings.extraNegatives() == 0 ? null
        : pools.computeIfAbsent(partition, p -> new NegativePool(settings.negativePool()));
    return new Batch(estimator, pool, lane);
  }

  private FrequencyEstimator newEstimator() {
    return new FrequencyEstimator(settings.estimatorDepth(), settings.estimatorWidth(), 0x51ed2701, 0.05, 1e-6);
  }

  private RecentPositives newRecent() {
    LearnerSettings.History h = settings.history();
    return new RecentPositives(h.perUser(), h.maxUsers(), h.window());
  }
}
