package learner;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.kafka.ConsumerSettings;
import akka.kafka.Subscriptions;
import akka.kafka.javadsl.Consumer;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.RestartSource;
import akka.stream.javadsl.Sink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import model.InteractionWeights;
import model.NegativePool;
import model.OnlineStep;
import model.RecentPositives;
import model.UserTower;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import service.FreshnessQueue;
import service.FusionService;
import storage.LearnerState;
import streams.BadRecord;
import streams.CommittingPipeline;
import streams.DeadLetters;
import streams.Interaction;
import streams.InteractionCodec;
import streams.KafkaTopics;

/**
 * Learns online from the interactions topic (docs/design.md §1): micro-batches of positives → rows fetched per
 * range in one ask each → {@link OnlineStep} (in-batch softmax with logQ over groups of {@code softmax-batch}
 * positives, fusion, user-ID rows; gradients summed over the groups) → one {@link actors.BucketRange.ApplyDeltas} per
 * touched range → the partition's offset advances. The applied batch is larger than the softmax group because
 * what the store pays per batch (the intent, one journal event per touched range) is what limits learning.
 *
 * <p><b>Exactly-once effect per partition.</b> Offsets live in Cassandra ({@link LearnerState}), not in Kafka.
 * Before a batch's first delta is sent, its deltas are written down as the partition's intent, with the
 * frequency estimate after the batch; the operation id every range sees is a function of the batch's offsets.
 * A crash mid-batch leaves the intent: on (re)assignment the intent is re-sent (ranges drop what they already
 * applied) and learning resumes after it. The intent and the offset are written compare-and-set on the offset
 * ({@link IntentProtocol}): a batch is applied only if its intent is written where the partition stands with no
 * batch pending. A node that still learns a partition another node now holds (a rebalance, a stale stream) is
 * refused there, applies nothing, re-reads where the partition stands and learns only the records after it (those
 * before only join the users' histories); a partition revoked here waits for its batch in flight and starts none
 * after ({@link PartitionFence}), which keeps refusals rare. So every record's deltas land once, and a replay after a crash ends
 * with the same rows as an uninterrupted run over the same records — given the same batch boundaries, which
 * hold when the records are already there (batches fill to size); partitions are learned concurrently, so
 * equality across runs is per partition order, i.e. exact with one partition. The uploader means are shared state
 * (Cassandra), not learner state: for items without metadata (whose m is such a mean) equality across runs holds
 * only if the means were the same, while a replay of one batch is still exact (its deltas are in the intent).
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
 * the mixture's logQ ({@link model.InBatchSoftmax#mixedLogQ}); the pool is saved with the intent and restored on
 * assignment, as the estimator the node's partitions share is ({@link PartitionMemory}).
 * A replay applies the intent's saved deltas, so the exactly-once property above holds with them too.
 *
 * <p><b>Backpressure:</b> one batch in flight per partition, each waiting for Cassandra: a slow store slows
 * consumption; memory holds at most one batch per assigned partition.
 *
 * <p><b>Where it lives.</b> This class is the Kafka side: the partitioned stream, assignment and revocation, and
 * the order of a batch's steps. {@link IntentProtocol} holds the exactly-once protocol, {@link PartitionMemory}
 * what is kept per partition, {@link BatchAssembly} and {@link BatchStep} the batch up to its gradients,
 * {@link RangeDeltas} their grouping per range, {@link BatchTimings} the phase timing and {@link InjectedCrash}
 * the test's fault injection.
 */
public final class OnlineLearner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OnlineLearner.class);
  /** Longer than a batch takes, shorter than Kafka's rebalance timeout (max.poll.interval.ms, 5 min). */
  private static final java.time.Duration HAND_OVER_WAIT = java.time.Duration.ofSeconds(30);
  /** A batch refused this often (the partition moving on under it each time) fails its stream, which restarts. */
  private static final int MAX_REFUSALS = 20;

  private final ActorSystem<?> system;
  private final LearnerSettings settings;
  /** The Kafka consumer group (spreads partitions over nodes); the offsets are kept per model version. */
  private final String group;
  private final LearnerDependencies deps;
  private final InteractionWeights weights;
  private final PositiveBudget budget;
  private final DeadLetters deadLetters;
  private final FreshnessQueue freshness;
  private final metrics.Metrics metrics;
  private final akka.stream.RestartSettings restart;
  /** What learns into one model version: its offsets' key, its memory, its intents, its step. */
  private record Generation(long version, String stateGroup, PartitionMemory partitions, IntentProtocol intents,
      BatchAssembly assembly) {}

  private volatile Generation gen;
  private PartitionMemory partitions;
  private IntentProtocol intents;
  private BatchAssembly assembly;
  private KafkaTopics topics;
  private final Object gateLock = new Object();
  /** Completed while learning may go on; a pause replaces it with an open one. */
  private CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
  private int inFlight;
  /** The batches applied by this node, per model version (a diagnostic: the newest few thousand). */
  private final Map<Long, java.util.Deque<AppliedBatch>> applied = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int KEPT_BATCHES = 10_000;

  /** A batch whose deltas this node's learner applied to {@code version}: records first..last of a partition. */
  public record AppliedBatch(long version, int partition, long first, long last) {}
  private final LearnerCounters counters = new LearnerCounters();
  /**
   * The batches' loss, for the retraining trigger: an average over about 50 batches against its lowest since the
   * last publish, judged after 200 batches.
   */
  private final model.LossTrend lossTrend = new model.LossTrend(0.02, 200);
  private final BatchTimings timings = new BatchTimings();
  /** Holds a partition's hand-over to another node until its batch here has finished (see PartitionFence). */
  private final PartitionFence fence = new PartitionFence(HAND_OVER_WAIT);
  /**
   * Where a batch's forward and backward run: threads of their own, one per core. Not the Cassandra driver's I/O
   * thread that completed the lookup (the compute held every other response on that thread for its duration),
   * and not the actor dispatcher, where the bucket ranges that persist the deltas run.
   */
  private final ExecutorService stepExecutor;
  private UniqueKillSwitch killSwitch;
  private CompletionStage<Done> done;

  /**
   * @param groupPrefix the consumer group is {@code <groupPrefix>-<settings.groupSuffix>}
   * @param restart how the consumer restarts after a failure
   */
  public OnlineLearner(ActorSystem<?> system, LearnerSettings settings, String groupPrefix,
      akka.stream.RestartSettings restart, LearnerDependencies deps) {
    this.system = system;
    this.settings = settings;
    this.group = groupPrefix + "-" + settings.groupSuffix();
    this.deps = deps;
    this.weights = deps.weights();
    this.budget = new PositiveBudget(weights);
    this.deadLetters = deps.deadLetters();
    this.freshness = deps.freshness();
    this.metrics = deps.metrics();
    this.restart = restart;
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    AtomicInteger named = new AtomicInteger();
    this.stepExecutor = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "learner-step-" + named.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    use(generation(deps.ranges().version()));
  }

  /** The key of a model version's offsets in {@code learner_state}: version 0 keeps the plain group. */
  public static String stateGroup(String group, long version) {
    return version == 0 ? group : group + "@v" + version;
  }

  /** The consumer group; its offsets for version v are under {@link #stateGroup}. */
  public String group() {
    return group;
  }

  /** The batches this node applied to {@code version}, oldest first (the newest {@value #KEPT_BATCHES}). */
  public List<AppliedBatch> appliedBatches(long version) {
    java.util.Deque<AppliedBatch> batches = applied.get(version);
    if (batches == null) return List.of();
    synchronized (batches) {
      return List.copyOf(batches);
    }
  }

  private void remember(AppliedBatch batch) {
    java.util.Deque<AppliedBatch> batches = applied.computeIfAbsent(batch.version(), v -> new java.util.ArrayDeque<>());
    synchronized (batches) {
      batches.addLast(batch);
      while (batches.size() > KEPT_BATCHES) batches.pollFirst();
    }
  }

  /** The online loss's trend since the last retraining (a retraining trigger). */
  public model.LossTrend lossTrend() {
    return lossTrend;
  }

  /** The model version learned into now. */
  public long version() {
    return gen.version();
  }

  /** Where the offsets of the version learned into now are kept in learner_state ({@link #stateGroup}). */
  public String stateGroup() {
    return gen.stateGroup();
  }

  private Generation generation(long version) {
    String key = stateGroup(group, version);
    LearnerDependencies pinned = new LearnerDependencies(deps.state(), deps.store(), deps.fusion().atVersion(version),
        deps.ranges().atVersion(version), deps.weights(), deps.deadLetters(), deps.freshness());
    return new Generation(version, key, new PartitionMemory(settings),
        new IntentProtocol(deps.state(), key, pinned.ranges(), settings.failAfterBatches()),
        new BatchAssembly(settings, pinned, key, counters, stepExecutor));
  }

  private void use(Generation g) {
    gen = g;
    partitions = g.partitions();
    intents = g.intents();
    assembly = g.assembly();
  }

  /**
   * Learns into model version {@code version} from now on (it was published, or rolled back to): the stream stops
   * (a batch in flight is cut short, its intent makes that safe), and starts again from that version's own offsets.
   */
  public synchronized void switchTo(long version) {
    if (gen.version() == version) return;
    stopStream();
    use(generation(version));
    lossTrend.reset();
    log.info("learner {} now learns into model version {} (offsets under {})", group, version, gen.stateGroup());
    if (topics != null) start(topics);
  }

  /**
   * Holds learning on this node: batches not started wait, and this returns once none is in flight (or after
   * {@code timeout}, false). Until {@link #resume}, what this node's learner applied stays as it is.
   */
  public boolean pause(java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (gateLock) {
      if (gate.isDone()) gate = new CompletableFuture<>();
      while (inFlight > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        gateLock.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  public void resume() {
    CompletableFuture<Void> open;
    synchronized (gateLock) {
      open = gate;
      gate = CompletableFuture.completedFuture(null);
    }
    open.complete(null);
  }

  /** Positive interactions learned so far by this node (a progress figure for benchmarks). */
  public long learned() {
    return counters.learned.get();
  }

  public long skippedUnknownItems() {
    return counters.skippedUnknownItems.get();
  }

  /** Positives not learned from: no history yet and a zero user-ID row, so no user vector (a new user's first). */
  public long skippedNoUserVector() {
    return counters.skippedNoUserVector.get();
  }

  /** Extra negative columns drawn so far (summed over softmax groups; a replayed batch counts again). */
  public long extraNegativesDrawn() {
    return counters.extraNegativesDrawn.get();
  }

  /** Phase latencies of the batches so far (a diagnostic for benchmarks and operators). */
  public String timings() {
    return timings.summary();
  }

  public synchronized void start(KafkaTopics topics) {
    this.topics = topics;
    intents.topic(topics.interactions());
    Generation g = gen;
    // Offsets are the learner's own (learner_state): the group only spreads partitions over the nodes.
    ConsumerSettings<byte[], byte[]> consumer = CommittingPipeline.consumerSettings(system, topics, group);
    var running = RestartSource.onFailuresWithBackoff(restart,
            () -> Consumer.plainPartitionedManualOffsetSource(consumer, Subscriptions.topics(topics.interactions())
                        .withPartitionAssignmentHandler(handOver()),
                    this::onAssign, revoked -> revoked.forEach(tp -> partitions.revoked(tp.partition())))
                .flatMapMerge(Math.max(1, topics.partitions()) * 4, pair -> {
                  TopicPartition tp = pair.first();
                  // This assignment's lane: its stream's batches are learned in it, and dropped once it closes.
                  PartitionMemory.Lane lane = g.partitions().lane(tp.partition());
                  return pair.second()
                      .filter(r -> toLearn(lane, r))
                      .via(budget.batches(settings))
                      .mapAsync(1, batch -> gated(g, lane, tp.partition(), batch));
                }))
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    killSwitch = running.first();
    done = running.second();
    log.info("learning online from {} as group {} into model version {}", topics.interactions(), group,
        g.version());
  }

  /** A batch learned once the gate is open, counted in flight while it runs. */
  private CompletionStage<Done> gated(Generation g, PartitionMemory.Lane lane, int partition,
      List<ConsumerRecord<byte[], byte[]>> records) {
    CompletableFuture<Void> open;
    synchronized (gateLock) {
      open = gate;
      if (open.isDone()) inFlight++;
    }
    if (!open.isDone()) return open.thenCompose(ignored -> gated(g, lane, partition, records));
    CompletionStage<Done> learned;
    try {
      learned = g != gen ? CompletableFuture.failedFuture(new IllegalStateException("model version switched"))
          : learn(lane, partition, records);
    } catch (RuntimeException e) {
      learned = CompletableFuture.failedFuture(e);
    }
    return learned.whenComplete((done, failure) -> {
      synchronized (gateLock) {
        inFlight--;
        gateLock.notifyAll();
      }
    });
  }

  /** Kafka's rebalance callbacks, on its polling thread: a revoked partition waits for its batch in flight. */
  private akka.kafka.javadsl.PartitionAssignmentHandler handOver() {
    return new akka.kafka.javadsl.PartitionAssignmentHandler() {
      @Override
      public void onAssign(Set<TopicPartition> assigned, akka.kafka.RestrictedConsumer consumer) {
        fence.assigned(assigned.stream().map(TopicPartition::partition).toList());
      }

      @Override
      public void onRevoke(Set<TopicPartition> revoked, akka.kafka.RestrictedConsumer consumer) {
        fence.revoke(revoked.stream().map(TopicPartition::partition).toList());
      }

      @Override
      public void onLost(Set<TopicPartition> lost, akka.kafka.RestrictedConsumer consumer) {
        fence.revoke(lost.stream().map(TopicPartition::partition).toList());
      }

      @Override
      public void onStop(Set<TopicPartition> current, akka.kafka.RestrictedConsumer consumer) {
        fence.revoke(current.stream().map(TopicPartition::partition).toList());
      }
    };
  }

  /**
   * Where each assigned partition resumes; a batch left half-applied by a crash (or still in flight on the node that
   * held the partition) is finished first. The stream starts {@code history.window} records earlier: those only
   * rebuild the users' recent positives.
   */
  private CompletionStage<Map<TopicPartition, Object>> onAssign(Set<TopicPartition> assigned) {
    Map<TopicPartition, CompletableFuture<Long>> resumes = new HashMap<>();
    for (TopicPartition tp : assigned) {
      resumes.put(tp, intents.settle(tp.partition()).thenApply(standing -> {
        partitions.restore(tp.partition(), Optional.of(standing.position()));
        return standing.next();
      }).toCompletableFuture());
    }
    return CompletableFuture.allOf(resumes.values().toArray(CompletableFuture[]::new)).thenApply(ignored -> {
      Map<TopicPartition, Object> offsets = new HashMap<>();
      Map<TopicPartition, Long> learnFrom = new HashMap<>();
      resumes.forEach((tp, f) -> {
        long resume = f.join();
        learnFrom.put(tp, resume);
        offsets.put(tp, partitions.resumeAt(tp.partition(), resume));
      });
      log.info("learner {} resumes at {}, re-reading users' recent positives from {}", gen.stateGroup(), learnFrom, offsets);
      return offsets;
    });
  }

  /**
   * False for a record before the lane's resume offset: learned from already, it only rebuilds its user's
   * recent positives (a bad one was dead-lettered the first time).
   */
  private boolean toLearn(PartitionMemory.Lane lane, ConsumerRecord<byte[], byte[]> r) {
    if (lane.rebuilding(r.offset()) == null) return true;
    historyOnly(lane, r);
    return false;
  }

  /** A record learned from already (here or elsewhere): its positive only joins its user's recent positives. */
  private void historyOnly(PartitionMemory.Lane lane, ConsumerRecord<byte[], byte[]> r) {
    try {
      Interaction event = InteractionCodec.parse(r.value());
      double w = weights.weight(event.type().wireName());
      if (w > 0) lane.remember(event.userId(), event.itemId(), w, event.ts(), r.offset());
    } catch (BadRecord ignored) {
      // dead-lettered when it was learned from
    }
  }

  /** Learns a batch unless its partition was handed over meanwhile (see {@link PartitionFence}). */
  private CompletionStage<Done> learn(PartitionMemory.Lane lane, int partition,
      List<ConsumerRecord<byte[], byte[]>> records) {
    if (lane.closed()) return CompletableFuture.completedFuture(Done.getInstance());
    CompletableFuture<Void> finished = new CompletableFuture<>();
    if (!fence.begin(partition, finished)) {
      lane.skip(); // being handed over: not learned here (its next holder learns these records)
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    CompletionStage<Done> learned;
    try {
      learned = learnOwned(lane, partition, records, 0);
    } catch (RuntimeException e) {
      learned = CompletableFuture.failedFuture(e);
    }
    return learned.whenComplete((ok, failure) -> {
      fence.end(partition, finished);
      finished.complete(null);
    });
  }

  /**
   * Learns the batch's records from where the partition stands ({@code lane.next()}; earlier ones were learned
   * already and only join the users' histories). If the partition moved on meanwhile (another node learned from
   * it: its write was refused), nothing was applied: it re-reads where the partition stands and learns what is left.
   *
   * @param refusals how often this batch was refused already (its bad records were dead-lettered the first time)
   */
  private CompletionStage<Done> learnOwned(PartitionMemory.Lane lane, int partition,
      List<ConsumerRecord<byte[], byte[]>> records, int refusals) {
    long from = lane.next();
    List<ConsumerRecord<byte[], byte[]>> fresh = new ArrayList<>(records.size());
    for (ConsumerRecord<byte[], byte[]> r : records) {
      if (r.offset() >= from) fresh.add(r);
      else historyOnly(lane, r);
    }
    if (fresh.isEmpty()) return CompletableFuture.completedFuture(Done.getInstance());
    if (lane.skipped() && fresh.get(0).offset() > from) {
      // This stream dropped records before these: unless the partition moved past them elsewhere (or this stream is
      // sought back to them), learning from here would pass them over.
      return hole(lane, partition, records, refusals, from, fresh.get(0).offset());
    }
    // The batch covers its offsets from where the partition stands (the same as its first record's, unless the
    // topic has a gap there).
    long last = fresh.get(fresh.size() - 1).offset();
    List<Positive> positives = new ArrayList<>();
    List<CompletableFuture<Void>> dead = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : fresh) {
      try {
        Interaction event = InteractionCodec.parse(r.value());
        double w = weights.weight(event.type().wireName());
        if (w > 0) positives.add(new Positive(event, w, r.offset()));
      } catch (BadRecord bad) {
        if (refusals == 0) dead.add(deadLetters.send(r, bad).toCompletableFuture());
      }
    }
    CompletionStage<Void> deadLettered = CompletableFuture.allOf(dead.toArray(CompletableFuture[]::new));
    if (positives.isEmpty()) {
      return deadLettered.thenCompose(ignored -> intents.pass(partition, from, last))
          .thenCompose(passed -> {
            if (!passed) return refused(lane, partition, records, refusals, from, last);
            lane.moveTo(last + 1);
            return CompletableFuture.completedFuture(Done.getInstance());
          });
    }
    PartitionMemory.Batch memory = partitions.forBatch(lane, partition);
    long version = gen.version();
    BatchTimings.Lap lap = timings.start();
    return deadLettered
        .thenCompose(ignored -> assembly.compute(intents.opId(partition, from, last), from, last, positives,
            memory, lap))
        .thenCompose(learned -> intents.commit(partition, from, learned.intent(), memory, lap)
            .thenCompose(applied -> {
              if (!applied) return refused(lane, partition, records, refusals, from, last);
              lane.moveTo(last + 1);
              counters.learned.addAndGet(learned.examples());
              if (metrics != null) metrics.deltasApplied(rowsOf(learned.intent()), learned.examples());
              if (learned.examples() > 0) {
                int groups = (positives.size() + settings.softmaxBatch() - 1) / settings.softmaxBatch();
                lossTrend.observe(learned.loss() / groups);
              }
              remember(new AppliedBatch(version, partition, from, last));
              freshness.changed(learned.items());
              memory.remember(positives);
              return CompletableFuture.completedFuture(Done.getInstance());
            }));
  }

  /** A batch after records this lane's stream dropped: learned only from where the partition stands, if it has them. */
  private CompletionStage<Done> hole(PartitionMemory.Lane lane, int partition,
      List<ConsumerRecord<byte[], byte[]>> records, int refusals, long from, long first) {
    return intents.settle(partition).thenCompose(standing -> {
      partitions.restore(partition, Optional.of(standing.position()));
      lane.moveTo(standing.next());
      if (standing.next() < first || refusals >= MAX_REFUSALS) {
        log.info("learner {} partition {}: records {}-{} not learned here, the stream dropped {}-{}",
            gen.stateGroup(), partition, first, records.get(records.size() - 1).offset(), standing.next(), first - 1);
        return CompletableFuture.completedFuture(Done.getInstance());
      }
      return learnOwned(lane, partition, records, refusals + 1);
    });
  }

  /**
   * The partition did not stand at {@code from}: another node (or a stale stream of this one) learned from it
   * meanwhile. Nothing of the batch was applied; the estimator and pool are re-read with where the partition stands
   * (a batch pending there is finished), and the batch's records after that are learned.
   */
  private CompletionStage<Done> refused(PartitionMemory.Lane lane, int partition,
      List<ConsumerRecord<byte[], byte[]>> records, int refusals, long from, long last) {
    if (refusals >= MAX_REFUSALS) {
      return CompletableFuture.failedFuture(new IllegalStateException("learner " + gen.stateGroup() + " partition "
          + partition + ": batch " + from + "-" + last + " refused " + refusals + " times"));
    }
    return intents.settle(partition).thenCompose(standing -> {
      log.info("learner {} partition {}: batch {}-{} not applied, the partition stands at {} (learned elsewhere)",
          gen.stateGroup(), partition, from, last, standing.next());
      partitions.restore(partition, Optional.of(standing.position()));
      lane.moveTo(standing.next());
      return learnOwned(lane, partition, records, refusals + 1);
    });
  }

  private static long rowsOf(LearnerIntent intent) {
    long rows = 0;
    for (LearnerIntent.Delta d : intent.deltas()) rows += d.rows().length;
    return rows;
  }

  /**
   * Stops reading; a batch in flight may be cut short, which its intent makes safe. Aborts rather than
   * completes: completing would flush a partial micro-batch, a batch boundary an uninterrupted run never has.
   */
  @Override
  public synchronized void close() {
    // A batch in flight finishes first: the consumer leaving hands its partitions to another node at once.
    fence.revokeAll();
    stopStream();
    resume();
    stepExecutor.shutdown();
  }

  private void stopStream() {
    if (killSwitch != null) killSwitch.abort(new IllegalStateException("learner stopped"));
    if (done != null) {
      try {
        done.toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception expected) {
        log.info("learner {} stopped", gen.stateGroup());
      }
    }
    killSwitch = null;
    done = null;
  }
}
