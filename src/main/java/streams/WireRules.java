package streams;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The rules every input field obeys, one place per kind of field, shared by the HTTP request validation
 * ({@code service.ItemRequests}, {@code service.Fields}) and the Kafka record codecs ({@link InteractionCodec},
 * the items topic). A value that breaks a rule is a {@link BadRecord} naming the field: a 400 on HTTP, a dead
 * letter on Kafka. Nothing reaches a store or a topic before it passed these (docs/API.md lists the limits).
 */
public final class WireRules {

  /** Longest identifier (item, user, uploader id), in code points. */
  public static final int MAX_ID_CHARS = 128;
  public static final int MAX_TITLE_CHARS = 1000;
  public static final int MAX_TAGS = 64;
  public static final int MAX_TAG_CHARS = 64;
  /** Items and the recall filter alike: the filter is compared with items' categories. */
  public static final int MAX_CATEGORY_CHARS = 128;

  /**
   * Largest magnitude of an {@code imageVector} component: a sum of squares of 64 of them stays far below
   * {@code Float.MAX_VALUE} (3.4e38 per component made the metadata vector ±Infinity).
   */
  public static final double MAX_VECTOR_ABS = 1e6;

  /** Times: not before the epoch, and at most a day ahead of this node's clock (producers' clocks drift). */
  public static final long MAX_FUTURE_MILLIS = 86_400_000L;

  private static final BigDecimal MAX_LONG = BigDecimal.valueOf(Long.MAX_VALUE);

  private WireRules() {}

  /** An identifier: 1–128 code points, no control characters, valid UTF-16. */
  public static String identifier(String s, String field) throws BadRecord {
    int length = validUtf16(s, field);
    if (length < 1 || length > MAX_ID_CHARS) {
      throw new BadRecord(field, "must be 1–" + MAX_ID_CHARS + " characters, got " + length);
    }
    noControlCharacters(s, field);
    return s;
  }

  /** Free text (a title, a category): at most {@code maxChars} code points, valid UTF-16, no NUL. */
  public static String text(String s, String field, int maxChars) throws BadRecord {
    int length = validUtf16(s, field);
    if (length > maxChars) throw new BadRecord(field, "must be at most " + maxChars + " characters, got " + length);
    if (s.indexOf('\0') >= 0) throw new BadRecord(field, "must not contain NUL characters");
    return s;
  }

  /** A tag: 1–64 code points, valid UTF-16, no control characters. */
  public static String tag(String s, String field) throws BadRecord {
    int length = validUtf16(s, field);
    if (length < 1 || length > MAX_TAG_CHARS) {
      throw new BadRecord(field, "must be 1–" + MAX_TAG_CHARS + " characters, got " + length);
    }
    noControlCharacters(s, field);
    return s;
  }

  /**
   * The code point count of {@code s}, refusing an unpaired surrogate: it cannot be encoded as UTF-8, so
   * Cassandra's driver fails on it (a 500), and Java's encoder would turn it into '?', aliasing another id.
   */
  public static int validUtf16(String s, String field) throws BadRecord {
    int codePoints = 0;
    for (int i = 0; i < s.length(); i++, codePoints++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new BadRecord(field, "must be valid Unicode (unpaired surrogate at index " + i + ")");
      }
    }
    return codePoints;
  }

  private static void noControlCharacters(String s, String field) throws BadRecord {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c)) {
        throw new BadRecord(field, "must not contain control characters (U+" + String.format("%04X", (int) c)
            + " at index " + i + ")");
      }
    }
  }

  /** As {@link #epochMillis(JsonNode, String, long)} against this node's clock. */
  public static long epochMillis(JsonNode v, String field) throws BadRecord {
    return epochMillis(v, field, System.currentTimeMillis());
  }

  /**
   * A time as the API writes it: whole epoch milliseconds or an ISO-8601 date-time with an offset, from
   * 1970-01-01T00:00:00Z to a day after {@code nowMillis}. Later times would pin a user's event-time decay in
   * the far future (ts = Long.MAX_VALUE) or overflow the conversion to milliseconds (year 300,000,000).
   */
  public static long epochMillis(JsonNode v, String field, long nowMillis) throws BadRecord {
    long latest = nowMillis + MAX_FUTURE_MILLIS;
    long ms;
    if (v.isNumber()) {
      // A caller's own mapper may admit NaN and infinities; BigDecimal cannot hold them.
      if (v.isFloatingPointNumber() && !Double.isFinite(v.doubleValue()) && !v.isBigDecimal()) {
        throw new BadRecord(field, "must be a finite number, got " + v.asText());
      }
      // Integral by value: 1.7638920E12 from a client that only has doubles is the same instant.
      BigDecimal d = v.decimalValue();
      if (d.signum() < 0) throw new BadRecord(field, "must be epoch milliseconds >= 0, got " + v.asText());
      if (d.stripTrailingZeros().scale() > 0) {
        throw new BadRecord(field, "must be whole epoch milliseconds, got " + v.asText());
      }
      if (d.compareTo(MAX_LONG) > 0) throw new BadRecord(field, "is out of range: " + v.asText());
      ms = d.longValueExact();
    } else if (v.isTextual()) {
      Instant t;
      try {
        t = OffsetDateTime.parse(v.textValue(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      } catch (DateTimeException e) {
        throw new BadRecord(field, "must be epoch milliseconds or an ISO-8601 date-time with an offset "
            + "(e.g. 2025-11-23T10:00:00Z), got \"" + v.textValue() + "\"");
      }
      // Compared as instants: toEpochMilli overflows for years beyond ±292 million.
      if (t.isBefore(Instant.EPOCH)) {
        throw new BadRecord(field, "must not be before 1970-01-01T00:00:00Z, got \"" + v.textValue() + "\"");
      }
      if (t.isAfter(Instant.ofEpochMilli(latest))) throw tooLate(field, latest, "\"" + v.textValue() + "\"");
      return t.toEpochMilli();
    } else {
      throw new BadRecord(field, "must be epoch milliseconds or an ISO-8601 string, got " + InteractionCodec.kind(v));
    }
    if (ms > latest) throw tooLate(field, latest, Long.toString(ms));
    return ms;
  }

  private static BadRecord tooLate(String field, long latest, String got) {
    return new BadRecord(field, "is out of range: at most a day in the future (" + Instant.ofEpochMilli(latest)
        + " now), got " + got);
  }

  /** One vector component: a finite number of magnitude at most {@link #MAX_VECTOR_ABS}. */
  public static float vectorComponent(JsonNode x, String field) throws BadRecord {
    double d = x != null && x.isNumber() ? x.doubleValue() : Double.NaN;
    if (!Double.isFinite(d) || Math.abs(d) > MAX_VECTOR_ABS) {
      throw new BadRecord(field, "must be a finite number from -" + (long) MAX_VECTOR_ABS + " to "
          + (long) MAX_VECTOR_ABS);
    }
    return (float) d;
  }
}
