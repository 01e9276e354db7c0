package actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import retrieval.Hit;
import retrieval.IndexParams;
import retrieval.ShardCatalog;
import retrieval.VectorIndex;

/**
 * One of a fixed number of in-memory HNSW shards (entity id = shard number) over the served vectors of its
 * items. Holds nothing durable: at start it rebuilds itself from the store, page by page, and answers
 * searches once that is done (before, it says it is not ready, and recall marks its answer partial).
 * Remembered by sharding, so every shard runs somewhere in the cluster at all times.
 */
public final class RetrievalShard extends AbstractBehavior<RetrievalShard.Command> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "RetrievalShard");

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  /** An item as the shard indexes it. {@code popularity} = exposure-weighted count so far. */
  public record IndexedItem(String itemId, float[] vector, String category, String tier, long createdAtMillis,
      double popularity) implements CborSerializable {}

  public record Upsert(IndexedItem item, ActorRef<Done> replyTo) implements Command {}

  /** Many upserts in one message (registration batches); the answer names the items that were refused. */
  public record UpsertAll(List<IndexedItem> items, ActorRef<UpsertedAll> replyTo) implements Command {}

  /**
   * Learned vectors of items, served from now on; the graph catches up with them when enough have drifted
   * ({@link retrieval.VectorIndex#update}, {@link retrieval.VectorIndex#rebuild}). An unknown item is inserted.
   */
  public record Refresh(List<IndexedItem> items, ActorRef<UpsertedAll> replyTo) implements Command {}

  public record Delete(String itemId, ActorRef<Done> replyTo) implements Command {}

  /**
   * Top-k by cosine among items not excluded and (if given) of the category. {@code deadlineMillis} (epoch ms,
   * 0 = none): past it the asker has given up, and the shard answers "not ready" without searching, so an
   * overloaded shard sheds the work nobody waits for instead of falling further behind.
   */
  public record Search(float[] query, int k, int ef, List<String> exclude, String category, long deadlineMillis,
      ActorRef<Result> replyTo) implements Command {}

  /** Popular and fresh items, for users with nothing to go on; the deadline as for {@link Search}. */
  public record Fallback(int k, List<String> exclude, String category, long deadlineMillis,
      ActorRef<Result> replyTo) implements Command {}

  public record GetVectors(List<String> itemIds, ActorRef<VectorsFound> replyTo) implements Command {}

  /** Exposure seen by the interaction stream: adds to the items' popularity. */
  public record AddPopularity(List<String> itemIds, double[] amounts) implements Command {}

  public record GetSummary(ActorRef<Summary> replyTo) implements Command {}

  /** Measures the graph's recall@k against exact search ({@link retrieval.VectorIndex#graphRecall}). */
  public record MeasureGraphRecall(int queries, int k, int ef, ActorRef<GraphRecall> replyTo) implements Command {}

  /** {@code tieAware}, {@code queriesWithTies}: see {@link retrieval.VectorIndex.GraphRecall}. */
  public record GraphRecall(int shard, double recall, int driftedItems, double tieAware, int queriesWithTies)
      implements CborSerializable {}

  /** Page of the rebuild, from the store. */
  record RebuildPage(List<IndexedItem> items) implements Command {}

  record RebuildFinished(long items, String error) implements Command {}

  record CompactionFinished(boolean compacted, String error) implements Command {}

  /** Time for the next slice of the refresh sweep. */
  private enum SweepTick implements Command { INSTANCE }

  /** A slice of the sweep, served from the current rows; {@code error} set when loading it failed. */
  record SweepLoaded(List<IndexedItem> items, String error) implements Command {}

  /** {@code error} set when the item could not be indexed (e.g. a zero vector). */
  public record Done(String itemId, String error) implements CborSerializable {}

  public record UpsertedAll(int indexed, List<String> failedIds, List<String> errors) implements CborSerializable {}

  /** {@code ready} false: the shard is still rebuilding and {@code hits} is empty. */
  public record Result(int shard, boolean ready, List<Scored> hits, List<Scored> fresh) implements CborSerializable {}

  public record Scored(String itemId, float score, String tier) implements CborSerializable {}

  public record VectorsFound(List<String> itemIds, List<float[]> vectors) implements CborSerializable {}

  /** {@code refreshPasses}: complete passes of the refresh sweep over the shard's items since it started. */
  public record Summary(int shard, boolean ready, int items, int deletedNodes, long heapBytes, long rebuiltItems,
      int driftedItems, long refreshPasses)
      implements CborSerializable {}

  /** Where a shard's items come from when it starts: pages of items, then the total. */
  public interface ItemSource {
    CompletionStage<Long> forEachItem(int shard, Function<List<IndexedItem>, CompletionStage<Void>> page);

    /**
     * The items as they are served now (vectors from the current rows), for the refresh sweep; items unknown to
     * the store are left out. Popularity 0: the shard keeps what it counted. None by default (no sweep source).
     */
    default CompletionStage<List<IndexedItem>> current(int shard, List<String> itemIds) {
      return CompletableFuture.completedFuture(List.of());
    }

    /**
     * Items of this shard that were shown (exposure counted) while not in its index: expired items that come back,
     * but also deleted or never registered ones. Fire and forget: the source handles its own failures.
     */
    default void shownWhileAbsent(int shard, List<String> itemIds) {}
  }

  /**
   * How the shard re-serves every item from the current rows ({@link retrieval.RefreshSweep}): one pass per
   * {@code period}, a slice every {@code tick}; null turns the sweep off.
   */
  public record Sweep(java.time.Duration period, java.time.Duration tick) {}

  // ---- behavior ----

  /**
   * @param graphWork where graph rebuilds and compactions run: one per node, so their CPU is bounded per node
   *     ({@link retrieval.DutyCycleExecutor})
   */
  /** Where the shards run ({@code thermocline.retrieval-dispatcher} in application.conf). */
  public static final String DISPATCHER = "thermocline.retrieval-dispatcher";

  public static void init(ActorSystem<?> system, int shards, IndexParams params, ItemSource source,
      java.util.concurrent.Executor graphWork, Sweep sweep) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(TYPE_KEY, ctx -> create(Integer.parseInt(ctx.getEntityId()), params, source, graphWork,
            sweep))
        .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true))
        // Searches on a dispatcher of their own: a burst of recalls does not hold the threads the bucket ranges,
        // the streams and HTTP run on (and the other way round).
        .withEntityProps(DispatcherSelector.fromConfig(DISPATCHER)));
    // Start every shard now: each rebuilds its index before the first recall needs it.
    for (int s = 0; s < shards; s++) {
      sharding.entityRefFor(TYPE_KEY, Integer.toString(s)).tell(new GetSummary(system.ignoreRef()));
    }
  }

  /** A shard whose graph upkeep runs on the blocking dispatcher, unbounded (tests). */
  public static Behavior<Command> create(int shard, IndexParams params, ItemSource source) {
    return create(shard, params, source, null);
  }

  public static Behavior<Command> create(int shard, IndexParams params, ItemSource source,
      java.util.concurrent.Executor graphWork) {
    return create(shard, params, source, graphWork, null);
  }

  /** @param sweep the refresh sweep, or null for none */
  public static Behavior<Command> create(int shard, IndexParams params, ItemSource source,
      java.util.concurrent.Executor graphWork, Sweep sweep) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      if (sweep != null) timers.startTimerWithFixedDelay(SweepTick.INSTANCE, sweep.tick());
      return new RetrievalShard(ctx, shard, params, source,
          graphWork != null ? graphWork : ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking()),
          sweep == null ? null : new retrieval.RefreshSweep(sweep.period(), sweep.tick()));
    }));
  }

  private final int shard;
  private final ShardCatalog catalog;
  private boolean ready;
  private boolean compacting;
  /** Graph swaps already logged: a round that only re-linked drifted items is not worth a line. */
  private long loggedSwaps;
  private long rebuilt;
  private final java.util.concurrent.Executor graphWork;
  private final ItemSource source;
  private final retrieval.RefreshSweep sweep;
  private boolean sweeping;

  private RetrievalShard(ActorContext<Command> ctx, int shard, IndexParams params, ItemSource source,
      java.util.concurrent.Executor graphWork, retrieval.RefreshSweep sweep) {
    super(ctx);
    this.shard = shard;
    this.graphWork = graphWork;
    this.source = source;
    this.sweep = sweep;
    this.catalog = new ShardCatalog(new VectorIndex(params));
    ctx.getLog().info("retrieval shard {} rebuilding from the store", shard);
    var self = ctx.getSelf();
    ctx.pipeToSelf(source.forEachItem(shard, page -> {
          self.tell(new RebuildPage(page));
          return java.util.concurrent.CompletableFuture.completedFuture(null);
        }),
        (n, failure) -> new RebuildFinished(n == null ? 0 : n, failure == null ? null : failure.toString()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Upsert.class, this::onUpsert)
        .onMessage(UpsertAll.class, this::onUpsertAll)
        .onMessage(Delete.class, this::onDelete)
        .onMessage(Search.class, this::onSearch)
        .onMessage(Fallback.class, this::onFallback)
        .onMessage(GetVectors.class, this::onGetVectors)
        .onMessage(AddPopularity.class, this::onAddPopularity)
        .onMessage(GetSummary.class, this::onSummary)
        .onMessage(RebuildPage.class, this::onRebuildPage)
        .onMessage(RebuildFinished.class, this::onRebuildFinished)
        .onMessage(CompactionFinished.class, this::onCompactionFinished)
        .onMessage(Refresh.class, this::onRefresh)
        .onMessage(MeasureGraphRecall.class, this::onMeasureGraphRecall)
        .onMessageEquals(SweepTick.INSTANCE, this::onSweepTick)
        .onMessage(SweepLoaded.class, this::onSweepLoaded)
        .build();
  }

  private void index(IndexedItem i) {
    catalog.upsert(i.itemId(), i.vector(), i.category(), i.tier(), i.createdAtMillis(), i.popularity());
  }

  private Behavior<Command> onMeasureGraphRecall(MeasureGraphRecall cmd) {
    var recall = catalog.graphRecallDetail(cmd.queries(), cmd.k(), cmd.ef(), 17L * shard + 1);
    cmd.replyTo().tell(new GraphRecall(shard, recall.recall(), catalog.drifted(), recall.tieAware(),
        recall.queriesWithTies()));
    return this;
  }

  private Behavior<Command> onUpsert(Upsert cmd) {
    try {
      index(cmd.item());
      cmd.replyTo().tell(new Done(cmd.item().itemId(), null));
      compactIfNeeded();
    } catch (IllegalArgumentException e) {
      cmd.replyTo().tell(new Done(cmd.item().itemId(), e.getMessage()));
    }
    return this;
  }

  private Behavior<Command> onUpsertAll(UpsertAll cmd) {
    cmd.replyTo().tell(indexAll(cmd.items(), this::index));
    compactIfNeeded();
    return this;
  }

  private Behavior<Command> onRefresh(Refresh cmd) {
    cmd.replyTo().tell(indexAll(cmd.items(), i ->
        catalog.update(i.itemId(), i.vector(), i.category(), i.tier(), i.createdAtMillis(), i.popularity())));
    compactIfNeeded();
    return this;
  }

  /**
   * The next slice of the refresh sweep: its items' vectors recomputed from the current rows (shared rows and θ
   * move every item's served vector, not only the learned items'), then swapped in as learned changes. A slice
   * still loading holds the next one back, so a slow store slows the sweep down instead of piling up loads.
   */
  private Behavior<Command> onSweepTick() {
    if (!ready || sweeping || sweep == null) return this;
    List<String> ids = sweep.next(catalog);
    if (ids.isEmpty()) return this;
    CompletionStage<List<IndexedItem>> loaded;
    try {
      loaded = source.current(shard, ids);
    } catch (RuntimeException e) {
      loaded = CompletableFuture.failedFuture(e);
    }
    sweeping = true;
    getContext().pipeToSelf(loaded, (items, failure) -> new SweepLoaded(items == null ? List.of() : items,
        failure == null ? null : failure.toString()));
    return this;
  }

  private Behavior<Command> onSweepLoaded(SweepLoaded loaded) {
    sweeping = false;
    if (loaded.error() != null) {
      // The next pass comes back to these items.
      getContext().getLog().debug("retrieval shard {}: refresh slice failed: {}", shard, loaded.error());
      return this;
    }
    for (IndexedItem i : loaded.items()) {
      if (!catalog.contains(i.itemId())) continue; // deleted while it loaded: stays deleted
      try {
        catalog.update(i.itemId(), i.vector(), i.category(), i.tier(), i.createdAtMillis(), i.popularity());
      } catch (IllegalArgumentException e) {
        // A zero vector (h and m cancelled): the item keeps the vector it had.
      }
    }
    compactIfNeeded();
    return this;
  }

  private static UpsertedAll indexAll(List<IndexedItem> items, java.util.function.Consumer<IndexedItem> index) {
    List<String> failedIds = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (IndexedItem item : items) {
      try {
        index.accept(item);
      } catch (IllegalArgumentException e) {
        failedIds.add(item.itemId());
        errors.add(e.getMessage());
      }
    }
    return new UpsertedAll(items.size() - failedIds.size(), failedIds, errors);
  }

  private Behavior<Command> onDelete(Delete cmd) {
    catalog.delete(cmd.itemId());
    cmd.replyTo().tell(new Done(cmd.itemId(), null));
    compactIfNeeded();
    return this;
  }

  private static boolean late(long deadlineMillis) {
    return deadlineMillis > 0 && System.currentTimeMillis() > deadlineMillis;
  }

  private Behavior<Command> onSearch(Search cmd) {
    if (!ready || late(cmd.deadlineMillis())) {
      cmd.replyTo().tell(new Result(shard, false, List.of(), List.of()));
      return this;
    }
    Set<String> exclude = new HashSet<>(cmd.exclude());
    List<Hit> hits = catalog.search(cmd.query(), cmd.k(), cmd.ef(), exclude, cmd.category());
    cmd.replyTo().tell(new Result(shard, true, scored(hits), List.of()));
    return this;
  }

  private Behavior<Command> onFallback(Fallback cmd) {
    if (!ready || late(cmd.deadlineMillis())) {
      cmd.replyTo().tell(new Result(shard, false, List.of(), List.of()));
      return this;
    }
    Set<String> exclude = new HashSet<>(cmd.exclude());
    cmd.replyTo().tell(new Result(shard, true,
        scored(catalog.popular(cmd.k(), exclude, cmd.category(), System.currentTimeMillis())),
        scored(catalog.freshest(cmd.k(), exclude, cmd.category()))));
    return this;
  }

  private List<Scored> scored(List<Hit> hits) {
    List<Scored> out = new ArrayList<>(hits.size());
    for (Hit h : hits) out.add(new Scored(h.itemId(), h.score(), catalog.tier(h.itemId())));
    return out;
  }

  private Behavior<Command> onGetVectors(GetVectors cmd) {
    List<String> found = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    for (String id : cmd.itemIds()) {
      float[] v = catalog.vector(id);
      if (v != null) {
        found.add(id);
        vectors.add(v);
      }
    }
    cmd.replyTo().tell(new VectorsFound(found, vectors));
    return this;
  }

  private Behavior<Command> onAddPopularity(AddPopularity cmd) {
    long now = System.currentTimeMillis();
    List<String> absent = new ArrayList<>();
    for (int i = 0; i < cmd.itemIds().size(); i++) {
      String id = cmd.itemIds().get(i);
      if (catalog.contains(id)) catalog.addPopularity(id, cmd.amounts()[i], now);
      else absent.add(id);
    }
    // Shown while not indexed: an expired item may come back. Only once the rebuild is done (before, absent means
    // not loaded yet); items this shard holds cost nothing here.
    if (ready && !absent.isEmpty()) source.shownWhileAbsent(shard, absent);
    return this;
  }

  private Behavior<Command> onSummary(GetSummary cmd) {
    cmd.replyTo().tell(new Summary(shard, ready, catalog.size(), catalog.deletedNodes(), catalog.heapBytesEstimate(),
        rebuilt, catalog.drifted(), sweep == null ? 0 : sweep.passes()));
    return this;
  }

  private Behavior<Command> onRebuildPage(RebuildPage page) {
    // Items upserted while the rebuild runs are newer than the store's copy: keep them.
    for (IndexedItem item : page.items()) {
      if (catalog.contains(item.itemId())) continue;
      try {
        index(item);
      } catch (IllegalArgumentException e) {
        getContext().getLog().warn("retrieval shard {}: item {} not indexed: {}", shard, item.itemId(), e.getMessage());
      }
    }
    rebuilt += page.items().size();
    if (rebuilt % 50_000 < page.items().size()) {
      getContext().getLog().info("retrieval shard {}: {} items rebuilt", shard, rebuilt);
    }
    return this;
  }

  private Behavior<Command> onRebuildFinished(RebuildFinished done) {
    if (done.error() != null) {
      // Throwing restarts nothing for a sharded entity; stop so the next message starts a fresh rebuild.
      getContext().getLog().error("retrieval shard {} rebuild failed: {}; restarting", shard, done.error());
      return Behaviors.stopped();
    }
    ready = true;
    getContext().getLog().info("retrieval shard {} ready: {} items", shard, catalog.size());
    return this;
  }

  /**
   * Compaction rebuilds the graph without deleted nodes on a copy; it runs on the node's graph-work executor
   * while this actor goes on answering searches and applying upserts (the index replays them onto the copy).
   */
  private void compactIfNeeded() {
    if (compacting) return;
    CompletableFuture<Boolean> done;
    try {
      done = CompletableFuture.supplyAsync(catalog::compactIfNeeded, graphWork);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      return; // the node is stopping
    }
    compacting = true;
    getContext().pipeToSelf(done, (compacted, failure) -> new CompactionFinished(Boolean.TRUE.equals(compacted),
        failure == null ? null : failure.toString()));
  }

  private Behavior<Command> onCompactionFinished(CompactionFinished done) {
    compacting = false;
    if (done.error() != null) {
      getContext().getLog().warn("retrieval shard {}: compaction failed, serving the old graph: {}", shard,
          done.error());
    } else if (done.compacted()) {
      if (catalog.graphSwaps() != loggedSwaps) {
        loggedSwaps = catalog.graphSwaps();
        getContext().getLog().info("retrieval shard {} rebuilt or compacted its graph: {} items, {} deleted nodes and "
            + "{} drifted items left", shard, catalog.size(), catalog.deletedNodes(), catalog.drifted());
      }
      compactIfNeeded(); // what changed meanwhile may call for another round, with no message to trigger it
    }
    return this;
  }
}
