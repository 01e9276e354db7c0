package service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import streams.BadRecord;
import streams.WireRules;

/**
 * Typed reads of JSON fields that refuse bad values with the field named (docs/API.md's error shape). The
 * rules themselves are {@link WireRules}, shared with the Kafka record codecs; this class turns their
 * {@link BadRecord} into a 400.
 */
public final class Fields {

  /** Longest identifier (item, user, uploader id), in code points. */
  public static final int MAX_ID_CHARS = WireRules.MAX_ID_CHARS;

  private Fields() {}

  /** A rule that may refuse its input. */
  @FunctionalInterface
  public interface Rule<T> {
    T check() throws BadRecord;
  }

  /** Runs a wire rule; a refusal becomes a 400 naming the field ("itemId must be 1–128 characters, got 0"). */
  public static <T> T checked(Rule<T> rule) {
    try {
      return rule.check();
    } catch (BadRecord bad) {
      throw refused(bad);
    }
  }

  /** A wire rule's refusal as the API's 400. */
  public static ApiError refused(BadRecord bad) {
    String field = bad.field().isEmpty() ? null : bad.field();
    return ApiError.badField(field, field == null ? bad.getMessage() : field + " " + bad.getMessage());
  }

  public static String id(ObjectNode o, String name, boolean required) {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) {
      if (required) throw ApiError.badField(name, name + " is required");
      return null;
    }
    return idValue(v, name);
  }

  public static String idValue(JsonNode v, String field) {
    if (v == null || !v.isTextual()) throw ApiError.badField(field, field + " must be a string");
    return identifier(v.textValue(), field);
  }

  /** An identifier (1–128 characters, no control characters, valid UTF-16) that the error names as {@code field}. */
  public static String identifier(String id, String field) {
    return checked(() -> WireRules.identifier(id, field));
  }

  /** An optional free-text field of at most {@code maxChars} code points ({@link WireRules#text}). */
  public static String text(ObjectNode o, String field, String name, int maxChars) {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw ApiError.badField(field, field + " must be a string");
    return checked(() -> WireRules.text(v.textValue(), field, maxChars));
  }

  /** An optional time ({@link WireRules#epochMillis}): epoch ms or ISO-8601, 1970 to a day from now. */
  public static Long epochMillis(JsonNode v, String field) {
    if (v == null || v.isNull()) return null;
    return checked(() -> WireRules.epochMillis(v, field));
  }

  public static int intInRange(ObjectNode o, String name, int min, int max, int dflt) {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) return dflt;
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
      throw ApiError.badField(name, name + " must be an integer from " + min + " to " + max);
    }
    return v.intValue();
  }

  public static boolean bool(ObjectNode o, String name, boolean dflt) {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) return dflt;
    if (!v.isBoolean()) throw ApiError.badField(name, name + " must be true or false");
    return v.booleanValue();
  }
}
