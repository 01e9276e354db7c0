package streams;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where Thermocline's Kafka data lives and how its consumers batch: the {@code thermocline.kafka} section.
 *
 * @param bootstrapServers filled in by the node when it starts the embedded Kafka
 * @param partitions of each topic this node creates (existing topics are left as they are)
 * @param groupPrefix consumer groups are {@code <groupPrefix>-<stream>}
 * @param batchSize most records handed to one effect
 * @param batchWindow longest a record waits for its micro-batch to fill
 */
public record KafkaTopics(
    String bootstrapServers,
    String items,
    String interactions,
    String dlq,
    int partitions,
    String groupPrefix,
    int batchSize,
    Duration batchWindow) {

  private static final Logger log = LoggerFactory.getLogger(KafkaTopics.class);

  public KafkaTopics {
    requireText(bootstrapServers, "bootstrap-servers (filled in by the node when it starts the embedded Kafka)");
    requireText(items, "topics.items");
    requireText(interactions, "topics.interactions");
    requireText(dlq, "topics.dlq");
    requireText(groupPrefix, "consumer.group-prefix");
    if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
    if (batchSize < 1) throw new IllegalArgumentException("consumer.batch-size must be >= 1, got " + batchSize);
    Objects.requireNonNull(batchWindow, "batchWindow");
    if (batchWindow.isNegative() || batchWindow.isZero()) {
      throw new IllegalArgumentException("consumer.batch-window must be > 0, got " + batchWindow);
    }
  }

  /** Reads {@code thermocline.kafka} of the node's configuration. */
  public static KafkaTopics from(Config root) {
    Config k = root.getConfig("thermocline.kafka");
    return new KafkaTopics(
        k.getString("bootstrap-servers"),
        k.getString("topics.items"),
        k.getString("topics.interactions"),
        k.getString("topics.dlq"),
        k.getInt("partitions"),
        k.getString("consumer.group-prefix"),
        k.getInt("consumer.batch-size"),
        k.getDuration("consumer.batch-window"));
  }

  /** The three topics, in a stable order. */
  public List<String> all() {
    return List.of(items, interactions, dlq);
  }

  /**
   * Creates whichever of the three topics is missing, with {@link #partitions()} partitions and replication
   * factor min(3, brokers), and returns once every partition's leader serves requests: call it before producing
   * (see {@code awaitLeaders} for why). Idempotent, and safe when several nodes race to do it: a topic another node created
   * meanwhile counts as created. Existing topics are not altered (repartitioning would move keys between
   * partitions and break per-user order); a partition count that differs from the configuration is logged.
   *
   * @throws IllegalStateException when Kafka does not answer within {@code timeout} or refuses
   */
  public void ensureCreated(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    Map<String, Object> conf = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.CLIENT_ID_CONFIG, "thermocline-topics",
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(30_000, timeoutMs));
    try (Admin admin = Admin.create(conf)) {
      int brokers = await(admin.describeCluster().nodes(), deadline).size();
      short replication = (short) Math.max(1, Math.min(3, brokers));
      Set<String> existing = await(admin.listTopics().names(), deadline);
      List<NewTopic> missing = new ArrayList<>();
      for (String topic : all().stream().distinct().toList()) {
        if (existing.contains(topic)) continue;
        // acks=all only protects a record once it is on more than one replica: require all but one in sync, so
        // one broker may be down without refusing writes.
        String minInsync = String.valueOf(Math.max(1, replication - 1));
        missing.add(new NewTopic(topic, partitions, replication)
            .configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInsync)));
      }
      if (!missing.isEmpty()) {
        var results = admin.createTopics(missing).values();
        for (var entry : results.entrySet()) {
          try {
            await(entry.getValue(), deadline);
            log.info("Created Kafka topic {} ({} partitions, replication {})", entry.getKey(), partitions, replication);
          } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
          }
        }
      }
      awaitLeaders(admin, deadline);
      List<String> kept = all().stream().distinct().filter(existing::contains).toList();
      if (!kept.isEmpty()) {
        Map<String, TopicDescription> described = await(admin.describeTopics(kept).allTopicNames(), deadline);
        described.forEach((name, d) -> {
          if (d.partitions().size() != partitions) {
            log.warn("Kafka topic {} has {} partitions, configuration says {}: left as it is", name,
                d.partitions().size(), partitions);
          }
        });
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot create Kafka topics " + all() + " on " + bootstrapServers + ": "
          + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating Kafka topics", e);
    }
  }

  /**
   * Returns once the leader of every partition serves requests. A topic is usable a little after its creation
   * is acknowledged, and producing in that window is unsafe: an idempotent producer's first request can fail
   * with NOT_LEADER while a later one succeeds, after which the first is retried as out of order until it
   * expires (KAFKA-15591). ListOffsets is answered by the partition leader itself, so its success is the
   * readiness signal. The admin client retries it while the leader is unknown, but a broker that is slow to
   * load a new partition answers UNKNOWN_TOPIC_OR_PARTITION, which it does not retry: that is retried here.
   */
  private void awaitLeaders(Admin admin, long deadline)
      throws ExecutionException, TimeoutException, InterruptedException {
    List<String> names = all().stream().distinct().toList();
    while (true) {
      try {
        // Described inside the retry: right after creation the metadata may not name the topic yet either.
        Map<String, TopicDescription> described = await(admin.describeTopics(names).allTopicNames(), deadline);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        described.forEach((name, d) -> d.partitions()
            .forEach(p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        await(admin.listOffsets(latest).all(), deadline);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100); // the partition is being created on its leader
      }
    }
  }

  private static <T> T await(KafkaFuture<T> f, long deadline)
      throws ExecutionException, TimeoutException, InterruptedException {
    return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) throw new IllegalArgumentException("thermocline.kafka." + what + " is empty");
  }
}
