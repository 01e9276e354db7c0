package bench;

import app.Node;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Waiting, in process, until the node has taken in everything streamed: the online learner (offsets in
 * Cassandra, learner_state) and the interactions consumer (histories; offsets committed to Kafka) both at the
 * topic's end offsets, then the re-indexing of changed vectors drained (FreshnessQueue: nothing pending and no
 * round finishing for one interval).
 */
final class MovieLensCatchUp {

  private MovieLensCatchUp() {}

  static void await(Node node, Config config, Duration timeout) throws Exception {
    String topic = config.getString("thermocline.kafka.topics.interactions");
    String prefix = config.getString("thermocline.kafka.consumer.group-prefix");
    String learnerGroup = prefix + "-" + config.getString("thermocline.learner.group");
    String historyGroup = prefix + "-interactions";
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        node.kafkaBootstrapServers()))) {
      int partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get().get(topic).partitions().size();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < partitions; p++) latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      Map<Integer, Long> end = new HashMap<>();
      admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp.partition(), info.offset()));
      long total = end.values().stream().mapToLong(Long::longValue).sum();
      long lastPrint = System.nanoTime();
      while (true) {
        long learned = 0;
        long historied = 0;
        boolean done = true;
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(historyGroup).partitionsToOffsetAndMetadata().get();
        for (int p = 0; p < partitions; p++) {
          long learnerAt;
          try {
            learnerAt = node.learnerState().read(learnerGroup, p).toCompletableFuture().join()
                .map(storage.LearnerState.Position::nextOffset).orElse(0L);
          } catch (java.util.concurrent.CompletionException e) {
            learnerAt = 0; // a busy Cassandra timed the read out: ask again next round
          }
          var h = committed.get(new TopicPartition(topic, p));
          long historyAt = h == null ? 0 : h.offset();
          learned += Math.min(learnerAt, end.get(p));
          historied += Math.min(historyAt, end.get(p));
          if (learnerAt < end.get(p) || historyAt < end.get(p)) done = false;
        }
        if (done) break;
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(String.format("not caught up after %s: learner %,d / %,d records, "
              + "interactions consumer %,d", timeout, learned, total, historied));
        }
        if (System.nanoTime() - lastPrint > 10_000_000_000L) {
          System.out.printf("  learner %,d / %,d records, interactions consumer %,d%n", learned, total, historied);
          lastPrint = System.nanoTime();
        }
        Thread.sleep(500);
      }
    }
    awaitReindexing(node, config.getDuration("thermocline.learner.freshness-interval"), deadline);
    awaitRefreshPass(node, config.getInt("thermocline.retrieval.shards"), deadline);
  }

  /** After a change outside the stream (full retraining): re-indexing drained and a whole refresh pass. */
  static void awaitServed(Node node, Config config, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    awaitReindexing(node, config.getDuration("thermocline.learner.freshness-interval"), deadline);
    awaitRefreshPass(node, config.getInt("thermocline.retrieval.shards"), deadline);
  }

  /**
   * Until every shard's refresh sweep has made a whole pass that started after this call (two passes ended: the
   * one under way may have visited items before learning ended), so every item's indexed vector is served from
   * the final rows, not only the items the learner named. Prints how long that took (at most two
   * retrieval.refresh-periods). Returns at once when the sweep is off.
   */
  static void awaitRefreshPass(Node node, int shards, long deadline) throws InterruptedException {
    long start = System.nanoTime();
    long[] at = refreshPasses(node, shards);
    if (at == null) return;
    while (System.nanoTime() < deadline) {
      long[] now = refreshPasses(node, shards);
      boolean done = true;
      for (int s = 0; s < shards; s++) if (now[s] < at[s] + 2) done = false;
      if (done) {
        System.out.printf("every shard's refresh sweep passed over all its items in %.1f s after catch-up%n",
            (System.nanoTime() - start) / 1e9);
        return;
      }
      Thread.sleep(1000);
    }
    throw new IllegalStateException("refresh sweep did not finish a pass");
  }

  /** Passes of each shard's refresh sweep, or null when the sweep is off. */
  private static long[] refreshPasses(Node node, int shards) {
    if (!node.system().settings().config().hasPath("thermocline.retrieval.refresh-period")
        || node.system().settings().config().getDuration("thermocline.retrieval.refresh-period").isZero()) {
      return null;
    }
    long[] out = new long[shards];
    for (int s = 0; s < shards; s++) {
      out[s] = akka.cluster.sharding.typed.javadsl.ClusterSharding.get(node.system())
          .entityRefFor(actors.RetrievalShard.TYPE_KEY, Integer.toString(s))
          .<actors.RetrievalShard.Summary>ask(actors.RetrievalShard.GetSummary::new, Duration.ofSeconds(30))
          .toCompletableFuture().join().refreshPasses();
    }
    return out;
  }

  /**
   * Until nothing waits to be re-indexed and no re-indexed chunk has been counted for two intervals in a row (a
   * round in flight is not visible otherwise: it takes its items out of the pending set when it starts).
   */
  private static void awaitReindexing(Node node, Duration interval, long deadline) throws InterruptedException {
    long reindexed = node.freshness().staleness().getTotalCount();
    int quiet = 0;
    while (System.nanoTime() < deadline) {
      Thread.sleep(interval.toMillis() + 500);
      long now = node.freshness().staleness().getTotalCount();
      quiet = node.freshness().pending() == 0 && now == reindexed ? quiet + 1 : 0;
      if (quiet == 2) return;
      reindexed = now;
    }
    throw new IllegalStateException("re-indexing did not drain: " + node.freshness().pending() + " items pending");
  }
}
