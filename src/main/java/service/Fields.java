package service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Typed reads of JSON fields that refuse bad values with the field named (API.md's error shape). */
public final class Fields {

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
    return ItemRequests.pathIdField(v.textValue(), field);
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
