package model;

import java.nio.file.Path;

/** Picks the text encoder named in configuration. */
public final class TextEncoders {

  public static final String BGE_SMALL_ZH = "bge-small-zh";
  public static final String HASHED_NGRAMS = "hashed-ngrams";

  private TextEncoders() {}

  /**
   * {@code kind} "bge-small-zh" (the model; {@code cacheDir} receives its extracted files) or "hashed-ngrams"
   * (no model, {@code hashedDim} coordinates; for tiny deployments and fast tests).
   */
  public static TextEncoder create(String kind, int hashedDim, Path cacheDir) {
    if (kind == null) throw new IllegalArgumentException("kind must be " + BGE_SMALL_ZH + " or " + HASHED_NGRAMS);
    return switch (kind.strip().toLowerCase(java.util.Locale.ROOT)) {
      case BGE_SMALL_ZH -> BgeSmallZhEncoder.open(cacheDir == null ? defaultCacheDir() : cacheDir);
      case HASHED_NGRAMS -> new HashedNgramEncoder(hashedDim, HashedNgramEncoder.DEFAULT_SEED);
      default -> throw new IllegalArgumentException(
          "kind must be " + BGE_SMALL_ZH + " or " + HASHED_NGRAMS + ", got '" + kind + "'");
    };
  }

  /** Defaults: 256 hashed coordinates, cache under {@link #defaultCacheDir()}. */
  public static TextEncoder create(String kind) {
    return create(kind, HashedNgramEncoder.DEFAULT_DIM, null);
  }

  /** {@code -Dthermocline.cache.dir}, else {@code ~/.cache/thermocline}. */
  public static Path defaultCacheDir() {
    String configured = System.getProperty("thermocline.cache.dir");
    if (configured != null && !configured.isBlank()) return Path.of(configured);
    return Path.of(System.getProperty("user.home"), ".cache", "thermocline");
  }
}
