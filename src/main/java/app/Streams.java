package app;

import learner.OnlineLearner;
import service.StreamEffects;
import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.kafka.javadsl.Consumer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import service.Failures;
import streams.BatchEffect;
import streams.CommittingPipeline;
import streams.DeadLetters;
import streams.InteractionCodec;
import streams.InteractionProducer;
import streams.KafkaTopics;

/** The node's Kafka side: topics, the interactions producer, and the two consuming pipelines. */
final class Streams implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Streams.class);

  private final InteractionProducer producer;
  private final DeadLetters deadLetters;
  private final List<Consumer.DrainingControl<Done>> pipelines;

  /** Builds the learner once the topics and dead letters exist. */
  interface LearnerFactory {
    OnlineLearner create(KafkaTopics topics, DeadLetters deadLetters);
  }

  private final OnlineLearner learner;
  private final StreamEffects effects;

  private Streams(InteractionProducer producer, DeadLetters deadLetters, List<Consumer.DrainingControl<Done>> pipelines,
      OnlineLearner learner, StreamEffects effects) {
    this.learner = learner;
    this.effects = effects;
    this.producer = producer;
    this.deadLetters = deadLetters;
    this.pipelines = pipelines;
  }

  static Streams start(ActorSystem<?> system, KafkaTopics topics, Settings.Kafka kafka, StreamEffects effects,
      LearnerFactory learning, metrics.Metrics metrics) {
    topics.ensureCreated(Duration.ofSeconds(30));
    InteractionProducer producer = new InteractionProducer(system, topics);
    DeadLetters deadLetters = new DeadLetters(system, topics, metrics);
    // A record whose effect fails for good (not a dependency away) is dead-lettered, not retried forever.
    var interactions = CommittingPipeline.run(system, topics, topics.interactions(), "interactions",
        record -> InteractionCodec.parse(record.value()),
        BatchEffect.isolating(effects::interactions, Failures::permanent).withAlone(effects::interaction),
        deadLetters, kafka.restart(), kafka.exposure().batchesInFlight(topics.batchSize()));
    var items = CommittingPipeline.run(system, topics, topics.items(), "items", effects::parseItem,
        BatchEffect.isolating(effects::items, Failures::permanent), deadLetters, kafka.restart(), 1);
    log.info("consuming {} and {} (dead letters to {})", topics.interactions(), topics.items(), topics.dlq());
    OnlineLearner learner = learning == null ? null : learning.create(topics, deadLetters);
    if (learner != null) learner.start(topics);
    return new Streams(producer, deadLetters, List.of(interactions, items), learner, effects);
  }

  /** The consumer groups of the committing pipelines (their lag is on /metrics). */
  static java.util.List<String> pipelineGroups(KafkaTopics topics) {
    return java.util.List.of(topics.groupPrefix() + "-interactions", topics.groupPrefix() + "-items");
  }

  OnlineLearner learner() {
    return learner;
  }

  InteractionProducer producer() {
    return producer;
  }

  /** Drains the pipelines (in-flight effects finish, their offsets are committed), then closes the producers. */
  @Override
  public void close() {
    if (learner != null) learner.close();
    // Batches in flight wait for their exposure window: write it now instead of when it ages out.
    effects.flushExposure();
    for (var p : pipelines) {
      try {
        p.drainAndShutdown(java.util.concurrent.ForkJoinPool.commonPool()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("draining a pipeline: {}", e.toString());
      }
    }
    producer.close();
    deadLetters.close();
  }
}
