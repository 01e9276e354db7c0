package model;

/**
 * Whether the online loss is rising: an exponential moving average of the per-batch loss, compared with the lowest
 * value that average reached since the last {@link #reset} (a retraining). Rising by {@code share} means
 * {@code average > lowest · (1 + share)}; nothing is judged before {@code warmup} batches since the reset, when the
 * average still follows its first values. Thread-safe (batches of several partitions report concurrently).
 */
public final class LossTrend {

  private final double smoothing;
  private final int warmup;
  private double average = Double.NaN;
  private double lowest = Double.NaN;
  private long batches;

  /** @param smoothing weight of a new batch in the average, in (0, 1]; @param warmup batches before judging */
  public LossTrend(double smoothing, int warmup) {
    if (!(smoothing > 0 && smoothing <= 1)) throw new IllegalArgumentException("smoothing must be in (0, 1]");
    if (warmup < 1) throw new IllegalArgumentException("warmup must be >= 1");
    this.smoothing = smoothing;
    this.warmup = warmup;
  }

  public synchronized void observe(double loss) {
    if (!Double.isFinite(loss)) return;
    average = Double.isNaN(average) ? loss : (1 - smoothing) * average + smoothing * loss;
    batches++;
    if (batches >= warmup && (Double.isNaN(lowest) || average < lowest)) lowest = average;
  }

  /** The average now over the lowest since the reset (NaN while warming up). */
  public synchronized double ratio() {
    if (batches < warmup || Double.isNaN(lowest) || lowest <= 0) return Double.NaN;
    return average / lowest;
  }

  /** True once the average has risen {@code share} above its lowest since the reset. */
  public boolean rising(double share) {
    double r = ratio();
    return !Double.isNaN(r) && r > 1 + share;
  }

  /** Starts over (a retraining was published: its loss level is the new reference). */
  public synchronized void reset() {
    average = Double.NaN;
    lowest = Double.NaN;
    batches = 0;
  }
}
