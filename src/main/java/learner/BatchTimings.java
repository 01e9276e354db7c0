package learner;

import java.util.EnumMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Where the learner's batches spend their time, phase by phase (milliseconds, p50/p99 over all batches so
 * far): what to look at when the learner is slower than the machine is busy.
 */
final class BatchTimings {

  enum Phase {
    /** Item records and rows fetched (store cache, one ask per bucket range). */
    READ,
    /** Forward and backward of the batch. */
    COMPUTE,
    /** The batch's intent (and estimator) written to Cassandra. */
    INTENT,
    /** Deltas sent to every range and persisted there. */
    APPLY,
    /** The partition's offset moved past the batch. */
    ADVANCE
  }

  private final Map<Phase, Histogram> phases = new EnumMap<>(Phase.class);

  BatchTimings() {
    for (Phase p : Phase.values()) phases.put(p, new Histogram(3_600_000L, 2));
  }

  synchronized void record(Phase phase, long fromNanos, long toNanos) {
    phases.get(phase).recordValue(Math.max(0, Math.min(3_600_000L, (toNanos - fromNanos) / 1_000_000)));
  }

  /** Starts timing one batch, now. */
  Lap start() {
    return new Lap();
  }

  /** One batch's clock: each {@link #lap} records the phase that just ended and starts the next. */
  final class Lap {
    private long from = System.nanoTime();

    void lap(Phase phase) {
      long now = System.nanoTime();
      record(phase, from, now);
      from = now;
    }
  }

  /** One line: each phase's p50/p99 in ms and the batches counted. */
  synchronized String summary() {
    StringBuilder out = new StringBuilder();
    for (var e : phases.entrySet()) {
      if (out.length() > 0) out.append(", ");
      out.append(e.getKey().name().toLowerCase(java.util.Locale.ROOT)).append(' ')
          .append(e.getValue().getValueAtPercentile(50)).append('/')
          .append(e.getValue().getValueAtPercentile(99)).append(" ms");
    }
    return out.append(" (p50/p99 over ").append(phases.get(Phase.ADVANCE).getTotalCount()).append(" batches)")
        .toString();
  }
}
