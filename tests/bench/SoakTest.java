package bench;

import static org.junit.jupiter.api.Assertions.*;

import app.Node;
import bench.soak.SoakRun;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import testkit.TestNodes;
import testkit.TestServers;

/** {@code bench soak} at CI size: a short burst of mixed load from 16 clients; no 5xx but 503, nothing lost. */
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
      SoakRun.Report r = new SoakRun(new SoakRun.Target(node.httpPort()))
          .run(Duration.ofSeconds(Long.getLong("soak.seconds", 15)), 16, 15);
      System.out.println(r.resultLine());
      assertTrue(r.requests() > 0);
      assertEquals(0, r.errors5xx(), r.byStatus().toString());
      assertEquals(0L, r.byStatus().getOrDefault(0, 0L), "every request got an answer: " + r.byStatus());
      assertEquals(0, r.lost(), "writes acknowledged and not in the store");
    }
  }
}
