package model;

import java.time.Duration;
import java.util.List;

/**
 * The user side of the two-tower model: {@code u = normalise(W_id·idRow + W_hist·historyMean + W_prof·profile)}.
 *
 * <p>Initialised so that the user vector is the normalised, time-decayed mean of the final vectors of the
 * user's recent positive items (W_hist = I, the other blocks 0): a sensible recall before anything is learned.
 * Learning (online and full) changes the weights; serving never does.
 */
public final class UserTower {

  /** One of the user's recent positive items: its served vector, how strong the signal was and when. */
  public record Signal(float[] vector, double typeWeight, long atMillis) {}

  private final int dim;
  private final Duration halfLife;
  private final float[][] historyWeights;

  public UserTower(int dim, Duration halfLife) {
    if (dim <= 0) throw new IllegalArgumentException("dim must be > 0");
    if (halfLife.isNegative() || halfLife.isZero()) throw new IllegalArgumentException("half-life must be > 0");
    this.dim = dim;
    this.halfLife = halfLife;
    this.historyWeights = new float[dim][dim];
    for (int i = 0; i < dim; i++) historyWeights[i][i] = 1f;
  }

  /** A {@code nowMillis} that puts no event in the future: ages count from the user's newest event. */
  public static final long NEWEST = Long.MAX_VALUE;

  /** The user vector (unit length), or null when there is no signal to build one from. */
  public float[] userVector(List<Signal> signals, long nowMillis) {
    return userVector(signals, nowMillis, null);
  }

  /**
   * The user vector with the user's learned ID row: {@code normalise(historyVector + userIdRow)} (see
   * {@link UserSide}); null when both are absent or sum to zero. A null row means "not learned yet" (zero).
   */
  public float[] userVector(List<Signal> signals, long nowMillis, float[] userIdRow) {
    return new UserSide(dim).forward(historyVector(signals, nowMillis), userIdRow).vector();
  }

  /** {@code W_hist · decayedMean}: the history part of the user vector, before normalising; null without signal. */
  public float[] historyVector(List<Signal> signals, long nowMillis) {
    float[] mean = decayedMean(signals, nowMillis);
    if (mean == null) return null;
    float[] h = new float[dim];
    for (int i = 0; i < dim; i++) {
      float s = 0;
      for (int j = 0; j < dim; j++) s += historyWeights[i][j] * mean[j];
      h[i] = s;
    }
    return h;
  }

  /**
   * Σ w_i·v_i / Σ w_i with w_i = typeWeight · 2^(−age_i/halfLife), each event's age counted from the user's own
   * newest event (events after {@code nowMillis}, clock skew, count as {@code nowMillis}); null when no signal
   * has weight.
   *
   * <p>Counting ages from the newest event rather than from the wall clock gives the same mean (a common factor
   * 2^(−(now − newest)/halfLife) cancels in the ratio) without its underflow: a history replayed from years-old
   * logs, or a user back after a long absence, keeps their vector instead of decaying to nothing. The learner
   * passes the time of the example it trains on, recall the request's {@code now} or {@link #NEWEST}: one
   * definition for both.
   */
  public float[] decayedMean(List<Signal> signals, long nowMillis) {
    long newest = Long.MIN_VALUE;
    for (Signal s : signals) {
      if (s.vector().length != dim) {
        throw new IllegalArgumentException("vector of length " + s.vector().length + ", expected " + dim);
      }
      if (s.typeWeight() > 0) newest = Math.max(newest, Math.min(s.atMillis(), nowMillis));
    }
    if (newest == Long.MIN_VALUE) return null;
    double[] sum = new double[dim];
    double total = 0;
    for (Signal s : signals) {
      double w = decay(s.typeWeight(), newest - Math.min(s.atMillis(), nowMillis));
      if (!(w > 0)) continue;
      for (int i = 0; i < dim; i++) sum[i] += w * s.vector()[i];
      total += w;
    }
    if (total == 0) return null;
    float[] mean = new float[dim];
    for (int i = 0; i < dim; i++) mean[i] = (float) (sum[i] / total);
    return mean;
  }

  /**
   * The weight of each signal in {@link #decayedMean} (they sum to 1; 0 for a signal without weight), or null when
   * none has weight: what a gradient of the mean owes each signal's vector.
   */
  public double[] meanWeights(List<Signal> signals, long nowMillis) {
    long newest = Long.MIN_VALUE;
    for (Signal s : signals) if (s.typeWeight() > 0) newest = Math.max(newest, Math.min(s.atMillis(), nowMillis));
    if (newest == Long.MIN_VALUE) return null;
    double[] w = new double[signals.size()];
    double total = 0;
    for (int i = 0; i < w.length; i++) {
      Signal s = signals.get(i);
      double wi = decay(s.typeWeight(), newest - Math.min(s.atMillis(), nowMillis));
      w[i] = wi > 0 ? wi : 0;
      total += w[i];
    }
    if (total == 0) return null;
    for (int i = 0; i < w.length; i++) w[i] /= total;
    return w;
  }

  /** Events from the future (clock skew) count as now. */
  double decay(double typeWeight, long ageMillis) {
    return typeWeight * Math.pow(0.5, Math.max(0, ageMillis) / (double) halfLife.toMillis());
  }
}
