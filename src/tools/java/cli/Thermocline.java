package cli;

import app.Main;
import app.Node;
import bench.Bench;
import bench.Demo;
import bench.Simulate;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/thermocline}: run a node (optionally with the demo feed), run a benchmark, or simulate. */
@Command(name = "thermocline", mixinStandardHelpOptions = true, version = "thermocline 0.1",
    description = "Tiered, continuously learned embeddings for item IDs.",
    subcommands = {Thermocline.Run.class, Bench.class, Simulate.class, Import.class})
public final class Thermocline implements Runnable {

  public static void main(String[] args) {
    app.Main.commonPoolOfTwo();
    System.exit(new CommandLine(new Thermocline()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Run a node (embedded Cassandra and Kafka unless external ones are configured).")
  static final class Run implements Callable<Integer> {
    @CommandLine.Mixin
    Main.ConfigOptions options = new Main.ConfigOptions();

    @CommandLine.Option(names = "--demo",
        description = "feed the synthetic world through the API and print recall@50 every minute as it learns")
    boolean demo;

    @Override
    public Integer call() throws Exception {
      Node node = Main.start(options.load());
      if (demo) Demo.start(node.httpPort());
      Main.runUntilStopped(node);
      return 0;
    }
  }
}
