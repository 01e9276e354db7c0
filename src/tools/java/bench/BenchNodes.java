package bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings of a node a benchmark starts in process: its own data folder, free ports for the API, the
 * operations port and the embedded Cassandra and Kafka (so it runs beside a node on the default ports), no Akka
 * Management, quiet logs. A bench adds its own settings on top.
 */
final class BenchNodes {

  private BenchNodes() {}

  static Map<String, Object> settings(Path dataDir) {
    Map<String, Object> c = new HashMap<>();
    c.put("thermocline.data-dir", dataDir.toString());
    c.put("thermocline.http.port", 0);
    c.put("thermocline.admin.port", 0);
    int[] ports = infra.FreePorts.pick(4);
    c.put("thermocline.cassandra.embedded-cql-port", ports[0]);
    c.put("thermocline.cassandra.embedded-storage-port", ports[1]);
    c.put("thermocline.kafka.embedded-port", ports[2]);
    c.put("thermocline.kafka.embedded-controller-port", ports[3]);
    c.put("thermocline.cluster.management", false);
    // A benchmark starts its retraining runs itself: no scheduled or triggered run in the middle of its figures.
    c.put("thermocline.training.schedule", "0 s");
    c.put("thermocline.training.triggers.collision-rate", 0);
    c.put("thermocline.training.triggers.loss-rise", 0);
    c.put("akka.remote.artery.canonical.port", 0);
    c.put("akka.loglevel", "WARNING");
    return c;
  }
}
