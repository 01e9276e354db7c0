package streams;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a user did with an item. On the wire (HTTP and Kafka) each type is its lower-case name. */
public enum EventType {
  IMPRESSION,
  CLICK,
  LIKE,
  FINISH,
  SHARE,
  SKIP;

  private static final String ALLOWED = Arrays.stream(values()).map(EventType::wireName)
      .collect(Collectors.joining(" | "));

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /**
   * The type named {@code wireName} exactly (lower case; "Click" is refused, so one spelling is stored).
   *
   * @throws IllegalArgumentException naming the allowed values
   */
  public static EventType parse(String wireName) {
    if (wireName != null) {
      for (EventType t : values()) {
        if (t.wireName.equals(wireName)) return t;
      }
    }
    throw new IllegalArgumentException("must be one of " + ALLOWED + ", got "
        + (wireName == null ? "null" : "\"" + wireName + "\""));
  }

  public String wireName() {
    return wireName;
  }

  /** A positive training signal (weighted by the learner); impressions and skips are not. */
  public boolean positive() {
    return this == CLICK || this == LIKE || this == FINISH || this == SHARE;
  }

  /** Counts as an exposure of the item (its heat), not as a training signal. */
  public boolean exposure() {
    return this == IMPRESSION;
  }
}
