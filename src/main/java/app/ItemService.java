package app;

import actors.BucketRange;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import embedding.ItemHasher;
import embedding.StoreLayout;
import embedding.TierKind;
import embedding.TierSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import storage.ItemRecord;
import storage.ItemStore;

/**
 * Registers and reads items: the items table says where an item's row lives, the {@link BucketRange} that
 * owns the row holds its values and counts its occupants.
 *
 * <p>Registration order makes retries safe: insert-if-absent (one winner), then count the occupant with an
 * operation id derived from the item (a repeat is a no-op in the range), then mark the row counted. A crash
 * between steps leaves {@code counted = false}, and the next registration of the item finishes the job.
 */
public final class ItemService {

  public record Registered(ItemRecord record, boolean created) {}

  /** An item with its current hash row and the fusion weight of its tier. */
  public record ItemView(ItemRecord record, float[] hash, double alpha) {}

  private final ActorSystem<?> system;
  private final ItemStore store;
  private final StoreLayout layout;
  private final Duration askTimeout;
  private final Clock clock;
  private final Map<String, ItemHasher> hashers = new HashMap<>();

  public ItemService(ActorSystem<?> system, ItemStore store, StoreLayout layout, Duration askTimeout, Clock clock) {
    this.system = system;
    this.store = store;
    this.layout = layout;
    this.askTimeout = askTimeout;
    this.clock = clock;
    for (TierSpec t : layout.tiers()) {
      if (t.kind() == TierKind.HASHED) hashers.put(t.name(), new ItemHasher(t.seed()));
    }
  }

  /** Where a new item goes: the entry tier, its MurmurHash3 bucket. */
  public int entryBucket(String itemId) {
    TierSpec entry = layout.entryTier();
    return hashers.get(entry.name()).bucket(itemId, entry.capacity());
  }

  public CompletionStage<Registered> register(String itemId, ItemRecord.ItemMetadata metadata) {
    String tier = layout.entryTier().name();
    return store.register(itemId, metadata, tier, entryBucket(itemId), -1, clock.instant())
        .thenCompose(reg -> reg.record().counted()
            ? CompletableFuture.completedFuture(new Registered(reg.record(), reg.created()))
            : countOccupant(reg.record()).thenApply(ignored -> new Registered(reg.record(), reg.created())));
  }

  private CompletionStage<Void> countOccupant(ItemRecord item) {
    int rowsPerRange = layout.rowsPerRange();
    String entityId = StoreLayout.entityId(item.tier(), item.row() / rowsPerRange);
    String opId = "register:" + item.tier() + ":" + item.row() + ":" + item.itemId();
    return ClusterSharding.get(system).entityRefFor(BucketRange.TYPE_KEY, entityId)
        .<BucketRange.Ack>ask(replyTo -> new BucketRange.AddOccupant(opId, item.row() % rowsPerRange, false, replyTo),
            askTimeout)
        .thenCompose(ack -> {
          if (!ack.persisted()) throw new IllegalStateException("occupancy not counted: " + ack.error());
          return store.markCounted(item.itemId());
        });
  }

  public CompletionStage<Optional<ItemView>> find(String itemId) {
    return store.find(itemId).thenCompose(found -> {
      if (found.isEmpty()) return CompletableFuture.completedFuture(Optional.<ItemView>empty());
      ItemRecord item = found.get();
      return readRow(item.tier(), item.row()).thenApply(hash ->
          Optional.of(new ItemView(item, hash, layout.tier(item.tier()).initialAlpha())));
    });
  }

  /** The current hash row of a tier's global row. */
  public CompletionStage<float[]> readRow(String tier, int row) {
    int rowsPerRange = layout.rowsPerRange();
    String entityId = StoreLayout.entityId(tier, row / rowsPerRange);
    return ClusterSharding.get(system).entityRefFor(BucketRange.TYPE_KEY, entityId)
        .<BucketRange.RowsRead>ask(replyTo -> new BucketRange.ReadRows(new int[] {row % rowsPerRange}, replyTo),
            askTimeout)
        .thenApply(read -> {
          if (read.error() != null) throw new IllegalStateException(read.error());
          return read.row(0);
        });
  }
}
