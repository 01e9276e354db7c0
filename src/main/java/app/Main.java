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
    System.exit(new CommandLine(new Main()).execute(args));
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

    public Config load() {
      Map<String, Object> overrides = new HashMap<>();
      if (dataDir != null) overrides.put("thermocline.data-dir", dataDir);
      if (port != null) overrides.put("thermocline.http.port", port);
      Config base = ConfigFactory.load();
      if (config != null) {
        if (!config.isFile()) throw new CommandLine.ParameterException(new CommandLine(new Main()),
            "--config: no such file " + config);
        base = ConfigFactory.parseFile(config).withFallback(ConfigFactory.defaultOverrides())
            .withFallback(ConfigFactory.defaultApplication()).withFallback(ConfigFactory.defaultReference()).resolve();
      }
      return ConfigFactory.parseMap(overrides).withFallback(base);
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
