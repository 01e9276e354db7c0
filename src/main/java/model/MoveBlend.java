package model;

import java.time.Duration;
import java.util.Objects;

/**
 * The served vector of an item that moved between tiers (docs/design.md §1–2): its final vector before the move is
 * kept as an anchor, and it is served {@code w·anchor + (1 − w)·current}, with {@code w} falling linearly from
 * {@code startWeight} at the move to 0 after {@code window}. A move changes the item's hash row and fusion weight at
 * once; without the blend, its recommendations would jump with it.
 *
 * <p>The blend is not renormalised: at the move it is exactly {@code 0.8·old + 0.2·new} (both unit vectors, so its
 * length is a little below 1), and the index normalises for cosine anyway.
 */
public record MoveBlend(double startWeight, Duration window) {

  /** The default: 0.8 of the old vector at the move, none after a day. */
  public static final MoveBlend DEFAULT = new MoveBlend(0.8, Duration.ofHours(24));

  public MoveBlend {
    Objects.requireNonNull(window, "window");
    if (!(startWeight >= 0 && startWeight <= 1)) {
      throw new IllegalArgumentException("blend start weight must be in [0, 1], got " + startWeight);
    }
    if (window.isNegative()) throw new IllegalArgumentException("blend window must be >= 0, got " + window);
  }

  /**
   * Weight of the anchor {@code nowMillis} for an item moved at {@code movedAtMillis}: the start weight at the move
   * (and before it, should clocks disagree), 0 from the end of the window on.
   */
  public double anchorWeight(long movedAtMillis, long nowMillis) {
    long windowMillis = window.toMillis();
    long elapsed = Math.max(0, nowMillis - movedAtMillis);
    if (elapsed >= windowMillis) return 0;
    return startWeight * (1 - (double) elapsed / windowMillis);
  }

  /** {@code w·anchor + (1 − w)·current}; {@code current} itself when w is 0 or there is no usable anchor. */
  public static float[] mix(float[] anchor, float[] current, double w) {
    if (w <= 0 || anchor == null || anchor.length != current.length) return current;
    float[] out = new float[current.length];
    for (int i = 0; i < out.length; i++) out[i] = (float) (w * anchor[i] + (1 - w) * current[i]);
    return out;
  }
}
