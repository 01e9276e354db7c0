package embedding;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * One embedding tier: {@code capacity} rows split into ranges of {@code rowsPerRange} rows (the
 * unit of ownership and snapshotting; the last range may be short).
 *
 * @param name lowercase letters and digits only, so {@code "<tier>-<range>"} entity ids parse
 *     unambiguously
 * @param seed hash seed for {@link TierKind#HASHED} placement and for row initialisation
 * @param initialAlpha initial mixing weight of this tier, in (0, 1)
 * @param minDailyExposure daily exposures an item needs to qualify for this tier
 * @param initStd std of the rows' seeded initialisation; NaN = the layout's default (auxiliary tables such
 *     as user-ID rows start at 0 so they change nothing until learned)
 */
public record TierSpec(
    String name,
    TierKind kind,
    int capacity,
    int seed,
    double initialAlpha,
    long minDailyExposure,
    float initStd) {

  public TierSpec(String name, TierKind kind, int capacity, int seed, double initialAlpha, long minDailyExposure) {
    this(name, kind, capacity, seed, initialAlpha, minDailyExposure, Float.NaN);
  }

  /** An auxiliary table (see {@link TierKind#AUXILIARY}). */
  public static TierSpec auxiliary(String name, int capacity, int seed, float initStd) {
    return new TierSpec(name, TierKind.AUXILIARY, capacity, seed, Double.NaN, 0, initStd);
  }

  public boolean isItemTier() {
    return kind != TierKind.AUXILIARY;
  }

  private static final Pattern NAME = Pattern.compile("[a-z0-9]+");

  public TierSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("tier name must match [a-z0-9]+, got '" + name + "'");
    }
    if (capacity <= 0) {
      throw new IllegalArgumentException("tier '" + name + "': capacity must be > 0, got " + capacity);
    }
    if (kind != TierKind.AUXILIARY && !(initialAlpha > 0 && initialAlpha < 1)) {
      throw new IllegalArgumentException(
          "tier '" + name + "': initialAlpha must be in (0, 1), got " + initialAlpha);
    }
    if (!Float.isNaN(initStd) && (!(initStd >= 0) || Float.isInfinite(initStd))) {
      throw new IllegalArgumentException("tier '" + name + "': initStd must be finite and >= 0, got " + initStd);
    }
    if (minDailyExposure < 0) {
      throw new IllegalArgumentException(
          "tier '" + name + "': minDailyExposure must be >= 0, got " + minDailyExposure);
    }
  }

  static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  public int rangeCount(int rowsPerRange) {
    checkRowsPerRange(rowsPerRange);
    return (int) ((capacity + (long) rowsPerRange - 1) / rowsPerRange);
  }

  /** Rows in {@code range}: {@code rowsPerRange}, except possibly fewer in the last range. */
  public int rangeSize(int range, int rowsPerRange) {
    int count = rangeCount(rowsPerRange);
    if (range < 0 || range >= count) {
      throw new IndexOutOfBoundsException(
          "tier '" + name + "': range " + range + " outside [0, " + count + ")");
    }
    return (int) Math.min(rowsPerRange, capacity - (long) range * rowsPerRange);
  }

  public int rangeOf(int row, int rowsPerRange) {
    checkRow(row);
    checkRowsPerRange(rowsPerRange);
    return row / rowsPerRange;
  }

  public int rowInRange(int row, int rowsPerRange) {
    checkRow(row);
    checkRowsPerRange(rowsPerRange);
    return row % rowsPerRange;
  }

  /**
   * Seed of this tier's row initialisation. Mixes the name in as well, so two tiers configured
   * with the same seed still start from different rows.
   */
  public long tableSeed() {
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    return MurmurHash3.hash128x64(utf8, 0, utf8.length, seed)[0];
  }

  private void checkRow(int row) {
    if (row < 0 || row >= capacity) {
      throw new IndexOutOfBoundsException(
          "tier '" + name + "': row " + row + " outside [0, " + capacity + ")");
    }
  }

  private static void checkRowsPerRange(int rowsPerRange) {
    if (rowsPerRange <= 0) {
      throw new IllegalArgumentException("rowsPerRange must be > 0, got " + rowsPerRange);
    }
  }
}
