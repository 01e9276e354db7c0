package streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import metrics.Metrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer lag read from Kafka for {@code /metrics}: a topic's end offsets, and how far a group's committed
 * offsets are behind them. One admin client for the node's life (a scrape every few seconds would otherwise open
 * connections each time).
 */
public final class KafkaLag implements AutoCloseable {

  private final Admin admin;

  public KafkaLag(String bootstrapServers, Duration timeout) {
    int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    this.admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.CLIENT_ID_CONFIG, "thermocline-metrics",
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs));
  }

  /** The next offset to be written of each of {@code topic}'s partitions. */
  public CompletionStage<Map<Integer, Long>> endOffsets(String topic) {
    return admin.describeTopics(List.of(topic)).allTopicNames().toCompletionStage().thenCompose(described -> {
      Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
      described.get(topic).partitions().forEach(p -> specs.put(new TopicPartition(topic, p.partition()),
          OffsetSpec.latest()));
      return ends(specs);
    }).thenApply(ends -> {
      Map<Integer, Long> out = new java.util.TreeMap<>();
      ends.forEach((tp, end) -> out.put(tp.partition(), end));
      return out;
    });
  }

  /** Lag of every partition {@code group} has committed offsets for (none: the group has not committed yet). */
  public CompletionStage<List<Metrics.Lag>> groupLag(String group) {
    return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().toCompletionStage()
        .thenCompose(committed -> {
          Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
          committed.forEach((tp, o) -> {
            if (o != null) specs.put(tp, OffsetSpec.latest());
          });
          return ends(specs).thenApply(ends -> {
            List<Metrics.Lag> out = new ArrayList<>();
            ends.forEach((tp, end) -> {
              OffsetAndMetadata at = committed.get(tp);
              out.add(new Metrics.Lag(group, tp.topic(), tp.partition(), Math.max(0, end - at.offset())));
            });
            return out;
          });
        });
  }

  private CompletionStage<Map<TopicPartition, Long>> ends(Map<TopicPartition, OffsetSpec> specs) {
    if (specs.isEmpty()) return CompletableFuture.completedFuture(Map.of());
    return admin.listOffsets(specs).all().toCompletionStage().thenApply(all -> {
      Map<TopicPartition, Long> out = new HashMap<>();
      for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : all.entrySet()) {
        out.put(e.getKey(), e.getValue().offset());
      }
      return out;
    });
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
