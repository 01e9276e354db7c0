package learner;

import java.time.Duration;

/**
 * Learner settings ({@code thermocline.learner}, read by {@code app.Settings}).
 *
 * @param groupSuffix the learner's consumer group is {@code <group-prefix>-<groupSuffix>}
 * @param batchSize records per applied batch at most; {@code batchPositives} positives per applied batch at most;
 *     {@code softmaxBatch} positives per in-batch softmax group
 * @param failAfterBatches test-only fault injection ({@link InjectedCrash}); 0, the default, is off
 */
public record LearnerSettings(boolean enabled, String groupSuffix, float tau, int batchSize, int batchPositives,
    Duration batchWindow, int softmaxBatch, int extraNegatives, int negativePool, int estimatorDepth, int estimatorWidth,
    int failAfterBatches, boolean userIdRows, boolean historyGradient, History history) {

  public LearnerSettings {
    if (batchPositives < 1) {
      throw new IllegalArgumentException("thermocline.learner.batch-positives must be >= 1, got " + batchPositives);
    }
    if (extraNegatives < 0) {
      throw new IllegalArgumentException("thermocline.learner.extra-negatives must be >= 0, got " + extraNegatives);
    }
    if (negativePool < 1) {
      throw new IllegalArgumentException("thermocline.learner.negative-pool must be >= 1, got " + negativePool);
    }
  }

  /** The same settings learning at temperature {@code tau} (full retraining has a temperature of its own). */
  public LearnerSettings withTau(float tau) {
    return new LearnerSettings(enabled, groupSuffix, tau, batchSize, batchPositives, batchWindow, softmaxBatch,
        extraNegatives,
        negativePool, estimatorDepth, estimatorWidth, failAfterBatches, userIdRows, historyGradient, history);
  }

  /**
   * The users' recent positives of the user side ({@code thermocline.learner.history}); decayed with recall's
   * half-life so that training and serving build the same history mean.
   */
  public record History(int perUser, int maxUsers, int window, Duration halfLife) {}
}
