package bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import service.ItemRequests;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import streams.Interaction;
import streams.InteractionCodec;

class SimulateTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] SMALL = {"--seed", "3", "--items", "300", "--users", "50", "--events", "3000"};

  @Test
  void writesItemsAndEventsInTheApiShapes(@TempDir Path dir) throws Exception {
    assertEquals(0, run(concat(SMALL, "--out", dir.toString())));
    List<String> items = Files.readAllLines(dir.resolve("items.ndjson"));
    List<String> events = Files.readAllLines(dir.resolve("interactions.ndjson"));
    assertEquals(300, items.size());
    assertEquals(3000, events.size());
    ItemRequests itemRules = new ItemRequests(64);
    Map<String, Long> createdAt = new HashMap<>();
    for (String line : items) {
      ItemRequests.ItemInput item = itemRules.parse(JSON.readTree(line), ""); // throws on any API violation
      createdAt.put(item.itemId(), item.metadata().createdAt().toEpochMilli());
    }
    long lastTs = 0;
    for (String line : events) {
      Interaction e = InteractionCodec.parse(line.getBytes(StandardCharsets.UTF_8)); // throws on a bad record
      assertTrue(createdAt.get(e.itemId()) <= e.ts(), "no event before its item exists");
      assertTrue(e.ts() >= lastTs);
      lastTs = e.ts();
    }
    JsonNode world = JSON.readTree(dir.resolve("world.json").toFile());
    assertEquals(3, world.get("seed").asLong());

    // Seeded: a second run writes the same bytes.
    Path again = dir.resolve("again");
    assertEquals(0, run(concat(SMALL, "--out", again.toString())));
    assertEquals(events, Files.readAllLines(again.resolve("interactions.ndjson")));
    assertEquals(items, Files.readAllLines(again.resolve("items.ndjson")));
  }

  @Test
  void postsToANodeRetryingOverload() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger calls = new AtomicInteger();
    Set<String> registered = new HashSet<>();
    List<String> problems = new ArrayList<>();
    AtomicInteger events = new AtomicInteger();
    server.createContext("/v1/", exchange -> {
      JsonNode body = JSON.readTree(exchange.getRequestBody());
      String path = exchange.getRequestURI().getPath();
      int status;
      String answer;
      if (calls.incrementAndGet() % 3 == 0) {
        status = 429; // every third call: overloaded, the client must retry the same body
        answer = "{\"error\":\"overloaded\"}";
      } else if (path.equals("/v1/items:batch")) {
        body.get("items").forEach(i -> registered.add(i.get("itemId").asText()));
        status = 200;
        answer = "{\"accepted\":" + body.get("items").size() + ",\"rejected\":[]}";
      } else if (path.equals("/v1/interactions")) {
        body.get("events").forEach(e -> {
          if (!registered.contains(e.get("itemId").asText())) problems.add("event before item " + e);
        });
        events.addAndGet(body.get("events").size());
        status = 202;
        answer = "{\"accepted\":" + body.get("events").size() + ",\"rejected\":[]}";
      } else {
        status = 404;
        answer = "{}";
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      assertEquals(0, run(concat(SMALL, "--http", url, "--batch", "400")));
    } finally {
      server.stop(0);
    }
    assertEquals(List.of(), problems);
    assertEquals(3000, events.get());
    assertEquals(300, registered.size());
  }

  @Test
  void refusesMissingTargetAndBadSizes() {
    assertEquals(2, run(SMALL));
    assertEquals(2, run(concat(SMALL, "--out", "x", "--batch", "0")));
    assertEquals(2, run(new String[] {"--items", "5", "--out", "x"}));
  }

  private static int run(String[] args) {
    PrintStream previous = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      CommandLine cmd = new CommandLine(new Simulate());
      cmd.setErr(new java.io.PrintWriter(new ByteArrayOutputStream()));
      return cmd.execute(args);
    } finally {
      System.setOut(previous);
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    assertNotNull(out);
    return out;
  }
}
