package bench;

import app.Node;
import bench.soak.SoakRun;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code bench soak}: mixed item, interaction and recall load above capacity for some minutes against a node of
 * its own (embedded Cassandra and Kafka, free ports), then a read-back of every accepted write; prints the answers
 * by status and one RESULT line. Exit status 1 if any 5xx other than 503, or a write acknowledged and lost.
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
      System.out.printf("soak: %.1f minutes, %d clients, seed %d …%n", o.minutes, o.clients, o.seed);
      SoakRun.Report r = new SoakRun(new SoakRun.Target(node.httpPort()))
          .run(Duration.ofMillis(Math.round(o.minutes * 60_000)), o.clients, o.seed);
      System.out.println("answers by status (0: no answer): " + r.byStatus());
      System.out.println(r.resultLine());
      return r.errors5xx() == 0 && r.lost() == 0 ? 0 : 1;
    }
  }
}
