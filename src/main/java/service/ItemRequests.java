package service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import storage.ItemRecord.ItemMetadata;

/** Validates item bodies against the rules of docs/API.md; every refusal names the field (a JSON path). */
public final class ItemRequests {

  public static final int MAX_ID_CHARS = Fields.MAX_ID_CHARS;
  public static final int MAX_TITLE_CHARS = 1000;
  public static final int MAX_TAGS = 64;
  public static final int MAX_TAG_CHARS = 64;
  public static final int MAX_CATEGORY_CHARS = 128;

  /** A valid item registration. */
  public record ItemInput(String itemId, ItemMetadata metadata) {}

  private final int imageVectorDim;

  public ItemRequests(int imageVectorDim) {
    this.imageVectorDim = imageVectorDim;
  }

  /** @param path JSON path prefix of the item ("" for a single item, "items[3]." in a batch) */
  public ItemInput parse(JsonNode node, String path) {
    if (node == null || !node.isObject()) throw ApiError.badField(trim(path), "an item must be a JSON object");
    ObjectNode o = (ObjectNode) node;
    String itemId = identifier(o, path, "itemId", true);
    String title = text(o, path, "title", MAX_TITLE_CHARS);
    List<String> tags = tags(o, path);
    String category = text(o, path, "category", MAX_CATEGORY_CHARS);
    String uploaderId = identifier(o, path, "uploaderId", false);
    Instant createdAt = time(o, path, "createdAt");
    float[] image = vector(o, path, "imageVector", imageVectorDim);
    return new ItemInput(itemId, new ItemMetadata(title, tags, category, uploaderId, createdAt, image));
  }

  /** An item id as it appears in a URL path. */
  public static String pathId(String id) {
    return pathIdField(id, "itemId");
  }

  /** An identifier (1–128 characters, no control characters) that the error names as {@code field}. */
  public static String pathIdField(String id, String field) {
    return Fields.identifier(id, field);
  }

  private static String identifier(ObjectNode o, String path, String name, boolean required) {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) {
      if (required) throw ApiError.badField(path + name, name + " is required");
      return null;
    }
    return Fields.idValue(v, path + name);
  }


  private static String text(ObjectNode o, String path, String name, int maxChars) {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw ApiError.badField(path + name, name + " must be a string");
    String s = v.textValue();
    if (s.codePointCount(0, s.length()) > maxChars) {
      throw ApiError.badField(path + name, name + " must be at most " + maxChars + " characters");
    }
    if (s.indexOf('\0') >= 0) throw ApiError.badField(path + name, name + " must not contain NUL characters");
    return s;
  }

  private static List<String> tags(ObjectNode o, String path) {
    JsonNode v = o.get("tags");
    if (v == null || v.isNull()) return null;
    if (!v.isArray()) throw ApiError.badField(path + "tags", "tags must be an array of strings");
    if (v.size() > MAX_TAGS) throw ApiError.badField(path + "tags", "at most " + MAX_TAGS + " tags");
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      JsonNode t = v.get(i);
      String field = path + "tags[" + i + "]";
      if (!t.isTextual()) throw ApiError.badField(field, "each tag must be a string");
      String s = t.textValue();
      int n = s.codePointCount(0, s.length());
      if (n < 1 || n > MAX_TAG_CHARS) throw ApiError.badField(field, "a tag must be 1–" + MAX_TAG_CHARS + " characters");
      for (int k = 0; k < s.length(); k++) {
        if (Character.isISOControl(s.charAt(k))) throw ApiError.badField(field, "a tag must not contain control characters");
      }
      out.add(s);
    }
    return out.isEmpty() ? null : List.copyOf(out);
  }

  private static Instant time(ObjectNode o, String path, String name) {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) return null;
    if (v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0) return Instant.ofEpochMilli(v.longValue());
    if (v.isTextual()) {
      try {
        return OffsetDateTime.parse(v.textValue()).toInstant();
      } catch (DateTimeParseException e) {
        // fall through to the error below
      }
    }
    throw ApiError.badField(path + name, name + " must be an ISO-8601 time with offset or epoch milliseconds");
  }

  private static float[] vector(ObjectNode o, String path, String name, int dim) {
    JsonNode v = o.get(name);
    if (v == null || v.isNull()) return null;
    if (!v.isArray()) throw ApiError.badField(path + name, name + " must be an array of " + dim + " numbers");
    if (v.size() != dim) {
      throw ApiError.badField(path + name, name + " must have exactly " + dim + " numbers, got " + v.size());
    }
    float[] out = new float[dim];
    for (int i = 0; i < dim; i++) {
      JsonNode x = v.get(i);
      double d = x.isNumber() ? x.doubleValue() : Double.NaN;
      if (!x.isNumber() || !Double.isFinite(d) || Math.abs(d) > Float.MAX_VALUE) {
        throw ApiError.badField(path + name + "[" + i + "]", name + "[" + i + "] must be a finite number");
      }
      out[i] = (float) d;
    }
    return out;
  }

  private static String trim(String path) {
    return path.endsWith(".") ? path.substring(0, path.length() - 1) : (path.isEmpty() ? null : path);
  }
}
