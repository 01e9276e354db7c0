package streams;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Interaction JSON, the same shape on HTTP and on the interactions topic:
 * {@code {"userId": "u1", "itemId": "v123", "type": "click", "ts": 1763892000000}}.
 *
 * <p>Rules: {@code userId} and {@code itemId} are strings of 1–128 characters (code points) without control
 * characters or unpaired surrogates; {@code type} is one of the {@link EventType} wire names; {@code ts} is epoch
 * milliseconds (a non-negative integral number) or an ISO-8601 date-time with an offset ("2025-11-23T10:00:00Z",
 * "…+08:00") not before 1970. Unknown fields are ignored, so producers may add fields. Every violation names the
 * field by its JSON path.
 */
public final class InteractionCodec {

  public static final int MAX_ID_LENGTH = 128;

  // Strict: a duplicate key could mean two producers disagree about a value; trailing tokens mean two records
  // glued together. Non-numeric numbers (NaN) are refused by Jackson's defaults.
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private static final BigDecimal MAX_LONG = BigDecimal.valueOf(Long.MAX_VALUE);

  private InteractionCodec() {}

  /** A whole record (a Kafka value): one JSON object in UTF-8. Fields are named from the root ("type"). */
  public static Interaction parse(byte[] json) throws BadRecord {
    if (json == null) throw new BadRecord("", "record has no value");
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new BadRecord("", "malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new BadRecord("", "unreadable JSON: " + e.getMessage());
    }
    return parse(node, "");
  }

  /**
   * One event inside a larger document, e.g. element 3 of a request's {@code events} array.
   *
   * @param pathPrefix JSON path of {@code event} ("events[3]"), or empty for a record's root
   */
  public static Interaction parse(JsonNode event, String pathPrefix) throws BadRecord {
    String prefix = pathPrefix == null ? "" : pathPrefix;
    if (event == null || !event.isObject()) {
      throw new BadRecord(prefix, "must be a JSON object, got " + kind(event));
    }
    String userId = id(event, prefix, "userId");
    String itemId = id(event, prefix, "itemId");
    EventType type = type(event, prefix);
    long ts = ts(event, prefix);
    return new Interaction(userId, itemId, type, ts);
  }

  /** The record's JSON in UTF-8: ts as epoch milliseconds, type as its wire name. */
  public static byte[] toJson(Interaction event) {
    ObjectNode o = MAPPER.createObjectNode()
        .put("userId", event.userId())
        .put("itemId", event.itemId())
        .put("type", event.type().wireName())
        .put("ts", event.ts());
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render an interaction", e); // a tree of strings and a long: a bug
    }
  }

  private static String id(JsonNode event, String prefix, String name) throws BadRecord {
    String field = path(prefix, name);
    String s = requiredString(event, field, name);
    int length = s.codePointCount(0, s.length());
    if (length < 1 || length > MAX_ID_LENGTH) {
      throw new BadRecord(field, "must be 1–" + MAX_ID_LENGTH + " characters, got " + length);
    }
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (Character.isISOControl(cp)) {
        throw new BadRecord(field, "must not contain control characters (U+" + String.format("%04X", cp)
            + " at " + i + ")");
      }
      if (Character.getType(cp) == Character.SURROGATE) {
        throw new BadRecord(field, "must be valid Unicode (unpaired surrogate at " + i + ")");
      }
      i += Character.charCount(cp);
    }
    return s;
  }

  private static EventType type(JsonNode event, String prefix) throws BadRecord {
    String field = path(prefix, "type");
    String s = requiredString(event, field, "type");
    try {
      return EventType.parse(s);
    } catch (IllegalArgumentException e) {
      throw new BadRecord(field, e.getMessage());
    }
  }

  private static long ts(JsonNode event, String prefix) throws BadRecord {
    String field = path(prefix, "ts");
    JsonNode v = event.get("ts");
    if (v == null || v.isNull()) throw new BadRecord(field, "is required");
    return epochMillis(v, field);
  }

  /**
   * A time as the API writes it: whole epoch milliseconds (≥ 0) or an ISO-8601 date-time with an offset.
   *
   * @param field the JSON path named when the value is refused
   */
  public static long epochMillis(JsonNode v, String field) throws BadRecord {
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
      return d.longValueExact();
    }
    if (v.isTextual()) {
      long ms;
      try {
        ms = OffsetDateTime.parse(v.textValue(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
      } catch (DateTimeException | ArithmeticException e) {
        throw new BadRecord(field, "must be epoch milliseconds or an ISO-8601 date-time with an offset "
            + "(e.g. 2025-11-23T10:00:00Z), got \"" + v.textValue() + "\"");
      }
      if (ms < 0) throw new BadRecord(field, "must not be before 1970-01-01T00:00:00Z, got \"" + v.textValue() + "\"");
      return ms;
    }
    throw new BadRecord(field, "must be epoch milliseconds or an ISO-8601 string, got " + kind(v));
  }

  private static String requiredString(JsonNode event, String field, String name) throws BadRecord {
    JsonNode v = event.get(name);
    if (v == null || v.isNull()) throw new BadRecord(field, "is required");
    if (!v.isTextual()) throw new BadRecord(field, "must be a string, got " + kind(v));
    return v.textValue();
  }

  private static String path(String prefix, String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  private static String kind(JsonNode v) {
    if (v == null || v.isMissingNode()) return "nothing";
    return switch (v.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case BOOLEAN -> "a boolean";
      case NUMBER -> "a number";
      case STRING -> "a string";
      case NULL -> "null";
      case BINARY -> "binary data";
      case MISSING -> "nothing";
    };
  }
}
