package retrieval;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which of a shard's items to re-serve next, so that every item's indexed vector is recomputed from the current
 * rows at least once per {@code period}.
 *
 * <p>Why a sweep: an item's served vector {@code normalise(a·h + (1−a)·m)} moves whenever a row it shares moves
 * (θ of its tier, its tag, category and uploader rows), and the learner names only the items whose own rows were
 * in a batch. One popular tag row can stand behind millions of items, and a busy tag row changes every batch:
 * re-indexing the items behind each changed shared row would re-index most of the catalogue every batch. The
 * sweep costs a fixed {@code size / period} items a second whatever learning does, and bounds how long an indexed
 * vector can lag its item (one period, plus one load).
 *
 * <p>Walks the index's ordinals in order, {@link #perTick} of them a tick; an item re-linked meanwhile moves to a
 * fresh ordinal and may be visited twice or (having just been re-indexed) not at all in that pass. Not
 * thread-safe: the shard's actor owns it.
 */
public final class RefreshSweep {

  /** The items of a shard from an ordinal on: see {@link VectorIndex#idsFrom}. */
  public interface Ids {
    int idsFrom(int from, int max, List<String> out);

    int size();
  }

  private final long periodMillis;
  private final long tickMillis;
  private int cursor;
  private long passes;

  /** @param period how long one pass over every item may take; @param tick how often {@link #next} is asked */
  public RefreshSweep(Duration period, Duration tick) {
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(tick, "tick");
    if (period.isNegative() || period.isZero()) throw new IllegalArgumentException("period must be positive");
    if (tick.isNegative() || tick.isZero() || tick.compareTo(period) > 0) {
      throw new IllegalArgumentException("tick must be positive and at most the period");
    }
    this.periodMillis = period.toMillis();
    this.tickMillis = tick.toMillis();
  }

  /** Items one tick takes from a shard of {@code size}: enough to visit every one within the period. */
  public int perTick(int size) {
    if (size <= 0) return 0;
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, -Math.floorDiv(-(long) size * tickMillis, periodMillis)));
  }

  /** The next items to re-serve (empty for an empty shard); counts a pass each time the walk reaches the end. */
  public List<String> next(Ids ids) {
    List<String> out = new ArrayList<>();
    int want = perTick(ids.size());
    if (want == 0) return out;
    int next = ids.idsFrom(cursor, want, out);
    if (next < 0) {
      passes++;
      cursor = 0;
    } else {
      cursor = next;
    }
    return out;
  }

  /** Passes completed: every item there was when a pass started has been handed out since (see the class note). */
  public long passes() {
    return passes;
  }
}
