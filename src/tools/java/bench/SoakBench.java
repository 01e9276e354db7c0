package bench;

import app.Node;
import bench.soak.SoakRun;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code bench soak}: against a node of its own (embedded Cassandra and Kafka, free ports), measures the node's
 * capacity for a mix of item, interaction and recall requests, then offers {@code --load} times it (open loop) for
 * some minutes, then reads back every accepted write; prints the answers by status and one RESULT line. Exit status
 * 1 if any 5xx other than 503, or a write acknowledged and lost.
 */
final class SoakBench {

  private final Bench.Soak o;

  SoakBench(Bench.Soak options) {
    this.o = options;
  }

  int run() throws Exception {
    Path dir = Path.of(o.dir).toAbsolutePath();
    StoreBench.wipe(dir);
    Map<String, Object> c = BenchNodes.settings(dir);
    c.put("thermocline.model.text-encoder", "hashed-ngrams");
    Config config = ConfigFactory.parseMap(c).withFallback(ConfigFactory.load());
    System.out.printf("starting a node (embedded Cassandra and Kafka) under %s …%n", dir);
    try (Node node = Node.start(config)) {
      System.out.printf("soak: %,d items, capacity ramp %s clients × %.0f s, then %.1f × capacity for %.1f minutes,"
          + " seed %d …%n", o.items, o.rampClients, o.rampSeconds, o.load, o.minutes, o.seed);
      SoakRun.Report r = new SoakRun(new SoakRun.Target(node.httpPort())).run(new SoakRun.Plan(o.rampClients,
          Duration.ofMillis(Math.round(o.rampSeconds * 1000)), o.load, Duration.ofMillis(Math.round(o.minutes * 60_000)),
          o.seed, o.items, o.users));
      System.out.println("answers by status (0: no answer): " + r.byStatus());
      System.out.println(r.resultLine());
      return r.errors5xx() == 0 && r.lost() == 0 ? 0 : 1;
    }
  }
}
