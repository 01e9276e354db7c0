package app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Several nodes on one machine ({@code bin/thermocline run --node N}): node N takes the configured ports shifted by
 * N − 1 (API and operations ports by 2·(N − 1), so node 2's API does not take node 1's operations port), the first
 * three nodes' Artery addresses as seed nodes, and node 1's Cassandra and Kafka, which node 1 writes into
 * {@value #SERVERS_FILE} in its data dir once it is up. Node N ≥ 2 keeps its own files in {@code <data-dir>/node-N}.
 *
 * <p>Three seeds rather than node 1 alone: a restarted first seed first asks the other seeds to let it in, so a
 * restarted node 1 rejoins the running cluster instead of forming a second one (with one seed it would join itself).
 */
public final class LocalCluster {

  /** Written by node 1 into its data dir: where its Cassandra and Kafka listen. */
  public static final String SERVERS_FILE = "cluster.conf";
  /** The first this many local nodes are the seed nodes of every local node. */
  static final int SEED_NODES = 3;

  private LocalCluster() {}

  /** Where node {@code node} listens, from the ports {@code base} gives node 1. */
  public record Ports(int http, int admin, int artery, int management) {
    static Ports of(Config base, int node) {
      int k = node - 1;
      return new Ports(base.getInt("thermocline.http.port") + 2 * k, base.getInt("thermocline.admin.port") + 2 * k,
          base.getInt("akka.remote.artery.canonical.port") + k, base.getInt("akka.management.http.port") + k);
    }
  }

  /**
   * Settings that make a node member {@code node} of the local cluster.
   *
   * @param base the configuration the node would run with alone (application.conf and overlays)
   * @param cassandra {@code host:port}, or null: node 1 starts its embedded one, node N reads node 1's file
   * @param kafka {@code host:port}, or null (as {@code cassandra})
   */
  public static Map<String, Object> overrides(Config base, int node, String cassandra, String kafka) {
    if (node < 1) throw new IllegalArgumentException("--node must be >= 1, got " + node);
    Ports ports = Ports.of(base, node);
    Path clusterDir = Path.of(base.getString("thermocline.data-dir")).toAbsolutePath().normalize();
    Map<String, Object> o = new HashMap<>();
    o.put("thermocline.http.port", ports.http());
    o.put("thermocline.admin.port", ports.admin());
    o.put("akka.remote.artery.canonical.port", ports.artery());
    o.put("akka.management.http.port", ports.management());
    String host = base.getString("akka.remote.artery.canonical.hostname");
    int firstArtery = base.getInt("akka.remote.artery.canonical.port");
    List<String> seeds = new ArrayList<>();
    for (int i = 0; i < SEED_NODES; i++) seeds.add("akka://thermocline@" + host + ":" + (firstArtery + i));
    o.put("akka.cluster.seed-nodes", seeds);
    // Down a node that stopped answering after 5 s of stable membership instead of the default 20 s: on one
    // machine a silent node is a dead process, not a network partition. Keep-majority is the default strategy.
    o.put("akka.cluster.split-brain-resolver.stable-after", "5 s");
    if (node > 1) {
      o.put("thermocline.data-dir", clusterDir.resolve("node-" + node).toString());
      Config servers = cassandra != null && kafka != null ? ConfigFactory.empty() : servers(clusterDir, node);
      o.put("thermocline.cassandra.contact-points", cassandra != null ? List.of(cassandra)
          : servers.getStringList("thermocline.cassandra.contact-points"));
      o.put("thermocline.kafka.bootstrap-servers", kafka != null ? kafka
          : servers.getString("thermocline.kafka.bootstrap-servers"));
    } else {
      if (cassandra != null) o.put("thermocline.cassandra.contact-points", List.of(cassandra));
      if (kafka != null) o.put("thermocline.kafka.bootstrap-servers", kafka);
    }
    return o;
  }

  private static Config servers(Path clusterDir, int node) {
    Path file = clusterDir.resolve(SERVERS_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("--node " + node + ": " + file + " not found; start node 1 first"
          + " (bin/thermocline run --node 1) or give --cassandra host:port and --kafka host:port");
    }
    return ConfigFactory.parseFile(file.toFile());
  }

  /** Node 1 records where its Cassandra and Kafka listen, for the nodes that join it. */
  public static void writeServers(Path dataDir, Config wired) throws IOException {
    Config servers = ConfigFactory.empty()
        .withValue("thermocline.cassandra.contact-points",
            wired.getValue("datastax-java-driver.basic.contact-points"))
        .withValue("thermocline.kafka.bootstrap-servers",
            ConfigValueFactory.fromAnyRef(wired.getString("thermocline.kafka.bootstrap-servers")));
    String text = "# Written by node 1 of a local cluster at its start: the servers nodes 2, 3, ... use.\n"
        + servers.root().render(ConfigRenderOptions.concise().setFormatted(true).setJson(false));
    Path tmp = dataDir.resolve(SERVERS_FILE + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, dataDir.resolve(SERVERS_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
