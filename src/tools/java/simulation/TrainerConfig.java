package simulation;

import java.time.Duration;

/**
 * Settings of an {@link InMemoryTrainer} run.
 *
 * @param variant what is learned and how item vectors are formed
 * @param tau softmax temperature
 * @param batchSize positives per micro-batch
 * @param extraNegatives uniform negatives from the catalogue added to each micro-batch
 * @param logQCorrection subtract log Q (streaming frequency estimate) from each logit, as the objective
 * @param itemsPerRow compression of the item table of the hashed variants: catalogue items per row
 *     (hot slots + buckets); the full table has one row per item
 * @param hotShare share of the item-table rows given to exclusive hot slots (the most exposed items)
 * @param mediumMultiple items in the medium tier, as a multiple of the hot slots (tiers choose θ only; medium and
 *     cold share the hashed table here)
 * @param rowLearningRate Adagrad rate of item rows (hash buckets, hot slots, full-table rows)
 * @param featureLearningRate Adagrad rate of metadata feature rows (tags, category, uploader, default)
 * @param userLearningRate Adagrad rate of user-ID rows
 * @param thetaLearningRate Adagrad rate of the per-tier fusion parameters θ
 * @param rowInitStd std of the initial item rows (features and users start near zero)
 * @param historyLength recent positives that make a user's history mean
 * @param historyHalfLife decay of the history mean, in world time
 * @param retierEvery positives between two tier assignments (by exposure so far)
 * @param seed table initialisation, hashing, negatives and rounding
 * @param exclusiveHot the hashed variants: the hot items get exclusive (collisionless) slots, {@code hotShare} of
 *     the rows; off, every row is a hashed bucket and the hot items share them like any other (still tiered for θ)
 */
public record TrainerConfig(
    InMemoryTrainer.Variant variant,
    int dim,
    float tau,
    int batchSize,
    int extraNegatives,
    boolean logQCorrection,
    double itemsPerRow,
    double hotShare,
    double mediumMultiple,
    float rowLearningRate,
    float featureLearningRate,
    float userLearningRate,
    double thetaLearningRate,
    float rowInitStd,
    int historyLength,
    Duration historyHalfLife,
    int retierEvery,
    long seed,
    boolean exclusiveHot) {

  public TrainerConfig {
    if (variant == null) throw new IllegalArgumentException("variant must not be null");
    if (dim < 1) throw new IllegalArgumentException("dim must be >= 1, got " + dim);
    if (!(tau > 0) || Float.isInfinite(tau)) {
      throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
    }
    if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    if (extraNegatives < 0) throw new IllegalArgumentException("extraNegatives must be >= 0, got " + extraNegatives);
    if (!(itemsPerRow >= 1) || Double.isInfinite(itemsPerRow)) {
      throw new IllegalArgumentException("itemsPerRow must be finite and >= 1, got " + itemsPerRow);
    }
    if (!(hotShare >= 0 && hotShare < 1)) {
      throw new IllegalArgumentException("hotShare must be in [0, 1), got " + hotShare);
    }
    if (!(mediumMultiple >= 0) || Double.isInfinite(mediumMultiple)) {
      throw new IllegalArgumentException("mediumMultiple must be finite and >= 0, got " + mediumMultiple);
    }
    positive("rowLearningRate", rowLearningRate);
    positive("featureLearningRate", featureLearningRate);
    positive("userLearningRate", userLearningRate);
    if (!(thetaLearningRate > 0) || Double.isInfinite(thetaLearningRate)) {
      throw new IllegalArgumentException("thetaLearningRate must be finite and > 0, got " + thetaLearningRate);
    }
    if (!(rowInitStd >= 0) || Float.isInfinite(rowInitStd)) {
      throw new IllegalArgumentException("rowInitStd must be finite and >= 0, got " + rowInitStd);
    }
    if (historyLength < 1) throw new IllegalArgumentException("historyLength must be >= 1, got " + historyLength);
    if (historyHalfLife == null || historyHalfLife.isNegative() || historyHalfLife.isZero()) {
      throw new IllegalArgumentException("historyHalfLife must be > 0, got " + historyHalfLife);
    }
    if (retierEvery < 1) throw new IllegalArgumentException("retierEvery must be >= 1, got " + retierEvery);
  }

  /**
   * d = 32, τ = 0.1, batches of 128 positives without extra negatives, logQ correction on, 100 items per row with
   * a quarter of the rows hot. τ, batch and negatives were picked by a small sweep on a 20k-item world (τ 0.05 and
   * 32 uniform negatives scored lower).
   */
  public static TrainerConfig defaults(InMemoryTrainer.Variant variant) {
    return new TrainerConfig(variant, 32, 0.1f, 128, 0, true, 100, 0.25, 10, 0.05f, 0.05f, 0.05f, 0.02, 0.1f, 20,
        Duration.ofHours(6), 20_000, 7, true);
  }

  public TrainerConfig withVariant(InMemoryTrainer.Variant v) {
    Builder b = toBuilder();
    b.variant = v;
    return b.build();
  }

  public TrainerConfig withItemsPerRow(double ratio) {
    Builder b = toBuilder();
    b.itemsPerRow = ratio;
    return b.build();
  }

  public TrainerConfig withBatch(int size, int negatives) {
    Builder b = toBuilder();
    b.batchSize = size;
    b.extraNegatives = negatives;
    return b.build();
  }

  public TrainerConfig withLearningRates(float rows, float features, float users, double theta) {
    Builder b = toBuilder();
    b.rowLearningRate = rows;
    b.featureLearningRate = features;
    b.userLearningRate = users;
    b.thetaLearningRate = theta;
    return b.build();
  }

  public TrainerConfig withTau(float t) {
    Builder b = toBuilder();
    b.tau = t;
    return b.build();
  }

  public TrainerConfig withLogQCorrection(boolean on) {
    Builder b = toBuilder();
    b.logQCorrection = on;
    return b.build();
  }

  /** Off: no exclusive hot slots, every item-table row a hashed bucket (the same number of rows). */
  public TrainerConfig withExclusiveHot(boolean on) {
    Builder b = toBuilder();
    b.exclusiveHot = on;
    return b.build();
  }

  public TrainerConfig withRetierEvery(int positives) {
    Builder b = toBuilder();
    b.retierEvery = positives;
    return b.build();
  }

  private Builder toBuilder() {
    return new Builder(this);
  }

  /** Mutable copy behind the {@code with…} methods; the record's constructor validates on build. */
  private static final class Builder {
    InMemoryTrainer.Variant variant;
    int dim;
    float tau;
    int batchSize;
    int extraNegatives;
    boolean logQCorrection;
    double itemsPerRow;
    double hotShare;
    double mediumMultiple;
    float rowLearningRate;
    float featureLearningRate;
    float userLearningRate;
    double thetaLearningRate;
    float rowInitStd;
    int historyLength;
    Duration historyHalfLife;
    int retierEvery;
    long seed;
    boolean exclusiveHot;

    Builder(TrainerConfig c) {
      variant = c.variant;
      dim = c.dim;
      tau = c.tau;
      batchSize = c.batchSize;
      extraNegatives = c.extraNegatives;
      logQCorrection = c.logQCorrection;
      itemsPerRow = c.itemsPerRow;
      hotShare = c.hotShare;
      mediumMultiple = c.mediumMultiple;
      rowLearningRate = c.rowLearningRate;
      featureLearningRate = c.featureLearningRate;
      userLearningRate = c.userLearningRate;
      thetaLearningRate = c.thetaLearningRate;
      rowInitStd = c.rowInitStd;
      historyLength = c.historyLength;
      historyHalfLife = c.historyHalfLife;
      retierEvery = c.retierEvery;
      seed = c.seed;
      exclusiveHot = c.exclusiveHot;
    }

    TrainerConfig build() {
      return new TrainerConfig(variant, dim, tau, batchSize, extraNegatives, logQCorrection, itemsPerRow, hotShare,
          mediumMultiple, rowLearningRate, featureLearningRate, userLearningRate, thetaLearningRate, rowInitStd,
          historyLength, historyHalfLife, retierEvery, seed, exclusiveHot);
    }
  }

  private static void positive(String name, float v) {
    if (!(v > 0) || Float.isInfinite(v)) throw new IllegalArgumentException(name + " must be finite and > 0, got " + v);
  }
}
