package storage;

import java.time.Instant;
import java.util.List;

/**
 * An item as stored: metadata plus where its hash row lives. {@code bucket} for hashed tiers and {@code slot}
 * for the exclusive tier are global row numbers within the tier; the other is -1. {@code textHead} is the
 * metadata encoder's text part (null without a title).
 *
 * <p>Tier migration adds: {@code anchor}, the item's served vector just before its last move, and {@code movedAt},
 * when it moved (both null when it never moved: see {@code model.MoveBlend}); {@code expiredAt}, set while the item
 * is expired (out of its tier's occupancy and of recall; {@code counted} is false then); {@code moveRun}, the
 * migration run that last moved or expired it, so a resumed run knows the item is done.
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
    float[] textHead,
    float[] anchor,
    Instant movedAt,
    Instant expiredAt,
    String moveRun) {

  /** An item that never moved nor expired. */
  public ItemRecord(String itemId, ItemMetadata metadata, String tier, int bucket, int slot, boolean counted,
      Instant registeredAt, Instant updatedAt, float[] textHead) {
    this(itemId, metadata, tier, bucket, slot, counted, registeredAt, updatedAt, textHead, null, null, null, null);
  }

  /** Out of its tier's occupancy and of recall until it is posted or shown again. */
  public boolean expired() {
    return expiredAt != null;
  }

  public int row() {
    return slot >= 0 ? slot : bucket;
  }

  /** What clients send about an item; every field but the id is optional (null). */
  public record ItemMetadata(String title, List<String> tags, String category, String uploaderId, Instant createdAt,
      float[] imageVector) {}
}
