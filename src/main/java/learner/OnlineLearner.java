package learner;

import actors.RowReader;
import service.FreshnessQueue;
import service.FusionService;
import actors.BucketRange;
import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.kafka.ConsumerSettings;
import akka.kafka.Subscriptions;
import akka.kafka.javadsl.Consumer;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.RestartSource;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import embedding.ItemHasher;
import embedding.RowInit;
import embedding.StoreLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import model.FrequencyEstimator;
import model.InteractionWeights;
import model.NegativePool;
import model.OnlineStep;
import model.RecentPositives;
import model.UserTower;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import storage.ItemRecord;
import storage.ItemStore;
import storage.LearnerState;
import streams.BadRecord;
import streams.CommittingPipeline;
import streams.DeadLetters;
import streams.Interaction;
import streams.InteractionCodec;
import streams.KafkaTopics;

/**
 * Learns online from the interactions topic (ARCHITECTURE §1): micro-batches of positives → rows fetched per
 * range in one ask each → {@link OnlineStep} (in-batch softmax with logQ over groups of {@code softmax-batch}
 * positives, fusion, user-ID rows; gradients summed over the groups) → one {@link BucketRange.ApplyDeltas} per
 * touched range → the partition's offset advances. The applied batch is larger than the softmax group because
 * what the store pays per batch (the intent, one journal event per touched range) is what limits learning.
 *
 * <p><b>Exactly-once effect per partition.</b> Offsets live in Cassandra ({@link LearnerState}), not in Kafka.
 * Before a batch's first delta is sent, its deltas are written down as the partition's intent, with the
 * frequency estimate after the batch; the operation id every range sees is a function of the batch's offsets.
 * A crash mid-batch leaves the intent: on (re)assignment the intent is re-sent (ranges drop what they already
 * applied) and learning resumes after it. So every record's deltas land once, and a replay after a crash ends
 * with the same rows as an uninterrupted run over the same records — given the same batch boundaries, which
 * hold when the records are already there (batches fill to size); partitions are learned concurrently, so
 * equality across runs is per partition order, i.e. exact with one partition. The uploader means are node memory,
 * not learner state: for items without metadata (whose m is such a mean) equality across runs holds only if the
 * means were the same, while a replay of one batch is still exact (its deltas are in the intent).
 *
 * <p><b>Online mode</b> updates sparse rows only (item hash rows, user-ID rows, metadata feature rows) and the
 * per-tier fusion logits (θ offsets in the params table); the metadata head and image map stay frozen. An item
 * without metadata whose m is its uploader's running mean ({@link FusionService#metaInputs}, the same m recall is
 * served with) learns its hash row and θ; the mean itself is a constant, no row gets its gradient.
 *
 * <p><b>User side, as served:</b> {@code u = normalise(historyMean + userIdRow)} ({@link model.UserSide}), the
 * vector recall queries with. The history mean is the {@link UserTower} decayed mean of the current fused vectors
 * of the user's earlier positives (their rows join the batch's one read). Those positives come from
 * {@link RecentPositives}, kept per partition from that partition's own records only (interactions are keyed by
 * user, so a partition sees all of a user's events in order), not from Cassandra's histories, which another
 * consumer writes at its own pace: the learner's result stays a function of its records. On (re)assignment it
 * rebuilds them by re-reading the {@code learner.history.window} records before the resume offset without learning
 * from them. A positive joins its user's history after its batch. User-ID rows start at zero, so an example of a
 * user with no history yet has no user vector and teaches nothing: it is counted
 * ({@link #skippedNoUserVector}), its item still serves as an in-batch negative.
 *
 * <p><b>Extra negatives</b> ({@code extra-negatives} per softmax group, off by default) are drawn uniformly from a
 * per-partition {@link NegativePool} of recently learned items, seeded by the batch's operation id, corrected by
 * the mixture's logQ ({@link model.InBatchSoftmax#mixedLogQ}); the pool moves with the estimator (saved with the
 * intent, restored on assignment), so the exactly-once property above holds with them too.
 *
 * <p><b>Backpressure:</b> one batch in flight per partition, each waiting for Cassandra: a slow store slows
 * consumption; memory holds at most one batch per assigned partition.
 */
public final class OnlineLearner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OnlineLearner.class);
  /** Seeds each batch's draw of extra negatives from its operation id. */
  private static final ItemHasher NEGATIVE_SEEDS = new ItemHasher(0x6e656773);

  /** Learner settings ({@code thermocline.learner}). */
  public record Options(boolean enabled, String groupSuffix, float tau, int batchSize, Duration batchWindow,
      int softmaxBatch, int extraNegatives, int negativePool, int estimatorDepth, int estimatorWidth,
      int failAfterBatches, History history) {
    public Options {
      if (extraNegatives < 0) {
        throw new IllegalArgumentException("thermocline.learner.extra-negatives must be >= 0, got " + extraNegatives);
      }
      if (negativePool < 1) {
        throw new IllegalArgumentException("thermocline.learner.negative-pool must be >= 1, got " + negativePool);
      }
    }

    public static Options from(Config root) {
      Config c = root.getConfig("thermocline.learner");
      return new Options(c.getBoolean("enabled"), c.getString("group"), (float) c.getDouble("tau"),
          c.getInt("batch-size"), c.getDuration("batch-window"), c.getInt("softmax-batch"),
          c.getInt("extra-negatives"), c.getInt("negative-pool"),
          c.getInt("estimator.depth"), c.getInt("estimator.width"), c.getInt("fail-after-batches"),
          History.from(root));
    }
  }

  /**
   * The users' recent positives of the user side ({@code thermocline.learner.history}); decayed with recall's
   * half-life so that training and serving build the same history mean.
   */
  public record History(int perUser, int maxUsers, int window, Duration halfLife) {
    static History from(Config root) {
      Config c = root.getConfig("thermocline.learner.history");
      return new History(c.getInt("per-user"), c.getInt("max-users"), c.getInt("window"),
          root.getDuration("thermocline.recall.history-half-life"));
    }
  }

  /** A partition's users' recent positives and where learning resumed (records before it only rebuild them). */
  private record PartitionHistory(long learnFrom, RecentPositives recent) {}

  private final ActorSystem<?> system;
  private final Options options;
  private final String group;
  private final LearnerState state;
  private final ItemStore store;
  private final FusionService fusion;
  private final RowReader rows;
  private final InteractionWeights weights;
  private final DeadLetters deadLetters;
  private final FreshnessQueue freshness;
  private final Duration askTimeout;
  private final Map<Integer, FrequencyEstimator> estimators = new ConcurrentHashMap<>();
  /** Per partition, while extra negatives are on: where they are drawn from, saved with every batch. */
  private final Map<Integer, NegativePool> pools = new ConcurrentHashMap<>();
  private final AtomicInteger batches = new AtomicInteger();
  private final AtomicLong learned = new AtomicLong();
  private final AtomicLong skippedUnknownItems = new AtomicLong();
  private final AtomicLong skippedNoUserVector = new AtomicLong();
  private final Map<Integer, PartitionHistory> histories = new ConcurrentHashMap<>();
  private final UserTower tower;
  private final AtomicLong extraNegativesDrawn = new AtomicLong();
  private final BatchTimings timings = new BatchTimings();
  /**
   * Where a batch's forward and backward run: threads of their own, one per core. Not the Cassandra driver's I/O
   * thread that completed the lookup (the compute held every other response on that thread for its duration),
   * and not the actor dispatcher, where the bucket ranges that persist the deltas run.
   */
  private final java.util.concurrent.ExecutorService stepExecutor;
  private UniqueKillSwitch killSwitch;
  private volatile String topic;
  private CompletionStage<Done> done;

  public OnlineLearner(ActorSystem<?> system, Options options, String groupPrefix, LearnerState state, ItemStore store,
      FusionService fusion, RowReader rows, InteractionWeights weights, DeadLetters deadLetters,
      FreshnessQueue freshness, Duration askTimeout) {
    this.system = system;
    this.options = options;
    this.group = groupPrefix + "-" + options.groupSuffix();
    this.state = state;
    this.store = store;
    this.fusion = fusion;
    this.rows = rows;
    this.weights = weights;
    this.deadLetters = deadLetters;
    this.freshness = freshness;
    this.askTimeout = askTimeout;
    this.tower = new UserTower(fusion.layout().dim(), options.history().halfLife());
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    java.util.concurrent.atomic.AtomicInteger named = new java.util.concurrent.atomic.AtomicInteger();
    this.stepExecutor = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "learner-step-" + named.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Positive interactions learned so far by this node (a progress figure for benchmarks). */
  public long learned() {
    return learned.get();
  }

  public long skippedUnknownItems() {
    return skippedUnknownItems.get();
  }

  /** Positives not learned from: no history yet and a zero user-ID row, so no user vector (a new user's first). */
  public long skippedNoUserVector() {
    return skippedNoUserVector.get();
  }

  /** Extra negative columns drawn so far (summed over softmax groups; a replayed batch counts again). */
  public long extraNegativesDrawn() {
    return extraNegativesDrawn.get();
  }

  public void start(KafkaTopics topics) {
    topic = topics.interactions();
    // Offsets are the learner's own (learner_state): the group only spreads partitions over the nodes.
    ConsumerSettings<byte[], byte[]> consumer = CommittingPipeline.consumerSettings(system, topics, group);
    var running = RestartSource.onFailuresWithBackoff(
            CommittingPipeline.restartSettings(system.settings().config()),
            () -> Consumer.plainPartitionedManualOffsetSource(consumer, Subscriptions.topics(topics.interactions()),
                    this::onAssign, revoked -> revoked.forEach(tp -> histories.remove(tp.partition())))
                .flatMapMerge(Math.max(1, topics.partitions()) * 4, pair -> {
                  TopicPartition tp = pair.first();
                  return pair.second()
                      .filter(r -> toLearn(tp.partition(), r))
                      .groupedWithin(options.batchSize(), options.batchWindow())
                      .mapAsync(1, batch -> learn(tp.partition(), batch));
                }))
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    killSwitch = running.first();
    done = running.second();
    log.info("learning online from {} as group {}", topics.interactions(), group);
  }

  /**
   * Where each assigned partition resumes; a batch left half-applied by a crash is finished first. The stream
   * starts {@code history.window} records earlier: those only rebuild the users' recent positives.
   */
  private CompletionStage<Map<TopicPartition, Object>> onAssign(Set<TopicPartition> assigned) {
    Map<TopicPartition, CompletableFuture<Long>> resumes = new HashMap<>();
    for (TopicPartition tp : assigned) {
      resumes.put(tp, state.read(group, tp.partition()).thenCompose(found -> resume(tp.partition(), found))
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(resumes.values().toArray(CompletableFuture[]::new)).thenApply(ignored -> {
      Map<TopicPartition, Object> offsets = new HashMap<>();
      Map<TopicPartition, Long> learnFrom = new HashMap<>();
      resumes.forEach((tp, f) -> {
        long resume = f.join();
        RecentPositives recent = new RecentPositives(options.history().perUser(), options.history().maxUsers(),
            options.history().window());
        histories.put(tp.partition(), new PartitionHistory(resume, recent));
        learnFrom.put(tp, resume);
        offsets.put(tp, recent.windowStart(resume));
      });
      log.info("learner {} resumes at {}, re-reading users' recent positives from {}", group, learnFrom, offsets);
      return offsets;
    });
  }

  private CompletionStage<Long> resume(int partition, Optional<LearnerState.Position> found) {
    estimators.put(partition, found.map(LearnerState.Position::estimator).map(FrequencyEstimator::fromBytes)
        .orElseGet(this::newEstimator));
    if (options.extraNegatives() > 0) {
      pools.put(partition, found.map(LearnerState.Position::negatives)
          .map(b -> NegativePool.fromBytes(b, options.negativePool()))
          .orElseGet(() -> new NegativePool(options.negativePool())));
    }
    if (found.isEmpty()) return CompletableFuture.completedFuture(0L);
    LearnerState.Position p = found.get();
    if (p.intent() == null) return CompletableFuture.completedFuture(p.nextOffset());
    LearnerIntent intent = LearnerIntent.fromBytes(p.intent());
    log.info("learner {} partition {}: re-sending the batch {}-{} a crash left unfinished", group, partition,
        intent.firstOffset(), intent.lastOffset());
    return apply(partition, intent, intent.deltas().size())
        .thenCompose(ignored -> state.advance(group, partition, intent.lastOffset() + 1))
        .thenApply(ignored -> intent.lastOffset() + 1);
  }

  private FrequencyEstimator newEstimator() {
    return new FrequencyEstimator(options.estimatorDepth(), options.estimatorWidth(), 0x51ed2701, 0.05, 1e-6);
  }

  private record Positive(Interaction event, double weight, long offset) {}

  /**
   * False for a record before the partition's resume offset: learned from already, it only rebuilds its user's
   * recent positives (a bad one was dead-lettered the first time).
   */
  private boolean toLearn(int partition, ConsumerRecord<byte[], byte[]> r) {
    PartitionHistory h = histories.get(partition);
    if (h == null || r.offset() >= h.learnFrom()) return true;
    try {
      Interaction event = InteractionCodec.parse(r.value());
      double w = weights.weight(event.type().wireName());
      if (w > 0) h.recent().add(event.userId(), event.itemId(), w, event.ts(), r.offset());
    } catch (BadRecord ignored) {
      // dead-lettered when it was learned from
    }
    return false;
  }

  /** This batch's positives join their users' histories, for the batches after it. */
  private static void remember(PartitionHistory h, List<Positive> positives) {
    for (Positive p : positives) {
      h.recent().add(p.event().userId(), p.event().itemId(), p.weight(), p.event().ts(), p.offset());
    }
  }

  private CompletionStage<Done> learn(int partition, List<ConsumerRecord<byte[], byte[]>> records) {
    long first = records.get(0).offset();
    long last = records.get(records.size() - 1).offset();
    List<Positive> positives = new ArrayList<>();
    List<CompletableFuture<Void>> dead = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      try {
        Interaction event = InteractionCodec.parse(r.value());
        double w = weights.weight(event.type().wireName());
        if (w > 0) positives.add(new Positive(event, w, r.offset()));
      } catch (BadRecord bad) {
        dead.add(deadLetters.send(r, bad).toCompletableFuture());
      }
    }
    CompletionStage<Void> deadLettered = CompletableFuture.allOf(dead.toArray(CompletableFuture[]::new));
    if (positives.isEmpty()) {
      return deadLettered.thenCompose(ignored -> state.advance(group, partition, last + 1))
          .thenApply(ignored -> Done.getInstance());
    }
    FrequencyEstimator estimator = estimators.computeIfAbsent(partition, p -> newEstimator());
    // Set on assignment, before the partition's records flow. Missing only for a revoked partition's last batch:
    // an empty history then, not kept (the next owner rebuilds its own).
    PartitionHistory found = histories.get(partition);
    PartitionHistory history = found != null ? found : new PartitionHistory(0,
        new RecentPositives(options.history().perUser(), options.history().maxUsers(), options.history().window()));
    NegativePool pool = options.extraNegatives() == 0 ? null
        : pools.computeIfAbsent(partition, p -> new NegativePool(options.negativePool()));
    long[] mark = {System.nanoTime()};
    return deadLettered
        .thenCompose(ignored -> compute(partition, first, last, positives, estimator, pool, history.recent(), mark))
        .thenCompose(computed -> state.intend(group, partition, computed.intent().toBytes(), estimator.toBytes(),
                pool == null ? null : pool.toBytes())
            .thenCompose(ignored -> {
              mark[0] = lap(BatchTimings.Phase.INTENT, mark[0]);
              int n = computed.intent().deltas().size();
              if (options.failAfterBatches() > 0 && batches.incrementAndGet() == options.failAfterBatches()) {
                // Fault injection for the exactly-once test: half the ranges get the batch, then a crash.
                return apply(partition, computed.intent(), n / 2).thenApply(x -> {
                  throw new IllegalStateException("injected failure after batch " + first + "-" + last);
                });
              }
              return apply(partition, computed.intent(), n);
            })
            .thenCompose(ignored -> {
              mark[0] = lap(BatchTimings.Phase.APPLY, mark[0]);
              return state.advance(group, partition, last + 1);
            })
            .thenApply(ignored -> {
              lap(BatchTimings.Phase.ADVANCE, mark[0]);
              learned.addAndGet(computed.examples());
              freshness.changed(computed.items());
              remember(history, positives);
              return Done.getInstance();
            }));
  }

  private record Computed(LearnerIntent intent, List<String> items, int examples) {}

  /** Records how long a phase took since {@code from}; returns now, the start of the next phase. */
  private long lap(BatchTimings.Phase phase, long from) {
    long now = System.nanoTime();
    timings.record(phase, from, now);
    return now;
  }

  /** Phase latencies of the batches so far (a diagnostic for benchmarks and operators). */
  public String timings() {
    return timings.summary();
  }

  /**
   * Forward and backward of one batch, turned into deltas per range. With extra negatives on, each softmax group
   * also gets {@code extra-negatives} items drawn uniformly from the partition's pool (not the batch's own items),
   * seeded by the batch's operation id, and the batch's items then enter the pool: a replay draws the same.
   */
  private CompletionStage<Computed> compute(int partition, long first, long last, List<Positive> positives,
      FrequencyEstimator estimator, NegativePool pool, RecentPositives recent, long[] mark) {
    List<String> itemIds = new ArrayList<>(new java.util.LinkedHashSet<>(positives.stream()
        .map(p -> p.event().itemId()).toList()));
    // User side: the users' earlier positives in the window; their items are looked up beside the batch's.
    long from = recent.windowStart(first);
    recent.expire(from);
    BatchHistories users = new BatchHistories(fusion, tower, recent, from,
        positives.stream().map(p -> p.event().userId()).toList());
    java.util.Set<String> batchItems = new java.util.HashSet<>(itemIds);
    CompletionStage<Map<String, ItemRecord>> historyItems = store.findRecent(
        users.itemIds().stream().filter(id -> !batchItems.contains(id)).toList());
    // The step's CPU work runs on its own threads (stepExecutor).
    return store.findRecent(itemIds).thenCombineAsync(historyItems, (known, beyond) -> {
      List<ItemRecord> items = new ArrayList<>(known.values());
      Map<String, Integer> index = new HashMap<>();
      for (int i = 0; i < items.size(); i++) index.put(items.get(i).itemId(), i);
      List<Positive> usable = new ArrayList<>(positives.size());
      for (Positive p : positives) {
        if (index.containsKey(p.event().itemId())) usable.add(p);
        else skippedUnknownItems.incrementAndGet();
      }
      if (usable.size() < positives.size()) {
        // Not dropped silently: an event on an item the store does not know (not yet registered, or deleted)
        // has no row to learn; it still counts as exposure and history in the interactions consumer.
        log.info("learner {} batch {}-{}: {} of {} positives are on unknown items, not learned", group, first, last,
            positives.size() - usable.size(), positives.size());
      }
      if (usable.isEmpty()) {
        return CompletableFuture.completedFuture(new Computed(new LearnerIntent(first, last, List.of()), List.of(), 0));
      }
      int groups = (usable.size() + options.softmaxBatch() - 1) / options.softmaxBatch();
      long uniformPool = pool == null ? 0 : pool.size();
      Map<String, ItemRecord> historyFound = new HashMap<>(beyond);
      historyFound.putAll(known);
      return extraNegatives(partition, first, last, groups, Set.copyOf(index.keySet()), pool).thenComposeAsync(extra -> {
        for (ItemRecord r : extra.items()) {
          index.put(r.itemId(), items.size());
          items.add(r);
        }
        int[] extraIdx = new int[extra.perGroup().size() * extra.count()];
        for (int g = 0; g < extra.perGroup().size(); g++) {
          for (int k = 0; k < extra.count(); k++) extraIdx[g * extra.count() + k] = index.get(extra.perGroup().get(g).get(k));
        }
        extraNegativesDrawn.addAndGet(extraIdx.length);
        if (pool != null) for (Positive p : usable) pool.offer(p.event().itemId()); // after drawing: the after-state
        return learnBatch(first, last, items, index, usable, extraIdx, uniformPool, estimator, users, historyFound,
            mark);
      }, stepExecutor);
    }, stepExecutor).thenCompose(read -> read);
  }

  /** Extra negatives of a batch: distinct items, and the same number for every group (item ids per group). */
  private record Extra(List<ItemRecord> items, List<List<String>> perGroup, int count) {
    static final Extra NONE = new Extra(List.of(), List.of(), 0);
  }

  private CompletionStage<Extra> extraNegatives(int partition, long first, long last, int groups,
      Set<String> batchItems, NegativePool pool) {
    if (pool == null || pool.size() == 0) return CompletableFuture.completedFuture(Extra.NONE);
    long seed = NEGATIVE_SEEDS.hash64(new LearnerIntent(first, last, List.of()).opId(topic, partition));
    List<List<String>> drawn = new ArrayList<>(groups);
    java.util.Set<String> distinct = new java.util.LinkedHashSet<>();
    for (int g = 0; g < groups; g++) {
      drawn.add(pool.sample(options.extraNegatives(), batchItems, RowInit.mix(seed, g)));
      distinct.addAll(drawn.get(g));
    }
    return store.findRecent(distinct).thenApply(known -> {
      // An item deleted since it entered the pool is dropped; every group keeps as many as the shortest has.
      int count = Integer.MAX_VALUE;
      for (List<String> g : drawn) {
        g.removeIf(id -> !known.containsKey(id));
        count = Math.min(count, g.size());
      }
      if (count == 0) return Extra.NONE;
      List<List<String>> perGroup = new ArrayList<>(groups);
      java.util.Set<String> used = new java.util.LinkedHashSet<>();
      for (List<String> g : drawn) {
        perGroup.add(g.subList(0, count));
        used.addAll(g.subList(0, count));
      }
      List<ItemRecord> items = new ArrayList<>(used.size());
      for (String id : used) items.add(known.get(id));
      return new Extra(items, perGroup, count);
    });
  }

  private CompletionStage<Computed> learnBatch(long first, long last, List<ItemRecord> items,
      Map<String, Integer> index, List<Positive> usable, int[] extraIdx, long uniformPool,
      FrequencyEstimator estimator, BatchHistories users, Map<String, ItemRecord> historyItems, long[] mark) {
    List<FusionService.MetaInputs> metaInputs = new ArrayList<>(items.size());
    java.util.Set<RowReader.Key> keys = new java.util.HashSet<>();
    keys.add(FusionService.thetaRow());
    for (ItemRecord item : items) {
      keys.add(fusion.hashRow(item));
      FusionService.MetaInputs in = fusion.metaInputs(item.metadata());
      metaInputs.add(in);
      keys.addAll(in.rows());
    }
    for (Positive p : usable) keys.add(fusion.userRow(p.event().userId()));
    users.addRows(historyItems, keys);
    return rows.read(keys).thenApply(fetched -> {
      mark[0] = lap(BatchTimings.Phase.READ, mark[0]);
      List<OnlineStep.ItemInput> inputs = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        ItemRecord item = items.get(i);
        inputs.add(new OnlineStep.ItemInput(item.itemId(), fetched.get(fusion.hashRow(item)),
            fusion.tierIndex(item.tier()), fusion.meta(item, metaInputs.get(i), fetched)));
      }
      double[] theta = fusion.theta(fetched.get(FusionService.thetaRow()));
      List<OnlineStep.Example> examples = new ArrayList<>(usable.size());
      for (Positive p : usable) {
        String user = p.event().userId();
        examples.add(new OnlineStep.Example(index.get(p.event().itemId()),
            users.mean(user, p.event().ts(), fetched, theta), fetched.get(fusion.userRow(user)), (float) p.weight()));
      }
      OnlineStep.Step step = new OnlineStep.Step(inputs, examples, extraIdx, uniformPool);
      OnlineStep.Gradients g = new OnlineStep(fusion.layout().dim(), options.tau(), theta, estimator)
          .computeGrouped(step, options.softmaxBatch());
      int defined = 0;
      for (float[] u : g.userVectors()) if (u != null) defined++;
      if (defined < usable.size()) {
        // Not dropped silently: no history in the window and a zero user-ID row, e.g. a new user's first positive.
        skippedNoUserVector.addAndGet(usable.size() - defined);
        log.debug("learner {} batch {}-{}: {} of {} positives have no user vector yet, not learned", group, first,
            last, usable.size() - defined, usable.size());
      }
      // With no user vector at all every gradient is zero: nothing to send (the estimator still saw the batch).
      List<LearnerIntent.Delta> deltas = defined == 0 ? List.of() : deltas(items, metaInputs, usable, g);
      Computed computed = new Computed(new LearnerIntent(first, last, deltas),
          defined == 0 ? List.of() : items.stream().map(ItemRecord::itemId).toList(), defined);
      mark[0] = lap(BatchTimings.Phase.COMPUTE, mark[0]);
      return computed;
    });
  }

  /** Gradients summed per row, grouped per range in a stable order (the intent must not depend on hashing). */
  private List<LearnerIntent.Delta> deltas(List<ItemRecord> items, List<FusionService.MetaInputs> metaInputs,
      List<Positive> usable, OnlineStep.Gradients g) {
    int dim = fusion.layout().dim();
    Map<RowReader.Key, float[]> sums = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      if (g.hash()[i] != null) add(sums, fusion.hashRow(items.get(i)), g.hash()[i], dim);
      if (g.meta()[i] != null) {
        FusionService.MetaInputs in = metaInputs.get(i);
        float[][] featureGrads = fusion.featureGradients(in, g.meta()[i]); // none for an uploader's mean
        for (int k = 0; k < featureGrads.length; k++) add(sums, in.rows().get(k), featureGrads[k], dim);
      }
    }
    for (int e = 0; e < usable.size(); e++) {
      if (g.userIdRow()[e] != null) add(sums, fusion.userRow(usable.get(e).event().userId()), g.userIdRow()[e], dim);
    }
    float[] theta = new float[dim];
    for (int t = 0; t < g.theta().length; t++) theta[t] = (float) g.theta()[t];
    add(sums, FusionService.thetaRow(), theta, dim);

    int rowsPerRange = fusion.layout().rowsPerRange();
    Map<String, List<Map.Entry<RowReader.Key, float[]>>> byRange = new TreeMap<>();
    for (var e : sums.entrySet()) {
      String entity = StoreLayout.entityId(e.getKey().tier(), e.getKey().row() / rowsPerRange);
      byRange.computeIfAbsent(entity, k -> new ArrayList<>()).add(e);
    }
    List<LearnerIntent.Delta> deltas = new ArrayList<>(byRange.size());
    byRange.forEach((entity, list) -> {
      list.sort(java.util.Comparator.comparingInt(e -> e.getKey().row()));
      int[] rowIdx = new int[list.size()];
      float[] grads = new float[list.size() * dim];
      for (int i = 0; i < rowIdx.length; i++) {
        rowIdx[i] = list.get(i).getKey().row() % rowsPerRange;
        System.arraycopy(list.get(i).getValue(), 0, grads, i * dim, dim);
      }
      deltas.add(new LearnerIntent.Delta(entity, rowIdx, grads));
    });
    return deltas;
  }

  private static void add(Map<RowReader.Key, float[]> sums, RowReader.Key key, float[] g, int dim) {
    float[] s = sums.computeIfAbsent(key, k -> new float[dim]);
    for (int k = 0; k < dim; k++) s[k] += g[k];
  }

  /** Sends the first {@code count} deltas of a batch; every range must have persisted it (or had it already). */
  private CompletionStage<Void> apply(int partition, LearnerIntent intent, int count) {
    String opId = intent.opId(topic, partition);
    List<CompletableFuture<BucketRange.Ack>> acks = new ArrayList<>(count);
    for (LearnerIntent.Delta d : intent.deltas().subList(0, count)) {
      acks.add(ClusterSharding.get(system).entityRefFor(BucketRange.TYPE_KEY, d.entityId())
          .<BucketRange.Ack>ask(r -> new BucketRange.ApplyDeltas(opId, d.rows(), d.gradients(), r), askTimeout)
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).thenAccept(ignored -> {
      for (var a : acks) {
        BucketRange.Ack ack = a.join();
        if (!ack.persisted()) throw new IllegalStateException("learner delta refused: " + ack.error());
      }
    });
  }

  /**
   * Stops reading; a batch in flight may be cut short, which its intent makes safe. Aborts rather than
   * completes: completing would flush a partial micro-batch, a batch boundary an uninterrupted run never has.
   */
  @Override
  public void close() {
    if (killSwitch != null) killSwitch.abort(new IllegalStateException("learner stopped"));
    if (done != null) {
      try {
        done.toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception expected) {
        log.info("learner {} stopped", group);
      }
    }
    stepExecutor.shutdown();
  }
}
