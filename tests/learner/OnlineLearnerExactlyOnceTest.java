package learner;

import app.Node;
import actors.BucketRanges;
import service.FusionService;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import storage.ItemRecord;
import streams.EventType;
import streams.Interaction;
import streams.InteractionCodec;
import testkit.Await;
import testkit.TestNodes;
import testkit.TestServers;

/**
 * The learner's effect is exactly once: a run that fails half-way through a batch (some ranges have the
 * batch, others not), restarts its stream, and later has its node restarted ends with rows bit-identical to an
 * uninterrupted run over the same records — against the real Kafka and Cassandra. That includes the user side's
 * history means, which each restart rebuilds from the records before its resume offset, and extra negatives drawn
 * from the learner's pool (which must survive the crash and the restart for the draws to match).
 */
class OnlineLearnerExactlyOnceTest {

  private static final int RECORDS = 1000;
  private static final int BATCH = 100;
  private static final int ITEMS = 40;
  private static final int USERS = 30;

  @Test
  void aCrashMidBatchEndsWithTheRowsOfAnUninterruptedRun() throws Exception {
    Map<String, float[]> uninterrupted;
    Map<String, float[]> initial;
    try (var node = TestNodes.start(config("xo_a", 0))) {
      registerItems(node);
      initial = rows(node);
      produce();
      awaitLearned(node, "xo_a");
      uninterrupted = rows(node);
      assertTrue(node.learner().extraNegativesDrawn() > 0, "extra negatives took part");
    }

    // Batch 4 fails after half its ranges persisted it; the stream restarts and finishes the batch from its intent.
    try (var node = TestNodes.start(config("xo_b", -1))) {
      registerItems(node); // before the learner sees the records, as in the first run
    }
    try (var node = TestNodes.start(config("xo_b", 4))) {
      long at = Await.until(Duration.ofSeconds(120), () -> nextOffset(node, "xo_b"), offset -> offset >= 700);
      assertTrue(at >= 700, "learner past the failure, at " + at);
    }
    // The node itself restarts mid-stream; learning goes on from Cassandra's record of it.
    Map<String, float[]> recovered;
    try (var node = TestNodes.start(config("xo_b", 0))) {
      awaitLearned(node, "xo_b");
      recovered = rows(node);
    }

    assertEquals(uninterrupted.keySet(), recovered.keySet());
    for (String row : uninterrupted.keySet()) assertArrayEquals(uninterrupted.get(row), recovered.get(row), row);
    // Learning did move every kind of row, so the comparison is not between untouched rows.
    for (String row : List.of("theta", "hash:item-3", "user-7", "tag:tag2", "category:pets", "uploader:uploader-1")) {
      assertFalse(java.util.Arrays.equals(initial.get(row), uninterrupted.get(row)), row + " learned");
    }
  }

  /** {@code failAfterBatches} −1: no learner. */
  private static com.typesafe.config.Config config(String name, int failAfterBatches) {
    return TestNodes.config(name, Map.ofEntries(
        Map.entry("thermocline.kafka.enabled", true),
        Map.entry("thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers()),
        Map.entry("thermocline.kafka.topics.items", name + ".items"),
        // Both runs read the same records: the same topic (each with its own group, keyspace and learner state).
        Map.entry("thermocline.kafka.topics.interactions", "xo.interactions"),
        Map.entry("thermocline.kafka.topics.dlq", name + ".dlq"),
        Map.entry("thermocline.kafka.partitions", 1),
        Map.entry("thermocline.kafka.consumer.group-prefix", name),
        Map.entry("thermocline.kafka.consumer.restart.min-backoff", "200 ms"),
        Map.entry("thermocline.learner.batch-size", BATCH),
        Map.entry("thermocline.learner.softmax-batch", 40), // two or three softmax groups per batch
        // The pool is what the learner learned from on this partition; a batch's own items are not drawn.
        Map.entry("thermocline.learner.extra-negatives", 3),
        // Batches fill to size (the records are produced in one go): the same boundaries in every run.
        Map.entry("thermocline.learner.batch-window", "60 s"),
        // User histories shorter than the stream and fewer users than there are: each restart rebuilds them from
        // a window that starts after the first record, with users evicted all along.
        Map.entry("thermocline.learner.history.window", 250),
        Map.entry("thermocline.learner.history.max-users", 20),
        Map.entry("thermocline.learner.history.per-user", 5),
        Map.entry("thermocline.learner.enabled", failAfterBatches >= 0),
        Map.entry("thermocline.model.user-id-rows", true), // their deltas are exactly-once too
        Map.entry("thermocline.learner.fail-after-batches", Math.max(0, failAfterBatches))));
  }

  private static void registerItems(Node node) {
    List<Map.Entry<String, ItemRecord.ItemMetadata>> items = new ArrayList<>();
    String[] categories = {"pets", "food", "travel", "music"};
    for (int i = 0; i < ITEMS; i++) {
      items.add(Map.entry("item-" + i, new ItemRecord.ItemMetadata("title number " + i + " about " + categories[i % 4],
          List.of("tag" + (i % 5), "tag" + (i % 7)), categories[i % 4], "uploader-" + (i % 6),
          Instant.ofEpochMilli(1_700_000_000_000L + i), null)));
    }
    node.items().registerAll(items).toCompletableFuture().join();
  }

  /** The same seeded records in every run (with a few unreadable ones), produced in one go. */
  private static void produce() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafka().bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    SplittableRandom random = new SplittableRandom(42);
    EventType[] types = {EventType.CLICK, EventType.CLICK, EventType.LIKE, EventType.FINISH, EventType.SHARE,
        EventType.IMPRESSION};
    try (var producer = new KafkaProducer<byte[], byte[]>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int r = 0; r < RECORDS; r++) {
        byte[] value;
        if (r % 97 == 13) {
          value = "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } else {
          int user = random.nextInt(USERS);
          // Users prefer the items of "their" category, so there is something to learn.
          int item = random.nextInt(4) < 3 ? (user % 4) + 4 * random.nextInt(ITEMS / 4) : random.nextInt(ITEMS);
          value = InteractionCodec.toJson(new Interaction("user-" + user, "item-" + item,
              types[random.nextInt(types.length)], 1_763_000_000_000L + r * 1000L));
        }
        producer.send(new ProducerRecord<>("xo.interactions", null, value));
      }
      producer.flush();
    }
  }

  private static long nextOffset(Node node, String name) {
    return node.learnerState().read(name + "-learner", 0).toCompletableFuture().join()
        .map(storage.LearnerState.Position::nextOffset).orElse(0L);
  }

  private static void awaitLearned(Node node, String name) throws Exception {
    var position = Await.until(Duration.ofSeconds(120),
        () -> node.learnerState().read(name + "-learner", 0).toCompletableFuture().join(),
        p -> p.isPresent() && p.get().nextOffset() == RECORDS && p.get().intent() == null);
    assertTrue(position.isPresent() && position.get().nextOffset() == RECORDS, "learner at the end: " + position);
  }

  /** Every row the learner can touch (items' hash rows, their feature rows, the users' rows, θ), as stored. */
  private static Map<String, float[]> rows(Node node) {
    FusionService fusion = node.items().fusion();
    Map<String, BucketRanges.Key> keys = new TreeMap<>();
    keys.put("theta", FusionService.thetaRow());
    for (int i = 0; i < ITEMS; i++) {
      ItemRecord item = node.items().find("item-" + i).toCompletableFuture().join().orElseThrow().record();
      keys.put("hash:" + item.itemId(), fusion.hashRow(item));
      var meta = fusion.metaInputs(item.metadata());
      for (int k = 0; k < meta.keys().size(); k++) keys.put(meta.keys().get(k), meta.rows().get(k));
    }
    for (int u = 0; u < USERS; u++) keys.put("user-" + u, fusion.userRow("user-" + u));
    var read = new BucketRanges(node.system(), fusion.layout(), Duration.ofSeconds(30))
        .read(keys.values()).toCompletableFuture().join();
    Map<String, float[]> out = new TreeMap<>();
    keys.forEach((name, key) -> out.put(name, read.get(key)));
    return out;
  }
}
