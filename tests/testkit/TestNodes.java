package testkit;

import app.Node;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Node configurations for tests: the shared test Cassandra, no Kafka unless asked, ephemeral ports, messages
 * serialized even between local actors (so what would fail across nodes fails here), and a journal keyspace
 * of the test's own so tests never see each other's events.
 */
public final class TestNodes {

  private TestNodes() {}

  /** @param name lower-case letters, digits and underscores: names the journal and items keyspaces */
  public static Config config(String name, Map<String, Object> extra) {
    return config(name, TestServers.cassandra().contactPoint(), TestServers.newDir("node-" + name).toString(), extra);
  }

  /** For a node in a child JVM, which must not start servers of its own. */
  public static Config config(String name, String cassandraContactPoint, String dataDir, Map<String, Object> extra) {
    Map<String, Object> o = new HashMap<>();
    o.put("thermocline.data-dir", dataDir);
    o.put("thermocline.cassandra.contact-points", List.of(cassandraContactPoint));
    o.put("thermocline.cassandra.keyspace", "items_" + name);
    o.put("thermocline.kafka.enabled", false);
    o.put("thermocline.http.port", 0);
    o.put("thermocline.admin.port", 0);
    o.put("thermocline.cluster.management", false);
    o.put("akka.remote.artery.canonical.port", 0);
    o.put("akka.actor.serialize-messages", "on");
    // The model-free title encoder: loading BGE in every test node would cost seconds and 200 MB each.
    o.put("thermocline.model.text-encoder", "hashed-ngrams");
    o.put("akka.persistence.cassandra.journal.keyspace", "journal_" + name);
    o.put("akka.persistence.cassandra.snapshot.keyspace", "snapshot_" + name);
    // Retraining runs only when a test starts one (no schedule, no triggers), unless the test asks.
    o.put("thermocline.training.schedule", "0 s");
    o.put("thermocline.training.triggers.collision-rate", 0);
    o.put("thermocline.training.triggers.loss-rise", 0);
    o.put("akka.coordinated-shutdown.exit-jvm", "off");
    o.put("akka.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
    o.putAll(extra);
    return ConfigFactory.parseMap(o).withFallback(ConfigFactory.load());
  }

  public static Config config(String name) {
    return config(name, Map.of());
  }

  public static Node start(Config config) {
    try {
      return Node.start(config);
    } catch (Exception e) {
      throw new IllegalStateException("node did not start", e);
    }
  }
}
