package app;

import static org.junit.jupiter.api.Assertions.*;

import actors.BucketRanges;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;
import storage.ItemRecord;
import testkit.TestNodes;
import testkit.TestServers;

/**
 * The operator endpoints on real nodes: shards and every entity type, and a store exported from one node and
 * imported (through {@code bin/thermocline import}) into a fresh node, which then serves the same vectors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportImportTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "ops-token";
  private static final int ITEMS = 12;
  private final HttpClient client = HttpClient.newHttpClient();
  private Node source;

  @BeforeAll
  void start() {
    source = TestNodes.start(TestNodes.config("export_a", Map.of("thermocline.admin.token", TOKEN)));
  }

  @AfterAll
  void stop() {
    if (source != null) source.close();
  }

  private HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
    var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode admin(Node node, String path, int expected) throws Exception {
    HttpResponse<String> r = send(node.adminPort(), "GET", path, null);
    assertEquals(expected, r.statusCode(), path + " → " + r.body());
    return JSON.readTree(r.body());
  }

  private JsonNode item(Node node, String id) throws Exception {
    HttpResponse<String> r = send(node.httpPort(), "GET", "/v1/items/" + id, null);
    assertEquals(200, r.statusCode(), id + " → " + r.body());
    return JSON.readTree(r.body());
  }

  @Test
  void shardsAndEveryEntityTypeAreShownAndAnUnknownTypeIsNamed() throws Exception {
    send(source.httpPort(), "POST", "/v1/items", "{\"itemId\": \"shown\", \"title\": \"shown\"}");
    JsonNode shards = admin(source, "/admin/shards", 200);
    List<String> types = new ArrayList<>();
    shards.get("types").forEach(t -> types.add(t.get("type").asText()));
    assertEquals(List.of("bucket-range", "retrieval-shard", "hot-slot-allocator"), types);
    JsonNode ranges = shards.get("types").get(0);
    assertTrue(ranges.get("entities").asInt() > 0, ranges.toString());
    JsonNode self = ranges.get("nodes").get(0);
    assertTrue(self.get("self").asBoolean(), "one node: its own");
    assertEquals(ranges.get("entities").asInt(), self.get("entities").asInt());

    assertEquals("cold-0", admin(source, "/admin/entities/bucket-range/cold-0", 200).get("entityId").asText());
    assertEquals(0, admin(source, "/admin/entities/retrieval-shard/0", 200).get("shard").asInt());
    assertEquals(16384, admin(source, "/admin/entities/hot-slot-allocator/0", 200).get("slots").asInt());
    assertTrue(admin(source, "/admin/entities/migration-coordinator/singleton", 200).has("recent"));

    JsonNode unknown = admin(source, "/admin/entities/widget/1", 404);
    assertTrue(unknown.get("error").asText().contains("widget"), unknown.toString());
    assertTrue(unknown.get("error").asText().contains("retrieval-shard"), "lists the known types: " + unknown);
    assertTrue(admin(source, "/admin/entities/retrieval-shard/2", 404).get("error").asText().contains("0–1"));
    admin(source, "/admin/entities/bucket-range/cold-99", 404);
    assertEquals(401, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + source.adminPort()
        + "/admin/shards")).build(), HttpResponse.BodyHandlers.ofString()).statusCode(), "behind the admin token");
  }

  @Test
  void anExportImportedIntoAFreshNodeServesTheSameVectors() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      String id = "x-" + i;
      ids.add(id);
      HttpResponse<String> r = send(source.httpPort(), "POST", "/v1/items", "{\"itemId\": \"" + id
          + "\", \"title\": \"exported item " + i + "\", \"tags\": [\"t" + (i % 3) + "\"], \"category\": \"c"
          + (i % 2) + "\", \"createdAt\": " + (1_790_000_000_000L + i) + "}");
      assertEquals(201, r.statusCode(), r.body());
    }
    Map<String, JsonNode> before = new HashMap<>();
    for (String id : ids) before.put(id, item(source, id).get("embedding").get("final"));
    learnSomething(ids);
    Map<String, JsonNode> learned = new HashMap<>();
    for (String id : ids) {
      learned.put(id, item(source, id).get("embedding").get("final"));
      assertNotEquals(before.get(id), learned.get(id), "the rows moved, so the export has rows to carry");
    }

    assertEquals("table", JSON.readTree(send(source.adminPort(), "GET", "/admin/export?table=nope", null).body())
        .get("field").asText());
    HttpResponse<String> export = send(source.adminPort(), "GET", "/admin/export", null);
    assertEquals(200, export.statusCode(), export.body());
    assertTrue(export.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
    String[] lines = export.body().split("\n");
    assertEquals("header", JSON.readTree(lines[0]).get("kind").asText());
    Map<String, Integer> kinds = new HashMap<>();
    Map<String, Integer> rowTables = new HashMap<>();
    for (String line : lines) {
      JsonNode o = JSON.readTree(line);
      kinds.merge(o.get("kind").asText(), 1, Integer::sum);
      if (o.get("kind").asText().equals("row")) rowTables.merge(o.get("table").asText(), 1, Integer::sum);
    }
    assertTrue(kinds.get("item") >= ITEMS, kinds.toString());
    assertEquals(1, rowTables.get("params"), "the one learned param row, not the table's untouched rows");
    assertTrue(rowTables.get("cold") >= 1, rowTables.toString());
    String[] params = send(source.adminPort(), "GET", "/admin/export?tier=params", null).body().split("\n");
    assertEquals(2, params.length, "one table: the header and its one changed row");
    assertEquals("params", JSON.readTree(params[1]).get("table").asText());
    Path file = TestServers.newDir("export").resolve("store.ndjson");
    Files.writeString(file, export.body());

    Node target = TestNodes.start(TestNodes.config("export_b", Map.of("thermocline.admin.token", TOKEN)));
    try {
      String[] args = {"import", "--url", "http://127.0.0.1:" + target.adminPort(), "--token", TOKEN, file.toString()};
      assertEquals(0, new CommandLine(new cli.Thermocline()).execute(args));
      for (String id : ids) {
        JsonNode imported = item(target, id);
        assertEquals(learned.get(id), imported.get("embedding").get("final"), id + " serves the same vector");
        assertEquals("exported item " + id.substring(2), imported.get("metadata").get("title").asText());
      }
      HttpResponse<String> again = send(target.adminPort(), "POST", "/admin/import", export.body());
      assertEquals(409, again.statusCode(), "a store with data refuses an import: " + again.body());
      assertEquals(1, new CommandLine(new cli.Thermocline()).execute(args), "the launcher says it was refused");
    } finally {
      target.close();
    }
  }

  @Test
  void aBadLineIsRefusedNamingIt() throws Exception {
    Node empty = TestNodes.start(TestNodes.config("export_c", Map.of("thermocline.admin.token", TOKEN)));
    try {
      String body = "{\"kind\": \"header\", \"format\": \"thermocline-export\", \"version\": 1, \"dim\": 32}\n"
          + "{\"kind\": \"row\", \"table\": \"cold\", \"row\": 1, \"values\": [1, 2]}\n";
      HttpResponse<String> r = send(empty.adminPort(), "POST", "/admin/import", body);
      assertEquals(400, r.statusCode(), r.body());
      assertEquals("line 2.values", JSON.readTree(r.body()).get("field").asText());
      HttpResponse<String> wrongDim = send(empty.adminPort(), "POST", "/admin/import", body.replace("32", "16"));
      assertEquals("line 1.dim", JSON.readTree(wrongDim.body()).get("field").asText(), wrongDim.body());
    } finally {
      empty.close();
    }
  }

  /** Deltas on the items' hash rows and on the fusion offset row of the params table, as the learner sends. */
  private void learnSomething(List<String> ids) throws Exception {
    var layout = source.settings().store().layout();
    BucketRanges ranges = new BucketRanges(source.system(), layout, Duration.ofSeconds(10));
    int dim = layout.dim();
    List<BucketRanges.Key> keys = new ArrayList<>();
    for (String id : ids) {
      ItemRecord r = source.items().find(id).toCompletableFuture().get().orElseThrow().record();
      keys.add(new BucketRanges.Key(r.tier(), r.row()));
    }
    keys.add(new BucketRanges.Key("params", 0));
    int op = 0;
    for (BucketRanges.Key key : keys) {
      float[] gradient = new float[dim];
      for (int i = 0; i < dim; i++) gradient[i] = (i % 2 == 0 ? 0.5f : -0.25f) * (1 + op % 3);
      var ack = ranges.applyDeltas(ranges.entityOf(key), "learn-" + op++, new int[] {ranges.rowInRange(key)}, gradient)
          .toCompletableFuture().get();
      assertNull(ack.error(), ack.toString());
    }
  }
}
