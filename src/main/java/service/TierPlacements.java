package service;

import actors.BucketRange;
import actors.BucketRanges;
import actors.HotSlotAllocator;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import embedding.ItemHasher;
import embedding.StoreLayout;
import embedding.TierKind;
import embedding.TierSpec;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import storage.ItemRecord;

/**
 * Taking and giving up an item's row in a tier: an exclusive slot from the hot tier's {@link HotSlotAllocator}s, or
 * a count in a hashed bucket's occupancy. Every step is idempotent (allocation per item, occupancy per operation
 * id), so a move that is repeated after a crash counts its item once.
 */
final class TierPlacements {

  /** Where an item's row is: {@code bucket} in a hashed tier or {@code slot} in the exclusive one, the other -1. */
  record Placement(String tier, int bucket, int slot) {}

  private final ActorSystem<?> system;
  private final StoreLayout layout;
  private final BucketRanges ranges;
  private final ItemPlacement placement;
  private final Duration askTimeout;
  private final ItemHasher hotRangeHasher;

  TierPlacements(ActorSystem<?> system, BucketRanges ranges, ItemPlacement placement, Duration askTimeout) {
    this.system = system;
    this.layout = ranges.layout();
    this.ranges = ranges;
    this.placement = placement;
    this.askTimeout = askTimeout;
    this.hotRangeHasher = new ItemHasher(0x5bd1e995 ^ layout.hotTier().seed());
  }

  /**
   * Claims a row for the item in {@code tier}: in the exclusive tier a slot of its own, set to {@code initialRow} with
   * a fresh optimizer state; in a hashed tier a count in its bucket, whose row becomes {@code initialRow} when nobody
   * else is counted there (a shared row stays as the others learned it). Empty when the exclusive tier is full.
   */
  CompletionStage<Optional<Placement>> claim(String itemId, TierSpec tier, float[] initialRow, String opPrefix) {
    if (tier.kind() == TierKind.EXCLUSIVE) {
      int rangeCount = layout.rangeCount(tier.name());
      return allocate(itemId, hotRangeHasher.bucket(itemId, rangeCount), 0, rangeCount).thenCompose(slot -> {
        if (slot.isEmpty()) return CompletableFuture.completedFuture(Optional.<Placement>empty());
        BucketRanges.Key key = new BucketRanges.Key(tier.name(), slot.get());
        return ranges.writeRows(ranges.entityOf(key), opPrefix + ":row", new int[] {ranges.rowInRange(key)},
                initialRow, true)
            .thenApply(ack -> {
              requirePersisted(ack);
              return Optional.of(new Placement(tier.name(), -1, slot.get()));
            });
      });
    }
    int bucket = placement.bucket(tier.name(), itemId);
    BucketRanges.Key key = new BucketRanges.Key(tier.name(), bucket);
    return ranges.addOccupant(ranges.entityOf(key), opPrefix + ":in", ranges.rowInRange(key), false, initialRow)
        .thenApply(ack -> {
          requirePersisted(ack);
          return Optional.of(new Placement(tier.name(), bucket, -1));
        });
  }

  /**
   * Tries the hot ranges from the item's own one on: an item that already holds a slot gets it again. Moves run
   * demotions before promotions, so a range found full stays full for the rest of a run, and a repeated claim
   * finds the same range.
   */
  private CompletionStage<Optional<Integer>> allocate(String itemId, int range, int tried, int rangeCount) {
    if (tried == rangeCount) return CompletableFuture.completedFuture(Optional.empty());
    return allocator(range).<HotSlotAllocator.Allocation>ask(r -> new HotSlotAllocator.Allocate(itemId, r), askTimeout)
        .thenCompose(a -> a.status() == HotSlotAllocator.Status.ALLOCATED
            ? CompletableFuture.completedFuture(Optional.of(a.range() * layout.rowsPerRange() + a.slot()))
            : allocate(itemId, (range + 1) % rangeCount, tried + 1, rangeCount));
  }

  /** Gives up the item's row: its hot slot back to the allocator, or its count in its bucket. */
  CompletionStage<Void> leave(ItemRecord item, String opId) {
    TierSpec tier = layout.tier(item.tier());
    if (tier.kind() == TierKind.EXCLUSIVE) {
      int range = item.slot() / layout.rowsPerRange();
      // NOT_FOUND: released before (a repeated move); RELEASED once the slot's occupancy is cleared.
      return allocator(range).<HotSlotAllocator.Allocation>ask(r -> new HotSlotAllocator.Release(item.itemId(), r),
          askTimeout).thenApply(a -> null);
    }
    BucketRanges.Key key = new BucketRanges.Key(item.tier(), item.row());
    // Rejected only when the bucket counts nobody: this very removal was applied before.
    return ranges.removeOccupant(ranges.entityOf(key), opId, ranges.rowInRange(key)).thenApply(ack -> null);
  }

  private akka.cluster.sharding.typed.javadsl.EntityRef<HotSlotAllocator.Command> allocator(int range) {
    return ClusterSharding.get(system).entityRefFor(HotSlotAllocator.TYPE_KEY, Integer.toString(range));
  }

  private static void requirePersisted(BucketRange.Ack ack) {
    if (!ack.persisted()) throw new IllegalStateException("row store refused: " + ack.error());
  }
}
