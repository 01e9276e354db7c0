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

/** {@code bin/thermocline}: run a node, or run a benchmark. */
@Command(name = "thermocline", mixinStandardHelpOptions = true, version = "thermocline 0.1",
    description = "Tiered, continuously learned embeddings for item IDs.",
    subcommands = {Main.Run.class, Bench.class, Simulate.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Options every command that loads configuration shares. */
  static final class ConfigOptions {
    @Option(names = "--config", description = "HOCON overlay file (e.g. cluster-config/production.conf)")
    File config;

    @Option(names = "--data-dir", description = "where embedded servers keep data (default ./data)")
    String dataDir;

    @Option(names = "--port", description = "API port (default 8080)")
    Integer port;

    Config load() {
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

    @CommandLine.Option(names = "--demo",
        description = "feed the synthetic world through the API and print recall@50 every minute as it learns")
    boolean demo;

    @Override
    public Integer call() throws Exception {
      Node node = Node.start(options.load());
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        node.close();
        stopped.countDown();
      }, "thermocline-shutdown"));
      System.out.printf("Thermocline is up: API http://localhost:%d (try /ready), operations http://127.0.0.1:%d/admin/tiers%n",
          node.httpPort(), node.adminPort());
      if (demo) Demo.start(node.httpPort());
      stopped.await();
      return 0;
    }
  }
}
