package streams;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Interaction JSON, the same shape on HTTP and on the interactions topic:
 * {@code {"userId": "u1", "itemId": "v123", "type": "click", "ts": 1763892000000}}.
 *
 * <p>Rules: {@code userId} and {@code itemId} are strings of 1–128 characters (code points) without control
 * characters or unpaired surrogates; {@code type} is one of the {@link EventType} wire names; {@code ts} is epoch
 * milliseconds (a non-negative integral number) or an ISO-8601 date-time with an offset ("2025-11-23T10:00:00Z",
 * "…+08:00") from 1970 to a day after now. Unknown fields are ignored, so producers may add fields. Every
 * violation names the field by its JSON path. The rules are {@link WireRules}'; the JSON is read by
 * {@link StrictJson} (one value, bounded numbers and nesting, no duplicate keys).
 */
public final class InteractionCodec {

  public static final int MAX_ID_LENGTH = WireRules.MAX_ID_CHARS;

  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private InteractionCodec() {}

  /** A whole record (a Kafka value): one JSON object in UTF-8. Fields are named from the root ("type"). */
  public static Interaction parse(byte[] json) throws BadRecord {
    if (json == null) throw new BadRecord("", "record has no value");
    JsonNode node = StrictJson.read(json);
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
    return WireRules.identifier(requiredString(event, field, name), field);
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

  /** A time as the API writes it: see {@link WireRules#epochMillis(JsonNode, String)}. */
  public static long epochMillis(JsonNode v, String field) throws BadRecord {
    return WireRules.epochMillis(v, field);
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

  static String kind(JsonNode v) {
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
