package embedding;

/**
 * Everything a range of the store needs besides its identity: the layout, the sparse optimizer and how much
 * history a range keeps (dedupe window, snapshot cadence).
 */
public record StoreSettings(
    StoreLayout layout,
    float learningRate,
    float adagradEpsilon,
    float initialAccumulator,
    int dedupWindow,
    int snapshotEveryEvents,
    int keepSnapshots) {

  public StoreSettings {
    if (learningRate <= 0) throw new IllegalArgumentException("learning-rate must be > 0");
    if (adagradEpsilon <= 0) throw new IllegalArgumentException("adagrad-epsilon must be > 0");
    if (initialAccumulator < 0) throw new IllegalArgumentException("initial-accumulator must be >= 0");
    if (dedupWindow < 1) throw new IllegalArgumentException("dedup-window must be >= 1");
    if (snapshotEveryEvents < 1) throw new IllegalArgumentException("snapshot-every must be >= 1");
    if (keepSnapshots < 1) throw new IllegalArgumentException("keep-snapshots must be >= 1");
  }

  public RowwiseAdagrad optimizer() {
    return new RowwiseAdagrad(learningRate, adagradEpsilon);
  }

  /** An empty block for one range: untouched rows read as their seeded initial values. */
  public RowBlock emptyBlock(String tier, int range) {
    TierSpec spec = layout.tier(tier);
    int rowsPerRange = layout.rowsPerRange();
    return new RowBlock(spec.rangeSize(range, rowsPerRange), layout.dim(), layout.tableSeed(tier),
        (long) range * rowsPerRange, layout.initStd(tier), initialAccumulator);
  }
}
