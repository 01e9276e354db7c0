package app;

import static org.junit.jupiter.api.Assertions.*;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import testkit.Await;
import testkit.TestNodes;
import testkit.TestServers;

/**
 * A node stopped (its CoordinatedShutdown) while a client keeps posting interactions: nothing acknowledged is lost.
 * Right after the stop, every record below the committed offsets has its effects stored (its history row, and the
 * exposure counters count at least those records); after a restart, every acknowledged interaction reaches the
 * histories.
 */
class GracefulStopTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX = "graceful-stop";
  private static final String ITEM = "stop-item";
  private final HttpClient client = HttpClient.newHttpClient();

  private com.typesafe.config.Config config() {
    return TestNodes.config("graceful_stop", TestServers.cassandra().contactPoint(), dataDir, Map.of(
        "thermocline.kafka.enabled", true,
        "thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers(),
        "thermocline.kafka.topics.items", PREFIX + ".items",
        "thermocline.kafka.topics.interactions", PREFIX + ".interactions",
        "thermocline.kafka.topics.dlq", PREFIX + ".dlq",
        "thermocline.kafka.consumer.group-prefix", PREFIX,
        "thermocline.learner.enabled", false));
  }

  private final String dataDir = TestServers.newDir("node-graceful-stop").toString();

  @Test
  void stoppingWithRecordsInFlightLosesNothingAcknowledged() throws Exception {
    Node node = TestNodes.start(config());
    ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
    AtomicBoolean refused = new AtomicBoolean();
    int port = node.httpPort();
    Thread writer = new Thread(() -> {
      for (int batch = 0; !refused.get(); batch++) {
        List<String> users = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"events\": [");
        for (int i = 0; i < 50; i++) {
          String user = "s-" + batch + "-" + i;
          users.add(user);
          body.append(i == 0 ? "" : ",").append("{\"userId\": \"").append(user).append("\", \"itemId\": \"")
              .append(ITEM).append("\", \"type\": \"impression\", \"ts\": ").append(System.currentTimeMillis())
              .append('}');
        }
        body.append("]}");
        try {
          HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                  + "/v1/interactions")).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 202) acknowledged.addAll(users);
          else refused.set(true); // stopping: 503
        } catch (Exception e) {
          refused.set(true); // the port is closed
        }
      }
    }, "graceful-stop-writer");
    writer.start();
    try {
      // Some interactions applied and committed, more in flight: then stop.
      long committed = Await.until(Duration.ofSeconds(90), GracefulStopTest::committedRecords, n -> n > 0);
      assertTrue(committed > 0, "nothing committed; the writer got " + acknowledged.size() + " acknowledged");
    } finally {
      node.close();
    }
    writer.join(60_000);
    assertFalse(writer.isAlive(), "the writer stopped once the node refused");
    Set<String> acked = new HashSet<>(acknowledged);

    String keyspace = "items_graceful_stop";
    try (CqlSession session = TestServers.cassandra().newSession()) {
      List<String> committedUsers = committedUsers();
      assertFalse(committedUsers.isEmpty(), "something was committed before the stop");
      List<String> missing = absent(session, keyspace, committedUsers);
      assertEquals(List.of(), missing.subList(0, Math.min(10, missing.size())),
          missing.size() + " of " + committedUsers.size() + " committed records have no history row");
      Row impressions = session.execute("SELECT sum(impressions) FROM " + keyspace
          + ".item_daily_counts WHERE item_id = ?", ITEM).one();
      long counted = impressions == null ? 0 : impressions.getLong(0);
      assertTrue(counted >= committedUsers.size(), "exposure counted " + counted + " impressions for "
          + committedUsers.size() + " committed records: the window was not written before its offsets");

      // After a restart the rest is consumed: every acknowledged interaction is in the histories.
      Node again = TestNodes.start(config());
      try {
        List<String> notThere = Await.until(Duration.ofSeconds(120), () -> absent(session, keyspace, acked),
            List::isEmpty);
        assertEquals(List.of(), notThere.subList(0, Math.min(10, notThere.size())),
            notThere.size() + " of " + acked.size() + " acknowledged interactions were lost");
      } finally {
        again.close();
      }
    }
  }

  /** The users among {@code users} without a history row (read 100 partitions per query). */
  private static List<String> absent(CqlSession session, String keyspace, java.util.Collection<String> users) {
    List<String> all = new ArrayList<>(users);
    Set<String> found = new HashSet<>();
    for (int from = 0; from < all.size(); from += 100) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + 100));
      for (Row r : session.execute("SELECT DISTINCT user_id FROM " + keyspace + ".user_history WHERE user_id IN ?",
          chunk)) {
        found.add(r.getString(0));
      }
    }
    List<String> out = new ArrayList<>();
    for (String u : all) if (!found.contains(u)) out.add(u);
    return out;
  }

  private static Map<TopicPartition, OffsetAndMetadata> committedOffsets() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        TestServers.kafka().bootstrapServers()))) {
      return admin.listConsumerGroupOffsets(PREFIX + "-interactions").partitionsToOffsetAndMetadata().get();
    }
  }

  private static long committedRecords() throws Exception {
    long n = 0;
    for (OffsetAndMetadata o : committedOffsets().values()) if (o != null) n += o.offset();
    return n;
  }

  /** Users of the interaction records below the interactions consumer's committed offsets. */
  private static List<String> committedUsers() throws Exception {
    String topic = PREFIX + ".interactions";
    Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets();
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafka().bootstrapServers());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<String> users = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
        new StringDeserializer())) {
      Map<TopicPartition, Long> until = new HashMap<>();
      committed.forEach((tp, o) -> {
        if (tp.topic().equals(topic) && o != null && o.offset() > 0) until.put(tp, o.offset());
      });
      consumer.assign(until.keySet());
      for (TopicPartition tp : until.keySet()) consumer.seek(tp, 0);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      Map<TopicPartition, Long> next = new HashMap<>();
      while (!until.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          Long end = until.get(tp);
          if (end != null && r.offset() < end) users.add(JSON.readTree(r.value()).get("userId").asText());
          next.put(tp, r.offset() + 1);
        }
        until.entrySet().removeIf(e -> next.getOrDefault(e.getKey(), 0L) >= e.getValue());
      }
      assertTrue(until.isEmpty(), "read the committed records of " + until.keySet() + " in time");
    }
    return users;
  }
}
