package service;

import actors.BucketRanges;
import actors.RetrievalShard;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import embedding.StoreLayout;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import storage.ItemRecord;
import storage.ItemStore;
import storage.ShardMembership;

/**
 * Registers a batch of items with one occupancy persist per bucket range, one row read per range and one index
 * message per retrieval shard, instead of one of each per item (a persist per item capped registration at a few
 * hundred items/s). The steps and their order are those of the original one-at-a-time path, so the same retry
 * argument holds: items row, counted occupant (deduplicated per item in the range), counted flag, membership,
 * index. Each item succeeds or fails on its own; a failed item can simply be registered again.
 */
final class BatchRegistrar {

  record Job(String itemId, ItemRecord.ItemMetadata metadata, CompletableFuture<ItemStore.Registration> done) {}

  /** An item that got through the steps so far. */
  private static final class Pending {
    final Job job;
    final ItemStore.Registration registration;
    float[] vector;

    Pending(Job job, ItemStore.Registration registration) {
      this.job = job;
      this.registration = registration;
    }

    ItemRecord record() {
      return registration.record();
    }
  }

  private final ItemPlacement placement;
  private final ActorSystem<?> system;
  private final ItemStore store;
  private final ShardMembership membership;
  private final StoreLayout layout;
  private final FusionService fusion;
  private final BucketRanges ranges;
  private final java.util.concurrent.Executor encoding;
  private final Duration askTimeout;
  private final Clock clock;

  BatchRegistrar(ActorSystem<?> system, ItemStores stores, FusionService fusion, BucketRanges ranges,
      ItemPlacement placement, Duration askTimeout, Clock clock) {
    this.placement = placement;
    this.system = system;
    this.store = stores.items();
    this.membership = stores.membership();
    this.fusion = fusion;
    this.ranges = ranges;
    this.layout = fusion.layout();
    // Title encoding is CPU work (about 1 ms per title with BGE): off the actor threads.
    this.encoding = system.dispatchers().lookup(akka.actor.typed.DispatcherSelector.blocking());
    this.askTimeout = askTimeout;
    this.clock = clock;
  }

  /** Completes every job's future; the returned stage completes when all are done, and never fails. */
  CompletionStage<Void> register(List<Job> jobs) {
    // An id twice in one batch: the later registration must see the earlier one, so it waits for a next round.
    List<Job> round = new ArrayList<>();
    List<Job> later = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (Job j : jobs) (ids.add(j.itemId()) ? round : later).add(j);
    return registerRound(round)
        .handle((ok, failure) -> {
          // A bug in a step must not leave callers waiting.
          if (failure != null) for (Job j : round) j.done().completeExceptionally(failure);
          return null;
        })
        .thenCompose(ignored -> later.isEmpty() ? CompletableFuture.completedFuture(null) : register(later));
  }

  private CompletionStage<Void> registerRound(List<Job> jobs) {
    String tier = layout.entryTier().name();
    Map<Job, CompletableFuture<ItemStore.Registration>> stored = new LinkedHashMap<>();
    for (Job j : jobs) {
      stored.put(j, CompletableFuture.supplyAsync(() -> fusion.textHead(j.metadata().title()), encoding)
          .thenCompose(textHead -> store.register(j.itemId(), j.metadata(), tier, placement.entryBucket(j.itemId()), -1,
              clock.instant(), textHead)));
    }
    return settled(stored.values()).thenApply(ignored -> {
          List<Pending> ok = new ArrayList<>();
          stored.forEach((job, f) -> {
            if (f.isCompletedExceptionally()) fail(job, f);
            else ok.add(new Pending(job, f.join()));
          });
          return ok;
        })
        .thenCompose(this::countOccupants)
        .thenCompose(this::addMemberships)
        .thenCompose(this::readRows)
        .thenCompose(this::index)
        .thenAccept(done -> {
          for (Pending p : done) {
            p.job.done().complete(p.registration);
          }
        });
  }

  private CompletionStage<List<Pending>> countOccupants(List<Pending> items) {
    List<Pending> counted = new ArrayList<>();
    Map<String, List<Pending>> byRange = new LinkedHashMap<>();
    for (Pending p : items) {
      if (p.record().counted()) counted.add(p);
      else byRange.computeIfAbsent(ranges.entityOf(row(p.record())), k -> new ArrayList<>()).add(p);
    }
    List<CompletableFuture<List<Pending>>> groups = new ArrayList<>();
    byRange.forEach((entityId, group) -> {
      List<String> opIds = new ArrayList<>(group.size());
      int[] rows = new int[group.size()];
      for (int i = 0; i < rows.length; i++) {
        ItemRecord r = group.get(i).record();
        opIds.add(registerOpId(r));
        rows[i] = ranges.rowInRange(row(r));
      }
      groups.add(ranges.addOccupants(entityId, opIds, rows)
          .thenCompose(ack -> {
            if (!ack.persisted()) throw new IllegalStateException("occupancy not counted: " + ack.error());
            return eachSurvives(group, p -> store.markCounted(p.record().itemId()));
          })
          .exceptionally(failure -> {
            for (Pending p : group) p.job.done().completeExceptionally(failure);
            return List.of();
          })
          .toCompletableFuture());
    }
    );
    return settled(groups).thenApply(ignored -> {
      for (var g : groups) counted.addAll(g.join());
      return counted;
    });
  }

  private CompletionStage<List<Pending>> addMemberships(List<Pending> items) {
    return eachSurvives(items, p -> membership.add(placement.shardOf(p.record().itemId()),
        placement.membershipPart(p.record().itemId()), p.record().itemId()));
  }

  /** The served vectors (hash row fused with metadata), rows read in one ask per bucket range. */
  private CompletionStage<List<Pending>> readRows(List<Pending> items) {
    if (items.isEmpty()) return CompletableFuture.completedFuture(items);
    List<ItemRecord> records = new ArrayList<>(items.size());
    for (Pending p : items) records.add(p.record());
    return fusion.serveToIndex(records).thenApply(served -> {
          for (int i = 0; i < items.size(); i++) items.get(i).vector = served.get(i).vector();
          return items;
        })
        .exceptionally(failure -> {
          for (Pending p : items) p.job.done().completeExceptionally(failure);
          return List.of();
        });
  }

  private CompletionStage<List<Pending>> index(List<Pending> items) {
    Map<Integer, List<Pending>> byShard = new LinkedHashMap<>();
    for (Pending p : items) byShard.computeIfAbsent(placement.shardOf(p.record().itemId()), k -> new ArrayList<>()).add(p);
    List<CompletableFuture<List<Pending>>> groups = new ArrayList<>();
    byShard.forEach((shard, group) -> {
      List<RetrievalShard.IndexedItem> batch = new ArrayList<>(group.size());
      for (Pending p : group) batch.add(IndexedItems.of(p.record(), p.vector, 0));
      groups.add(ClusterSharding.get(system).entityRefFor(RetrievalShard.TYPE_KEY, Integer.toString(shard))
          .<RetrievalShard.UpsertedAll>ask(replyTo -> new RetrievalShard.UpsertAll(batch, replyTo), askTimeout)
          .thenApply(answer -> {
            Map<String, String> refused = new LinkedHashMap<>();
            for (int i = 0; i < answer.failedIds().size(); i++) refused.put(answer.failedIds().get(i), answer.errors().get(i));
            List<Pending> indexed = new ArrayList<>(group.size());
            for (Pending p : group) {
              String error = refused.get(p.record().itemId());
              if (error == null) indexed.add(p);
              else p.job.done().completeExceptionally(new IllegalStateException("not indexed: " + error));
            }
            return indexed;
          })
          .exceptionally(failure -> {
            for (Pending p : group) p.job.done().completeExceptionally(failure);
            return List.of();
          })
          .toCompletableFuture());
    });
    return settled(groups).thenApply(ignored -> {
      List<Pending> indexed = new ArrayList<>();
      for (var g : groups) indexed.addAll(g.join());
      return indexed;
    });
  }

  /** Runs one step per item; the items whose step failed are failed and dropped. */
  private static CompletionStage<List<Pending>> eachSurvives(List<Pending> items,
      java.util.function.Function<Pending, CompletionStage<Void>> step) {
    List<CompletableFuture<Void>> steps = new ArrayList<>(items.size());
    for (Pending p : items) steps.add(step.apply(p).toCompletableFuture());
    return settled(steps).thenApply(ignored -> {
      List<Pending> ok = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        if (steps.get(i).isCompletedExceptionally()) fail(items.get(i).job, steps.get(i));
        else ok.add(items.get(i));
      }
      return ok;
    });
  }

  private static BucketRanges.Key row(ItemRecord r) {
    return new BucketRanges.Key(r.tier(), r.row());
  }

  /**
   * Counting an item in its bucket is one operation per (placement, item): a repeat is a no-op in the range. An
   * expired item that returns is counted again: its expiry time makes that a new operation.
   */
  private static String registerOpId(ItemRecord item) {
    String id = "register:" + item.tier() + ":" + item.row() + ":" + item.itemId();
    return item.expired() ? id + ":returned-after:" + item.expiredAt().toEpochMilli() : id;
  }

  private static void fail(Job job, CompletableFuture<?> failed) {
    failed.handle((ignored, failure) -> job.done().completeExceptionally(
        failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause() : failure));
  }

  /** Completes when every stage has completed, successfully or not. */
  private static CompletableFuture<Void> settled(Collection<? extends CompletableFuture<?>> stages) {
    return CompletableFuture.allOf(stages.stream().map(s -> s.handle((v, t) -> null)).toArray(CompletableFuture[]::new));
  }
}
