package service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import storage.ItemRecord.ItemMetadata;
import streams.WireRules;

/**
 * Validates item bodies against the rules of docs/API.md ({@link WireRules}, shared with the items topic);
 * every refusal names the field (a JSON path). Nothing is stored before the whole item passed.
 */
public final class ItemRequests {

  public static final int MAX_ID_CHARS = WireRules.MAX_ID_CHARS;
  public static final int MAX_TITLE_CHARS = WireRules.MAX_TITLE_CHARS;
  public static final int MAX_TAGS = WireRules.MAX_TAGS;
  public static final int MAX_TAG_CHARS = WireRules.MAX_TAG_CHARS;
  public static final int MAX_CATEGORY_CHARS = WireRules.MAX_CATEGORY_CHARS;

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
    String title = Fields.text(o, path + "title", "title", MAX_TITLE_CHARS);
    List<String> tags = tags(o, path);
    String category = Fields.text(o, path + "category", "category", MAX_CATEGORY_CHARS);
    String uploaderId = identifier(o, path, "uploaderId", false);
    Long createdAt = Fields.epochMillis(o.get("createdAt"), path + "createdAt");
    float[] image = vector(o, path, "imageVector", imageVectorDim);
    return new ItemInput(itemId, new ItemMetadata(title, tags, category, uploaderId,
        createdAt == null ? null : Instant.ofEpochMilli(createdAt), image));
  }

  /** An item id as it appears in a URL path. */
  public static String pathId(String id) {
    return pathIdField(id, "itemId");
  }

  /** An identifier (1–128 characters, no control characters, valid UTF-16) that the error names as {@code field}. */
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
      out.add(Fields.checked(() -> WireRules.tag(t.textValue(), field)));
    }
    return out.isEmpty() ? null : List.copyOf(out);
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
      String field = path + name + "[" + i + "]";
      JsonNode x = v.get(i);
      out[i] = Fields.checked(() -> WireRules.vectorComponent(x, field));
    }
    return out;
  }

  private static String trim(String path) {
    return path.endsWith(".") ? path.substring(0, path.length() - 1) : (path.isEmpty() ? null : path);
  }
}
