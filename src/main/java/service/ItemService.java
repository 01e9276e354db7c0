package service;

import actors.BucketRange;
import actors.BucketRanges;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import storage.ItemRecord;
import storage.InteractionStore;
import storage.ItemStore;
import storage.ShardMembership;
import actors.RetrievalShard;
import akka.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Registers and reads items: the items table says where an item's row lives, the {@link BucketRange} that
 * owns the row holds its values and counts its occupants.
 *
 * <p>Registration order makes retries safe: insert-if-absent (one winner), then count the occupant with an
 * operation id derived from the item (a repeat is a no-op in the range), then mark the row counted. A crash
 * between steps leaves {@code counted = false}, and the next registration of the item finishes the job.
 */
public final class ItemService implements RetrievalShard.ItemSource {

  public record Registered(ItemRecord record, boolean created) {}

  /**
   * The node-wide registration queue: registrations are grouped into batches of up to {@code batchSize} (waiting
   * at most {@code batchWindow} to fill one), at most {@code parallelism} batches run at once, up to
   * {@code queueSize} registrations wait.
   */
  public record RegistrationQueue(int parallelism, int queueSize, int batchSize, Duration batchWindow) {}

  /** An item with its current hash row, the fusion weight of its tier and its exposure counts. */
  public record ItemView(ItemRecord record, FusionService.Served served, InteractionStore.Exposures exposures) {}

  private final ActorSystem<?> system;
  private final ItemStore store;
  private final FusionService fusion;
  private final BucketRanges ranges;
  private final Duration askTimeout;
  private final Clock clock;
  private static final int REBUILD_CHUNK = 500;

  private akka.stream.javadsl.SourceQueueWithComplete<BatchRegistrar.Job> queue;

  private final ShardMembership membership;
  private final InteractionStore interactions;
  private final ItemPlacement placement;

  /** @param ranges the bucket ranges, asked within {@code askTimeout} */
  public ItemService(ActorSystem<?> system, ItemStores stores, FusionService fusion, BucketRanges ranges, int shards,
      Duration askTimeout, Clock clock) {
    this.system = system;
    this.fusion = fusion;
    this.ranges = ranges;
    this.store = stores.items();
    this.membership = stores.membership();
    this.interactions = stores.interactions();
    this.askTimeout = askTimeout;
    this.clock = clock;
    this.placement = new ItemPlacement(fusion.layout(), shards);
    this.batches = new BatchRegistrar(system, stores, fusion, ranges, placement, askTimeout, clock);
    this.placements = new TierPlacements(system, ranges, placement, askTimeout);
  }

  private final TierPlacements placements;

  ItemPlacement placement() {
    return placement;
  }

  TierPlacements placements() {
    return placements;
  }

  ItemStores stores() {
    return new ItemStores(store, membership, interactions);
  }

  BucketRanges ranges() {
    return ranges;
  }

  Duration askTimeout() {
    return askTimeout;
  }

  /** Expired items shown again come back ({@link #returnExpired}); a failure leaves them for their next showing. */
  @Override
  public void shownWhileAbsent(int shard, java.util.List<String> itemIds) {
    returnExpired(itemIds).whenComplete((ok, failure) -> {
      if (failure != null) {
        org.slf4j.LoggerFactory.getLogger(ItemService.class).warn(
            "bringing back expired items of shard {} failed; they return when shown again: {}", shard, failure.toString());
      }
    });
  }

  /**
   * Brings back the expired items among {@code itemIds} (they were shown again): registered again from their stored
   * metadata, which counts them in their bucket and re-indexes them. Items that are live or unknown are left alone.
   */
  public CompletionStage<Void> returnExpired(java.util.Collection<String> itemIds) {
    if (itemIds.isEmpty()) return CompletableFuture.completedFuture(null);
    return store.findRecent(itemIds).thenCompose(found -> {
      java.util.List<java.util.Map.Entry<String, ItemRecord.ItemMetadata>> expired = new java.util.ArrayList<>();
      for (ItemRecord r : found.values()) if (r.expired()) expired.add(java.util.Map.entry(r.itemId(), r.metadata()));
      return expired.isEmpty() ? CompletableFuture.completedFuture(null) : registerAll(expired);
    });
  }

  /** Where a new item goes: the entry tier, its MurmurHash3 bucket. */
  public int entryBucket(String itemId) {
    return placement.entryBucket(itemId);
  }

  public int shardOf(String itemId) {
    return placement.shardOf(itemId);
  }

  /** The retrieval shards as recall sees them. */
  public RecallService.Shards shards() {
    return new RecallService.Shards() {
      @Override
      public int count() {
        return placement.shards();
      }

      @Override
      public int shardOf(String itemId) {
        return ItemService.this.shardOf(itemId);
      }

      @Override
      public akka.actor.typed.RecipientRef<RetrievalShard.Command> ref(int shard) {
        return ClusterSharding.get(system).entityRefFor(RetrievalShard.TYPE_KEY, Integer.toString(shard));
      }
    };
  }

  private EntityRef<RetrievalShard.Command> shard(String itemId) {
    return ClusterSharding.get(system).entityRefFor(RetrievalShard.TYPE_KEY, Integer.toString(shardOf(itemId)));
  }

  /** Registration refused because the node's queue of registrations is full: retry later (HTTP 429). */
  public static final class Overloaded extends RuntimeException {
    Overloaded(String message) {
      super(message, null, false, false);
    }
  }

  private final BatchRegistrar batches;

  /**
   * Starts the node-wide registration queue; beyond its {@code queueSize} waiting registrations {@link #register}
   * fails fast with {@link Overloaded} instead of overloading Cassandra.
   */
  public void startQueue(RegistrationQueue q) {
    queue = akka.stream.javadsl.Source.<BatchRegistrar.Job>queue(q.queueSize(), akka.stream.OverflowStrategy.dropNew())
        .groupedWithin(q.batchSize(), q.batchWindow())
        .mapAsyncUnordered(q.parallelism(), jobs -> batches.register(jobs))
        .to(akka.stream.javadsl.Sink.ignore())
        .run(akka.stream.Materializer.matFromSystem(system));
  }

  /** Registers through the node's bounded queue (see {@link #startQueue}). */
  public CompletionStage<Registered> register(String itemId, ItemRecord.ItemMetadata metadata) {
    if (queue == null) return registerNow(itemId, metadata);
    CompletableFuture<ItemStore.Registration> done = new CompletableFuture<>();
    queued(+1);
    done.whenComplete((r, failure) -> queued(-1));
    return queue.offer(new BatchRegistrar.Job(itemId, metadata, done)).thenCompose(result -> {
      if (result == akka.stream.QueueOfferResult.enqueued()) return done.thenApply(ItemService::registered);
      done.cancel(false); // never queued: counts out of the depth
      if (metrics != null) metrics.rejected("registration-queue");
      throw new Overloaded("item registrations queue is full");
    });
  }

  /** Registrations accepted and not yet done (queued or in a batch being written). */
  private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
  private volatile metrics.Metrics metrics;

  private void queued(int change) {
    int depth = queued.addAndGet(change);
    if (metrics != null) metrics.registrationQueue(depth);
  }

  /** Counts the registration queue's depth and its refusals into {@code m}. */
  public void countInto(metrics.Metrics m) {
    this.metrics = m;
  }

  /** Item records, each at most the record cache's ttl old; unknown ids are left out (see ItemStore#findRecent). */
  public CompletionStage<java.util.Map<String, ItemRecord>> recentRecords(java.util.Collection<String> itemIds) {
    return store.findRecent(itemIds);
  }

  private static Registered registered(ItemStore.Registration r) {
    return new Registered(r.record(), r.created());
  }

  /**
   * Registers a batch directly (the items-topic consumer, which has its own backpressure); fails if any item
   * failed, after all have been tried, so the batch is retried (every step is idempotent).
   */
  public CompletionStage<Void> registerAll(java.util.List<java.util.Map.Entry<String, ItemRecord.ItemMetadata>> inputs) {
    java.util.List<BatchRegistrar.Job> jobs = new java.util.ArrayList<>(inputs.size());
    for (var in : inputs) jobs.add(new BatchRegistrar.Job(in.getKey(), in.getValue(), new CompletableFuture<>()));
    return batches.register(jobs).thenCompose(ignored -> CompletableFuture.allOf(
        jobs.stream().map(BatchRegistrar.Job::done).toArray(CompletableFuture[]::new)));
  }

  /** Registers one item at once, outside the queue (a batch of one). */
  CompletionStage<Registered> registerNow(String itemId, ItemRecord.ItemMetadata metadata) {
    CompletableFuture<ItemStore.Registration> done = new CompletableFuture<>();
    return batches.register(java.util.List.of(new BatchRegistrar.Job(itemId, metadata, done)))
        .thenCompose(x -> done.thenApply(ItemService::registered));
  }

  /**
   * Removes an item: from recall first, then its shard membership, its bucket's count and its row. Each
   * step is idempotent, so a failed delete can be repeated. False if the item is unknown.
   */
  public CompletionStage<Boolean> delete(String itemId) {
    return store.find(itemId).thenCompose(found -> {
      if (found.isEmpty()) return CompletableFuture.completedFuture(false);
      ItemRecord item = found.get();
      String opId = "unregister:" + item.tier() + ":" + item.row() + ":" + itemId + ":" + item.registeredAt().toEpochMilli();
      return shard(itemId).<RetrievalShard.Done>ask(r -> new RetrievalShard.Delete(itemId, r), askTimeout)
          .thenCompose(ignored -> membership.remove(shardOf(itemId), placement.membershipPart(itemId), itemId))
          // A hot item gives its slot back; a hashed one its bucket's count (rejected = already uncounted by an
          // earlier attempt of this delete).
          .thenCompose(ignored -> !item.counted() ? CompletableFuture.<Void>completedFuture(null)
              : placements.leave(item, opId))
          .thenCompose(ignored -> store.delete(itemId))
          .thenApply(ignored -> true);
    });
  }

  /** Rebuild of one retrieval shard: its items, their current rows and popularity, page by page. */
  @Override
  public CompletionStage<Long> forEachItem(int shardNo,
      java.util.function.Function<java.util.List<RetrievalShard.IndexedItem>, CompletionStage<Void>> page) {
    return membership.forEach(shardNo, ids -> loadAll(ids, 0, new java.util.ArrayList<>()).thenCompose(page::apply));
  }

  /** Loads items in chunks, so a page never puts more than a few hundred requests in flight. */
  private CompletionStage<java.util.List<RetrievalShard.IndexedItem>> loadAll(java.util.List<String> ids, int from,
      java.util.List<RetrievalShard.IndexedItem> out) {
    if (from >= ids.size()) return CompletableFuture.completedFuture(out);
    int to = Math.min(ids.size(), from + REBUILD_CHUNK);
    return loadChunk(ids.subList(from, to)).thenCompose(loaded -> {
      out.addAll(loaded);
      return loadAll(ids, to, out);
    });
  }

  /** Items rows and exposure counts one read each, hash rows one ask per bucket range. */
  private CompletionStage<java.util.List<RetrievalShard.IndexedItem>> loadChunk(java.util.List<String> ids) {
    java.util.List<CompletableFuture<Optional<ItemRecord>>> finds = new java.util.ArrayList<>(ids.size());
    for (String id : ids) finds.add(store.find(id).toCompletableFuture());
    return CompletableFuture.allOf(finds.toArray(CompletableFuture[]::new)).thenCompose(found -> {
      java.util.List<ItemRecord> records = new java.util.ArrayList<>(ids.size());
      for (var f : finds) f.join().ifPresent(records::add);
      java.util.List<CompletableFuture<InteractionStore.Exposures>> exposures = new java.util.ArrayList<>();
      for (ItemRecord r : records) exposures.add(interactions.exposures(r.itemId(), clock.instant()).toCompletableFuture());
      var served = fusion.serveToIndex(records).toCompletableFuture();
      return CompletableFuture.allOf(exposures.toArray(CompletableFuture[]::new)).thenCombine(served, (ignored, vectors) -> {
        java.util.List<RetrievalShard.IndexedItem> out = new java.util.ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
          out.add(IndexedItems.of(records.get(i), vectors.get(i).vector(), exposures.get(i).join().total()));
        }
        return out;
      });
    });
  }

  public CompletionStage<Optional<ItemView>> find(String itemId) {
    return store.find(itemId).thenCompose(found -> {
      if (found.isEmpty()) return CompletableFuture.completedFuture(Optional.<ItemView>empty());
      ItemRecord item = found.get();
      var exposures = interactions.exposures(itemId, clock.instant()).toCompletableFuture();
      return fusion.serve(java.util.List.of(item)).thenCombine(exposures, (served, ex) ->
          Optional.of(new ItemView(item, served.get(0), ex)));
    });
  }

  public FusionService fusion() {
    return fusion;
  }

  /**
   * The refresh sweep's slice of a shard, served from the current rows. {@link FusionService#serve}, not
   * serveToIndex: a sweep re-serves every item once per period, and counting each pass into the uploader means
   * would weigh every item the same instead of by how often it is learned.
   */
  @Override
  public CompletionStage<java.util.List<RetrievalShard.IndexedItem>> current(int shardNo,
      java.util.List<String> itemIds) {
    return store.findRecent(itemIds).thenCompose(found -> {
      java.util.List<ItemRecord> records = new java.util.ArrayList<>(found.values());
      if (records.isEmpty()) return CompletableFuture.completedFuture(java.util.List.of());
      return fusion.serve(records).thenApply(served -> {
        java.util.List<RetrievalShard.IndexedItem> out = new java.util.ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) out.add(IndexedItems.of(records.get(i), served.get(i).vector(), 0));
        return out;
      });
    });
  }

  /**
   * Re-indexes every item of every retrieval shard from the rows served now (a model version was published or
   * rolled back): shard by shard, a page of members at a time, each page's vectors upserted as a refresh, so the
   * shards answer throughout. The number of items re-indexed.
   */
  public CompletionStage<Long> reindexAll() {
    CompletionStage<Long> done = CompletableFuture.completedFuture(0L);
    for (int shard = 0; shard < placement.shards(); shard++) {
      int s = shard;
      done = done.thenCompose(total -> membership.forEach(s, this::reindex).thenApply(n -> total + n));
    }
    return done;
  }

  /** Re-computes the served vectors of items and upserts them into their shards (one message per shard). */
  public CompletionStage<Void> reindex(java.util.List<String> itemIds) {
    return store.findRecent(itemIds).thenCompose(found -> {
      // Deleted meanwhile: nothing to refresh. Expired: out of recall until it is posted or shown again (the learner
      // may still touch its row through a user's history).
      java.util.List<ItemRecord> records = new java.util.ArrayList<>();
      for (ItemRecord r : found.values()) if (!r.expired()) records.add(r);
      if (records.isEmpty()) return CompletableFuture.completedFuture(null);
      return fusion.serveToIndex(records).thenCompose(served -> {
        Map<Integer, java.util.List<RetrievalShard.IndexedItem>> byShard = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
          ItemRecord r = records.get(i);
          byShard.computeIfAbsent(shardOf(r.itemId()), k -> new java.util.ArrayList<>())
              .add(IndexedItems.of(r, served.get(i).vector(), 0)); // 0: the shard keeps the popularity it counted
        }
        java.util.List<CompletableFuture<RetrievalShard.UpsertedAll>> asks = new java.util.ArrayList<>();
        byShard.forEach((shard, list) -> asks.add(ClusterSharding.get(system)
            .entityRefFor(RetrievalShard.TYPE_KEY, Integer.toString(shard))
            .<RetrievalShard.UpsertedAll>ask(r -> new RetrievalShard.Refresh(list, r), askTimeout)
            .toCompletableFuture()));
        return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new));
      });
    });
  }
}
