package metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Every Prometheus series of a node, defined in one place (docs/operate.md lists them). One instance per node,
 * passed to the components that count: no static registry, so two nodes in one JVM (tests) keep apart.
 *
 * <p>Two kinds of series: counters and histograms that components move as things happen ({@link #recallServed},
 * {@link #deadLettered}, …), and gauges of state read from the entities and Kafka at scrape time (the
 * {@code set…} methods; {@code service.MetricsScrape} gathers them before each scrape).
 */
public final class Metrics {

  /** Label value of the new-item series: items younger than {@link #newItemAge()}; "all" counts every item. */
  public static final String NEW = "new";
  public static final String ALL = "all";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Duration newItemAge;

  private final Counter deltasApplied;
  private final Counter learnedExamples;
  private final Counter rejected;
  private final Counter deadLetters;
  private final Counter recalls;
  private final Histogram recallLatency;
  private final Counter impressions;
  private final Counter clicks;
  private final Gauge ctr;
  private final Gauge registrationQueue;

  private final Gauge tierItems;
  private final Gauge tierLoad;
  private final Gauge tierCollisions;
  private final Gauge tierExpectedCollisions;
  private final Gauge hotSlotsUsed;
  private final Gauge shardItems;
  private final Gauge shardDeletedShare;
  private final Gauge shardReady;
  private final Gauge shardRebuiltItems;
  private final Gauge shardRefreshPasses;
  private final Gauge consumerLag;
  private final Gauge learnerLag;
  private final Gauge freshnessPending;
  private final Gauge staleness;

  /** Click and impression totals per (tier, age) since start, for the CTR gauge. */
  private final Map<List<String>, long[]> exposureTotals = new java.util.HashMap<>();

  /**
   * @param newItemAge items younger than this count as new in the new-item health series
   *     ({@code thermocline.metrics.new-item-age})
   */
  public Metrics(Duration newItemAge) {
    if (newItemAge == null || newItemAge.isNegative() || newItemAge.isZero()) {
      throw new IllegalArgumentException("metrics.new-item-age must be > 0, got " + newItemAge);
    }
    this.newItemAge = newItemAge;
    deltasApplied = counter("thermocline_learner_deltas_applied_total",
        "Row deltas (rows × batches) the online learner applied to the store");
    learnedExamples = counter("thermocline_learner_examples_total", "Positive interactions the learner learned from");
    rejected = counter("thermocline_http_rejected_total",
        "HTTP requests refused before any work, by reason (registration-queue, admission-<route class>)", "reason");
    // Present at 0, so a rate() sees the first refusal: the registration queue, and http.Admission's route classes.
    for (String reason : List.of("registration-queue", "admission-recall", "admission-items",
        "admission-interactions")) {
      rejected.initLabelValues(reason);
    }
    deadLetters = counter("thermocline_dead_letters_total", "Records sent to the dead-letter topic, by source topic",
        "topic");
    recalls = counter("thermocline_recalls_total", "Recalls answered, by strategy and whether a shard was missing",
        "strategy", "partial");
    recallLatency = Histogram.builder().name("thermocline_recall_latency_seconds")
        .help("Recall latency inside the node (history read, user vector, shards, merge), by strategy")
        .labelNames("strategy").classicOnly()
        .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
        .withoutExemplars().register(registry);
    impressions = counter("thermocline_item_impressions_total",
        "Impressions counted, by the item's tier and age (new: younger than metrics.new-item-age; all)", "tier",
        "age");
    clicks = counter("thermocline_item_clicks_total",
        "Click interactions counted, by the item's tier and age (new: younger than metrics.new-item-age; all)",
        "tier", "age");
    ctr = gauge("thermocline_item_ctr", "Clicks per impression since the node started, by tier and age (prefer the "
        + "rate of the two counters over a window)", "tier", "age");
    registrationQueue = gauge("thermocline_registration_queue_depth", "Item registrations waiting in the node's queue");

    tierItems = gauge("thermocline_tier_items", "Items counted in a tier's occupancy", "tier");
    tierLoad = gauge("thermocline_tier_load_factor", "Items per bucket (or slot) of a tier", "tier");
    tierCollisions = gauge("thermocline_tier_collision_rate", "Share of a tier's items that share their bucket",
        "tier");
    tierExpectedCollisions = gauge("thermocline_tier_expected_collision_rate",
        "Collision rate uniform hashing predicts at the tier's load (0 for exclusive tiers)", "tier");
    hotSlotsUsed = gauge("thermocline_hot_slots_used_ratio", "Share of the exclusive tier's slots in use", "tier");
    shardItems = gauge("thermocline_hnsw_items", "Items in a retrieval shard's HNSW index", "shard");
    shardDeletedShare = gauge("thermocline_hnsw_deleted_ratio",
        "Deleted nodes still in a shard's graph, per live item (compaction at retrieval.compact-deleted-fraction)",
        "shard");
    shardReady = gauge("thermocline_hnsw_ready", "1 once a retrieval shard has rebuilt its index and serves", "shard");
    shardRebuiltItems = gauge("thermocline_hnsw_rebuilt_items",
        "Items a retrieval shard loaded in its start-up rebuild so far (rebuild progress)", "shard");
    shardRefreshPasses = gauge("thermocline_hnsw_refresh_passes",
        "Complete passes of a shard's refresh sweep since it started", "shard");
    consumerLag = gauge("thermocline_consumer_lag_records",
        "Records of a topic partition not yet committed by a consumer group", "group", "topic", "partition");
    learnerLag = gauge("thermocline_learner_lag_records",
        "Interaction records of a partition the online learner has not applied yet", "partition");
    freshnessPending = gauge("thermocline_freshness_pending_items",
        "Learned items waiting to be re-indexed for recall");
    staleness = gauge("thermocline_served_vector_staleness_seconds",
        "Time from a learned change to the re-index that serves it, quantiles since start", "quantile");
  }

  /** Adds the JVM's collectors (memory, GC, threads, class loading, …) to this registry. */
  public Metrics withJvm() {
    JvmMetrics.builder().register(registry);
    return this;
  }

  public Duration newItemAge() {
    return newItemAge;
  }

  // ---- counted as things happen

  public void deltasApplied(long rows, int examples) {
    deltasApplied.inc(rows);
    learnedExamples.inc(examples);
  }

  /** A request refused before any work, e.g. {@code "registration-queue"} (429). */
  public void rejected(String reason) {
    rejected.labelValues(reason).inc();
  }

  public void deadLettered(String sourceTopic) {
    deadLetters.labelValues(sourceTopic).inc();
  }

  public void recallServed(String strategy, boolean partial, double seconds) {
    recalls.labelValues(strategy, Boolean.toString(partial)).inc();
    recallLatency.labelValues(strategy).observe(seconds);
  }

  public void registrationQueue(int depth) {
    registrationQueue.set(depth);
  }

  /**
   * Exposure counted for items of {@code tier}; {@code isNew}: the items are younger than {@link #newItemAge()}
   * (they count under "all" too).
   */
  public void exposures(String tier, boolean isNew, long impressionCount, long clickCount) {
    add(tier, ALL, impressionCount, clickCount);
    if (isNew) add(tier, NEW, impressionCount, clickCount);
  }

  private void add(String tier, String age, long impressionCount, long clickCount) {
    if (impressionCount > 0) impressions.labelValues(tier, age).inc(impressionCount);
    if (clickCount > 0) clicks.labelValues(tier, age).inc(clickCount);
    synchronized (exposureTotals) {
      long[] t = exposureTotals.computeIfAbsent(List.of(tier, age), k -> new long[2]);
      t[0] += impressionCount;
      t[1] += clickCount;
      if (t[0] > 0) ctr.labelValues(tier, age).set((double) t[1] / t[0]);
    }
  }

  // ---- state gathered at scrape time

  /** One tier's occupancy; {@code exclusive}: slots, not buckets (its use is the hot-slot use). */
  public record TierSample(String tier, boolean exclusive, long items, double loadFactor, double collisionRate,
      double expectedCollisionRate) {}

  public void setTiers(List<TierSample> tiers) {
    for (TierSample t : tiers) {
      tierItems.labelValues(t.tier()).set(t.items());
      tierLoad.labelValues(t.tier()).set(t.loadFactor());
      tierCollisions.labelValues(t.tier()).set(t.collisionRate());
      tierExpectedCollisions.labelValues(t.tier()).set(t.expectedCollisionRate());
      if (t.exclusive()) hotSlotsUsed.labelValues(t.tier()).set(t.loadFactor());
    }
  }

  /** One retrieval shard as its entity reported it. */
  public record ShardSample(int shard, boolean ready, int items, int deletedNodes, long rebuiltItems,
      long refreshPasses) {}

  public void setShards(List<ShardSample> shards) {
    for (ShardSample s : shards) {
      String id = Integer.toString(s.shard());
      shardItems.labelValues(id).set(s.items());
      shardDeletedShare.labelValues(id).set(s.items() == 0 ? 0 : (double) s.deletedNodes() / s.items());
      shardReady.labelValues(id).set(s.ready() ? 1 : 0);
      shardRebuiltItems.labelValues(id).set(s.rebuiltItems());
      shardRefreshPasses.labelValues(id).set(s.refreshPasses());
    }
  }

  /** Records behind per partition: end offset minus the group's committed (or the learner's applied) offset. */
  public record Lag(String group, String topic, int partition, long records) {}

  /**
   * Replaces the lag series (partitions come and go with topics and groups). Synchronized with {@link #writeText}:
   * two scrapes at once must not write a series list half cleared.
   */
  public synchronized void setConsumerLag(List<Lag> lags) {
    consumerLag.clear();
    for (Lag l : lags) {
      consumerLag.labelValues(l.group(), l.topic(), Integer.toString(l.partition())).set(l.records());
    }
  }

  public synchronized void setLearnerLag(List<Lag> lags) {
    learnerLag.clear();
    for (Lag l : lags) learnerLag.labelValues(Integer.toString(l.partition())).set(l.records());
  }

  /** Re-indexing of learned items: how many wait, and quantiles of the delay so far (seconds). */
  public void setFreshness(int pending, Map<String, Double> stalenessQuantiles) {
    freshnessPending.set(pending);
    stalenessQuantiles.forEach((q, seconds) -> staleness.labelValues(q).set(seconds));
  }

  /** The registry's series in the Prometheus text format (version 0.0.4). */
  public synchronized void writeText(OutputStream out) throws IOException {
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
  }

  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  private Counter counter(String name, String help, String... labels) {
    return Counter.builder().name(name).help(help).labelNames(labels).withoutExemplars().register(registry);
  }

  private Gauge gauge(String name, String help, String... labels) {
    return Gauge.builder().name(name).help(help).labelNames(labels).withoutExemplars().register(registry);
  }
}
