package simulation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The world's items and events in the JSON shapes of docs/API.md: an item as in {@code POST /v1/items}, an event as
 * in {@code POST /v1/interactions} (and on the Kafka topics).
 */
public final class WireJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private WireJson() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** {@code {"itemId", "title", "tags", "category", "uploaderId", "createdAt"}}; absent metadata is left out. */
  public static ObjectNode item(SyntheticWorld.Item item) {
    ObjectNode o = MAPPER.createObjectNode().put("itemId", item.itemId());
    if (item.title() != null) o.put("title", item.title());
    if (!item.tags().isEmpty()) {
      ArrayNode tags = o.putArray("tags");
      item.tags().forEach(tags::add);
    }
    if (item.category() != null) o.put("category", item.category());
    if (item.uploaderId() != null) o.put("uploaderId", item.uploaderId());
    o.put("createdAt", Instant.ofEpochMilli(item.createdAtMillis()).toString());
    return o;
  }

  /** {@code {"userId", "itemId", "type", "ts"}} with ts in epoch milliseconds. */
  public static ObjectNode event(SyntheticWorld world, SimEvent event) {
    return MAPPER.createObjectNode()
        .put("userId", world.userId(event.user()))
        .put("itemId", world.itemId(event.item()))
        .put("type", event.type().wireName())
        .put("ts", event.tsMillis());
  }
}
