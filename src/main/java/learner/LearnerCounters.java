package learner;

import java.util.concurrent.atomic.AtomicLong;

/** Progress figures of a node's learner, for benchmarks and operators. */
final class LearnerCounters {

  /** Positive interactions learned from. */
  final AtomicLong learned = new AtomicLong();
  /** Positives on items the store does not know (not yet registered, or deleted). */
  final AtomicLong skippedUnknownItems = new AtomicLong();
  /** Positives with no user vector yet: no history in the window and a zero user-ID row. */
  final AtomicLong skippedNoUserVector = new AtomicLong();
  /** Extra negative columns drawn (summed over softmax groups; a replayed batch counts again). */
  final AtomicLong extraNegativesDrawn = new AtomicLong();
}
