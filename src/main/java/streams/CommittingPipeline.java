package streams;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.japi.Pair;
import akka.kafka.CommitterSettings;
import akka.kafka.ConsumerMessage;
import akka.kafka.ConsumerMessage.CommittableMessage;
import akka.kafka.ConsumerMessage.CommittableOffset;
import akka.kafka.ConsumerMessage.CommittableOffsetBatch;
import akka.kafka.ConsumerSettings;
import akka.kafka.Subscriptions;
import akka.kafka.javadsl.Committer;
import akka.kafka.javadsl.Consumer;
import akka.stream.KillSwitches;
import akka.stream.RestartSettings;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.RestartSource;
import akka.stream.javadsl.Sink;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way Thermocline consumes a topic: read, parse, apply effects in micro-batches, and commit offsets only
 * after the effects of everything up to them are done.
 *
 * <pre>
 * committableSource ─► parse ─┬─ good ───────────────────────┐
 *                             └─ bad ─► dead letter (acked) ─┴─► groupedWithin(batchSize, batchWindow)
 *   ─► effect(good values of the batch) ─► commit the batch's offsets ─► (failure: restart with backoff)
 * </pre>
 *
 * <p><b>Delivery: at least once; effects must be idempotent.</b> Offsets are committed only after the effect of
 * their batch completed, so a crash, a rebalance or a failed effect re-delivers everything after the last commit:
 * a record's effect can be applied more than once (with the same value, possibly in a different batch), never
 * zero times. An effect therefore has to make repeating harmless, e.g. with operation ids remembered by the
 * writer, upserts, or set semantics. For the same reason a bad record may reach the dead-letter topic twice.
 *
 * <p><b>Bad input never stops the stream.</b> A record the parser refuses ({@link BadRecord}) is written to the
 * dead-letter topic; its offset is committed with its batch once the dead letter is acknowledged. A parser that
 * throws anything else is treated the same way (and logged as an error): the record stays replayable from the
 * dead-letter topic instead of blocking its partition forever.
 *
 * <p><b>A failing effect fails the stream</b>, which restarts with exponential backoff
 * ({@code thermocline.kafka.consumer.restart}) from the last committed offsets: a dependency that is down (e.g.
 * Cassandra) stalls consumption instead of losing data. An effect must complete (use timeouts in it): one that
 * never completes stalls the stream. <b>Unless the failure is permanent</b> ({@link BatchEffect#permanent}): then
 * the batch is applied again value by value, in order, and a value whose own effect fails permanently is
 * dead-lettered with the reason, so one record cannot hold its partition in a restart loop. A transient failure
 * while taking a batch apart restarts the stream as before.
 *
 * <p><b>Order:</b> one consumer per pipeline and, by default, effects one at a time ({@code mapAsync(1)}), so
 * batches see records in partition order and a batch's effect completes before the next one starts.
 * Per-partition sub-streams would overlap effects of different partitions, but effects of different partitions
 * touch shared state (one item's rows are updated by many users' events, which are spread over all
 * partitions), so the simpler total order is kept; an effect may parallelise inside its batch. A pipeline
 * whose effects commute (history rows, counter increments) may run {@code inFlight} batches at once: offsets
 * are still committed in order, each only after its own and every earlier batch's effect completed, and a crash
 * re-delivers every batch in flight.
 *
 * <p><b>Backpressure:</b> a slow effect stops demand; groupedWithin holds at most one batch, and Alpakka pauses
 * the partitions when its buffer is full, so memory stays bounded however far behind the consumer is.
 */
public final class CommittingPipeline {

  /** Turns a record into a value for the effect, or refuses it. Must not return null. */
  @FunctionalInterface
  public interface Parser<T> {
    T parse(ConsumerRecord<byte[], byte[]> record) throws BadRecord;
  }

  private static final Logger log = LoggerFactory.getLogger(CommittingPipeline.class);

  /** Records being parsed or dead-lettered at once; order is kept regardless (mapAsync). */
  private static final int SCREEN_PARALLELISM = 32;

  private CommittingPipeline() {}

  /**
   * Runs the pipeline on {@code topic} with consumer group {@code <groupPrefix>-<groupSuffix>}, starting from the
   * earliest offset when the group has none, restarting per {@code thermocline.kafka.consumer.restart}.
   *
   * @param effect applied to each micro-batch's good values (never an empty list); idempotent, see above
   * @return the control: {@code drainAndShutdown} stops reading, lets in-flight batches finish and commit, then
   *     closes the consumer; {@code streamCompletion} fails only if the stream fails for good
   */
  public static <T> Consumer.DrainingControl<Done> run(ActorSystem<?> system, KafkaTopics topics, String topic,
      String groupSuffix, Parser<T> parse, Function<List<T>, CompletionStage<Done>> effect, DeadLetters deadLetters) {
    return run(system, topics, topic, groupSuffix, parse, effect, deadLetters, 1);
  }

  /** As above with up to {@code inFlight} batches' effects running at once (effects that commute only). */
  public static <T> Consumer.DrainingControl<Done> run(ActorSystem<?> system, KafkaTopics topics, String topic,
      String groupSuffix, Parser<T> parse, Function<List<T>, CompletionStage<Done>> effect, DeadLetters deadLetters,
      int inFlight) {
    return run(system, topics, topic, groupSuffix, parse, effect, deadLetters,
        restartSettings(system.settings().config()), inFlight);
  }

  /** As above with explicit restart settings, one batch at a time. */
  public static <T> Consumer.DrainingControl<Done> run(ActorSystem<?> system, KafkaTopics topics, String topic,
      String groupSuffix, Parser<T> parse, Function<List<T>, CompletionStage<Done>> effect, DeadLetters deadLetters,
      RestartSettings restart) {
    return run(system, topics, topic, groupSuffix, parse, effect, deadLetters, restart, 1);
  }

  /** As above with explicit restart settings and up to {@code inFlight} batches' effects at once. */
  public static <T> Consumer.DrainingControl<Done> run(ActorSystem<?> system, KafkaTopics topics, String topic,
      String groupSuffix, Parser<T> parse, Function<List<T>, CompletionStage<Done>> effect, DeadLetters deadLetters,
      RestartSettings restart, int inFlight) {
    return run(system, topics, topic, groupSuffix, parse, BatchEffect.retryingAll(effect), deadLetters, restart,
        inFlight);
  }

  /** As above, with an effect that dead-letters the values it fails on permanently ({@link BatchEffect}). */
  public static <T> Consumer.DrainingControl<Done> run(ActorSystem<?> system, KafkaTopics topics, String topic,
      String groupSuffix, Parser<T> parse, BatchEffect<T> effect, DeadLetters deadLetters, RestartSettings restart,
      int inFlight) {
    if (inFlight < 1) throw new IllegalArgumentException("inFlight must be >= 1, got " + inFlight);
    String group = topics.groupPrefix() + "-" + groupSuffix;
    ConsumerSettings<byte[], byte[]> consumer = consumerSettings(system, topics, group);
    // Each element is already a micro-batch whose effect is done: commit it at once. Aggregating further would
    // only widen what a crash re-delivers.
    CommitterSettings committer = CommitterSettings.create(system).withMaxBatch(1);
    RestartingControl control = new RestartingControl();

    Pair<UniqueKillSwitch, CompletionStage<Done>> running = RestartSource
        .onFailuresWithBackoff(restart, () -> Consumer
            .committableSource(consumer, Subscriptions.topics(topic))
            .mapAsync(SCREEN_PARALLELISM, m -> screen(m, parse, deadLetters, group))
            .groupedWithin(topics.batchSize(), topics.batchWindow())
            .mapAsync(inFlight, batch -> apply(batch, effect, deadLetters, group))
            .via(Committer.flow(committer))
            .watchTermination(control::attach))
        // Stops the stream while it waits to restart, when there is no consumer to stop.
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    control.started(running.first(), running.second());
    log.info("Consuming {} as group {}", topic, group);
    return Consumer.createDrainingControl(control, running.second());
  }

  /**
   * The consumer every Thermocline stream uses: raw bytes (parsing is the pipeline's), earliest offset for a
   * new group, no auto-commit (offsets move only after effects).
   */
  public static ConsumerSettings<byte[], byte[]> consumerSettings(ActorSystem<?> system, KafkaTopics topics,
      String group) {
    return ConsumerSettings
        .create(system, new ByteArrayDeserializer(), new ByteArrayDeserializer())
        .withBootstrapServers(topics.bootstrapServers())
        .withGroupId(group)
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
        .withProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")
        // The default keeps a consumer alive for 30 s after its stream ended, for commits still in flight. The
        // DrainingControl already waits for those; after a failure the lingering consumer would keep its
        // partitions and stall the restarted one's rebalance.
        .withStopTimeout(Duration.ZERO);
  }

  /** {@code thermocline.kafka.consumer.restart} of {@code root}. */
  public static RestartSettings restartSettings(Config root) {
    Config r = root.getConfig("thermocline.kafka.consumer.restart");
    return RestartSettings.create(r.getDuration("min-backoff"), r.getDuration("max-backoff"),
        r.getDouble("random-factor"));
  }

  /** A parsed record (value null when it went to the dead letters) with the offset to commit for it. */
  private record Screened<T>(T value, ConsumerRecord<byte[], byte[]> record, CommittableOffset offset) {}

  private static <T> CompletionStage<Screened<T>> screen(CommittableMessage<byte[], byte[]> m, Parser<T> parse,
      DeadLetters deadLetters, String group) {
    ConsumerRecord<byte[], byte[]> record = m.record();
    CompletionStage<Void> deadLettered;
    try {
      T value = parse.parse(record);
      if (value != null) return CompletableFuture.completedFuture(new Screened<>(value, record, m.committableOffset()));
      log.error("{}: parser returned null for {}-{}@{}; dead-lettered", group, record.topic(), record.partition(),
          record.offset());
      deadLettered = deadLetters.send(record, "parser returned no value (a bug in the parser)");
    } catch (BadRecord bad) {
      deadLettered = deadLetters.send(record, bad);
    } catch (RuntimeException bug) {
      log.error("{}: parser failed on {}-{}@{}; dead-lettered", group, record.topic(), record.partition(),
          record.offset(), bug);
      deadLettered = deadLetters.send(record, "parser failed (a bug in the parser): " + bug);
    }
    return deadLettered.thenApply(ok -> new Screened<T>(null, null, m.committableOffset()));
  }

  private static <T> CompletionStage<CommittableOffsetBatch> apply(List<Screened<T>> batch, BatchEffect<T> effect,
      DeadLetters deadLetters, String group) {
    List<Screened<T>> good = new ArrayList<>(batch.size());
    List<CommittableOffset> offsets = new ArrayList<>(batch.size());
    for (Screened<T> s : batch) {
      if (s.value() != null) good.add(s);
      offsets.add(s.offset());
    }
    CommittableOffsetBatch commit = ConsumerMessage.createCommittableOffsetBatch(offsets);
    if (good.isEmpty()) return CompletableFuture.completedFuture(commit);
    List<T> values = good.stream().map(Screened::value).toList();
    return attempt(() -> effect.batch().apply(values))
        .handle((ok, failure) -> {
          if (failure == null) return CompletableFuture.<Void>completedFuture(null);
          if (permanent(effect, failure)) {
            log.warn("{}: effect failed on a batch of {} ({}); applying its records one by one", group, good.size(),
                failure.toString());
            return oneByOne(good, 0, effect, deadLetters, group);
          }
          log.warn("{}: effect failed on a batch of {} ({}); the stream restarts from the last committed offsets",
              group, good.size(), failure.toString());
          return CompletableFuture.<Void>failedFuture(failure);
        })
        .thenCompose(next -> next)
        .thenApply(ok -> commit);
  }

  /** Applies {@code good} from {@code from} on, in order, each alone; dead-letters each that fails permanently. */
  private static <T> CompletionStage<Void> oneByOne(List<Screened<T>> good, int from, BatchEffect<T> effect,
      DeadLetters deadLetters, String group) {
    if (from == good.size()) return CompletableFuture.completedFuture(null);
    Screened<T> s = good.get(from);
    return attempt(() -> effect.alone().apply(s.value()))
        .handle((ok, failure) -> {
          if (failure == null) return CompletableFuture.<Void>completedFuture(null);
          if (!permanent(effect, failure)) return CompletableFuture.<Void>failedFuture(failure);
          ConsumerRecord<byte[], byte[]> r = s.record();
          log.warn("{}: effect failed on {}-{}@{} ({}); dead-lettered", group, r.topic(), r.partition(), r.offset(),
              failure.toString());
          return deadLetters.send(r, "effect failed: " + cause(failure));
        })
        .thenCompose(next -> next)
        .thenCompose(ok -> oneByOne(good, from + 1, effect, deadLetters, group));
  }

  private static CompletionStage<Done> attempt(java.util.function.Supplier<CompletionStage<Done>> effect) {
    CompletionStage<Done> done;
    try {
      done = effect.get();
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    return done == null ? CompletableFuture.failedFuture(new NullPointerException("effect returned null")) : done;
  }

  private static boolean permanent(BatchEffect<?> effect, Throwable failure) {
    try {
      return effect.permanent().test(cause(failure));
    } catch (RuntimeException e) {
      return false; // when in doubt, retry: a restart loses nothing
    }
  }

  private static Throwable cause(Throwable t) {
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * The control of a pipeline across restarts: each restart materializes a new Kafka consumer, and stop or
   * shutdown must reach the current one, or, between two, prevent the next one.
   */
  private static final class RestartingControl implements Consumer.Control {

    private Consumer.Control current = Consumer.createNoopControl(); // guarded by this
    private boolean running; // whether current's stream is still going; guarded by this
    private boolean stopping; // guarded by this
    private volatile UniqueKillSwitch killSwitch;
    private volatile CompletionStage<Done> streamDone;

    /** A (re)started consumer; {@code ended} completes when its stream (up to the commits) has terminated. */
    Consumer.Control attach(Consumer.Control consumer, CompletionStage<Done> ended) {
      boolean stopNow;
      synchronized (this) {
        current = consumer;
        running = true;
        stopNow = stopping;
      }
      ended.whenComplete((ok, failure) -> {
        synchronized (this) {
          if (current == consumer) running = false;
        }
      });
      if (stopNow) consumer.stop(); // stopped while this one was starting: it must not start reading
      return consumer;
    }

    void started(UniqueKillSwitch killSwitch, CompletionStage<Done> streamDone) {
      this.killSwitch = killSwitch;
      this.streamDone = streamDone;
    }

    private synchronized Consumer.Control stopping() {
      stopping = true;
      return current;
    }

    private synchronized Consumer.Control current() {
      return current;
    }

    @Override
    public CompletionStage<Done> stop() {
      Consumer.Control consumer;
      boolean live;
      synchronized (this) {
        stopping = true;
        consumer = current;
        live = running;
      }
      if (!live) {
        // Waiting to restart (or not started yet): nothing is in flight, end the stream now. Should a restart
        // win the race, attach stops its consumer.
        killSwitch.shutdown();
        return CompletableFuture.completedFuture(Done.getInstance());
      }
      return consumer.stop();
    }

    @Override
    public CompletionStage<Done> shutdown() {
      Consumer.Control consumer = stopping();
      return consumer.shutdown().whenComplete((ok, failure) -> killSwitch.shutdown());
    }

    @Override
    public <S> CompletionStage<S> drainAndShutdown(CompletionStage<S> streamCompletion, Executor ec) {
      CompletableFuture<S> result = new CompletableFuture<>();
      stop()
          .thenComposeAsync(stopped -> streamCompletion, ec)
          .whenCompleteAsync((value, failure) -> shutdown().whenComplete((ok, shutdownFailure) -> {
            if (failure != null) result.completeExceptionally(failure);
            else if (shutdownFailure != null) result.completeExceptionally(shutdownFailure);
            else result.complete(value);
          }), ec);
      return result;
    }

    @Override
    public CompletionStage<Done> isShutdown() {
      return streamDone.handle((ok, failure) -> Done.getInstance())
          .thenCompose(ended -> current().isShutdown());
    }

    @Override
    public CompletionStage<Map<MetricName, Metric>> getMetrics() {
      return current().getMetrics();
    }
  }
}
