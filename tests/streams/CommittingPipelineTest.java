package streams;

import static org.junit.jupiter.api.Assertions.*;
import static streams.StreamsFixtures.TIMEOUT;
import static streams.StreamsFixtures.await;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorSystem;
import akka.kafka.javadsl.Consumer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The consuming pattern against the real Kafka: bad records to the dead letters without stopping, per-partition
 * order, at-least-once across a failed effect, and resuming after the committed offsets.
 */
class CommittingPipelineTest {

  private static ActorTestKit testKit;
  private static ActorSystem<Void> system;

  /** What the effect saw of a record: where it came from and what it said. */
  record Seen(int partition, long offset, Interaction event) {}

  private static final CommittingPipeline.Parser<Seen> SEEN =
      r -> new Seen(r.partition(), r.offset(), InteractionCodec.parse(r.value()));

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(StreamsFixtures.systemConfig());
    system = testKit.system();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void poisonGoesToTheDeadLettersAndTheStreamGoesOnInOrder() throws Exception {
    KafkaTopics topics = StreamsFixtures.freshTopics("poison", 16, Duration.ofMillis(50));
    List<Interaction> good = interactions(200, 10);
    List<RecordMetadata> poison = new ArrayList<>();
    try (InteractionProducer producer = new InteractionProducer(system, topics);
        KafkaProducer<byte[], byte[]> raw = rawProducer();
        DeadLetters deadLetters = new DeadLetters(system, topics)) {
      byte[][] bad = {
          utf8("{\"userId\":\"u1\",\"itemId\":"),
          utf8("{\"userId\":\"u2\",\"itemId\":\"v\",\"type\":\"purchase\",\"ts\":5}"),
          utf8("{\"itemId\":\"v\",\"type\":\"click\",\"ts\":5}")};
      for (int i = 0; i < 4; i++) {
        join(producer.send(good.subList(i * 50, (i + 1) * 50)));
        if (i < 3) {
          poison.add(raw.send(new ProducerRecord<>(topics.interactions(), utf8("u" + (i + 1)), bad[i])).get());
        }
      }

      ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
      Consumer.DrainingControl<Done> control = CommittingPipeline.run(system, topics, topics.interactions(),
          "poison", SEEN, batch -> {
            assertFalse(batch.isEmpty(), "an effect never gets an empty batch");
            seen.addAll(batch);
            return CompletableFuture.completedFuture(Done.getInstance());
          }, deadLetters);

      await("200 good records", () -> seen.size() >= 200, seen::size);
      List<Interaction> received = seen.stream().map(Seen::event).toList();
      assertEquals(200, received.size(), "exactly the good ones");
      assertEquals(Set.copyOf(good), Set.copyOf(received));
      assertEquals(byUser(good), byUser(received), "each user's events arrive in the order they were produced");
      Map<Integer, Long> lastOffset = new HashMap<>();
      for (Seen s : seen) {
        Long before = lastOffset.put(s.partition(), s.offset());
        assertTrue(before == null || before < s.offset(), "partition order: " + before + " then " + s);
      }

      List<ConsumerRecord<byte[], byte[]>> dlq = StreamsFixtures.readAll(topics.dlq());
      assertEquals(3, dlq.size(), "exactly the three bad records are dead letters");
      Map<Long, ConsumerRecord<byte[], byte[]>> byOffset = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> d : dlq) {
        assertEquals(topics.interactions(), header(d, DeadLetters.TOPIC));
        byOffset.put(Long.parseLong(header(d, DeadLetters.OFFSET)), d);
      }
      String[] reasons = {"malformed JSON", "type: must be one of", "userId: is required"};
      String[] fields = {null, "type", "userId"};
      for (int i = 0; i < 3; i++) {
        ConsumerRecord<byte[], byte[]> d = byOffset.get(poison.get(i).offset());
        assertNotNull(d, "dead letter of " + poison.get(i));
        assertEquals(String.valueOf(poison.get(i).partition()), header(d, DeadLetters.PARTITION));
        assertTrue(header(d, DeadLetters.REASON).startsWith(reasons[i]), header(d, DeadLetters.REASON));
        assertEquals(fields[i], header(d, DeadLetters.FIELD));
        assertArrayEquals(bad[i], d.value(), "the original value, byte for byte");
        assertArrayEquals(utf8("u" + (i + 1)), d.key(), "the original key");
      }

      assertFalse(control.streamCompletion().toCompletableFuture().isDone(), "still running after bad input");
      Interaction late = new Interaction("late", "v-late", EventType.SHARE, 9_999_999L);
      join(producer.send(List.of(late)));
      await("a record produced after the poison", () -> seen.stream().anyMatch(s -> s.event().equals(late)));
      assertEquals(201, seen.size());

      long t0 = System.nanoTime();
      control.drainAndShutdown(system.executionContext()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "drains promptly");
    }
  }

  @Test
  void aFailedEffectRestartsFromTheLastCommitAndDeliversAgain() throws Exception {
    KafkaTopics topics = StreamsFixtures.freshTopics("retry", 10, Duration.ofMillis(50));
    List<Interaction> events = interactions(60, 6);
    Interaction trigger = events.get(25);
    Set<Interaction> state = ConcurrentHashMap.newKeySet();
    Map<Interaction, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    AtomicBoolean failedOnce = new AtomicBoolean();
    Function<List<Seen>, CompletionStage<Done>> effect = batch -> {
      List<Interaction> values = batch.stream().map(Seen::event).toList();
      values.forEach(e -> deliveries.computeIfAbsent(e, k -> new AtomicInteger()).incrementAndGet());
      if (values.contains(trigger) && failedOnce.compareAndSet(false, true)) {
        return CompletableFuture.failedFuture(new IllegalStateException("injected failure"));
      }
      state.addAll(values); // a set: applying a record twice changes nothing
      return CompletableFuture.completedFuture(Done.getInstance());
    };
    try (InteractionProducer producer = new InteractionProducer(system, topics);
        DeadLetters deadLetters = new DeadLetters(system, topics)) {
      join(producer.send(events));
      Consumer.DrainingControl<Done> control =
          CommittingPipeline.run(system, topics, topics.interactions(), "retry", SEEN, effect, deadLetters);

      await("every record applied after the restart", () -> state.size() == events.size(), state::size);
      assertTrue(failedOnce.get());
      assertEquals(Set.copyOf(events), state);
      assertEquals(2, deliveries.get(trigger).get(), "the failed batch is delivered again: at least once");
      assertFalse(control.streamCompletion().toCompletableFuture().isDone(), "restarted, not failed");
      control.drainAndShutdown(system.executionContext()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRecordWhoseEffectFailsForGoodIsDeadLetteredAndThePartitionMovesOn() throws Exception {
    KafkaTopics topics = StreamsFixtures.freshTopics("permanent", 10, Duration.ofMillis(50));
    List<Interaction> events = interactions(60, 6);
    Interaction poison = events.get(25);
    Interaction flaky = events.get(40);
    Set<Interaction> state = ConcurrentHashMap.newKeySet();
    AtomicBoolean flakyFailed = new AtomicBoolean();
    AtomicInteger poisonAttempts = new AtomicInteger();
    Function<List<Seen>, CompletionStage<Done>> effect = batch -> {
      List<Interaction> values = batch.stream().map(Seen::event).toList();
      if (values.contains(poison)) {
        poisonAttempts.incrementAndGet();
        return CompletableFuture.failedFuture(new IllegalArgumentException("cannot apply " + poison.itemId()));
      }
      if (values.contains(flaky) && flakyFailed.compareAndSet(false, true)) {
        return CompletableFuture.failedFuture(new java.util.concurrent.TimeoutException("a dependency is slow"));
      }
      state.addAll(values);
      return CompletableFuture.completedFuture(Done.getInstance());
    };
    BatchEffect<Seen> isolating = BatchEffect.isolating(effect, t -> t instanceof IllegalArgumentException);
    try (InteractionProducer producer = new InteractionProducer(system, topics);
        DeadLetters deadLetters = new DeadLetters(system, topics)) {
      join(producer.send(events));
      Consumer.DrainingControl<Done> control = CommittingPipeline.run(system, topics, topics.interactions(),
          "permanent", SEEN, isolating, deadLetters, CommittingPipeline.restartSettings(system.settings().config()), 1);

      await("every other record applied", () -> state.size() == events.size() - 1, state::size);
      assertFalse(state.contains(poison));
      assertTrue(flakyFailed.get(), "the transient failure was retried, not dead-lettered");
      assertTrue(state.contains(flaky));
      // Once in its batch and once alone (twice more if the flaky record shared its batch): no restart loop.
      assertTrue(poisonAttempts.get() >= 2 && poisonAttempts.get() <= 4, "attempts: " + poisonAttempts.get());
      List<ConsumerRecord<byte[], byte[]>> dlq = StreamsFixtures.readAll(topics.dlq());
      assertEquals(1, dlq.size(), "only the poison record");
      assertEquals(poison, InteractionCodec.parse(dlq.get(0).value()));
      assertTrue(header(dlq.get(0), DeadLetters.REASON).startsWith("effect failed: java.lang.IllegalArgumentException"),
          header(dlq.get(0), DeadLetters.REASON));
      String group = topics.groupPrefix() + "-permanent";
      await("all committed", () -> {
        try {
          return committedSum(group, topics.interactions()) == events.size();
        } catch (Throwable e) {
          return false;
        }
      });
      assertFalse(control.streamCompletion().toCompletableFuture().isDone(), "still running");
      control.drainAndShutdown(system.executionContext()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void batchesInFlightOverlapButCommitOnlyInOrder() throws Exception {
    KafkaTopics topics = StreamsFixtures.freshTopics("inflight", 10, Duration.ofMillis(50));
    List<Interaction> events = interactions(60, 6);
    List<CompletableFuture<Done>> held = java.util.Collections.synchronizedList(new ArrayList<>());
    Set<Interaction> applied = ConcurrentHashMap.newKeySet();
    Function<List<Seen>, CompletionStage<Done>> effect = batch -> {
      CompletableFuture<Done> done = new CompletableFuture<>();
      held.add(done);
      return done.thenApply(ok -> {
        batch.forEach(b -> applied.add(b.event()));
        return ok;
      });
    };
    try (InteractionProducer producer = new InteractionProducer(system, topics);
        DeadLetters deadLetters = new DeadLetters(system, topics)) {
      join(producer.send(events));
      String group = topics.groupPrefix() + "-inflight";
      Consumer.DrainingControl<Done> control = CommittingPipeline.run(system, topics, topics.interactions(),
          "inflight", SEEN, effect, deadLetters, 3);
      await("three batches in flight at once", () -> held.size() == 3, held::size);
      held.get(2).complete(Done.getInstance());
      held.get(1).complete(Done.getInstance());
      // Deliberate wait: long enough for a wrongly ordered commit of the two finished batches to reach Kafka.
      Thread.sleep(1000);
      assertEquals(0, committedSum(group, topics.interactions()), "nothing committed before the first batch is done");
      assertEquals(3, held.size(), "no fourth batch while three are in flight");
      held.get(0).complete(Done.getInstance());
      await("every batch applied", () -> {
        synchronized (held) {
          held.forEach(f -> f.complete(Done.getInstance()));
        }
        return applied.size() == events.size();
      }, applied::size);
      await("all committed", () -> {
        try {
          return committedSum(group, topics.interactions()) == events.size();
        } catch (Exception e) {
          return false;
        }
      });
      control.drainAndShutdown(system.executionContext()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNewPipelineOfTheSameGroupResumesAfterTheCommittedOffsets() throws Exception {
    KafkaTopics topics = StreamsFixtures.freshTopics("resume", 8, Duration.ofMillis(50));
    List<Interaction> events = interactions(70, 7);
    List<Interaction> first = events.subList(0, 40);
    List<Interaction> rest = events.subList(40, 70);
    try (InteractionProducer producer = new InteractionProducer(system, topics);
        DeadLetters deadLetters = new DeadLetters(system, topics)) {
      join(producer.send(first));
      ConcurrentLinkedQueue<Interaction> a = new ConcurrentLinkedQueue<>();
      Consumer.DrainingControl<Done> pipelineA = CommittingPipeline.run(system, topics, topics.interactions(),
          "resume", SEEN, collectInto(a), deadLetters);
      await("the first 40 applied", () -> a.size() >= first.size(), a::size);
      pipelineA.drainAndShutdown(system.executionContext()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(Set.copyOf(first), Set.copyOf(a));
      assertEquals(40, committedTotal(topics.groupPrefix() + "-resume", topics.interactions()),
          "everything applied was committed by the drain");

      join(producer.send(rest));
      ConcurrentLinkedQueue<Interaction> b = new ConcurrentLinkedQueue<>();
      Consumer.DrainingControl<Done> pipelineB = CommittingPipeline.run(system, topics, topics.interactions(),
          "resume", SEEN, collectInto(b), deadLetters);
      await("the other 30 applied", () -> b.size() >= rest.size(), b::size);
      // Once everything is committed, everything read has been applied: a re-read from before the first
      // pipeline's commit would have shown up in b by now.
      await("all 70 committed", () -> {
        try {
          return committedSum(topics.groupPrefix() + "-resume", topics.interactions()) == 70;
        } catch (Exception e) {
          return false;
        }
      });
      pipelineB.drainAndShutdown(system.executionContext()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(rest.size(), b.size(), "nothing committed is read again");
      assertEquals(Set.copyOf(rest), Set.copyOf(b), "nothing after the commit is skipped");
      assertEquals(70, committedTotal(topics.groupPrefix() + "-resume", topics.interactions()));
    }
  }

  @Test
  void drainingWhileWaitingToRestartStopsAtOnceAndCommitsNothing() throws Exception {
    KafkaTopics topics = StreamsFixtures.freshTopics("backoff", 10, Duration.ofMillis(50));
    AtomicInteger calls = new AtomicInteger();
    try (InteractionProducer producer = new InteractionProducer(system, topics);
        DeadLetters deadLetters = new DeadLetters(system, topics)) {
      join(producer.send(interactions(20, 4)));
      Consumer.DrainingControl<Done> control = CommittingPipeline.run(system, topics, topics.interactions(),
          "backoff", SEEN, batch -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("dependency down"));
          }, deadLetters, akka.stream.RestartSettings.create(Duration.ofSeconds(3), Duration.ofSeconds(3), 0));
      await("the first failure", () -> calls.get() == 1);
      Thread.sleep(300); // the failed stream has ended; the restart is 3 s away

      long t0 = System.nanoTime();
      control.drainAndShutdown(system.executionContext()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "did not wait for the restart");
      Thread.sleep(3_200);
      assertEquals(1, calls.get(), "no consumer started after the drain");
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, topics.bootstrapServers()))) {
        assertTrue(admin.listConsumerGroupOffsets(topics.groupPrefix() + "-backoff").partitionsToOffsetAndMetadata()
            .get().isEmpty(), "a failed effect commits nothing");
      }
    }
  }

  @Test
  void producerCompletesEmptySendsAndRefusesAfterClose() throws Exception {
    KafkaTopics topics = new KafkaTopics(testkit.TestServers.kafka().bootstrapServers(), "unused.items",
        "unused.interactions", "unused.dlq", 1, "unused", 1, Duration.ofMillis(10));
    InteractionProducer producer = new InteractionProducer(system, topics);
    join(producer.send(List.of()));
    producer.close();
    CompletableFuture<Void> after = producer.send(List.of(new Interaction("u", "v", EventType.LIKE, 1)))
        .toCompletableFuture();
    Exception e = assertThrows(Exception.class, () -> after.get(5, TimeUnit.SECONDS));
    assertInstanceOf(IllegalStateException.class, e.getCause());
  }

  @Test
  void interactionsCrossNodesAsCbor() {
    Interaction e = new Interaction("u", "v", EventType.FINISH, 42);
    akka.serialization.Serialization s = akka.serialization.SerializationExtension.get(system);
    assertEquals("akka.serialization.jackson.JacksonCborSerializer", s.findSerializerFor(e).getClass().getName());
    byte[] bytes = s.serialize(e).get();
    assertEquals(e, s.deserialize(bytes, s.findSerializerFor(e).identifier(), Interaction.class.getName()).get());
  }

  private static Function<List<Seen>, CompletionStage<Done>> collectInto(ConcurrentLinkedQueue<Interaction> into) {
    return batch -> {
      batch.forEach(s -> into.add(s.event()));
      return CompletableFuture.completedFuture(Done.getInstance());
    };
  }

  /** {@code n} events of {@code users} users, round robin, each user's times increasing. */
  private static List<Interaction> interactions(int n, int users) {
    List<Interaction> out = new ArrayList<>();
    EventType[] types = EventType.values();
    for (int i = 0; i < n; i++) {
      out.add(new Interaction("u" + (i % users), "v" + (i * 7 % 23), types[i % types.length], 1_000_000L + i));
    }
    return out;
  }

  private static Map<String, List<Long>> byUser(List<Interaction> events) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    for (Interaction e : events) out.computeIfAbsent(e.userId(), k -> new ArrayList<>()).add(e.ts());
    return new HashMap<>(out);
  }

  /** The group's committed offsets summed over the topic's partitions (no assertion: safe to poll). */
  private static long committedSum(String group, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        testkit.TestServers.kafka().bootstrapServers()))) {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
          .mapToLong(OffsetAndMetadata::offset).sum();
    }
  }

  private static long committedTotal(String group, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        testkit.TestServers.kafka().bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < 3; p++) latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      long end = admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
      long sum = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
      assertEquals(end, sum, "committed offsets reach the end of " + topic);
      return sum;
    }
  }

  private static KafkaProducer<byte[], byte[]> rawProducer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, testkit.TestServers.kafka().bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
    var h = r.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void join(CompletionStage<?> stage) throws Exception {
    stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
