package bench;

import app.Node;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import storage.ItemRecord;
import streams.EventType;
import streams.Interaction;
import streams.InteractionCodec;

/**
 * {@code bench learn}: one node with the embedded Cassandra and Kafka learns from the interactions topic.
 * Registers {@code --items}, produces {@code --events} (Zipf-popular items, a mix of impressions and
 * positives, keyed by user), and measures records/s from Kafka to persisted deltas (all partitions' learner
 * offsets at the end) and the staleness of served vectors (learned change → re-indexed), p50/p99.
 */
final class LearnBench {

  private final Bench.Learn o;

  LearnBench(Bench.Learn options) {
    this.o = options;
  }

  int run() throws Exception {
    System.out.printf("bench learn on %d cores, max heap %d MB, %s %s%n", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.name"), System.getProperty("java.version"));
    Path dir = Path.of(o.dir).toAbsolutePath();
    StoreBench.wipe(dir);
    Map<String, Object> c = BenchNodes.settings(dir);
    c.put("thermocline.model.text-encoder", o.textEncoder);
    c.put("thermocline.learner.batch-size", o.batch);
    Config config = ConfigFactory.parseMap(c).withFallback(ConfigFactory.load());
    System.out.printf("starting a node (embedded Cassandra and Kafka) under %s …%n", dir);
    try (Node node = Node.start(config)) {
      register(node);
      GraphHealth before = graphHealth(node, config);
      System.out.printf("graph recall@50 against exact search after registration: %.4f%n", before.recall());
      int partitions = config.getInt("thermocline.kafka.partitions");
      String group = config.getString("thermocline.kafka.consumer.group-prefix") + "-"
          + config.getString("thermocline.learner.group");
      long start = System.nanoTime();
      produce(node);
      CpuClock cpu = new CpuClock(node);
      System.out.printf("produced %,d events in %.1f s; learning …%n", o.events, (System.nanoTime() - start) / 1e9);
      long consumed = 0;
      long lastPrint = System.nanoTime();
      while (consumed < o.events) {
        Thread.sleep(200);
        try {
          long sum = 0;
          for (int p = 0; p < partitions; p++) {
            sum += node.learnerState().read(group, p).toCompletableFuture().join()
                .map(storage.LearnerState.Position::nextOffset).orElse(0L);
          }
          consumed = sum;
        } catch (java.util.concurrent.CompletionException e) {
          // A saturated Cassandra times a read out now and then: the node retries its own work; so does this poll.
          System.out.printf("  (progress read failed: %s)%n", e.getCause());
        }
        if (System.nanoTime() - lastPrint > 5_000_000_000L) {
          System.out.printf("  %,d / %,d records learned from, %.0f/s%n", consumed, o.events,
              consumed / ((System.nanoTime() - start) / 1e9));
          lastPrint = System.nanoTime();
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double eventsPerS = o.events / seconds;
      // The other consumer of the topic (histories, exposure counters) must keep up too: where it stands now,
      // and when it catches up.
      String historyGroup = config.getString("thermocline.kafka.consumer.group-prefix") + "-interactions";
      var admin = org.apache.kafka.clients.admin.Admin.create(Map.<String, Object>of(
          org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.kafkaBootstrapServers()));
      long historyAt = committed(admin, historyGroup);
      long learnedAt = System.nanoTime();
      System.out.printf("learned from %,d records (%,d positives; not learned: %,d on unknown items, %,d without a "
          + "user vector yet) in %.1f s: %.0f records/s%n", o.events, node.learner().learned(),
          node.learner().skippedUnknownItems(), node.learner().skippedNoUserVector(), seconds, eventsPerS);
      System.out.printf("learner batch phases: %s%n", node.learner().timings());
      double measuringFrom = cpu.usedSeconds()[0];
      GraphHealth after = graphHealth(node, config);
      double measuring = cpu.usedSeconds()[0] - measuringFrom; // the bench's own exact scans, not the node's work
      System.out.printf("graph recall@50 against exact search after learning: %.4f (%,d items drifted from their "
          + "graph links)%n", after.recall(), after.drifted());
      while (committed(admin, historyGroup) < o.events && System.nanoTime() - learnedAt < 900_000_000_000L) {
        Thread.sleep(500);
      }
      admin.close();
      double historyLagS = (System.nanoTime() - learnedAt) / 1e9;
      double endToEnd = o.events / (seconds + historyLagS);
      // CPU of each process from the first record to the last one through both consumers, per record. Graph
      // upkeep is a budget per node (retrieval.graph-upkeep-share of a core), not a cost per record: apart.
      double[] used = cpu.usedSeconds();
      double window = seconds + historyLagS;
      double upkeep = node.graphUpkeepCpuSeconds() - cpu.upkeepAtStart;
      double nodeUs = (used[0] - measuring - upkeep) * 1e6 / o.events;
      double cassandraUs = used[1] * 1e6 / o.events;
      double kafkaUs = used[2] * 1e6 / o.events;
      int cores = Runtime.getRuntime().availableProcessors();
      double upkeepShare = config.getDouble("thermocline.retrieval.graph-upkeep-share");
      double nodeAlone = (cores - upkeepShare) * 1e6 / nodeUs;
      System.out.printf("interactions consumer (histories, counters) at %,d of %,d records when learning finished; "
          + "caught up %.1f s later: %.0f records/s end to end%n", historyAt, o.events, historyLagS, endToEnd);
      System.out.printf("CPU over those %.1f s: node %.1f cores (graph upkeep %.2f of them), Cassandra %.1f, Kafka "
          + "%.2f%n", window, (used[0] - measuring) / window, upkeep / window, used[1] / window, used[2] / window);
      System.out.printf("CPU per record, both consumers: node %.0f µs besides graph upkeep, Cassandra %.0f µs, Kafka "
          + "%.0f µs. Projection, not a measurement: with Cassandra and Kafka on other machines, this node's %d "
          + "cores less the %.2f upkeep budget would carry %.0f records/s%n", nodeUs, cassandraUs, kafkaUs, cores,
          upkeepShare, nodeAlone);
      // One more freshness round, so the last changes are served and counted.
      Thread.sleep(2 * config.getDuration("thermocline.learner.freshness-interval").toMillis() + 1000);
      var staleness = node.freshness().staleness();
      System.out.printf("served-vector staleness over %,d re-indexed changes: p50 %.2f s, p99 %.2f s, max %.2f s%n",
          staleness.getTotalCount(), staleness.getValueAtPercentile(50) / 1e3,
          staleness.getValueAtPercentile(99) / 1e3, staleness.getMaxValue() / 1e3);
      // The shards rebuild their graphs in the background until few items have drifted: how long that takes.
      GraphHealth caughtUp = graphHealth(node, config);
      double share = config.getDouble("thermocline.retrieval.compact-deleted-fraction");
      while (caughtUp.drifted() >= share * o.items && System.nanoTime() - learnedAt < 600_000_000_000L) {
        Thread.sleep(2000);
        caughtUp = graphHealth(node, config);
      }
      double catchUpS = (System.nanoTime() - learnedAt) / 1e9;
      System.out.printf("graph recall@50 %.1f s after learning, the graphs rebuilt: %.4f (%,d drifted); at 4x ef: "
          + "%.4f (how hard the learned vectors are to search, apart from the graph's age)%n", catchUpS,
          caughtUp.recall(), caughtUp.drifted(), graphHealth(node, config, 4).recall());
      System.out.printf("ties at the exact 50th score: %d of %d queries after learning (tie-aware recall %.4f), %d "
          + "after catch-up (tie-aware %.4f)%n", after.queriesWithTies(), 200 * config.getInt("thermocline.retrieval.shards"),
          after.tieAware(), caughtUp.queriesWithTies(), caughtUp.tieAware());
      System.out.printf("RESULT learn events_per_s=%.0f staleness_p99_s=%.2f positives=%d items=%d "
          + "graph_recall50_before=%.4f graph_recall50_after=%.4f graph_catchup_s=%.1f "
          + "graph_recall50_caught_up=%.4f consumers_events_per_s=%.0f node_cpu_us_per_record=%.0f "
          + "cassandra_cpu_us_per_record=%.0f kafka_cpu_us_per_record=%.0f node_alone_projected_events_per_s=%.0f%n",
          eventsPerS, staleness.getValueAtPercentile(99) / 1e3, node.learner().learned(), o.items, before.recall(),
          after.recall(), catchUpS, caughtUp.recall(), endToEnd, nodeUs, cassandraUs, kafkaUs, nodeAlone);
    }
    return 0;
  }

  /** CPU time of this JVM (the node) and of the embedded Cassandra and Kafka since it was made. */
  private static final class CpuClock {
    private final long[] pids;
    private final double[] startSeconds;
    final double upkeepAtStart;

    CpuClock(Node node) {
      pids = new long[] {ProcessHandle.current().pid(), node.cassandraPid().orElse(-1), node.kafkaPid().orElse(-1)};
      startSeconds = now();
      upkeepAtStart = node.graphUpkeepCpuSeconds();
    }

    /** Seconds of CPU each process used since; 0 for one that is not running here. */
    double[] usedSeconds() {
      double[] now = now();
      for (int i = 0; i < now.length; i++) now[i] -= startSeconds[i];
      return now;
    }

    private double[] now() {
      double[] out = new double[pids.length];
      for (int i = 0; i < pids.length; i++) out[i] = cpuSeconds(pids[i]);
      return out;
    }
  }

  /** CPU seconds a process has used so far; 0 for one that is not running (or not known). */
  static double cpuSeconds(long pid) {
    return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(d -> d.toNanos() / 1e9).orElse(0.0);
  }

  /** Records the consumer group has committed, over all partitions of the interactions topic. */
  private static long committed(org.apache.kafka.clients.admin.Admin admin, String group) throws Exception {
    long sum = 0;
    for (var offset : admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values()) {
      if (offset != null) sum += offset.offset();
    }
    return sum;
  }

  private record GraphHealth(double recall, int drifted, double tieAware, int queriesWithTies) {}

  /** Mean over shards of the graph's recall@50 against exact search, with the items waiting to be re-linked. */
  private static GraphHealth graphHealth(Node node, Config config) {
    return graphHealth(node, config, 1);
  }

  private static GraphHealth graphHealth(Node node, Config config, int efTimes) {
    int shards = config.getInt("thermocline.retrieval.shards");
    int ef = efTimes * config.getInt("thermocline.retrieval.ef");
    double sum = 0;
    double tieSum = 0;
    int ties = 0;
    int drifted = 0;
    for (int s = 0; s < shards; s++) {
      var answer = akka.cluster.sharding.typed.javadsl.ClusterSharding.get(node.system())
          .entityRefFor(actors.RetrievalShard.TYPE_KEY, Integer.toString(s))
          .<actors.RetrievalShard.GraphRecall>ask(r -> new actors.RetrievalShard.MeasureGraphRecall(200, 50, ef, r),
              java.time.Duration.ofSeconds(60))
          .toCompletableFuture().join();
      sum += answer.recall();
      tieSum += answer.tieAware();
      ties += answer.queriesWithTies();
      drifted += answer.driftedItems();
    }
    return new GraphHealth(sum / shards, drifted, tieSum / shards, ties);
  }

  private void register(Node node) {
    long t0 = System.nanoTime();
    String[] categories = {"pets", "food", "travel", "music", "sports", "comedy", "news", "games"};
    for (int from = 0; from < o.items; from += 1000) {
      List<Map.Entry<String, ItemRecord.ItemMetadata>> chunk = new ArrayList<>();
      for (int i = from; i < Math.min(o.items, from + 1000); i++) {
        String cat = categories[i % categories.length];
        chunk.add(Map.entry("item-" + i, new ItemRecord.ItemMetadata("video " + i + " " + cat,
            List.of(cat, "tag" + (i % 50)), cat, "uploader-" + (i % 500), Instant.ofEpochMilli(1_700_000_000_000L + i),
            null)));
      }
      for (int attempt = 1; ; attempt++) {
        try {
          node.items().registerAll(chunk).toCompletableFuture().join();
          break;
        } catch (java.util.concurrent.CompletionException e) {
          // Registration is idempotent: a client retries what timed out, as this one does.
          if (attempt == 3) throw e;
          System.out.printf("%nregistering items %d… failed (%s); retrying%n", from, e.getCause());
        }
      }
      System.out.printf("\rregistered %,d / %,d items", Math.min(o.items, from + 1000), o.items);
    }
    System.out.printf(" in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  /** Zipf-like item popularity (rank^-1 by inverse transform), users uniform; 30 % impressions. */
  private void produce(Node node) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.kafkaBootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    String topic = node.system().settings().config().getString("thermocline.kafka.topics.interactions");
    SplittableRandom random = new SplittableRandom(7);
    EventType[] positives = {EventType.CLICK, EventType.CLICK, EventType.LIKE, EventType.FINISH, EventType.SHARE};
    double logN = Math.log(o.items);
    try (var producer = new KafkaProducer<byte[], byte[]>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (long e = 0; e < o.events; e++) {
        int item = (int) Math.min(o.items - 1, Math.floor(Math.exp(random.nextDouble() * logN)) - 1);
        String user = "user-" + random.nextInt(o.users);
        EventType type = random.nextInt(10) < 3 ? EventType.IMPRESSION : positives[random.nextInt(positives.length)];
        byte[] value = InteractionCodec.toJson(new Interaction(user, "item-" + item, type, 1_763_000_000_000L + e));
        producer.send(new ProducerRecord<>(topic, user.getBytes(java.nio.charset.StandardCharsets.UTF_8), value));
      }
      producer.flush();
    }
  }
}
