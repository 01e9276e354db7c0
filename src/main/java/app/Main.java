package app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The node's entry point ({@code java -cp … app.Main run}, as the Kubernetes image runs it). The launcher
 * {@code bin/thermocline} runs {@code cli.Thermocline}, which adds the benchmarks, the simulator and the demo.
 */
@Command(name = "thermocline", mixinStandardHelpOptions = true, version = "thermocline 0.1",
    description = "Tiered, continuously learned embeddings for item IDs.",
    subcommands = {Main.Run.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    commonPoolOfTwo();
    System.exit(new CommandLine(new Main()).execute(args));
  }

  /**
   * The stages Akka hands out (Scala futures' wrappers) run every callback chained on them on the JDK's common pool;
   * where that pool would have one thread (a 2-core machine) the JDK starts a new thread per callback instead, several
   * per request. Two threads at least; set before anything starts a pool. An explicit -D setting wins.
   */
  public static void commonPoolOfTwo() {
    String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(key) == null && Runtime.getRuntime().availableProcessors() <= 2) {
      System.setProperty(key, "2");
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Options every command that loads configuration shares. */
  public static final class ConfigOptions {
    @Option(names = "--config", description = "HOCON overlay file (e.g. cluster-config/production.conf)")
    File config;

    @Option(names = "--data-dir", description = "where embedded servers keep data (default ./data)")
    String dataDir;

    @Option(names = "--port", description = "API port (default 8080)")
    Integer port;

    @Option(names = "--node", paramLabel = "N", description = "member N of a local cluster: 1 starts the servers, "
        + "N >= 2 joins it with its ports shifted (API 8080 + 2(N-1)) and node 1's Cassandra and Kafka")
    Integer node;

    @Option(names = "--cassandra", paramLabel = "HOST:PORT", description = "an existing Cassandra (no embedded one)")
    String cassandra;

    @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "an existing Kafka (no embedded one)")
    String kafka;

    public Config load() {
      Config base = withOverlay(ConfigFactory.load());
      if (dataDir != null) base = ConfigFactory.parseMap(Map.of("thermocline.data-dir", dataDir)).withFallback(base);
      Map<String, Object> overrides = new HashMap<>();
      if (node != null) {
        try {
          overrides.putAll(LocalCluster.overrides(base, node, cassandra, kafka));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(new CommandLine(new Main()), e.getMessage());
        }
        overrides.put("thermocline.cluster.local-node", node);
      } else {
        if (cassandra != null) overrides.put("thermocline.cassandra.contact-points", java.util.List.of(cassandra));
        if (kafka != null) overrides.put("thermocline.kafka.bootstrap-servers", kafka);
      }
      if (port != null) overrides.put("thermocline.http.port", port);
      return ConfigFactory.parseMap(overrides).withFallback(base);
    }

    private Config withOverlay(Config base) {
      if (config != null) {
        if (!config.isFile()) throw new CommandLine.ParameterException(new CommandLine(new Main()),
            "--config: no such file " + config);
        base = ConfigFactory.parseFile(config).withFallback(ConfigFactory.defaultOverrides())
            .withFallback(ConfigFactory.defaultApplication()).withFallback(ConfigFactory.defaultReference()).resolve();
      }
      return base;
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Run a node (embedded Cassandra and Kafka unless external ones are configured).")
  static final class Run implements Callable<Integer> {
    @CommandLine.Mixin
    ConfigOptions options = new ConfigOptions();

    @Override
    public Integer call() throws Exception {
      runUntilStopped(start(options.load()));
      return 0;
    }
  }

  /** Starts a node, stops it on JVM shutdown, and says where it listens. */
  public static Node start(Config config) throws Exception {
    Node node = Node.start(config);
    if (config.getInt("thermocline.cluster.local-node") == 1) {
      LocalCluster.writeServers(node.settings().dataDir(), node.system().settings().config());
    }
    System.out.printf("Thermocline is up: API http://localhost:%d (try /ready), operations http://127.0.0.1:%d/admin/tiers%n",
        node.httpPort(), node.adminPort());
    return node;
  }

  /** Blocks until the JVM is asked to stop, then closes the node. */
  public static void runUntilStopped(Node node) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "thermocline-shutdown"));
    stopped.await();
  }
}
