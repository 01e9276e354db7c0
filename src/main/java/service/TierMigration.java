package service;

import actors.MigrationCoordinator;
import actors.MigrationCoordinator.Move;
import actors.MigrationCoordinator.Outcome;
import actors.MigrationCoordinator.PartPlan;
import actors.RetrievalShard;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import embedding.StoreLayout;
import embedding.TierPolicy;
import embedding.TierSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import storage.InteractionStore;
import storage.ItemRecord;
import storage.ItemStore;
import storage.ShardMembership;
import streams.AsyncLimit;

/**
 * What a tier-migration run does to the items ({@link MigrationCoordinator.Work}): reads each indexed item's
 * exposure counters and plans its move by the {@link TierPolicy}; then moves it. A move claims the item's row in the
 * new tier (a hot slot set to its current hash row, or a count in a hashed bucket, whose row it takes when no other
 * item is counted there), gives up the old one, and commits the new placement with the item's served vector as the
 * blend's anchor; then re-indexes it. An expiry gives up the row, commits the item as expired (metadata kept) and
 * takes it out of recall.
 *
 * <p>Repeating a move of the same run is safe: the steps before the commit are idempotent (per item at the hot
 * allocator, per operation id at a bucket range, within its dedupe window), and an item whose record names the run
 * is only re-indexed.
 */
public final class TierMigration implements MigrationCoordinator.Work {

  /**
   * @param demoteShare an item leaves a tier below this share of the tier's threshold (hysteresis)
   * @param lookbackDays daily exposure = the busiest of the last this many UTC days, today included
   * @param expireAfter items without exposure or registration for this long expire (0 = never)
   * @param readsInFlight item and counter reads of a scan in flight at once
   */
  public record Rules(double demoteShare, int lookbackDays, Duration expireAfter, int readsInFlight) {
    public Rules {
      if (lookbackDays < 1) throw new IllegalArgumentException("migration.lookback-days must be >= 1");
      if (expireAfter.isNegative()) throw new IllegalArgumentException("migration.expire-after must be >= 0");
      if (readsInFlight < 1) throw new IllegalArgumentException("migration.reads-in-flight must be >= 1");
    }
  }

  private final ActorSystem<?> system;
  private final ItemService items;
  private final ItemStore store;
  private final InteractionStore interactions;
  private final ShardMembership membership;
  private final StoreLayout layout;
  private final TierPlacements placements;
  private final TierPolicy policy;
  private final Rules rules;
  private final Clock clock;

  public TierMigration(ActorSystem<?> system, ItemService items, Rules rules, Clock clock) {
    this.system = system;
    this.items = items;
    ItemStores stores = items.stores();
    this.store = stores.items();
    this.interactions = stores.interactions();
    this.membership = stores.membership();
    this.layout = items.fusion().layout();
    this.placements = items.placements();
    this.policy = new TierPolicy(layout.itemTiers(), rules.demoteShare());
    this.rules = rules;
    this.clock = clock;
  }

  /** One part per (retrieval shard, membership part): the unit the item list is read in. */
  @Override
  public int parts() {
    return items.placement().shards() * ShardMembership.PARTS;
  }

  @Override
  public CompletionStage<PartPlan> plan(String runId, int part) {
    int shard = part / ShardMembership.PARTS;
    return membership.idsInPart(shard, part % ShardMembership.PARTS).thenCompose(ids -> {
      AsyncLimit reads = new AsyncLimit(rules.readsInFlight());
      Instant now = clock.instant();
      List<CompletableFuture<Optional<Move>>> decisions = new ArrayList<>(ids.size());
      for (String id : ids) decisions.add(reads.submit(() -> decide(id, now)).toCompletableFuture());
      return CompletableFuture.allOf(decisions.toArray(CompletableFuture[]::new)).thenApply(done -> {
        List<Move> moves = new ArrayList<>();
        for (var d : decisions) d.join().ifPresent(moves::add);
        return new PartPlan(ids.size(), moves);
      });
    });
  }

  /** The item's move, if it should move: expiry first, else the policy's tier. */
  CompletionStage<Optional<Move>> decide(String itemId, Instant now) {
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    long expiryDays = (rules.expireAfter().toMillis() + 86_399_999L) / 86_400_000L;
    LocalDate from = today.minusDays(Math.max(rules.lookbackDays() - 1L, expiryDays));
    return store.find(itemId).thenCompose(found -> {
      // Expired, half-registered or deleted items are not in a tier's occupancy: nothing to move.
      if (found.isEmpty() || !found.get().counted() || !isItemTier(found.get().tier())) {
        return CompletableFuture.completedFuture(Optional.<Move>empty());
      }
      ItemRecord item = found.get();
      return interactions.activity(itemId, from).thenApply(activity -> {
        long exposure = TierPolicy.dailyExposure(activity.impressionsByDay(), today, rules.lookbackDays());
        TierSpec current = layout.tier(item.tier());
        Instant lastActivity = TierPolicy.lastActivity(activity.lastActiveDay(), item.updatedAt());
        if (TierPolicy.expired(lastActivity, now, rules.expireAfter())) {
          return Optional.of(new Move(itemId, current.name(), layout.entryTier().name(), Move.Kind.EXPIRE, exposure));
        }
        TierSpec target = policy.target(current, exposure);
        if (target.equals(current)) return Optional.<Move>empty();
        Move.Kind kind = target.minDailyExposure() > current.minDailyExposure() ? Move.Kind.PROMOTE : Move.Kind.DEMOTE;
        return Optional.of(new Move(itemId, current.name(), target.name(), kind, exposure));
      });
    });
  }

  private boolean isItemTier(String tier) {
    return layout.itemTiers().stream().anyMatch(t -> t.name().equals(tier));
  }

  @Override
  public CompletionStage<List<Outcome>> execute(String runId, List<Move> moves) {
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(moves.size());
    for (Move m : moves) outcomes.add(carryOut(runId, m).toCompletableFuture());
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenApply(done -> outcomes.stream().map(CompletableFuture::join).toList());
  }

  private CompletionStage<Outcome> carryOut(String runId, Move move) {
    return store.find(move.itemId()).thenCompose(found -> {
      if (found.isEmpty()) return done(Outcome.SKIPPED_STALE);
      ItemRecord item = found.get();
      if (runId.equals(item.moveRun())) return finish(item, move); // committed before a crash: only the tail again
      if (!item.counted() || !item.tier().equals(move.from())) return done(Outcome.SKIPPED_STALE);
      String opPrefix = (move.kind() == Move.Kind.EXPIRE ? "expire:" : "migrate:") + runId + ":" + item.itemId();
      return move.kind() == Move.Kind.EXPIRE ? expire(item, opPrefix, runId, move) : relocate(item, move, opPrefix, runId);
    });
  }

  private CompletionStage<Outcome> relocate(ItemRecord item, Move move, String opPrefix, String runId) {
    TierSpec to = layout.tier(move.to());
    return items.fusion().serve(List.of(item)).thenCombine(items.fusion().alpha(to.name()), (served, toAlpha) -> {
      FusionService.Served now = served.get(0);
      // A hot slot, or a hashed bucket nobody else is counted in, starts from the row the item learned so far,
      // re-weighted for the new tier's fusion weight, so its fused vector is what it was. A shared bucket's row is
      // the others' too: it stays, and the blend from the anchor covers the jump.
      float[] hashRow = model.Fusion.rowKeepingOutput(now.hash(), now.meta(), now.alpha(), toAlpha);
      return java.util.Map.entry(now.vector(), hashRow);
    }).thenCompose(start -> {
      float[] anchor = start.getKey(); // what it is served now: the blend starts from there
      float[] hashRow = start.getValue();
      return placements.claim(item.itemId(), to, hashRow, opPrefix).thenCompose(claimed -> {
        if (claimed.isEmpty()) return done(Outcome.SKIPPED_FULL);
        TierPlacements.Placement p = claimed.get();
        return placements.leave(item, opPrefix + ":out")
            .thenCompose(left -> store.move(item.itemId(), p.tier(), p.bucket(), p.slot(), anchor, clock.instant(),
                runId))
            .thenCompose(applied -> {
              if (applied) return items.reindex(List.of(item.itemId())).thenApply(ok -> Outcome.MOVED);
              // Deleted meanwhile (its delete uncounted the old row): give the new row back too.
              ItemRecord claimedRecord = new ItemRecord(item.itemId(), item.metadata(), p.tier(), p.bucket(), p.slot(),
                  true, item.registeredAt(), item.updatedAt(), item.textHead());
              return placements.leave(claimedRecord, opPrefix + ":undo").thenApply(ok -> Outcome.SKIPPED_STALE);
            });
      });
    });
  }

  private CompletionStage<Outcome> expire(ItemRecord item, String opPrefix, String runId, Move move) {
    String entry = layout.entryTier().name();
    int bucket = items.placement().bucket(entry, item.itemId());
    return placements.leave(item, opPrefix + ":out")
        .thenCompose(left -> store.expire(item.itemId(), entry, bucket, clock.instant(), runId))
        .thenCompose(applied -> !applied ? done(Outcome.SKIPPED_STALE)
            : unindex(item.itemId()).thenApply(ok -> Outcome.EXPIRED));
  }

  /** The steps after the commit, again: re-index a moved item, or take an expired one out of recall. */
  private CompletionStage<Outcome> finish(ItemRecord item, Move move) {
    if (item.expired()) return unindex(item.itemId()).thenApply(ok -> Outcome.EXPIRED);
    if (move.kind() == Move.Kind.EXPIRE) return done(Outcome.EXPIRED); // expired by this run, returned since
    return items.reindex(List.of(item.itemId())).thenApply(ok -> Outcome.MOVED);
  }

  /** Out of its shard's index and of its membership list, so a shard rebuild leaves it out too. */
  private CompletionStage<Void> unindex(String itemId) {
    int shard = items.shardOf(itemId);
    return ClusterSharding.get(system).entityRefFor(RetrievalShard.TYPE_KEY, Integer.toString(shard))
        .<RetrievalShard.Done>ask(r -> new RetrievalShard.Delete(itemId, r), items.askTimeout())
        .thenCompose(ok -> membership.remove(shard, items.placement().membershipPart(itemId), itemId));
  }

  private static CompletionStage<Outcome> done(Outcome o) {
    return CompletableFuture.completedFuture(o);
  }
}
