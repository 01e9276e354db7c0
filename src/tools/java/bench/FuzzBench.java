package bench;

import app.Node;
import bench.fuzz.FuzzRun;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code bench fuzz}: a seeded run of malformed, oversized and adversarial requests over every public and admin
 * route against a node of its own (embedded Cassandra and Kafka, free ports), then poison records on both topics;
 * prints the answers by status and one RESULT line. Exit status 1 if any 5xx, a request without a status (but a
 * body past the server's max-content-length, which it may cut off), a stuck consumer, or a node that no longer
 * ingests or recalls.
 */
final class FuzzBench {

  private final Bench.Fuzz o;

  FuzzBench(Bench.Fuzz options) {
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
      FuzzRun.Report r = report(node, o.requests, o.seed, o.concurrency);
      return r.errors5xx() == 0 && r.noStatus() == 0 && r.stuckConsumers() == 0 && r.ingests() && r.recalls() ? 0 : 1;
    }
  }

  /** Runs the fuzz against {@code node} and prints what it found (shared with the CI-sized test). */
  static FuzzRun.Report report(Node node, int requests, long seed, int concurrency) throws Exception {
    long start = System.nanoTime();
    System.out.printf("fuzz: %,d requests, seed %d, %d clients …%n", requests, seed, concurrency);
    FuzzRun.Report r = new FuzzRun(FuzzRun.Target.of(node)).run(requests, seed, concurrency);
    System.out.printf("answers by status (0: no status) in %.1f s:%n", (System.nanoTime() - start) / 1e9);
    r.byStatus().forEach((status, n) -> System.out.printf("  %3d  %,d%n", status, n));
    r.fiveHundreds().forEach((kind, n) -> System.out.printf("  5xx on %s: %d%n", kind, n));
    System.out.println(r.resultLine());
    return r;
  }
}
