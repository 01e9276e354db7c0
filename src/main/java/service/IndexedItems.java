package service;

import actors.RetrievalShard;
import storage.ItemRecord;

/** What a retrieval shard indexes of an item: its served vector, category, tier, creation time and popularity. */
final class IndexedItems {

  private IndexedItems() {}

  static RetrievalShard.IndexedItem of(ItemRecord item, float[] vector, double popularity) {
    var m = item.metadata();
    long created = m.createdAt() != null ? m.createdAt().toEpochMilli() : item.registeredAt().toEpochMilli();
    return new RetrievalShard.IndexedItem(item.itemId(), vector, m.category(), item.tier(), created, popularity);
  }
}
