package streams;

import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import testkit.TestServers;

/** Shared pieces of the Kafka tests: an actor-system config, per-test topics, waiting, reading a topic. */
final class StreamsFixtures {

  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private StreamsFixtures() {}

  /** A bare local actor system that serializes every message, with quick restarts. */
  static Config systemConfig() {
    Map<String, Object> o = new HashMap<>();
    o.put("akka.actor.provider", "local");
    o.put("akka.actor.serialize-messages", "on");
    o.put("akka.coordinated-shutdown.exit-jvm", "off");
    o.put("akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
    o.put("thermocline.kafka.consumer.restart.min-backoff", "200 ms");
    o.put("thermocline.kafka.consumer.restart.max-backoff", "1 s");
    o.put("thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers());
    return ConfigFactory.parseMap(o).withFallback(ConfigFactory.load());
  }

  /** Three fresh topics (created, 3 partitions) and a group prefix of this test's own. */
  static KafkaTopics freshTopics(String name, int batchSize, Duration batchWindow) {
    String p = "t-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    KafkaTopics topics = new KafkaTopics(TestServers.kafka().bootstrapServers(), p + ".items", p + ".interactions",
        p + ".dlq", 3, p, batchSize, batchWindow);
    topics.ensureCreated(TIMEOUT);
    return topics;
  }

  static void await(String what, BooleanSupplier condition) {
    await(what, condition, () -> "");
  }

  static void await(String what, BooleanSupplier condition, Supplier<?> state) {
    try {
      boolean met = testkit.Await.until(TIMEOUT, condition::getAsBoolean, ok -> ok);
      if (!met) fail("timed out waiting for " + what + " (now: " + state.get() + ")");
    } catch (Exception e) {
      fail("waiting for " + what + ": " + e);
    }
  }


  /** Every record of {@code topic} from the beginning to its current end, in partition order. */
  static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafka().bootstrapServers());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = c.partitionsFor(topic, TIMEOUT).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions, TIMEOUT);
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (partitions.stream().anyMatch(tp -> c.position(tp, TIMEOUT) < end.get(tp))) {
        if (System.nanoTime() > deadline) fail("could not read " + topic + " to its end " + end);
        c.poll(Duration.ofMillis(100)).forEach(out::add);
      }
      return out;
    }
  }
}
