package bench.fuzz;

import app.Node;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends a {@link FuzzCases} run to a node, counts the answers by status, then checks that no consumer is stuck
 * (poison records of every kind on both topics from a plain Kafka producer, each followed by a good record that
 * must be applied) and that the node still ingests and recalls.
 */
public final class FuzzRun {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration APPLIED_WITHIN = Duration.ofSeconds(60);

  /** Where the node listens and what it was configured with. */
  public record Target(int httpPort, int adminPort, String adminToken, String kafka, String itemsTopic,
      String interactionsTopic, int imageVectorDim, long maxBodyBytes, long maxContentLength) {

    public static Target of(Node node) {
      Config c = node.system().settings().config().getConfig("thermocline");
      return new Target(node.httpPort(), node.adminPort(), c.getString("admin.token"), node.kafkaBootstrapServers(),
          c.getString("kafka.topics.items"), c.getString("kafka.topics.interactions"),
          c.getInt("items.image-vector-dim"), c.getBytes("http.max-body-bytes"),
          node.system().settings().config().getBytes("akka.http.server.parsing.max-content-length"));
    }
  }

  /**
   * @param byStatus answers by HTTP status; 0 counts requests that got no status (connection reset, timeout)
   * @param fiveHundreds kinds of request answered with a 5xx, and how often
   * @param noStatusKinds kinds of request that got no status, and how often, but the ones the server may cut off
   * @param cutOff requests with a body past the server's max-content-length that got no status: answered 413 with
   *     "Connection: close" before their body, they see a closed connection when the client reads only after
   *     sending ({@link FuzzCases#cutOff}); counted apart from the requests that got no status
   * @param stuckConsumers topics whose good record after the poison was not applied in time (0–2)
   */
  public record Report(int requests, Map<Integer, Long> byStatus, Map<String, Long> fiveHundreds,
      Map<String, Long> noStatusKinds, long cutOff, int stuckConsumers, boolean ingests, boolean recalls) {

    public long errors5xx() {
      return byStatus.entrySet().stream().filter(e -> e.getKey() >= 500).mapToLong(Map.Entry::getValue).sum();
    }

    /** Requests that got no status, but the ones the server may cut off. */
    public long noStatus() {
      return byStatus.getOrDefault(0, 0L) - cutOff;
    }

    public String resultLine() {
      return String.format("RESULT fuzz requests=%d errors_5xx=%d stuck_consumers=%d no_status=%d ingests=%s recalls=%s"
          + " cut_off=%d", requests, errors5xx(), stuckConsumers, noStatus(), ingests, recalls, cutOff);
    }
  }

  private final Target target;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public FuzzRun(Target target) {
    this.target = target;
  }

  /** Runs {@code n} requests of seed {@code seed} with {@code concurrency} clients; prints progress and counts. */
  public Report run(int n, long seed, int concurrency) throws Exception {
    List<FuzzCase> cases = new FuzzCases(seed, target.imageVectorDim(), target.maxBodyBytes(),
        target.maxContentLength()).generate(n);
    // Recall answers 503 (Retry-After) until the retrieval index has loaded: fuzz the node once it is up.
    if (!eventually(() -> status("POST", "/v1/recall", "{\"userId\": \"fuzz-warmup\", \"k\": 1}") == 200)) {
      System.out.println("  recall did not answer 200 within " + APPLIED_WITHIN.toSeconds() + " s of the start");
    }
    Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    Map<String, LongAdder> fiveHundreds = new ConcurrentHashMap<>();
    Map<String, LongAdder> noStatus = new ConcurrentHashMap<>();
    LongAdder cutOff = new LongAdder();
    AtomicInteger done = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(concurrency);
    try {
      for (FuzzCase c : cases) {
        clients.execute(() -> {
          int status = send(c);
          byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
          if (status == 0 && FuzzCases.cutOff(c)) cutOff.increment();
          else if (status == 0) noStatus.computeIfAbsent(c.kind(), k -> new LongAdder()).increment();
          if (status >= 500) {
            fiveHundreds.computeIfAbsent(c.kind(), k -> new LongAdder()).increment();
            System.out.printf("  %d on %s %s (%s)%n", status, c.method(), abbreviate(c.path()), c.kind());
          }
          int d = done.incrementAndGet();
          if (d % 1000 == 0) System.out.printf("  %,d of %,d requests%n", d, cases.size());
        });
      }
    } finally {
      clients.shutdown();
      clients.awaitTermination(1, TimeUnit.HOURS);
    }
    int stuck = stuckConsumers(seed);
    boolean ingests = ingests(seed);
    boolean recalls = recalls();
    return new Report(cases.size(), frozen(byStatus), frozen(fiveHundreds), frozen(noStatus), cutOff.sum(), stuck, ingests,
        recalls);
  }

  private int send(FuzzCase c) {
    try {
      var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (c.admin() ? target.adminPort() : target.httpPort())
              + c.path()))
          .timeout(Duration.ofSeconds(60))
          .header("Content-Type", "application/json")
          .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(c.body()));
      if (c.admin() && !target.adminToken().isEmpty()) b.header("Authorization", "Bearer " + target.adminToken());
      return client.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (Exception e) {
      System.out.printf("  no status on %s %s (%s%s): %s%n", c.method(), abbreviate(c.path()), c.kind(),
          FuzzCases.cutOff(c) ? ", may be cut off" : "", e);
      return 0;
    }
  }

  /** Poison of every kind on both topics, then a good record behind it on the same partition (same key). */
  private int stuckConsumers(long seed) throws Exception {
    long now = System.currentTimeMillis();
    String user = "fuzz-user-" + seed;
    String item = "fuzz-item-" + seed;
    String event = "\"userId\": \"" + user + "\", \"itemId\": \"" + item + "\", \"type\": \"like\"";
    List<String> itemPoison = List.of(
        "{\"itemId\": \"p1\", \"createdAt\": \"+300000000-01-01T00:00:00Z\"}",
        "{\"itemId\": \"p2\", \"createdAt\": \"-999999999-01-01T00:00:00Z\"}",
        "{\"itemId\": \"p3\", \"imageVector\": " + repeat("3.4e38", target.imageVectorDim()) + "}",
        "{\"itemId\": \"a\\ud800\"}", "{\"itemId\":\"tt\",\"title\":\"x\"} trailing", "{\"itemId\":\"t1\"}{\"itemId\":\"t2\"}",
        "{\"itemId\": \"p4\", \"createdAt\": " + "9".repeat(100_000) + "}", "{not json", "");
    List<String> eventPoison = List.of(
        "{" + event + ", \"ts\": 9223372036854775807}", "{" + event + ", \"ts\": \"+300000000-01-01T00:00:00Z\"}",
        "{\"userId\": \"a\\ud800\", \"itemId\": \"v\", \"type\": \"like\", \"ts\": " + now + "}",
        "{" + event + ", \"ts\": " + now + "} trailing", "{" + event + ", \"ts\": " + now + "}{}",
        "{" + event + ", \"ts\": " + "9".repeat(100_000) + "}", "{not json", "");
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, target.kafka());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (var producer = new KafkaProducer<byte[], byte[]>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (String v : itemPoison) send(producer, target.itemsTopic(), "fuzz", v);
      send(producer, target.itemsTopic(), "fuzz", "{\"itemId\": \"" + item + "\", \"title\": \"after the poison\"}");
      for (String v : eventPoison) send(producer, target.interactionsTopic(), user, v);
      send(producer, target.interactionsTopic(), user, "{" + event + ", \"ts\": " + now + "}");
    }
    int stuck = 0;
    if (!eventually(() -> status("GET", "/v1/items/" + item, null) == 200)) {
      System.out.println("  the items consumer did not apply the record after the poison");
      stuck++;
    }
    if (!eventually(() -> historySize(user) >= 1)) {
      System.out.println("  the interactions consumer did not apply the record after the poison");
      stuck++;
    }
    return stuck;
  }

  private boolean ingests(long seed) throws Exception {
    String id = "fuzz-after-" + seed;
    return status("POST", "/v1/items", "{\"itemId\": \"" + id + "\", \"category\": \"after\"}") / 100 == 2
        && status("POST", "/v1/interactions", "{\"events\": [{\"userId\": \"fuzz-after\", \"itemId\": \"" + id
            + "\", \"type\": \"like\", \"ts\": " + System.currentTimeMillis() + "}]}") == 202
        && eventually(() -> historySize("fuzz-after") >= 1);
  }

  private boolean recalls() throws Exception {
    return eventually(() -> {
      JsonNode r = json("POST", "/v1/recall", "{\"userId\": \"fuzz-after\", \"k\": 5, \"excludeSeen\": false}");
      return r != null && r.path("items").size() > 0;
    });
  }

  private int historySize(String user) throws Exception {
    JsonNode u = json("GET", "/v1/users/" + user, null);
    return u == null ? -1 : u.path("history").size();
  }

  private int status(String method, String path, String body) throws Exception {
    return exchange(method, path, body).statusCode();
  }

  private JsonNode json(String method, String path, String body) throws Exception {
    HttpResponse<String> r = exchange(method, path, body);
    return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
  }

  private HttpResponse<String> exchange(String method, String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.httpPort() + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static boolean eventually(Check check) throws InterruptedException {
    long deadline = System.nanoTime() + APPLIED_WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (check.ok()) return true;
      } catch (Exception notYet) {
        // retried until the deadline
      }
      Thread.sleep(250);
    }
    return false;
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, String value)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8))).get();
  }

  private static String repeat(String x, int n) {
    return String.join(",", java.util.Collections.nCopies(n, x)).transform(s -> "[" + s + "]");
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "…";
  }

  private static <K extends Comparable<K>> Map<K, Long> frozen(Map<K, LongAdder> m) {
    Map<K, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
