package embedding;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which tier an item belongs in, by its daily exposure, and whether it has gone quiet long enough to expire.
 *
 * <p>Hysteresis: an item enters a tier when its exposure reaches the tier's {@code minDailyExposure} (promotion),
 * but leaves it only when its exposure falls below {@code demoteShare} of that threshold (demotion). Between the
 * two it stays where it is, so an item hovering at a border does not move back and forth on every run. A demoted
 * item goes to the highest tier whose promotion threshold it still meets. Applying the decision to its own result
 * changes nothing (a fixed point), so a run that re-reads an item it already moved leaves it there.
 */
public final class TierPolicy {

  private final List<TierSpec> byThresholdDescending;
  private final double demoteShare;

  /**
   * @param itemTiers the item tiers (auxiliary tables are ignored)
   * @param demoteShare in (0, 1]: share of a tier's threshold below which its items are demoted (1 = no hysteresis)
   */
  public TierPolicy(List<TierSpec> itemTiers, double demoteShare) {
    if (!(demoteShare > 0 && demoteShare <= 1)) {
      throw new IllegalArgumentException("demote share must be in (0, 1], got " + demoteShare);
    }
    List<TierSpec> tiers = new ArrayList<>();
    for (TierSpec t : itemTiers) if (t.isItemTier()) tiers.add(t);
    if (tiers.isEmpty()) throw new IllegalArgumentException("no item tiers");
    tiers.sort(Comparator.comparingLong(TierSpec::minDailyExposure).reversed());
    this.byThresholdDescending = List.copyOf(tiers);
    this.demoteShare = demoteShare;
  }

  public double demoteShare() {
    return demoteShare;
  }

  /** The tier an item in {@code current} with {@code dailyExposure} should be in (possibly {@code current}). */
  public TierSpec target(TierSpec current, long dailyExposure) {
    Objects.requireNonNull(current, "current");
    TierSpec qualified = highestQualified(dailyExposure);
    if (qualified.minDailyExposure() > current.minDailyExposure()) return qualified; // promotion
    if (dailyExposure < demoteShare * current.minDailyExposure()) return qualified; // demotion past the margin
    return current;
  }

  private TierSpec highestQualified(long dailyExposure) {
    for (TierSpec t : byThresholdDescending) if (dailyExposure >= t.minDailyExposure()) return t;
    return byThresholdDescending.get(byThresholdDescending.size() - 1);
  }

  /**
   * An item's daily exposure: the largest of its daily impression counts over the last {@code lookbackDays} UTC
   * days, today included. Today is partial, so a run soon after midnight still sees yesterday's full day.
   */
  public static long dailyExposure(Map<LocalDate, Long> impressionsByDay, LocalDate today, int lookbackDays) {
    if (lookbackDays < 1) throw new IllegalArgumentException("lookback must be >= 1 day, got " + lookbackDays);
    LocalDate first = today.minusDays(lookbackDays - 1L);
    long max = 0;
    for (var e : impressionsByDay.entrySet()) {
      if (!e.getKey().isBefore(first) && !e.getKey().isAfter(today)) max = Math.max(max, e.getValue());
    }
    return max;
  }

  /**
   * When an item last showed any sign of life: the end of its last UTC day with exposure or a positive
   * interaction, or its last registration ({@code updatedAt}), whichever is later.
   */
  public static Instant lastActivity(LocalDate lastActiveDay, Instant updatedAt) {
    Instant dayEnd = lastActiveDay == null ? Instant.EPOCH
        : lastActiveDay.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    return updatedAt != null && updatedAt.isAfter(dayEnd) ? updatedAt : dayEnd;
  }

  /** Whether an item quiet since {@code lastActivity} expires at {@code now}; {@code expireAfter} 0 = never. */
  public static boolean expired(Instant lastActivity, Instant now, Duration expireAfter) {
    if (expireAfter.isZero()) return false;
    return !lastActivity.plus(expireAfter).isAfter(now);
  }
}
