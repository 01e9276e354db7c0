package learner;

import actors.BucketRanges;
import model.InteractionWeights;
import service.FreshnessQueue;
import service.FusionService;
import storage.ItemStore;
import storage.LearnerState;
import streams.DeadLetters;

/**
 * What the learner reads and writes: its offsets and intents ({@code state}), item records, the served vectors'
 * inputs ({@code fusion}), the bucket ranges (rows read, deltas sent, each ask within the client's timeout), the
 * weights that make an interaction a positive, the dead letters of unreadable records, the queue that
 * re-indexes the items it changed, and the node's metrics (null: not counted).
 */
public record LearnerDependencies(LearnerState state, ItemStore store, FusionService fusion, BucketRanges ranges,
    InteractionWeights weights, DeadLetters deadLetters, FreshnessQueue freshness, metrics.Metrics metrics) {

  /** Without metrics (nothing counted). */
  public LearnerDependencies(LearnerState state, ItemStore store, FusionService fusion, BucketRanges ranges,
      InteractionWeights weights, DeadLetters deadLetters, FreshnessQueue freshness) {
    this(state, store, fusion, ranges, weights, deadLetters, freshness, null);
  }
}
