package embedding;

/**
 * Occupancy summary of a tier, or of any set of its ranges (summed with {@link #plus}).
 *
 * @param buckets rows available
 * @param items items placed
 * @param occupiedBuckets rows holding at least one item
 * @param itemsInSharedBuckets items whose row holds at least one other item
 */
public record TierOccupancy(long buckets, long items, long occupiedBuckets, long itemsInSharedBuckets) {

  public TierOccupancy {
    if (buckets < 0 || items < 0 || occupiedBuckets < 0 || itemsInSharedBuckets < 0) {
      throw new IllegalArgumentException("occupancy counts must be >= 0");
    }
    if (occupiedBuckets > buckets || occupiedBuckets > items || itemsInSharedBuckets > items) {
      throw new IllegalArgumentException(
          "inconsistent occupancy: buckets=" + buckets + " items=" + items + " occupied="
              + occupiedBuckets + " shared=" + itemsInSharedBuckets);
    }
  }

  public static TierOccupancy empty(long buckets) {
    return new TierOccupancy(buckets, 0, 0, 0);
  }

  public TierOccupancy plus(TierOccupancy o) {
    return new TierOccupancy(
        buckets + o.buckets,
        items + o.items,
        occupiedBuckets + o.occupiedBuckets,
        itemsInSharedBuckets + o.itemsInSharedBuckets);
  }

  /** Items per bucket. */
  public double loadFactor() {
    return buckets == 0 ? 0 : (double) items / buckets;
  }

  /** Fraction of items that share their row with another item; 0 when there are no items. */
  public double collisionRate() {
    return items == 0 ? 0 : (double) itemsInSharedBuckets / items;
  }

  /**
   * Fraction of items that did not get a row of their own: {@code 1 - occupied/items}, i.e. the
   * items beyond the first in each row. 0 when there are no items.
   */
  public double displacedRate() {
    return items == 0 ? 0 : 1 - (double) occupiedBuckets / items;
  }
}
