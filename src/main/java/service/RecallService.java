package service;

import actors.RetrievalShard;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.ActorRef;
import akka.actor.typed.RecipientRef;
import akka.actor.typed.javadsl.AskPattern;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletionException;
import model.InteractionWeights;
import model.UserTower;
import storage.HistoryEntry;
import storage.InteractionStore;

/**
 * Two-tower recall, one per node (the RecallCoordinator of the architecture; it owns no state, so it is a
 * plain service over asks rather than an actor): user vector → every retrieval shard → merged top-k. A shard
 * that is late or still rebuilding is left out and the answer is marked partial.
 *
 * <p>The user vector is the one the online learner trains with ({@link model.UserSide}):
 * {@code u = normalise(historyMean + userIdRow)}, the history mean from the user's stored history and the served
 * vectors of its items, the user-ID row from the store (zero until learned). A user with neither gets popular and
 * fresh items.
 */
public final class RecallService {

  /**
   * @param nowMillis the time to decay the history to (events after it count as now); null: the user's newest
   *     event, so a history replayed from old logs weighs as it did when it was lived
   */
  public record Request(String userId, int k, boolean excludeSeen, List<String> recentItemIds, String category,
      Long nowMillis) {
    public Request(String userId, int k, boolean excludeSeen, List<String> recentItemIds, String category) {
      this(userId, k, excludeSeen, recentItemIds, category, null);
    }
  }

  public record Item(String itemId, float score, String tier) {}

  /**
   * {@code strategy}: "personal" (user vector) or "popular-fresh" (nothing known about the user). {@code degraded}:
   * the dependencies that did not answer in time (e.g. "cassandra": the history came from memory, or only from the
   * request's recentItemIds); empty normally.
   */
  public record Result(String userId, List<Item> items, long modelVersion, String strategy, boolean partial,
      List<Integer> missingShards, double tookMs, List<String> degraded) {}

  /**
   * How recall answers while the history store is away: a history read waits at most {@code historyTimeout}, then
   * recall goes on with the user's last history read (kept for up to {@code cachedUsers} users, their newest
   * {@code cachedPerUser} entries) or none, and says so in {@link Result#degraded}.
   */
  public record Degrading(Duration historyTimeout, int cachedUsers, int cachedPerUser) {
    public static final Degrading DEFAULT = new Degrading(Duration.ofMillis(500), 10_000, 50);
  }

  /** What {@link Result#degraded} names when the history store did not answer. */
  public static final String HISTORY_STORE = "cassandra";

  public record UserView(String userId, List<HistoryEntry> history, float[] vector) {}

  /** A user's newest interactions, newest first (the interactions store in production). */
  public interface HistorySource {
    CompletionStage<List<HistoryEntry>> history(String userId, int limit);

    /**
     * Items the user saw beyond the history's newest events, for {@code excludeSeen} (the store's user_seen);
     * none by default.
     */
    default CompletionStage<java.util.Set<String>> seen(String userId) {
      return java.util.concurrent.CompletableFuture.completedFuture(java.util.Set.of());
    }
  }

  /**
   * A user's learned ID row (the store's {@code userids} table in production); a never-learned user reads as
   * zeros (or null). A failed read costs the row, not the answer: the history mean alone is used.
   */
  public interface UserRows {
    CompletionStage<float[]> row(String userId);
  }

  /** Where recall finds shards and items: sharded entities in production, plain actors in tests. */
  public interface Shards {
    int count();

    int shardOf(String itemId);

    RecipientRef<RetrievalShard.Command> ref(int shard);
  }

  /** Where recall reads from: the users' histories, their learned rows, and the retrieval shards. */
  public record Sources(HistorySource interactions, UserRows userRows, Shards shards) {}


  private final ActorSystem<?> system;
  private final HistorySource interactions;
  private final UserRows userRows;
  private final Shards shards;
  private final UserTower tower;
  private final InteractionWeights weights;
  private final int ef;
  private final Duration shardTimeout;
  private final Clock clock;
  private final Degrading degrading;
  private final com.github.benmanes.caffeine.cache.Cache<String, List<HistoryEntry>> lastHistories;

  private final java.util.concurrent.atomic.AtomicLong userRowsMissed = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong seenMissed = new java.util.concurrent.atomic.AtomicLong();

  public RecallService(ActorSystem<?> system, Sources sources, UserTower tower, InteractionWeights weights, int ef,
      Duration shardTimeout, Clock clock) {
    this(system, sources, tower, weights, new Limits(ef, shardTimeout, Degrading.DEFAULT), clock);
  }

  /** How far a recall searches, how long it waits for the shards, and how it answers without the history store. */
  public record Limits(int ef, Duration shardTimeout, Degrading degrading) {}

  public RecallService(ActorSystem<?> system, Sources sources, UserTower tower, InteractionWeights weights,
      Limits limits, Clock clock) {
    int ef = limits.ef();
    Duration shardTimeout = limits.shardTimeout();
    Degrading degrading = limits.degrading();
    this.degrading = degrading;
    // Caffeine: a bounded, concurrent LRU-like cache (W-TinyLFU) rather than a hand-written one.
    this.lastHistories = com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
        .maximumSize(Math.max(0, degrading.cachedUsers())).build();
    this.system = system;
    this.interactions = sources.interactions();
    this.userRows = sources.userRows();
    this.shards = sources.shards();
    this.tower = tower;
    this.weights = weights;
    this.ef = ef;
    this.shardTimeout = shardTimeout;
    this.clock = clock;
  }

  /** User-ID rows that could not be read in time (those answers used the history mean alone). */
  public long userRowsMissed() {
    return userRowsMissed.get();
  }

  public CompletionStage<Result> recall(Request req) {
    long start = System.nanoTime();
    CompletionStage<float[]> row = userRow(req.userId()); // beside the history read, not after it
    CompletionStage<Seen> seenBefore = req.excludeSeen() ? seenBefore(req.userId())
        : CompletableFuture.completedFuture(new Seen(java.util.Set.of(), true));
    return historyOrLast(req.userId()).thenCombine(seenBefore, UserRead::new)
        .thenCompose(read -> userVector(read.history().entries(), req.recentItemIds(), req.nowMillis(), row).thenCompose(u -> {
          List<String> exclude = req.excludeSeen()
              ? seen(read.history().entries(), req.recentItemIds(), read.seen().items()) : List.of();
          List<String> degraded = read.history().fromStore() && read.seen().fromStore() ? List.of()
              : List.of(HISTORY_STORE);
          if (u == null) return fallback(req, exclude, start, degraded);
          long deadline = System.currentTimeMillis() + shardTimeout.toMillis();
          return scatter(r -> new RetrievalShard.Search(u, req.k(), Math.max(ef, req.k()), exclude, req.category(),
              deadline, r))
              .thenApply(g -> result(req, mergeByScore(g.answers(), RetrievalShard.Result::hits, req.k()),
                  "personal", g, start, degraded));
        }));
  }

  /** A user's history as recall used it: from the store, or (it did not answer) the last one read, or none. */
  private record History(List<HistoryEntry> entries, boolean fromStore) {}

  /** The items seen before the history, and whether the store answered. */
  private record Seen(java.util.Set<String> items, boolean fromStore) {}

  /** What recall reads of a user: the newest history and the items seen before it. */
  private record UserRead(History history, Seen seen) {}

  /**
   * The user's history from the store within the history timeout; when the store is away or late, the last history
   * read of the user (or none), so that recall keeps answering from memory. Other failures fail the recall.
   */
  private CompletionStage<History> historyOrLast(String userId) {
    CompletionStage<List<HistoryEntry>> read;
    try {
      read = interactions.history(userId, InteractionStore.HISTORY_LIMIT);
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    return read.toCompletableFuture()
        .orTimeout(degrading.historyTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .handle((history, failure) -> {
          if (failure == null) {
            if (degrading.cachedUsers() > 0) {
              lastHistories.put(userId, List.copyOf(history.subList(0, Math.min(history.size(),
                  degrading.cachedPerUser()))));
            }
            return new History(history, true);
          }
          if (Failures.permanent(failure)) throw new CompletionException(Failures.unwrap(failure));
          historiesFromMemory.incrementAndGet();
          List<HistoryEntry> last = lastHistories.getIfPresent(userId);
          return new History(last == null ? List.of() : last, false);
        });
  }

  private final java.util.concurrent.atomic.AtomicLong historiesFromMemory = new java.util.concurrent.atomic.AtomicLong();

  /** Recalls that went on without the history store (their history from memory or none). */
  public long historiesFromMemory() {
    return historiesFromMemory.get();
  }

  /** The user's seen items beyond the history; a failed read costs that exclusion, not the answer. */
  private CompletionStage<Seen> seenBefore(String userId) {
    CompletionStage<java.util.Set<String>> read;
    try {
      read = interactions.seen(userId);
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    return read.toCompletableFuture()
        .orTimeout(degrading.historyTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .handle((seen, failure) -> {
          if (failure == null) return new Seen(seen, true);
          seenMissed.incrementAndGet();
          return new Seen(java.util.Set.of(), Failures.permanent(failure));
        });
  }

  /** Reads of the seen items that failed (those answers excluded the history's items only). */
  public long seenMissed() {
    return seenMissed.get();
  }

  public CompletionStage<UserView> user(String userId) {
    return user(userId, null);
  }

  /** @param nowMillis as in {@link Request}: null decays to the user's newest event */
  public CompletionStage<UserView> user(String userId, Long nowMillis) {
    CompletionStage<float[]> row = userRow(userId);
    return interactions.history(userId, InteractionStore.HISTORY_LIMIT)
        .thenCompose(history -> userVector(history, List.of(), nowMillis, row)
            .thenApply(u -> new UserView(userId, history, u)));
  }

  private CompletionStage<float[]> userRow(String userId) {
    CompletionStage<float[]> read;
    try {
      read = userRows.row(userId);
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    return read.exceptionally(t -> {
      userRowsMissed.incrementAndGet();
      return null;
    });
  }

  /**
   * {@code normalise(historyMean + userIdRow)}: positive history (weighted by type, decayed by age as
   * {@link UserTower#decayedMean} defines it) plus the request's recent items (as clicks, happening now: the
   * request's {@code now}, else the clock), and the learned row; null when both are absent (or cancel).
   */
  private CompletionStage<float[]> userVector(List<HistoryEntry> history, List<String> recent, Long nowMillis,
      CompletionStage<float[]> row) {
    long recentAt = nowMillis != null ? nowMillis : clock.millis();
    long now = nowMillis != null ? nowMillis : recent.isEmpty() ? UserTower.NEWEST : recentAt;
    Map<String, List<double[]>> weightsByItem = new LinkedHashMap<>();
    for (HistoryEntry e : history) {
      double w = weights.weight(e.type());
      if (w > 0) weightsByItem.computeIfAbsent(e.itemId(), k -> new ArrayList<>()).add(new double[] {w, e.ts().toEpochMilli()});
    }
    for (String id : recent) weightsByItem.computeIfAbsent(id, k -> new ArrayList<>()).add(new double[] {weights.weight("click"), recentAt});
    if (weightsByItem.isEmpty()) return row.thenApply(r -> tower.userVector(List.of(), now, r));
    return vectors(weightsByItem.keySet()).thenCombine(row, (found, r) -> {
      List<UserTower.Signal> signals = new ArrayList<>();
      for (var e : weightsByItem.entrySet()) {
        float[] v = found.get(e.getKey());
        if (v == null) continue; // deleted, or its shard did not answer in time
        for (double[] wt : e.getValue()) signals.add(new UserTower.Signal(v, wt[0], (long) wt[1]));
      }
      return tower.userVector(signals, now, r);
    });
  }

  /** Served vectors of items, asked of their shards (one ask per shard). */
  private CompletionStage<Map<String, float[]>> vectors(Set<String> itemIds) {
    Map<Integer, List<String>> byShard = new HashMap<>();
    for (String id : itemIds) byShard.computeIfAbsent(shards.shardOf(id), s -> new ArrayList<>()).add(id);
    List<CompletableFuture<RetrievalShard.VectorsFound>> asks = new ArrayList<>();
    for (var e : byShard.entrySet()) {
      asks.add(AskPattern.<RetrievalShard.Command, RetrievalShard.VectorsFound>ask(shards.ref(e.getKey()),
              r -> new RetrievalShard.GetVectors(e.getValue(), r), shardTimeout, system.scheduler())
          .toCompletableFuture()
          .exceptionally(t -> new RetrievalShard.VectorsFound(List.of(), List.of())));
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(done -> {
      Map<String, float[]> out = new HashMap<>();
      for (var a : asks) {
        var found = a.join();
        for (int i = 0; i < found.itemIds().size(); i++) out.put(found.itemIds().get(i), found.vectors().get(i));
      }
      return out;
    });
  }

  private static List<String> seen(List<HistoryEntry> history, List<String> recent, Set<String> older) {
    Set<String> seen = new LinkedHashSet<>(recent);
    for (HistoryEntry e : history) seen.add(e.itemId());
    seen.addAll(older);
    return List.copyOf(seen);
  }

  /** Popular and fresh items, alternating, for a user with no usable signal. Score = rank score in (0, 1]. */
  private CompletionStage<Result> fallback(Request req, List<String> exclude, long start, List<String> degraded) {
    long deadline = System.currentTimeMillis() + shardTimeout.toMillis();
    return scatter(r -> new RetrievalShard.Fallback(req.k(), exclude, req.category(), deadline, r))
        .thenApply(g -> {
          List<Item> popular = mergeByScore(g.answers(), RetrievalShard.Result::hits, req.k());
          List<Item> fresh = mergeByScore(g.answers(), RetrievalShard.Result::fresh, req.k());
          Map<String, Item> picked = new LinkedHashMap<>();
          for (int i = 0; picked.size() < req.k() && (i < popular.size() || i < fresh.size()); i++) {
            if (i < popular.size()) picked.putIfAbsent(popular.get(i).itemId(), popular.get(i));
            if (i < fresh.size() && picked.size() < req.k()) picked.putIfAbsent(fresh.get(i).itemId(), fresh.get(i));
          }
          List<Item> ranked = new ArrayList<>();
          int rank = 0;
          for (Item it : picked.values()) ranked.add(new Item(it.itemId(), 1f - (float) rank++ / (req.k() + 1), it.tier()));
          return result(req, ranked, "popular-fresh", g, start, degraded);
        });
  }

  private record Gathered(List<RetrievalShard.Result> answers, List<Integer> missing) {}

  /** Asks every shard; a shard that fails or is late counts as not ready. */
  private CompletionStage<Gathered> scatter(
      akka.japi.function.Function<ActorRef<RetrievalShard.Result>, RetrievalShard.Command> message) {
    int n = shards.count();
    List<CompletableFuture<RetrievalShard.Result>> asks = new ArrayList<>(n);
    for (int s = 0; s < n; s++) {
      int shard = s;
      asks.add(AskPattern.ask(shards.ref(s), message, shardTimeout, system.scheduler()).toCompletableFuture()
          .exceptionally(t -> new RetrievalShard.Result(shard, false, List.of(), List.of())));
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(done -> {
      List<RetrievalShard.Result> answers = new ArrayList<>();
      List<Integer> missing = new ArrayList<>();
      for (int s = 0; s < n; s++) {
        RetrievalShard.Result r = asks.get(s).join();
        if (r.ready()) answers.add(r);
        else missing.add(s);
      }
      return new Gathered(answers, missing);
    });
  }

  private static List<Item> mergeByScore(List<RetrievalShard.Result> answers,
      java.util.function.Function<RetrievalShard.Result, List<RetrievalShard.Scored>> part, int k) {
    Map<String, Item> best = new HashMap<>();
    for (RetrievalShard.Result r : answers) {
      for (RetrievalShard.Scored h : part.apply(r)) {
        best.merge(h.itemId(), new Item(h.itemId(), h.score(), h.tier()), (a, b) -> a.score() >= b.score() ? a : b);
      }
    }
    List<Item> all = new ArrayList<>(best.values());
    all.sort(Comparator.comparingDouble(Item::score).reversed().thenComparing(Item::itemId));
    return all.size() > k ? all.subList(0, k) : all;
  }

  private Result result(Request req, List<Item> items, String strategy, Gathered g, long start,
      List<String> degraded) {
    // No shard at all: its index is still loading (just after a start) or every shard is late. An empty 200
    // would read as "nothing to recommend"; 503 with Retry-After says to come back.
    if (g.answers().isEmpty() && !g.missing().isEmpty()) {
      throw new Dependency.Unavailable("retrieval index", "no retrieval shard answered: loading or busy", 1);
    }
    // The version this node serves as the answer is made (model registry; a publish switches it between requests).
    Result r = new Result(req.userId(), items, actors.ModelVersions.get(system).served(), strategy,
        !g.missing().isEmpty(), g.missing(), (System.nanoTime() - start) / 1e6, degraded);
    metrics.Metrics m = metrics;
    if (m != null) m.recallServed(strategy, r.partial(), r.tookMs() / 1e3);
    return r;
  }

  private volatile metrics.Metrics metrics;

  /** Counts every answered recall (strategy, partial, latency) into {@code m}. */
  public void countInto(metrics.Metrics m) {
    this.metrics = m;
  }
}
