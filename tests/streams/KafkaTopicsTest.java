package streams;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import testkit.TestServers;

/** The {@code thermocline.kafka} section, and topic creation against the real Kafka. */
class KafkaTopicsTest {

  @Test
  void readsTheKafkaSection() {
    KafkaTopics t = KafkaTopics.from(ConfigFactory.parseMap(Map.of(
        "thermocline.kafka.bootstrap-servers", "127.0.0.1:1234")).withFallback(ConfigFactory.load()));
    assertEquals(new KafkaTopics("127.0.0.1:1234", "thermocline.items", "thermocline.interactions",
        "thermocline.dlq", 4, "thermocline", 2000, Duration.ofSeconds(1)), t);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KafkaTopics.from(ConfigFactory.load()));
    assertTrue(e.getMessage().contains("bootstrap-servers"), e.getMessage());
  }

  @Test
  void ensureCreatedCreatesWhatIsMissingAndIsIdempotent() throws Exception {
    String p = "topics-" + UUID.randomUUID().toString().substring(0, 8);
    KafkaTopics t = new KafkaTopics(TestServers.kafka().bootstrapServers(), p + ".items", p + ".interactions",
        p + ".dlq", 3, p, 10, Duration.ofMillis(50));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, t.bootstrapServers()))) {
      // One topic exists already, with another partition count: it is kept as it is.
      admin.createTopics(List.of(new NewTopic(t.items(), 2, (short) 1))).all().get();

      t.ensureCreated(Duration.ofSeconds(20));
      t.ensureCreated(Duration.ofSeconds(20));

      Map<String, TopicDescription> d = admin.describeTopics(t.all()).allTopicNames().get();
      assertEquals(Set.copyOf(t.all()), d.keySet());
      assertEquals(2, d.get(t.items()).partitions().size());
      assertEquals(3, d.get(t.interactions()).partitions().size());
      assertEquals(3, d.get(t.dlq()).partitions().size());
      d.values().forEach(td -> td.partitions().forEach(pi -> assertEquals(1, pi.replicas().size(),
          "one broker: replication factor 1")));
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, t.dlq());
      assertEquals("1", admin.describeConfigs(List.of(r)).all().get().get(r)
          .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value());
    }
  }
}
