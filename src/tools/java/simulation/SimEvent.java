package simulation;

import java.util.Locale;

/**
 * One record of the synthetic stream: {@code user} and {@code item} are world indices (see
 * {@link SyntheticWorld#userId(int)} and {@link SyntheticWorld#itemId(int)} for the wire ids).
 */
public record SimEvent(int user, int item, Type type, long tsMillis) {

  /** The interaction types of docs/API.md that the world produces (it never emits "skip"). */
  public enum Type {
    IMPRESSION,
    CLICK,
    LIKE,
    FINISH,
    SHARE;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** The lower-case name used on HTTP and Kafka. */
    public String wireName() {
      return wireName;
    }

    public boolean positive() {
      return this != IMPRESSION;
    }
  }
}
