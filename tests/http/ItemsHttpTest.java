package http;

import static org.junit.jupiter.api.Assertions.*;

import app.Node;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import testkit.TestNodes;

/** The items API over real HTTP, on a node with the real Cassandra. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItemsHttpTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Node node;

  @BeforeAll
  void start() {
    node = TestNodes.start(TestNodes.config("items_http", Map.of(
        "thermocline.http.max-body-bytes", 65536,
        "thermocline.items.image-vector-dim", 4,
        "thermocline.admin.token", "s3cret",
        // As in production: Management's Cassandra readiness check starts the journal early.
        "thermocline.cluster.management", true,
        "akka.management.http.port", 0)));
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  record Answer(int status, JsonNode body, String text) {}

  private Answer send(String method, String path, String body, int port, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (token != null) b.header("Authorization", "Bearer " + token);
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    try {
      json = JSON.readTree(r.body());
    } catch (Exception notJson) {
      // left null: asserted where JSON is required
    }
    return new Answer(r.statusCode(), json, r.body());
  }

  private Answer api(String method, String path, String body) throws Exception {
    return send(method, path, body, node.httpPort(), null);
  }

  private Answer admin(String path) throws Exception {
    return send("GET", path, null, node.adminPort(), "s3cret");
  }

  @Test
  void registerThenUpdateThenRead() throws Exception {
    String body = """
        {"itemId": "v123", "title": "猫咪第一次见到雪", "tags": ["萌宠", "猫"], "category": "pets",
         "uploaderId": "u9", "createdAt": "2026-11-23T10:00:00Z", "imageVector": [0.1, 0.2, 0.3, 0.4]}""";
    Answer created = api("POST", "/v1/items", body);
    assertEquals(201, created.status(), created.text());
    assertEquals("v123", created.body().get("itemId").asText());
    assertEquals("cold", created.body().get("tier").asText());
    assertEquals(node.items().entryBucket("v123"), created.body().get("bucket").asInt());

    Answer updated = api("POST", "/v1/items", body.replace("pets", "animals"));
    assertEquals(200, updated.status(), updated.text());
    assertEquals(created.body().get("bucket"), updated.body().get("bucket"));

    Answer got = api("GET", "/v1/items/v123", null);
    assertEquals(200, got.status(), got.text());
    JsonNode item = got.body();
    assertEquals("animals", item.get("metadata").get("category").asText());
    assertEquals("猫咪第一次见到雪", item.get("metadata").get("title").asText());
    assertEquals("2026-11-23T10:00:00Z", item.get("metadata").get("createdAt").asText());
    assertEquals(0.3, item.get("alpha").asDouble(), 1e-9);
    JsonNode hash = item.get("embedding").get("hash");
    assertEquals(32, hash.size());
    assertTrue(IntStream.range(0, 32).anyMatch(i -> hash.get(i).asDouble() != 0), "seeded, not zero");
    // final = normalise(a·hash + (1−a)·meta), a = 0.3 for the cold tier; meta comes from the title (and more).
    JsonNode meta = item.get("embedding").get("meta");
    JsonNode fin = item.get("embedding").get("final");
    assertEquals(32, meta.size());
    assertTrue(IntStream.range(0, 32).anyMatch(i -> meta.get(i).asDouble() != 0), "the title gives a meta vector");
    double[] mix = new double[32];
    double norm = 0;
    for (int i = 0; i < 32; i++) {
      mix[i] = 0.3 * hash.get(i).asDouble() + 0.7 * meta.get(i).asDouble();
      norm += mix[i] * mix[i];
    }
    for (int i = 0; i < 32; i++) assertEquals(mix[i] / Math.sqrt(norm), fin.get(i).asDouble(), 1e-5, "final[" + i + "]");
  }

  @Test
  void registrationCountsEachItemOnceInItsBucket() throws Exception {
    long before = coldItems();
    for (int i = 0; i < 5; i++) {
      assertEquals(i == 0 ? 201 : 200, api("POST", "/v1/items", "{\"itemId\": \"count-me\"}").status());
    }
    assertEquals(before + 1, coldItems());
    var summary = admin("/admin/entities/bucket-range/cold-" + node.items().entryBucket("count-me") / 16384);
    assertEquals(200, summary.status(), summary.text());
    assertTrue(summary.body().get("items").asLong() >= 1);
  }

  @Test
  void aBatchWithRepeatedIdsCountsEachItemOnce() throws Exception {
    long before = coldItems();
    // Every id twice in one batch: the registration queue groups them, and the repeat must see the first.
    String items = IntStream.range(0, 600).mapToObj(i -> "{\"itemId\": \"dup-" + (i % 300) + "\", \"title\": \"t" + i + "\"}")
        .collect(Collectors.joining(",", "{\"items\": [", "]}"));
    Answer r = api("POST", "/v1/items:batch", items);
    assertEquals(200, r.status(), r.text());
    assertEquals(600, r.body().get("accepted").asInt(), r.text());
    assertEquals(before + 300, coldItems());
    Answer one = api("GET", "/v1/items/dup-7", null);
    assertEquals(200, one.status(), one.text());
    assertEquals("t307", one.body().get("metadata").get("title").asText(), "the later registration wins");
  }

  private long coldItems() throws Exception {
    Answer tiers = admin("/admin/tiers");
    assertEquals(200, tiers.status(), tiers.text());
    for (JsonNode t : tiers.body().get("tiers")) {
      if (t.get("tier").asText().equals("cold")) {
        assertTrue(t.get("collisionRate").asDouble() >= 0 && t.get("collisionRate").asDouble() <= 1);
        assertEquals(t.get("items").asDouble() / t.get("buckets").asDouble(), t.get("loadFactor").asDouble(), 1e-12);
        return t.get("items").asLong();
      }
    }
    throw new AssertionError("no cold tier in " + tiers.text());
  }

  @Test
  void batchAcceptsTheGoodAndNamesTheBad() throws Exception {
    Answer r = api("POST", "/v1/items:batch",
        "{\"items\": [{\"itemId\": \"b1\"}, {\"itemId\": \"\"}, {\"itemId\": \"b3\", \"tags\": [1]}, {\"itemId\": \"b4\"}]}");
    assertEquals(200, r.status(), r.text());
    assertEquals(2, r.body().get("accepted").asInt());
    assertEquals(2, r.body().get("rejected").size());
    assertEquals(1, r.body().get("rejected").get(0).get("index").asInt());
    assertTrue(r.body().get("rejected").get(0).get("error").asText().contains("items[1].itemId"));
    assertTrue(r.body().get("rejected").get(1).get("error").asText().contains("items[2].tags[0]"));
    assertEquals(200, api("GET", "/v1/items/b4", null).status());

    String tooMany = IntStream.range(0, 1001).mapToObj(i -> "{\"itemId\": \"m" + i + "\"}")
        .collect(Collectors.joining(",", "{\"items\": [", "]}"));
    Answer big = api("POST", "/v1/items:batch", tooMany);
    assertEquals(400, big.status(), big.text());
    assertEquals("items", big.body().get("field").asText());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "missing itemId         | {\"title\": \"t\"}                                  | itemId",
      "129-char id            | {\"itemId\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"} | itemId",
      "control character      | {\"itemId\": \"a\\u0007b\"}                         | itemId",
      "wrong vector length    | {\"itemId\": \"v\", \"imageVector\": [1, 2]}        | imageVector",
      "NaN via string         | {\"itemId\": \"v\", \"imageVector\": [1, \"NaN\", 3, 4]} | imageVector[1]",
      "wrong type: title      | {\"itemId\": \"v\", \"title\": [\"a\"]}             | title",
      "wrong type: itemId     | {\"itemId\": true}                                  | itemId",
      "wrong type: createdAt  | {\"itemId\": \"v\", \"createdAt\": {\"t\": 1}}      | createdAt",
  })
  void invalidBodiesGet400WithTheField(String why, String body, String field) throws Exception {
    Answer r = api("POST", "/v1/items", body);
    assertEquals(400, r.status(), why + ": " + r.text());
    assertEquals(field, r.body().get("field").asText(), why);
    assertFalse(r.body().get("error").asText().isBlank());
  }

  @Test
  void malformedJsonAndNonObjectsGet400() throws Exception {
    for (String body : new String[] {"{", "[1]", "null", "{\"itemId\": NaN}", "not json"}) {
      Answer r = api("POST", "/v1/items", body);
      assertEquals(400, r.status(), body + " → " + r.text());
      assertNotNull(r.body().get("error"), r.text());
    }
  }

  @Test
  void oversizedBodyGets413() throws Exception {
    String huge = "{\"itemId\": \"v\", \"title\": \"" + "x".repeat(70_000) + "\"}";
    Answer r = api("POST", "/v1/items", huge);
    assertEquals(413, r.status(), r.text());
    assertNotNull(r.body(), "JSON error body: " + r.text());
    assertTrue(r.body().get("error").asText().contains("too large"));
    Answer batch = api("POST", "/v1/items:batch", "{\"items\": [" + huge + "]}");
    assertEquals(413, batch.status(), batch.text());
  }

  @Test
  void unknownItemsAndBadPathIds() throws Exception {
    Answer missing = api("GET", "/v1/items/never-registered", null);
    assertEquals(404, missing.status());
    assertNotNull(missing.body().get("error"));
    Answer longId = api("GET", "/v1/items/" + "y".repeat(129), null);
    assertEquals(400, longId.status());
    assertEquals("itemId", longId.body().get("field").asText());
    Answer control = api("GET", "/v1/items/a%01b", null);
    assertEquals(400, control.status(), control.text());
  }

  @Test
  void errorsKeepTheJsonShape() throws Exception {
    Answer nowhere = api("GET", "/v2/nothing", null);
    assertEquals(404, nowhere.status());
    assertNotNull(nowhere.body().get("error"), nowhere.text());
    Answer wrongMethod = api("PUT", "/v1/items", "{}");
    assertEquals(405, wrongMethod.status(), wrongMethod.text());
    assertNotNull(wrongMethod.body().get("error"), wrongMethod.text());
  }

  @Test
  void adminNeedsTheTokenAndKnowsItsEntities() throws Exception {
    assertEquals(401, send("GET", "/admin/tiers", null, node.adminPort(), null).status());
    assertEquals(401, send("GET", "/admin/tiers", null, node.adminPort(), "wrong").status());
    assertEquals(404, admin("/admin/entities/bucket-range/nope-0").status());
    assertEquals(404, admin("/admin/entities/bucket-range/cold-99999").status());
    assertEquals(404, admin("/admin/entities/bucket-range/cold-0@v0").status(), "a version is a positive number");
    Answer ok = admin("/admin/entities/bucket-range/cold-0");
    assertEquals(200, ok.status(), ok.text());
    assertEquals("cold", ok.body().get("tier").asText());
  }

  @Test
  void readinessAndContract() throws Exception {
    Answer ready = testkit.Await.until(Duration.ofSeconds(30), () -> api("GET", "/ready", null), a -> a.status() == 200);
    assertEquals(200, ready.status(), ready.text());
    assertEquals(200, api("GET", "/alive", null).status());
    Answer openapi = api("GET", "/openapi.yaml", null);
    assertEquals(200, openapi.status());
    assertTrue(openapi.text().contains("/v1/items:batch"));
  }
}
