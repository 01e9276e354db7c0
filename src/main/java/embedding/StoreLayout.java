package embedding;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Shape of the whole embedding store: row width, range size, initialisation scale and the tiers.
 * Each (tier, range) pair is one entity, named {@code "<tier>-<range>"}.
 */
public record StoreLayout(int dim, int rowsPerRange, float initStd, List<TierSpec> tiers) {

  public StoreLayout {
    if (dim <= 0) {
      throw new IllegalArgumentException("dim must be > 0, got " + dim);
    }
    if (rowsPerRange <= 0) {
      throw new IllegalArgumentException("rowsPerRange must be > 0, got " + rowsPerRange);
    }
    if (!(initStd >= 0) || Float.isInfinite(initStd)) {
      throw new IllegalArgumentException("initStd must be finite and >= 0, got " + initStd);
    }
    tiers = List.copyOf(Objects.requireNonNull(tiers, "tiers"));
    if (tiers.isEmpty()) {
      throw new IllegalArgumentException("at least one tier is required");
    }
    if (tiers.stream().filter(t -> t.kind() == TierKind.EXCLUSIVE).count() != 1) {
      throw new IllegalArgumentException("exactly one tier must be of kind exclusive (the hot tier)");
    }
    if (tiers.stream().noneMatch(t -> t.kind() == TierKind.HASHED)) {
      throw new IllegalArgumentException("at least one tier must be of kind hashed (new items enter one)");
    }
    Set<String> names = new HashSet<>();
    for (TierSpec tier : tiers) {
      if (!names.add(tier.name())) {
        throw new IllegalArgumentException("duplicate tier name '" + tier.name() + "'");
      }
    }
  }

  public TierSpec tier(String name) {
    for (TierSpec tier : tiers) {
      if (tier.name().equals(name)) {
        return tier;
      }
    }
    throw new IllegalArgumentException(
        "unknown tier '" + name + "' (known: "
            + tiers.stream().map(TierSpec::name).collect(Collectors.joining(", ")) + ")");
  }

  /** The tier of exclusive slots (the hot tier); a layout has exactly one. */
  public TierSpec hotTier() {
    return tiers.stream().filter(t -> t.kind() == TierKind.EXCLUSIVE).findFirst().orElseThrow();
  }

  /** The tiers items live in (hot, medium, cold), without the auxiliary tables. */
  public List<TierSpec> itemTiers() {
    return tiers.stream().filter(TierSpec::isItemTier).toList();
  }

  /** Init std of a tier's rows: its own, else the layout's. */
  public float initStd(String tier) {
    float own = tier(tier).initStd();
    return Float.isNaN(own) ? initStd : own;
  }

  /** Where new items start: the hashed tier with the lowest exposure threshold (the cold tier). */
  public TierSpec entryTier() {
    return tiers.stream().filter(t -> t.kind() == TierKind.HASHED)
        .min(java.util.Comparator.comparingLong(TierSpec::minDailyExposure)).orElseThrow();
  }

  public int rangeCount(String tier) {
    return tier(tier).rangeCount(rowsPerRange);
  }

  public int rangeSize(String tier, int range) {
    return tier(tier).rangeSize(range, rowsPerRange);
  }

  /** Seed of the tier's row initialisation; see {@link TierSpec#tableSeed()}. */
  public long tableSeed(String tier) {
    return tier(tier).tableSeed();
  }

  /** Global row of the first row of {@code range}, for {@link RowInit}. */
  public long firstGlobalRow(int range) {
    if (range < 0) {
      throw new IllegalArgumentException("range must be >= 0, got " + range);
    }
    return (long) range * rowsPerRange;
  }

  public static String entityId(String tier, int range) {
    if (!TierSpec.isValidName(tier)) {
      throw new IllegalArgumentException("tier name must match [a-z0-9]+, got '" + tier + "'");
    }
    if (range < 0) {
      throw new IllegalArgumentException("range must be >= 0, got " + range);
    }
    return tier + "-" + range;
  }

  /**
   * The entity of {@code range} of {@code tier} in model version {@code version} (the model registry): version 0,
   * the store as it was before versions existed, keeps the plain {@code <tier>-<range>}; a later version is
   * {@code <tier>-<range>@v<version>}, a separate entity with its own journal.
   */
  public static String entityId(String tier, int range, long version) {
    if (version < 0) throw new IllegalArgumentException("version must be >= 0, got " + version);
    String base = entityId(tier, range);
    return version == 0 ? base : base + VERSION_MARK + version;
  }

  private static final String VERSION_MARK = "@v";

  /** The model version an entity id belongs to (0 without a version suffix). */
  public static long versionOfEntity(String id) {
    int at = versionMark(id);
    if (at < 0) return 0;
    String digits = id.substring(at + VERSION_MARK.length());
    if (digits.isEmpty() || digits.charAt(0) == '0' || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw invalidEntity(id, "version must be a positive decimal number");
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw invalidEntity(id, "version does not fit in a long");
    }
  }

  /** The id without its version suffix: the same range in version 0. */
  public static String baseEntity(String id) {
    int at = versionMark(id);
    String base = at < 0 ? id : id.substring(0, at);
    separator(base);
    return base;
  }

  private static int versionMark(String id) {
    if (id == null) throw new IllegalArgumentException("entity id is null");
    return id.indexOf(VERSION_MARK);
  }

  public static String tierOfEntity(String id) {
    String base = baseEntity(id);
    return base.substring(0, separator(base));
  }

  public static int rangeOfEntity(String id) {
    String base = baseEntity(id);
    int sep = separator(base);
    try {
      return Integer.parseInt(base, sep + 1, base.length(), 10);
    } catch (NumberFormatException e) {
      throw invalidEntity(id, "range does not fit in an int");
    }
  }

  /**
   * Index of the '-' in a canonical entity id: a valid tier name, '-', then a decimal range
   * without sign or leading zeros (so that parsing and {@link #entityId} are inverses).
   */
  private static int separator(String id) {
    if (id == null) {
      throw new IllegalArgumentException("entity id is null");
    }
    int sep = id.indexOf('-');
    if (sep < 0) {
      throw invalidEntity(id, "missing '-'");
    }
    if (!TierSpec.isValidName(id.substring(0, sep))) {
      throw invalidEntity(id, "tier part must match [a-z0-9]+");
    }
    int digits = id.length() - sep - 1;
    if (digits == 0) {
      throw invalidEntity(id, "missing range");
    }
    for (int i = sep + 1; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        throw invalidEntity(id, "range must be a non-negative decimal number");
      }
    }
    if (digits > 1 && id.charAt(sep + 1) == '0') {
      throw invalidEntity(id, "range has a leading zero");
    }
    return sep;
  }

  private static IllegalArgumentException invalidEntity(String id, String why) {
    return new IllegalArgumentException(
        "invalid entity id '" + id + "': " + why + " (expected '<tier>-<range>')");
  }
}
