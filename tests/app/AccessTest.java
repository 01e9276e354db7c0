package app;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import testkit.Await;
import testkit.TestNodes;

/**
 * Security defaults: the public API's write and read tokens (401 without the header, 403 with a wrong token, in the
 * API's error shape), the admin token, and the refusal to start a node reachable from other hosts without them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WRITE = "w-token";
  private static final String READ = "r-token";
  private static final String ADMIN = "a-token";
  private final HttpClient client = HttpClient.newHttpClient();
  private Node node;

  @BeforeAll
  void start() {
    node = TestNodes.start(TestNodes.config("access", Map.of(
        "thermocline.http.write-token", WRITE,
        "thermocline.http.read-token", READ,
        "thermocline.admin.token", ADMIN)));
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  record Answer(int status, JsonNode body, String text, HttpResponse<String> raw) {}

  private Answer call(int port, String method, String path, String body, String token) throws Exception {
    var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) b.header("Authorization", "Bearer " + token);
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    try {
      json = r.body().isEmpty() ? null : JSON.readTree(r.body());
    } catch (Exception notJson) {
      // asserted where needed
    }
    return new Answer(r.statusCode(), json, r.body(), r);
  }

  private Answer api(String method, String path, String body, String token) throws Exception {
    return call(node.httpPort(), method, path, body, token);
  }

  private static void assertRefused(int status, Answer a) {
    assertEquals(status, a.status(), a.text());
    assertNotNull(a.body(), "JSON error: " + a.text());
    assertFalse(a.body().get("error").asText().isBlank(), a.text());
    assertEquals("Authorization", a.body().get("field").asText(), a.text());
    assertFalse(a.text().contains("\tat ") || a.text().contains("Exception"), "no stack trace: " + a.text());
    if (status == 401) assertEquals("Bearer", a.raw().headers().firstValue("WWW-Authenticate").orElse(null));
  }

  @Test
  void writesNeedTheWriteToken() throws Exception {
    String item = "{\"itemId\": \"acc-1\", \"title\": \"guarded\"}";
    assertRefused(401, api("POST", "/v1/items", item, null));
    assertRefused(403, api("POST", "/v1/items", item, "wrong"));
    assertRefused(403, api("POST", "/v1/items", item, READ));
    assertRefused(401, api("POST", "/v1/items:batch", "{\"items\": [" + item + "]}", null));
    assertRefused(401, api("POST", "/v1/interactions", "{\"events\": []}", null));
    assertRefused(401, api("DELETE", "/v1/items/acc-1", null, null));
    assertRefused(403, api("DELETE", "/v1/items/acc-1", null, "wrong"));
    assertEquals(404, api("GET", "/v1/items/acc-1", null, null).status(), "nothing was written");

    assertEquals(201, api("POST", "/v1/items", item, WRITE).status());
    assertEquals(200, api("GET", "/v1/items/acc-1", null, null).status(), "reads of items stay open");
    assertEquals(204, api("DELETE", "/v1/items/acc-1", null, WRITE).status());
    // Recall is a read: open, whatever it answers (503 while the index loads).
    Answer recall = Await.until(Duration.ofSeconds(30),
        () -> api("POST", "/v1/recall", "{\"userId\": \"u\", \"k\": 3}", null), a -> a.status() != 503);
    assertEquals(200, recall.status(), recall.text());
    assertEquals(200, api("GET", "/ready", null, null).status());
  }

  @Test
  void aUsersHistoryNeedsTheReadToken() throws Exception {
    assertRefused(401, api("GET", "/v1/users/someone", null, null));
    assertRefused(403, api("GET", "/v1/users/someone", null, "wrong"));
    assertEquals(200, api("GET", "/v1/users/someone", null, READ).status());
    assertEquals(200, api("GET", "/v1/users/someone", null, WRITE).status(), "the write token reads too");
  }

  @Test
  void adminRoutesNeedTheAdminToken() throws Exception {
    Answer without = call(node.adminPort(), "GET", "/admin/tiers", null, null);
    assertEquals(401, without.status(), without.text());
    assertEquals("Authorization", without.body().get("field").asText());
    assertEquals(401, call(node.adminPort(), "GET", "/admin/tiers", null, WRITE).status());
    assertEquals(200, call(node.adminPort(), "GET", "/admin/tiers", null, ADMIN).status());
  }

  private static Config config(Map<String, Object> overrides) {
    Map<String, Object> o = new HashMap<>(overrides);
    o.putIfAbsent("thermocline.cassandra.contact-points", "127.0.0.1:1"); // never reached: refused before
    return ConfigFactory.parseMap(o).withFallback(ConfigFactory.load());
  }

  @Test
  void aNodeReachableFromOtherHostsRefusesToStartWithoutTokens() {
    var noAdminToken = assertThrows(IllegalStateException.class,
        () -> Node.start(config(Map.of("thermocline.admin.interface", "0.0.0.0"))));
    assertTrue(noAdminToken.getMessage().contains("thermocline.admin.token"), noAdminToken.getMessage());
    var noWriteToken = assertThrows(IllegalStateException.class,
        () -> Node.start(config(Map.of("thermocline.http.interface", "0.0.0.0"))));
    assertTrue(noWriteToken.getMessage().contains("thermocline.http.write-token"), noWriteToken.getMessage());
    var alwaysRequired = assertThrows(IllegalStateException.class,
        () -> Node.start(config(Map.of("thermocline.http.require-write-token", "on"))));
    assertTrue(alwaysRequired.getMessage().contains("write-token"), alwaysRequired.getMessage());

    // What passes the check: loopback, tokens given, or the write token turned off explicitly.
    AccessRules.refuseUnprotected(Settings.from(config(Map.of())), AccessRules.read(config(Map.of())));
    Config exposed = config(Map.of("thermocline.http.interface", "0.0.0.0", "thermocline.admin.interface", "0.0.0.0",
        "thermocline.http.write-token", "w", "thermocline.admin.token", "a"));
    AccessRules.refuseUnprotected(Settings.from(exposed), AccessRules.read(exposed));
    Config open = config(Map.of("thermocline.http.interface", "0.0.0.0", "thermocline.http.require-write-token", "off"));
    AccessRules.refuseUnprotected(Settings.from(open), AccessRules.read(open));
  }

  @Test
  void akkaManagementIsReadOnly() {
    assertTrue(ConfigFactory.load().getBoolean("akka.management.http.route-providers-read-only"));
  }
}
