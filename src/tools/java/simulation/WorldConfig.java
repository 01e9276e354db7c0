package simulation;

/**
 * Shape of a {@link SyntheticWorld}. Items are indexed in creation order: {@code initialItems} exist before
 * the stream starts, {@code streamItems} arrive evenly while it runs, {@code futureItems} arrive after it ends
 * (they never appear in the stream: the held-out new items of an evaluation).
 *
 * @param seed everything in the world is a function of it
 * @param topics latent topics, at most the vocabulary's topic count
 * @param events records in the stream (impressions, clicks, likes, finishes, shares)
 * @param zipfExponent item popularity ∝ rank^(−s)
 * @param userActivityExponent user activity ∝ rank^(−s)
 * @param userTopicConcentration Dirichlet α of user topic preferences (small: a few favourite topics)
 * @param personalizedShare share of impressions whose topic follows the user's preferences (else global popularity)
 * @param idiosyncrasy γ: weight of a per-item latent taste that no metadata reveals (learnable only from clicks)
 * @param clickScale click probability = 1 − exp(−clickScale · trueScore)
 * @param missingMetadataShare items with no title, tags or category (only an uploader)
 * @param eventIntervalMillis time between two records of the stream
 * @param startMillis time of the first record
 */
public record WorldConfig(
    long seed,
    int topics,
    int initialItems,
    int streamItems,
    int futureItems,
    int users,
    int uploaders,
    long events,
    double zipfExponent,
    double userActivityExponent,
    double userTopicConcentration,
    double personalizedShare,
    double idiosyncrasy,
    double clickScale,
    double missingMetadataShare,
    long eventIntervalMillis,
    long startMillis) {

  /** Latent dimension of the idiosyncratic taste vectors. */
  public static final int LATENT_DIM = 4;
  /** 2026-01-01T00:00:00Z. */
  public static final long DEFAULT_START_MILLIS = 1_767_225_600_000L;

  public WorldConfig {
    int maxTopics = Vocabulary.standard().topicCount();
    if (topics < 1 || topics > maxTopics) {
      throw new IllegalArgumentException("topics must be in [1, " + maxTopics + "], got " + topics);
    }
    if (initialItems < 1) throw new IllegalArgumentException("initialItems must be >= 1, got " + initialItems);
    if (streamItems < 0) throw new IllegalArgumentException("streamItems must be >= 0, got " + streamItems);
    if (futureItems < 0) throw new IllegalArgumentException("futureItems must be >= 0, got " + futureItems);
    if ((long) initialItems + streamItems + futureItems > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("initialItems + streamItems + futureItems is too large");
    }
    if (users < 1) throw new IllegalArgumentException("users must be >= 1, got " + users);
    if (uploaders < 1) throw new IllegalArgumentException("uploaders must be >= 1, got " + uploaders);
    if (events < 0) throw new IllegalArgumentException("events must be >= 0, got " + events);
    if (!(zipfExponent >= 0) || zipfExponent > 4) {
      throw new IllegalArgumentException("zipfExponent must be in [0, 4], got " + zipfExponent);
    }
    if (!(userActivityExponent >= 0) || userActivityExponent > 4) {
      throw new IllegalArgumentException("userActivityExponent must be in [0, 4], got " + userActivityExponent);
    }
    if (!(userTopicConcentration > 0) || Double.isInfinite(userTopicConcentration)) {
      throw new IllegalArgumentException(
          "userTopicConcentration must be finite and > 0, got " + userTopicConcentration);
    }
    if (!(personalizedShare >= 0 && personalizedShare <= 1)) {
      throw new IllegalArgumentException("personalizedShare must be in [0, 1], got " + personalizedShare);
    }
    if (!(idiosyncrasy >= 0) || idiosyncrasy > 10) {
      throw new IllegalArgumentException("idiosyncrasy must be in [0, 10], got " + idiosyncrasy);
    }
    if (!(clickScale > 0) || Double.isInfinite(clickScale)) {
      throw new IllegalArgumentException("clickScale must be finite and > 0, got " + clickScale);
    }
    if (!(missingMetadataShare >= 0 && missingMetadataShare <= 1)) {
      throw new IllegalArgumentException("missingMetadataShare must be in [0, 1], got " + missingMetadataShare);
    }
    if (eventIntervalMillis < 1) {
      throw new IllegalArgumentException("eventIntervalMillis must be >= 1, got " + eventIntervalMillis);
    }
    if (startMillis < 0) throw new IllegalArgumentException("startMillis must be >= 0, got " + startMillis);
  }

  /** A world of the given size with the default behaviour parameters. */
  public static WorldConfig of(long seed, int items, int users, long events) {
    if (items < 10) throw new IllegalArgumentException("items must be >= 10, got " + items);
    int future = Math.max(1, items / 10);
    int initial = Math.max(1, (items - future) / 2);
    int stream = items - future - initial;
    return new WorldConfig(seed, Vocabulary.standard().topicCount(), initial, stream, future, users,
        Math.max(1, items / 40), events, 1.0, 0.6, 0.15, 0.7, 1.0, 2.0, 0.03, 5, DEFAULT_START_MILLIS);
  }

  /** Seconds-scale world for unit tests. */
  public static WorldConfig tiny(long seed) {
    return of(seed, 2_000, 400, 60_000).withTopics(8);
  }

  public int items() {
    return initialItems + streamItems + futureItems;
  }

  /** Items that exist before the last record of the stream (the ones the stream may reference). */
  public int itemsBeforeEnd() {
    return initialItems + streamItems;
  }

  public long endMillis() {
    return startMillis + events * eventIntervalMillis;
  }

  public WorldConfig withSeed(long s) {
    return new WorldConfig(s, topics, initialItems, streamItems, futureItems, users, uploaders, events, zipfExponent,
        userActivityExponent, userTopicConcentration, personalizedShare, idiosyncrasy, clickScale,
        missingMetadataShare, eventIntervalMillis, startMillis);
  }

  public WorldConfig withTopics(int k) {
    return new WorldConfig(seed, k, initialItems, streamItems, futureItems, users, uploaders, events, zipfExponent,
        userActivityExponent, userTopicConcentration, personalizedShare, idiosyncrasy, clickScale,
        missingMetadataShare, eventIntervalMillis, startMillis);
  }

  public WorldConfig withEvents(long n) {
    return new WorldConfig(seed, topics, initialItems, streamItems, futureItems, users, uploaders, n, zipfExponent,
        userActivityExponent, userTopicConcentration, personalizedShare, idiosyncrasy, clickScale,
        missingMetadataShare, eventIntervalMillis, startMillis);
  }

  public WorldConfig withIdiosyncrasy(double gamma) {
    return new WorldConfig(seed, topics, initialItems, streamItems, futureItems, users, uploaders, events,
        zipfExponent, userActivityExponent, userTopicConcentration, personalizedShare, gamma, clickScale,
        missingMetadataShare, eventIntervalMillis, startMillis);
  }

  public WorldConfig withEventIntervalMillis(long ms) {
    return new WorldConfig(seed, topics, initialItems, streamItems, futureItems, users, uploaders, events,
        zipfExponent, userActivityExponent, userTopicConcentration, personalizedShare, idiosyncrasy, clickScale,
        missingMetadataShare, ms, startMillis);
  }
}
