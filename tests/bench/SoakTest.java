package bench;

import static org.junit.jupiter.api.Assertions.*;

import app.Node;
import bench.soak.SoakRun;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import testkit.TestNodes;
import testkit.TestServers;

/**
 * {@code bench soak} at CI size: a short capacity ramp, then an open loop at twice it; no 5xx but 503, every
 * request answered, nothing lost.
 */
class SoakTest {

  @Test
  void mixedLoadGetsNo5xxAndLosesNoAcceptedWrite() throws Exception {
    try (Node node = TestNodes.start(TestNodes.config("soak", Map.of(
        "thermocline.kafka.enabled", true,
        "thermocline.kafka.bootstrap-servers", TestServers.kafka().bootstrapServers(),
        "thermocline.kafka.topics.items", "soak.items",
        "thermocline.kafka.topics.interactions", "soak.interactions",
        "thermocline.kafka.topics.dlq", "soak.dlq",
        "thermocline.kafka.consumer.group-prefix", "soak",
        "thermocline.learner.enabled", false)))) {
      SoakRun.Report r = new SoakRun(new SoakRun.Target(node.httpPort())).run(new SoakRun.Plan(List.of(8),
          Duration.ofSeconds(4), 2.0, Duration.ofSeconds(Long.getLong("soak.seconds", 8)), 15, 500, 200));
      System.out.println(r.resultLine());
      assertTrue(r.capacityRps() > 0, "a capacity was measured");
      assertTrue(r.requests() > 0);
      assertTrue(r.byStatus().keySet().stream().anyMatch(s -> s >= 200 && s < 300), "some accepted: " + r.byStatus());
      assertEquals(0, r.errors5xx(), r.byStatus().toString());
      assertEquals(0L, r.byStatus().getOrDefault(0, 0L), "every request got an answer: " + r.byStatus());
      assertEquals(0, r.lost(), "writes acknowledged and not in the store");
    }
  }
}
