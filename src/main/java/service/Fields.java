package service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Typed reads of JSON fields that refuse bad values with the field named (docs/API.md's error shape). */
public final class Fields {

  /** Longest identifier (item, user, uploader id), in code points. */
  public static final int MAX_ID_CHARS = 128;

  private Fields() {}

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

  /** An identifier (1–128 characters, no control characters) that the error names as {@code field}. */
  public static String identifier(String id, String field) {
    String problem = idProblem(id);
    if (problem != null) throw ApiError.badField(field, field + " " + problem);
    return id;
  }

  private static String idProblem(String id) {
    int n = id.codePointCount(0, id.length());
    if (n < 1 || n > MAX_ID_CHARS) return "must be 1–" + MAX_ID_CHARS + " characters, got " + n;
    for (int i = 0; i < id.length(); i++) {
      if (Character.isISOControl(id.charAt(i))) return "must not contain control characters (at index " + i + ")";
    }
    return null;
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
