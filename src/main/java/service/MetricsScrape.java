package service;

import actors.RetrievalShard;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import embedding.CollisionStats;
import embedding.TierKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import storage.LearnerState;
import streams.KafkaLag;

/**
 * Before each {@code GET /metrics}: reads the state behind the gauges (tier occupancy from the bucket ranges, the
 * retrieval shards' summaries, Kafka lag, re-indexing) and sets them on {@link Metrics}. Each part may fail on
 * its own (a range or shard that does not answer in time): its gauges then keep their last values, and the
 * scrape still answers.
 */
public final class MetricsScrape {

  private static final Logger log = LoggerFactory.getLogger(MetricsScrape.class);

  /** Where lag comes from; none without Kafka. */
  public interface Lag {
    CompletionStage<List<Metrics.Lag>> consumers();

    CompletionStage<List<Metrics.Lag>> learner();

    Lag NONE = new Lag() {
      @Override
      public CompletionStage<List<Metrics.Lag>> consumers() {
        return CompletableFuture.completedFuture(List.of());
      }

      @Override
      public CompletionStage<List<Metrics.Lag>> learner() {
        return CompletableFuture.completedFuture(List.of());
      }
    };
  }

  /** What the scrape reads: the store's tiers, the retrieval shards, re-indexing (null: none) and lag. */
  public record Sources(StoreAdmin store, RecallService.Shards shards, FreshnessQueue freshness, Lag lag) {}

  private final ActorSystem<?> system;
  private final Metrics metrics;
  private final Sources sources;
  private final Duration timeout;

  public MetricsScrape(ActorSystem<?> system, Metrics metrics, Sources sources, Duration timeout) {
    this.system = system;
    this.metrics = metrics;
    this.sources = sources;
    this.timeout = timeout;
  }

  public Metrics metrics() {
    return metrics;
  }

  /** Completes (never exceptionally) when every part has been read or has failed. */
  public CompletionStage<Void> refresh() {
    return CompletableFuture.allOf(
        part("tiers", tiers()), part("retrieval shards", shards()), part("consumer lag", consumerLag()),
        part("learner lag", learnerLag()), part("freshness", freshness()));
  }

  private static CompletableFuture<Void> part(String name, CompletionStage<Void> work) {
    return work.toCompletableFuture().exceptionally(failure -> {
      log.debug("metrics: {} not read: {}", name, failure.toString());
      return null;
    });
  }

  private CompletionStage<Void> tiers() {
    return sources.store().tiers().thenAccept(reports -> {
      List<Metrics.TierSample> samples = new ArrayList<>();
      for (StoreAdmin.TierReport r : reports) {
        var occ = r.occupancy();
        boolean exclusive = r.spec().kind() == TierKind.EXCLUSIVE;
        samples.add(new Metrics.TierSample(r.spec().name(), exclusive, occ.items(), occ.loadFactor(),
            occ.collisionRate(), exclusive ? 0 : CollisionStats.expectedCollisionRate(occ.items(), r.spec().capacity())));
      }
      metrics.setTiers(samples);
    });
  }

  private CompletionStage<Void> shards() {
    RecallService.Shards shards = sources.shards();
    List<CompletableFuture<RetrievalShard.Summary>> asks = new ArrayList<>();
    for (int s = 0; s < shards.count(); s++) {
      asks.add(AskPattern.<RetrievalShard.Command, RetrievalShard.Summary>ask(shards.ref(s),
          RetrievalShard.GetSummary::new, timeout, system.scheduler()).toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).handle((ok, failure) -> {
      List<Metrics.ShardSample> samples = new ArrayList<>();
      for (var a : asks) {
        if (a.isCompletedExceptionally()) continue; // that shard keeps its last values
        RetrievalShard.Summary s = a.join();
        samples.add(new Metrics.ShardSample(s.shard(), s.ready(), s.items(), s.deletedNodes(), s.rebuiltItems(),
            s.refreshPasses()));
      }
      metrics.setShards(samples);
      return null;
    });
  }

  private CompletionStage<Void> consumerLag() {
    return sources.lag().consumers().thenAccept(metrics::setConsumerLag);
  }

  private CompletionStage<Void> learnerLag() {
    return sources.lag().learner().thenAccept(metrics::setLearnerLag);
  }

  private CompletionStage<Void> freshness() {
    FreshnessQueue f = sources.freshness();
    if (f == null) return CompletableFuture.completedFuture(null);
    var h = f.staleness();
    Map<String, Double> quantiles = h.getTotalCount() == 0 ? Map.of() : Map.of(
        "0.5", h.getValueAtPercentile(50) / 1e3,
        "0.99", h.getValueAtPercentile(99) / 1e3,
        "1", h.getMaxValue() / 1e3);
    metrics.setFreshness(f.pending(), quantiles);
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Lag from Kafka: the committing pipelines' groups against their committed offsets, and the online learner
   * (whose offsets live in Cassandra, not in its group) against learner_state.
   *
   * @param learnerGroup null when the node does not learn; else the key of the served version's offsets in
   *     learner_state, asked at each scrape (a publish or a rollback moves the learner to another version's)
   */
  public static Lag kafka(KafkaLag kafka, List<String> groups, String interactionsTopic, LearnerState state,
      java.util.function.Supplier<String> learnerGroup) {
    return new Lag() {
      @Override
      public CompletionStage<List<Metrics.Lag>> consumers() {
        List<CompletableFuture<List<Metrics.Lag>>> all = new ArrayList<>();
        for (String g : groups) all.add(kafka.groupLag(g).toCompletableFuture());
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(done -> {
          List<Metrics.Lag> out = new ArrayList<>();
          for (var f : all) out.addAll(f.join());
          return out;
        });
      }

      @Override
      public CompletionStage<List<Metrics.Lag>> learner() {
        if (learnerGroup == null) return CompletableFuture.completedFuture(List.of());
        String group = learnerGroup.get();
        return kafka.endOffsets(interactionsTopic).thenCompose(ends -> {
          List<CompletableFuture<Metrics.Lag>> reads = new ArrayList<>();
          ends.forEach((partition, end) -> reads.add(state.read(group, partition)
              .thenApply(pos -> new Metrics.Lag(group, interactionsTopic, partition,
                  Math.max(0, end - pos.map(LearnerState.Position::nextOffset).orElse(0L))))
              .toCompletableFuture()));
          return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
              .thenApply(done -> reads.stream().map(CompletableFuture::join).toList());
        });
      }
    };
  }
}
