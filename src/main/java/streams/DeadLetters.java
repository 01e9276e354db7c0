package streams;

import akka.actor.typed.ActorSystem;
import akka.kafka.ProducerSettings;
import akka.kafka.javadsl.SendProducer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The dead-letter topic: records that could not be read, kept byte for byte with why and where from, so an
 * operator can inspect, fix and replay them. A stream commits a bad record's offset only after its dead letter
 * is acknowledged, so nothing is lost silently.
 *
 * <p>Alpakka's {@link SendProducer}: dead letters have no order to keep (unlike {@link InteractionProducer}),
 * and it creates and closes the Kafka client off the caller's thread.
 */
public final class DeadLetters implements AutoCloseable {

  public static final String REASON = "thermocline.dlq.reason";
  public static final String FIELD = "thermocline.dlq.field";
  public static final String TOPIC = "thermocline.dlq.topic";
  public static final String PARTITION = "thermocline.dlq.partition";
  public static final String OFFSET = "thermocline.dlq.offset";

  private static final String HEADER_PREFIX = "thermocline.dlq.";

  private final String topic;
  private final SendProducer<byte[], byte[]> producer;
  private final Duration closeTimeout;
  private final metrics.Metrics metrics;

  public DeadLetters(ActorSystem<?> system, KafkaTopics topics) {
    this(system, topics, null);
  }

  /** @param metrics counts every record dead-lettered, by source topic; null: not counted */
  public DeadLetters(ActorSystem<?> system, KafkaTopics topics, metrics.Metrics metrics) {
    this.metrics = metrics;
    this.topic = topics.dlq();
    ProducerSettings<byte[], byte[]> settings = ProducerSettings
        .create(system, new ByteArraySerializer(), new ByteArraySerializer())
        .withBootstrapServers(topics.bootstrapServers())
        .withProperty(ProducerConfig.ACKS_CONFIG, "all")
        .withProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    this.producer = new SendProducer<>(settings, system);
    this.closeTimeout = Duration.ofNanos(settings.closeTimeout().toNanos());
  }

  /** As {@link #send(ConsumerRecord, String)} with the reason and field of {@code bad}. */
  public CompletionStage<Void> send(ConsumerRecord<byte[], byte[]> record, BadRecord bad) {
    return send(record, bad.describe(), bad.field());
  }

  /**
   * Writes {@code bad}'s key and value unchanged, with its headers and {@code thermocline.dlq.reason},
   * {@code .topic}, {@code .partition} and {@code .offset}; completes when Kafka acknowledged it.
   */
  public CompletionStage<Void> send(ConsumerRecord<byte[], byte[]> bad, String reason) {
    return send(bad, reason, "");
  }

  private CompletionStage<Void> send(ConsumerRecord<byte[], byte[]> bad, String reason, String field) {
    RecordHeaders headers = new RecordHeaders();
    for (Header h : bad.headers()) {
      // A record dead-lettered twice (replayed, failed again) keeps only its latest verdict.
      if (!h.key().startsWith(HEADER_PREFIX)) headers.add(h);
    }
    headers.add(REASON, utf8(reason));
    if (!field.isEmpty()) headers.add(FIELD, utf8(field));
    headers.add(TOPIC, utf8(bad.topic()));
    headers.add(PARTITION, utf8(String.valueOf(bad.partition())));
    headers.add(OFFSET, utf8(String.valueOf(bad.offset())));
    return producer.send(new ProducerRecord<>(topic, null, bad.key(), bad.value(), headers)).thenApply(m -> {
      if (metrics != null) metrics.deadLettered(bad.topic());
      return null;
    });
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Flushes what was sent and closes the Kafka client. */
  @Override
  public void close() {
    try {
      producer.close().toCompletableFuture().get(closeTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("dead-letter producer did not close cleanly", e);
    }
  }
}
