package app;

import static org.junit.jupiter.api.Assertions.*;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import testkit.Await;
import testkit.NodeJvm;
import testkit.TestServers;

/**
 * Three node JVMs on loopback sharing one Cassandra and one Kafka (child JVMs of the test); items registered and
 * interactions flowing; one node killed with SIGKILL. Its shards move to the survivors (split-brain resolver:
 * keep-majority, 5 s stable-after), recall keeps answering (partial answers allowed, never a 5xx), learning resumes
 * on the partitions the dead node learned (interactions posted after the kill change their items' rows), the killed
 * node restarts and rejoins (3 Up), and no acknowledged interaction is lost or learned twice.
 *
 * <p><b>Exactly once, checked through operation ids rather than by comparing rows with an uninterrupted run.</b>
 * Rows after a crash equal an uninterrupted run's only with the same batch boundaries, and here batches are cut by
 * time while records trickle in (and partitions move between nodes), so two runs differ in batching, not in what
 * was learned. Every learner batch carries the operation id {@code learn:<topic>:<partition>:<first>-<last>}
 * (its offsets) to every bucket range it changes, and the range's journal keeps it with the change. Every batch
 * after the warm-up changes θ (the params row: every example's served vector goes through the fusion logit), so the
 * params range's journal must hold, per partition, batches that tile [offset after warm-up, end offset) exactly:
 * a gap would be a lost record, an overlap a record learned twice under other boundaries; and no range may hold one
 * operation id twice (a replayed batch applied again). Acknowledged interactions are in Kafka, so they are within
 * those offsets.
 */
class ClusterFailoverTest {

  private static final String NAME = "failover";
  private static final String KEYSPACE = "items_" + NAME;
  private static final String TOPIC = NAME + ".interactions";
  private static final String GROUP = NAME + "-learner";
  private static final int PARTITIONS = 4;
  private static final int ITEMS = 200;
  private static final int USERS = 64;
  /** The killed node's partitions must learn again within this of the kill (issue 16). */
  private static final Duration LEARNING_RESUMES = Duration.ofSeconds(30);
  /** Deadlines for states the test waits for: generous, the machine is shared. */
  private static final Duration START = Duration.ofSeconds(150);
  private static final Duration SETTLE = Duration.ofSeconds(90);

  private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

  @Test
  void aKilledNodesShardsAndPartitionsMoveAndItRejoinsWithNothingLostOrLearnedTwice() throws Exception {
    long t0 = System.nanoTime();
    // Both servers at once: each takes seconds, mostly waiting.
    var kafkaStart = java.util.concurrent.CompletableFuture.supplyAsync(TestServers::kafka);
    String contactPoint = TestServers.cassandra().contactPoint();
    String bootstrap = kafkaStart.join().bootstrapServers();

    List<NodeJvm.Ports> ports = List.of(NodeJvm.Ports.pick(), NodeJvm.Ports.pick(), NodeJvm.Ports.pick());
    List<NodeJvm> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(new NodeJvm("node-" + (i + 1), TestServers.newDir("node-" + (i + 1)), ports.get(i),
          settings(contactPoint, bootstrap, ports), List.of("-Xmx384m", "-XX:+UseSerialGC",
              "-XX:TieredStopAtLevel=1", "-Xss512k")));
    }
    for (NodeJvm n : nodes) TestServers.closeAtExit(n);
    try (CqlSession session = TestServers.cassandra().newSession();
         KafkaConsumer<byte[], byte[]> offsets = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
             new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      // The first node creates the schema alone: three nodes creating it at once on a loaded Cassandra had a
      // statement time out (the driver's 5 s) and a node fail to start.
      nodes.get(0).start();
      awaitUp(nodes.get(0));
      for (NodeJvm n : nodes.subList(1, 3)) n.start();
      for (NodeJvm n : nodes) awaitUp(n);
      awaitMembers(nodes, 3);
      System.out.printf("failover: 3 nodes up after %.0f s%n", seconds(t0));

      // Items (and one probe item per partition, shown to nobody before the kill), then one click per user so
      // that every later click has a user vector (a user's first positive teaches nothing, see OnlineLearner).
      register(nodes.get(0), ITEMS);
      Map<Integer, String> probeUser = probeUsers();
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) partitions.add(new TopicPartition(TOPIC, p));
      List<String> warmUp = new ArrayList<>();
      for (int u = 0; u < USERS; u++) warmUp.add(click(user(u), "item-" + u));
      for (int i = 0; i < warmUp.size(); i += 16) {
        HttpResponse<String> r = postUntilTaken(nodes.get(i / 16 % 3), "/v1/interactions",
            "{\"events\": [" + String.join(",", warmUp.subList(i, Math.min(warmUp.size(), i + 16))) + "]}");
        assertEquals(202, r.statusCode(), r.body());
      }
      Map<Integer, Long> afterWarmUp = awaitLearnedUpTo(session, offsets, partitions);

      Traffic traffic = new Traffic(nodes);
      traffic.start();
      // Some learning and recall across all three before the kill.
      Await.until(SETTLE, () -> traffic.acknowledged.get(), n -> n >= 300);
      // Node 1 ran alone first, so every retrieval shard began there; sharding's rebalance moves one per 10 s
      // round until no node holds more than its share (2 of 4). Killed before that, the one node holding every
      // shard takes recall down with it until its shards restart elsewhere (503 "not ready", ~15 s in a CI run):
      // without replicas that is what one node's loss costs, and not what this test is about.
      int mostOnOneNode = Await.until(SETTLE, () -> {
        int most = 0;
        int all = 0;
        for (NodeJvm n : nodes) {
          int held = n.entities("RetrievalShard");
          most = Math.max(most, held);
          all += held;
        }
        return all == PARTITIONS ? most : PARTITIONS;
      }, most -> most <= (PARTITIONS + 2) / 3);
      assertTrue(mostOnOneNode <= (PARTITIONS + 2) / 3, "retrieval shards spread over the three nodes");

      // The victim: the node running the most retrieval shards (ties: bucket ranges), so shards must move.
      NodeJvm victim = nodes.get(0);
      int most = -1;
      for (NodeJvm n : nodes) {
        int score = n.entities("RetrievalShard") * 1000 + n.entities("BucketRange");
        if (score > most) {
          most = score;
          victim = n;
        }
      }
      int victimShards = victim.entities("RetrievalShard");
      List<NodeJvm> survivors = new ArrayList<>(nodes);
      survivors.remove(victim);
      Map<Integer, String> before = new HashMap<>();
      for (int p = 0; p < PARTITIONS; p++) before.put(p, hashRow(survivors.get(0), "probe-" + p));

      traffic.only(survivors);
      long killedAt = System.nanoTime();
      victim.kill();
      System.out.printf("failover: killed %s (%d retrieval shards) after %.0f s, %d interactions acknowledged%n",
          victim.name(), victimShards, seconds(t0), traffic.acknowledged.get());
      // Every partition's user clicks its probe item: one of them at least was learned on the dead node.
      List<String> probes = new ArrayList<>();
      for (var e : probeUser.entrySet()) probes.add(click(e.getValue(), "probe-" + e.getKey()));
      traffic.post(survivors.get(0), probes);

      NodeJvm reader = survivors.get(1);
      Map<Integer, String> changed = Await.until(LEARNING_RESUMES.plus(SETTLE), () -> {
        Map<Integer, String> now = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
          String row = hashRow(reader, "probe-" + p);
          if (row != null && !row.equals(before.get(p))) now.put(p, row);
        }
        return now;
      }, m -> m.size() == PARTITIONS);
      double resumedAfter = seconds(killedAt);
      System.out.printf("failover: every partition learned again %.1f s after the kill%n", resumedAfter);
      assertEquals(PARTITIONS, changed.size(), () -> "probe rows of partitions " + changed.keySet()
          + " changed, not the others: learning did not resume (logs in target/cluster-failover-logs)");
      assertTrue(resumedAfter <= LEARNING_RESUMES.toSeconds(),
          "learning resumed only " + resumedAfter + " s after the kill");

      // The dead node was downed and its shards run on the survivors.
      for (NodeJvm s : survivors) {
        List<String> up = Await.until(SETTLE, s::upMembers, m -> m.size() == 2);
        assertEquals(2, up.size(), () -> s.name() + " still sees " + up);
        assertFalse(up.contains(victim.ports().address()));
      }
      int shards = Await.until(SETTLE, () -> survivors.get(0).entities("RetrievalShard")
          + survivors.get(1).entities("RetrievalShard"), n -> n == PARTITIONS);
      assertEquals(PARTITIONS, shards, "every retrieval shard runs on a survivor");
      System.out.printf("failover: victim downed, its shards moved, %.1f s after the kill%n", seconds(killedAt));

      // The killed node comes back on its ports and rejoins.
      victim.start();
      awaitUp(victim);
      awaitMembers(nodes, 3);
      traffic.only(nodes);
      // Just started on a loaded machine, it may shed a request (429 with Retry-After) before it serves it.
      NodeJvm back = victim;
      assertEquals(200, Await.until(SETTLE, () -> back.get("/v1/items/probe-0").statusCode(), c -> c == 200));
      System.out.printf("failover: %s rejoined, 3 Up, %.0f s after the kill%n", victim.name(), seconds(killedAt));
      NodeJvm rejoined = victim;
      Await.until(SETTLE, () -> traffic.recalls(rejoined), n -> n >= 5);

      traffic.stop();
      Map<Integer, Long> end = awaitLearnedUpTo(session, offsets, partitions);
      System.out.printf("failover: %d interactions acknowledged, %d recalls answered (%d partial), %d refused;"
              + " learned up to %s; %.0f s in all%n", traffic.acknowledged.get(), traffic.answered.get(),
          traffic.partial.get(), traffic.refused.get(), end, seconds(t0));

      // Learning first: a recall failure must not hide whether a record was learned twice.
      long records = 0;
      for (int p = 0; p < PARTITIONS; p++) records += end.get(p) - afterWarmUp.get(p);
      assertTrue(records >= traffic.acknowledged.get() - 0, "every acknowledged interaction is in Kafka");
      assertExactlyOnce(session, afterWarmUp, end);
      assertTrue(traffic.failures.isEmpty(), () -> "recall failed on a live node: " + traffic.failures);
      assertTrue(traffic.answeredWhileDown.get() > 0, "recall answered while the node was down");
    } finally {
      // Stopped in parallel: each waits for its node's graceful stop.
      nodes.parallelStream().forEach(NodeJvm::close);
      // The run folder goes at JVM exit; the nodes' logs stay in target/ for a look at a failed run.
      for (NodeJvm n : nodes) n.keepLogs(java.nio.file.Path.of("target", "cluster-failover-logs"));
    }
  }

  /** Per partition, the params range's learner batches tile [after warm-up, end); no range holds an op twice. */
  private static void assertExactlyOnce(CqlSession session, Map<Integer, Long> from, Map<Integer, Long> to)
      throws Exception {
    Map<String, List<String>> opsByRange = new TreeMap<>();
    for (Row pid : session.execute("SELECT DISTINCT persistence_id, partition_nr FROM journal_" + NAME + ".messages")) {
      String id = pid.getString("persistence_id");
      if (!id.startsWith("BucketRange|")) continue;
      for (Row e : session.execute(session.prepare("SELECT ser_manifest, event FROM journal_" + NAME
          + ".messages WHERE persistence_id = ? AND partition_nr = ?").bind(id, pid.getLong("partition_nr")))) {
        if (!e.getString("ser_manifest").endsWith("DeltasApplied")) continue;
        var buffer = e.getByteBuffer("event");
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        String op = CBOR.readTree(bytes).path("opId").asText();
        if (op.startsWith("learn:" + TOPIC + ":")) opsByRange.computeIfAbsent(id, k -> new ArrayList<>()).add(op);
      }
    }
    assertFalse(opsByRange.isEmpty(), "the learner changed no range");
    for (var e : opsByRange.entrySet()) {
      Map<String, Long> counts = e.getValue().stream().collect(Collectors.groupingBy(op -> op, Collectors.counting()));
      counts.forEach((op, n) -> assertEquals(1L, n, () -> e.getKey() + " applied " + op + " " + n + " times"));
    }
    List<String> theta = opsByRange.get("BucketRange|params-0");
    assertNotNull(theta, "θ never learned");
    for (int p = 0; p < PARTITIONS; p++) {
      TreeMap<Long, Long> batches = new TreeMap<>(); // first offset → last offset, batches after the warm-up
      for (String op : theta) {
        String[] parts = op.split(":");
        if (Integer.parseInt(parts[2]) != p) continue;
        String[] range = parts[3].split("-");
        long first = Long.parseLong(range[0]);
        long last = Long.parseLong(range[1]);
        if (last >= from.get(p)) assertNull(batches.put(first, last), "two batches start at " + first);
      }
      long next = from.get(p);
      for (var b : batches.entrySet()) {
        int partition = p;
        long expected = next;
        assertEquals(expected, b.getKey(), () -> "partition " + partition + ": " + (b.getKey() > expected
            ? "records " + expected + ".." + (b.getKey() - 1) + " never learned" : "batch " + b + " learned again"));
        next = b.getValue() + 1;
      }
      assertEquals(to.get(p), next, "partition " + p + ": learned up to the end offset");
    }
  }

  /** The interactions the test posts, to the nodes alive, with recalls beside them; what answered is counted. */
  private static final class Traffic {
    private volatile List<NodeJvm> targets;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean down = new AtomicBoolean();
    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    final AtomicLong answeredWhileDown = new AtomicLong();
    final AtomicLong partial = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final Map<String, AtomicLong> recallsBy = new ConcurrentHashMap<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    Traffic(List<NodeJvm> targets) {
      this.targets = List.copyOf(targets);
    }

    void only(List<NodeJvm> alive) {
      down.set(alive.size() < 3);
      targets = List.copyOf(alive);
    }

    long recalls(NodeJvm node) {
      return recallsBy.getOrDefault(node.name(), new AtomicLong()).get();
    }

    void start() {
      threads.add(new Thread(this::interactions, "failover-interactions"));
      threads.add(new Thread(this::recall, "failover-recall"));
      for (Thread t : threads) t.start();
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) t.join(60_000);
    }

    /** Posts and counts what was accepted; a post the node did not answer is not acknowledged (retried never). */
    void post(NodeJvm node, List<String> events) {
      try {
        HttpResponse<String> r = node.post("/v1/interactions", "{\"events\": [" + String.join(",", events) + "]}");
        if (r.statusCode() == 202) acknowledged.addAndGet(NodeJvm.json(r.body()).path("accepted").asLong());
      } catch (Exception e) {
        // not acknowledged
      }
    }

    private void interactions() {
      Random rng = new Random(1);
      int i = 0;
      while (running.get()) {
        List<String> events = new ArrayList<>();
        for (int k = 0; k < 8; k++) events.add(click(user(rng.nextInt(USERS)), "item-" + rng.nextInt(ITEMS)));
        List<NodeJvm> alive = targets;
        post(alive.get(i++ % alive.size()), events);
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // the stream's pace
      }
    }

    private void recall() {
      Random rng = new Random(2);
      int i = 0;
      while (running.get()) {
        List<NodeJvm> alive = targets;
        boolean whileDown = down.get();
        NodeJvm node = alive.get(i++ % alive.size());
        try {
          HttpResponse<String> r = node.post("/v1/recall", "{\"userId\": \"" + user(rng.nextInt(USERS))
              + "\", \"k\": 10}");
          if (!targets.contains(node)) continue; // asked just before it was killed: its answer does not count
          if (r.statusCode() == 200) {
            answered.incrementAndGet();
            recallsBy.computeIfAbsent(node.name(), k -> new AtomicLong()).incrementAndGet();
            if (whileDown) answeredWhileDown.incrementAndGet();
            if (NodeJvm.json(r.body()).path("partial").asBoolean()) partial.incrementAndGet();
          } else {
            failures.add(node.name() + " " + r.statusCode() + " " + r.body() + " at " + java.time.LocalTime.now());
          }
        } catch (Exception e) {
          // A live node that did not answer fails the test; the node being killed may not answer.
          if (targets.contains(node)) failures.add(node.name() + " " + e + " at " + java.time.LocalTime.now());
          else refused.incrementAndGet();
        } finally {
          java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // the prober's pace
        }
      }
    }
  }

  private static Map<String, Object> settings(String contactPoint, String bootstrap, List<NodeJvm.Ports> ports) {
    Map<String, Object> o = new HashMap<>();
    o.put("thermocline.cassandra.contact-points", List.of(contactPoint));
    o.put("thermocline.cassandra.keyspace", KEYSPACE);
    o.put("akka.persistence.cassandra.journal.keyspace", "journal_" + NAME);
    o.put("akka.persistence.cassandra.snapshot.keyspace", "snapshot_" + NAME);
    o.put("thermocline.kafka.bootstrap-servers", bootstrap);
    o.put("thermocline.kafka.partitions", PARTITIONS);
    o.put("thermocline.kafka.topics.items", NAME + ".items");
    o.put("thermocline.kafka.topics.interactions", TOPIC);
    o.put("thermocline.kafka.topics.dlq", NAME + ".dlq");
    o.put("thermocline.kafka.consumer.group-prefix", NAME);
    o.put("akka.cluster.seed-nodes", ports.stream().map(NodeJvm.Ports::address).toList());
    // As `run --node N` does (app.LocalCluster): a silent node on one machine is a dead process.
    o.put("akka.cluster.split-brain-resolver.stable-after", "5 s");
    // The killed node is often node-1, the first seed node: restarted, it waits this long for the others to answer
    // before it forms a cluster of its own (an island that never rejoins). 5 s (Akka's default) was too short on
    // this loaded machine; the cost is the first node's start waiting as long for nodes not started yet.
    o.put("akka.cluster.seed-node-timeout", "20 s");
    o.put("thermocline.retrieval.shards", PARTITIONS);
    o.put("thermocline.retrieval.refresh-period", "0 s");
    // Three nodes, Cassandra and Kafka share a small loaded machine here: while shards move and rebuild, a search
    // on a shard that did not move can take longer than the production budget (250 ms), and with every shard late
    // the answer is a 503. The test is about shards moving and answering, not about that latency.
    o.put("thermocline.recall.shard-timeout", "2 s");
    // Every journal event stays (no snapshot deletes any): the test reads the operation ids back.
    o.put("thermocline.store.snapshot-every", 1_000_000);
    o.put("thermocline.model.text-encoder", "hashed-ngrams");
    return o;
  }

  private static void awaitUp(NodeJvm n) {
    n.awaitUp(START);
  }

  private static void awaitMembers(List<NodeJvm> nodes, int count) throws Exception {
    for (NodeJvm n : nodes) {
      List<String> up = Await.until(START, () -> {
        try {
          return n.upMembers();
        } catch (Exception e) {
          return List.<String>of();
        }
      }, m -> m.size() == count);
      assertEquals(count, up.size(), () -> n.name() + " sees " + up + "; " + n.logTail(30));
    }
  }

  private static void register(NodeJvm node, int items) throws Exception {
    List<String> entries = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      entries.add("{\"itemId\": \"item-" + i + "\", \"title\": \"item number " + i + "\", \"tags\": [\"t" + (i % 7)
          + "\"], \"category\": \"c" + (i % 3) + "\", \"uploaderId\": \"up-" + (i % 5) + "\"}");
    }
    for (int p = 0; p < PARTITIONS; p++) {
      entries.add("{\"itemId\": \"probe-" + p + "\", \"title\": \"probe " + p + "\", \"uploaderId\": \"up-0\"}");
    }
    HttpResponse<String> r = postUntilTaken(node, "/v1/items:batch", "{\"items\": [" + String.join(",", entries) + "]}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(items + PARTITIONS, NodeJvm.json(r.body()).path("accepted").asInt(), r.body());
  }

  /**
   * Posts until the node takes it: the set-up's requests are retried while answered "come back later" (429 or 503
   * with Retry-After, as a node on this loaded machine may answer while Cassandra is slow); what is tested is after.
   */
  private static HttpResponse<String> postUntilTaken(NodeJvm node, String path, String body) throws Exception {
    return Await.until(SETTLE, () -> node.post(path, body), r -> r.statusCode() != 429 && r.statusCode() != 503);
  }

  /** For each partition, the first user whose interactions land there (the producer keys records by user). */
  private static Map<Integer, String> probeUsers() {
    Map<Integer, String> out = new TreeMap<>();
    for (int u = 0; u < USERS && out.size() < PARTITIONS; u++) {
      int p = Utils.toPositive(Utils.murmur2(user(u).getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
      out.putIfAbsent(p, user(u));
    }
    assertEquals(PARTITIONS, out.size(), "a user in every partition");
    return out;
  }

  /** Waits until the learner's offsets (learner_state) reach the topic's end offsets, with no batch in flight. */
  private static Map<Integer, Long> awaitLearnedUpTo(CqlSession session, KafkaConsumer<byte[], byte[]> consumer,
      List<TopicPartition> partitions) throws Exception {
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
    var select = session.prepare("SELECT next_offset, intent FROM " + KEYSPACE + ".learner_state WHERE grp = ? AND part = ?");
    Map<Integer, Long> learned = Await.until(SETTLE.multipliedBy(2), () -> {
      Map<Integer, Long> out = new TreeMap<>();
      for (TopicPartition tp : partitions) {
        Row row = session.execute(select.bind(GROUP, tp.partition())).one();
        boolean settled = row != null && row.isNull("intent") && !row.isNull("next_offset");
        out.put(tp.partition(), settled ? row.getLong("next_offset") : ends.get(tp) == 0 ? 0 : -1);
      }
      return out;
    }, m -> partitions.stream().allMatch(tp -> m.get(tp.partition()) >= ends.get(tp)));
    for (TopicPartition tp : partitions) {
      assertEquals(ends.get(tp), learned.get(tp.partition()), "learner offset of " + tp + " (end offsets " + ends + ")");
    }
    return learned;
  }

  /** The item's hash row as the API shows it, or null while it cannot be read (its range moving). */
  private static String hashRow(NodeJvm node, String itemId) throws Exception {
    try {
      HttpResponse<String> r = node.get("/v1/items/" + itemId);
      return r.statusCode() == 200 ? NodeJvm.json(r.body()).path("embedding").path("hash").toString() : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static String click(String user, String item) {
    return "{\"userId\": \"" + user + "\", \"itemId\": \"" + item + "\", \"type\": \"click\", \"ts\": "
        + System.currentTimeMillis() + "}";
  }

  private static String user(int u) {
    return "user-" + u;
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }
}
