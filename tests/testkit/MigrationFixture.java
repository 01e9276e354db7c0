package testkit;

import static org.junit.jupiter.api.Assertions.*;

import app.Node;
import akka.stream.alpakka.cassandra.javadsl.CassandraSessionRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import storage.InteractionStore;

/** HTTP calls, exposure counters and migration runs of one test node, for the tier-migration tests. */
public final class MigrationFixture {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client = HttpClient.newHttpClient();
  private final Node node;

  public MigrationFixture(Node node) {
    this.node = node;
  }

  public JsonNode api(String method, String path, String body, int expected) throws Exception {
    return call(node.httpPort(), method, path, body, expected);
  }

  public JsonNode admin(String method, String path, int expected) throws Exception {
    return call(node.adminPort(), method, path, null, expected);
  }

  private JsonNode call(int port, String method, String path, String body, int expected) throws Exception {
    var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(expected, r.statusCode(), method + " " + path + " → " + r.body());
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  public void register(String itemId, String title) throws Exception {
    api("POST", "/v1/items", "{\"itemId\": \"" + itemId + "\", \"title\": \"" + title
        + "\", \"tags\": [\"t1\"], \"category\": \"pets\", \"uploaderId\": \"u1\"}", 201);
  }

  public JsonNode item(String itemId) throws Exception {
    return api("GET", "/v1/items/" + itemId, null, 200);
  }

  /** Adds impressions (negative: takes them away) to today's counter of each item, as the consumer would. */
  public void addImpressions(Map<String, Long> impressions) {
    var session = CassandraSessionRegistry.get(node.system()).sessionFor("akka.persistence.cassandra")
        .underlying().toCompletableFuture().join();
    Map<String, InteractionStore.CountDelta> deltas = new HashMap<>();
    impressions.forEach((id, n) -> deltas.put(id, new InteractionStore.CountDelta(n, 0)));
    new InteractionStore(session, node.settings().cassandra().keyspace()).addCounts(deltas, Instant.now())
        .toCompletableFuture().join();
  }

  /** Starts a run (or finds the one in progress) and returns its id. */
  public String startRun() throws Exception {
    JsonNode run = admin("POST", "/admin/migrations", 202);
    return run.get("runId").asText();
  }

  /** Waits for the run to finish and returns it. */
  public JsonNode awaitRun(String runId) throws Exception {
    JsonNode run = Await.until(Duration.ofSeconds(120), () -> admin("GET", "/admin/migrations/" + runId, 200),
        r -> r.get("status").asText().equals("done"));
    assertEquals("done", run.get("status").asText(), run.toString());
    return run;
  }

  /** Items moved per "from>to" in a run's or overview's {@code pairs}. */
  public static Map<String, Long> pairs(JsonNode withPairs) {
    Map<String, Long> out = new HashMap<>();
    for (JsonNode p : withPairs.get("pairs")) out.put(p.get("from").asText() + ">" + p.get("to").asText(), p.get("items").asLong());
    return out;
  }

  /** Items counted in each tier's occupancy ({@code GET /admin/tiers}). */
  public Map<String, Long> occupancy() throws Exception {
    Map<String, Long> out = new HashMap<>();
    for (JsonNode t : admin("GET", "/admin/tiers", 200).get("tiers")) out.put(t.get("tier").asText(), t.get("items").asLong());
    return out;
  }

  public static float[] floats(JsonNode array) {
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
    return v;
  }

  /** normalise(a·h + (1 − a)·m) from an item's {@code GET /v1/items} answer. */
  public static float[] fused(JsonNode item) {
    float[] h = floats(item.get("embedding").get("hash"));
    float[] m = floats(item.get("embedding").get("meta"));
    double a = item.get("alpha").asDouble();
    float[] z = new float[h.length];
    for (int i = 0; i < z.length; i++) z[i] = (float) (a * h[i] + (1 - a) * m[i]);
    return model.Vectors.normalizeOrNull(z);
  }
}
