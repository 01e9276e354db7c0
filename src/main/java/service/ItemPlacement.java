package service;

import embedding.ItemHasher;
import embedding.StoreLayout;
import embedding.TierKind;
import embedding.TierSpec;
import java.util.HashMap;
import java.util.Map;
import storage.ShardMembership;

/**
 * Where an item goes, a function of its id alone: its bucket in the entry tier, its retrieval shard and its part
 * of that shard's membership list. Registration, deletion and the stream consumers all place items through it.
 */
final class ItemPlacement {

  private final StoreLayout layout;
  private final int shards;
  private final Map<String, ItemHasher> hashers = new HashMap<>();
  // Own seeds: shard placement must not correlate with bucket placement.
  private final ItemHasher shardHasher = new ItemHasher(0x2c1b3c6d);
  private final ItemHasher partHasher = new ItemHasher(0x297a2d39);

  ItemPlacement(StoreLayout layout, int shards) {
    this.layout = layout;
    this.shards = shards;
    for (TierSpec t : layout.tiers()) {
      if (t.kind() == TierKind.HASHED) hashers.put(t.name(), new ItemHasher(t.seed()));
    }
  }

  /** Where a new item goes: the entry tier, its MurmurHash3 bucket. */
  int entryBucket(String itemId) {
    TierSpec entry = layout.entryTier();
    return hashers.get(entry.name()).bucket(itemId, entry.capacity());
  }

  /** An item's bucket in a hashed tier (its own seed, so tiers do not share collisions). */
  int bucket(String tier, String itemId) {
    ItemHasher hasher = hashers.get(tier);
    if (hasher == null) throw new IllegalArgumentException("not a hashed tier: " + tier);
    return hasher.bucket(itemId, layout.tier(tier).capacity());
  }

  int shards() {
    return shards;
  }

  int shardOf(String itemId) {
    return shardHasher.bucket(itemId, shards);
  }

  int membershipPart(String itemId) {
    return partHasher.bucket(itemId, ShardMembership.PARTS);
  }
}
