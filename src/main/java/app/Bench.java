package app;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/thermocline bench …}: benchmarks that print their figures and end with one RESULT line. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark.",
    subcommands = {Bench.Store.class})
final class Bench implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(name = "store", mixinStandardHelpOptions = true,
      description = "Heap bytes per bucket, delta-apply rows/s (kernel and persisted in Cassandra), recovery time.")
  static final class Store implements Callable<Integer> {
    @Option(names = "--buckets", defaultValue = "10000000", description = "buckets held in memory for the size figure")
    long buckets;

    @Option(names = "--kernel-rows", defaultValue = "4000000", description = "rows pushed through the in-memory kernel")
    long kernelRows;

    @Option(names = "--persisted-rows", defaultValue = "1000000", description = "rows applied end to end with Cassandra")
    long persistedRows;

    @Option(names = "--batch-rows", defaultValue = "512", description = "rows per ApplyDeltas batch")
    int batchRows;

    @Option(names = "--in-flight", defaultValue = "16", description = "batches in flight end to end")
    int inFlight;

    @Option(names = "--recover-buckets", defaultValue = "1000000", description = "buckets written, then recovered after a restart")
    int recoverBuckets;

    @Option(names = "--dir", defaultValue = "target/bench-store", description = "scratch folder (wiped first)")
    String dir;

    @Override
    public Integer call() throws Exception {
      return new StoreBench(this).run();
    }
  }
}
