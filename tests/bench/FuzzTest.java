package bench;

import static org.junit.jupiter.api.Assertions.*;

import app.Node;
import bench.fuzz.FuzzCase;
import bench.fuzz.FuzzCases;
import bench.fuzz.FuzzRun;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import testkit.TestNodes;
import testkit.TestServers;

/** {@code bench fuzz} at CI size: 300 requests against a node with the real Kafka and Cassandra. */
class FuzzTest {

  @Test
  void theGeneratorIsSeededAndCoversEveryRoute() {
    List<FuzzCase> a = new FuzzCases(7, 64, 4 << 20).generate(400);
    List<FuzzCase> b = new FuzzCases(7, 64, 4 << 20).generate(400);
    assertEquals(a.stream().map(FuzzCase::path).toList(), b.stream().map(FuzzCase::path).toList(), "same seed, same run");
    var routes = a.stream().map(FuzzCase::route).collect(java.util.stream.Collectors.toSet());
    for (String r : List.of("items", "items:batch", "interactions", "recall", "users", "admin", "method")) {
      assertTrue(routes.contains(r), r + " in " + routes);
    }
    assertTrue(a.stream().anyMatch(c -> c.kind().contains("k of 4,000,000 digits")), "the reproducers come first");
  }

  @Test
  void threeHundredRequestsGetNo5xxAndTheNodeStillIngestsAndRecalls() throws Exception {
    try (Node node = TestNodes.start(TestNodes.config("fuzz", Map.of(
        "thermocline.kafka.enabled", true,
        "thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers(),
        "thermocline.kafka.topics.items", "fuzz.items",
        "thermocline.kafka.topics.interactions", "fuzz.interactions",
        "thermocline.kafka.topics.dlq", "fuzz.dlq",
        "thermocline.kafka.consumer.group-prefix", "fuzz",
        "thermocline.learner.enabled", false,
        // Small, so that the body past it (a reproducer) stays small in this JVM.
        "akka.http.server.parsing.max-content-length", "8 MiB")))) {
      int requests = Integer.getInteger("fuzz.requests", 300); // -Dfuzz.requests=3000 for a longer run
      FuzzRun.Report r = FuzzBench.report(node, requests, Long.getLong("fuzz.seed", 15), 2);
      assertEquals(requests, r.requests());
      assertEquals(0, r.errors5xx(), r.fiveHundreds().toString());
      // Every request gets a status, a body over the limit a 413 (read to its end first); only a body past the
      // server's max-content-length may be cut off (FuzzCases.cutOff).
      assertEquals(Map.of(), r.noStatusKinds());
      assertEquals(0, r.stuckConsumers());
      assertTrue(r.ingests(), "ingests after the fuzz");
      assertTrue(r.recalls(), "recalls after the fuzz");
    }
  }
}
