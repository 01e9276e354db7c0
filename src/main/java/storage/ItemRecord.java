package storage;

import java.time.Instant;
import java.util.List;

/**
 * An item as stored: metadata plus where its hash row lives. {@code bucket} for hashed tiers and {@code slot}
 * for the exclusive tier are global row numbers within the tier; the other is -1. {@code textHead} is the
 * metadata encoder's text part (null without a title).
 */
public record ItemRecord(
    String itemId,
    ItemMetadata metadata,
    String tier,
    int bucket,
    int slot,
    boolean counted,
    Instant registeredAt,
    Instant updatedAt,
    float[] textHead) {

  public int row() {
    return slot >= 0 ? slot : bucket;
  }

  /** What clients send about an item; every field but the id is optional (null). */
  public record ItemMetadata(String title, List<String> tags, String category, String uploaderId, Instant createdAt,
      float[] imageVector) {}
}
