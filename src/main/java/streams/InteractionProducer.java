package streams;

import akka.actor.typed.ActorSystem;
import akka.kafka.ProducerSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes interactions to the interactions topic, keyed by user id so one user's events land in one partition
 * and stay in order. Acknowledged means durable: acks=all with idempotence, so the client's retries neither lose
 * nor duplicate nor reorder a record within a partition.
 *
 * <p>A plain {@code KafkaProducer} (built from Alpakka's {@link ProducerSettings}, so {@code akka.kafka.producer}
 * configuration still applies) rather than Alpakka's {@code SendProducer}: SendProducer hands every record to a
 * multi-threaded dispatcher before calling {@code KafkaProducer.send}, so two records sent one after the other
 * may reach Kafka in either order, which would break per-user order. Here one thread calls {@code send} in the
 * order events were given; that thread also absorbs the client's blocking (metadata fetch, full buffer), which
 * must not happen on a caller's dispatcher thread. Its queue is bounded: when Kafka cannot keep up, {@link #send}
 * fails fast with {@link Overloaded} (HTTP answers 429) instead of buffering without limit.
 */
public final class InteractionProducer implements AutoCloseable {

  /** Send calls waiting for the sender thread before new ones are refused. */
  public static final int MAX_QUEUED_SENDS = 1024;

  /** Too many sends are waiting; retry later. */
  public static final class Overloaded extends RuntimeException {
    Overloaded(String message) {
      super(message, null, false, false);
    }
  }

  private final String topic;
  private final Producer<String, byte[]> producer;
  private final Duration closeTimeout;
  private final ThreadPoolExecutor sender;
  private final Executor callbacks;

  public InteractionProducer(ActorSystem<?> system, KafkaTopics topics) {
    this.topic = topics.interactions();
    ProducerSettings<String, byte[]> settings = ProducerSettings
        .create(system, new StringSerializer(), new ByteArraySerializer())
        .withBootstrapServers(topics.bootstrapServers())
        .withProperty(ProducerConfig.ACKS_CONFIG, "all")
        .withProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    this.producer = settings.createKafkaProducer();
    this.closeTimeout = Duration.ofNanos(settings.closeTimeout().toNanos());
    this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_QUEUED_SENDS),
        r -> {
          Thread t = new Thread(r, "thermocline-interaction-producer");
          t.setDaemon(true);
          return t;
        });
    // Kafka completes sends on its network thread; whatever callers chain on the result must not run there.
    this.callbacks = system.executionContext();
  }

  /**
   * Produces {@code events} in order; completes once Kafka acknowledged every one, or fails with the first
   * error. After a failure some events may have been written: a retry may write them twice, which consumers
   * tolerate (their effects are idempotent, see {@link CommittingPipeline}).
   */
  public CompletionStage<Void> send(List<Interaction> events) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (events.isEmpty()) {
      done.complete(null);
      return done;
    }
    List<Interaction> batch = List.copyOf(events);
    try {
      sender.execute(() -> sendAll(batch, done));
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(sender.isShutdown()
          ? new IllegalStateException("interaction producer is closed")
          : new Overloaded(MAX_QUEUED_SENDS + " sends already waiting for Kafka"));
    }
    return done;
  }

  private void sendAll(List<Interaction> batch, CompletableFuture<Void> done) {
    AtomicInteger pending = new AtomicInteger(batch.size());
    for (Interaction e : batch) {
      try {
        producer.send(new ProducerRecord<>(topic, e.userId(), InteractionCodec.toJson(e)), (metadata, error) -> {
          if (error != null) {
            callbacks.execute(() -> done.completeExceptionally(error));
          } else if (pending.decrementAndGet() == 0) {
            callbacks.execute(() -> done.complete(null));
          }
        });
      } catch (RuntimeException error) { // e.g. max.block.ms elapsed without metadata, or the producer closed
        callbacks.execute(() -> done.completeExceptionally(error));
        return;
      }
    }
  }

  /** Refuses new sends, lets queued ones go out, then flushes and closes the Kafka client. */
  @Override
  public void close() {
    sender.shutdown();
    try {
      if (!sender.awaitTermination(closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) sender.shutdownNow();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(closeTimeout);
  }
}
