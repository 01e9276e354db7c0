package bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/thermocline bench …}: benchmarks that print their figures and end with one RESULT line. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark.",
    subcommands = {Bench.Store.class, Bench.Recall.class, Bench.HttpRecall.class, Bench.Learn.class,
        Bench.Quality.class, Bench.Writes.class, Bench.MovieLens.class, Bench.Fuzz.class, Bench.Soak.class})
public final class Bench implements Runnable {

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

  @Command(name = "fuzz", mixinStandardHelpOptions = true, showDefaultValues = true,
      description = "Malformed, oversized and adversarial requests over every public and admin route, and poison "
          + "records on both topics, against a node of its own; then checks it still ingests and recalls.")
  static final class Fuzz implements Callable<Integer> {
    @Option(names = "--requests", defaultValue = "10000", description = "requests sent (issue 15's reproducers first)")
    int requests;

    @Option(names = "--seed", defaultValue = "15", description = "seed of the generator")
    long seed;

    @Option(names = "--concurrency", defaultValue = "4", description = "clients at once")
    int concurrency;

    @Option(names = "--dir", defaultValue = "target/bench-fuzz", description = "scratch folder (wiped first)")
    String dir;

    @Override
    public Integer call() throws Exception {
      return new FuzzBench(this).run();
    }
  }

  @Command(name = "soak", mixinStandardHelpOptions = true, showDefaultValues = true,
      description = "The node's capacity for a mix of item, interaction and recall requests (a closed-loop ramp), "
          + "then an open loop at --load times it against a node of its own, then a read-back of every accepted "
          + "write: 5xx, 429s, latency of the accepted requests, heap, and lost writes.")
  static final class Soak implements Callable<Integer> {
    @Option(names = "--minutes", defaultValue = "10", description = "how long the open loop runs")
    double minutes;

    @Option(names = "--load", defaultValue = "2", description = "offered rate in multiples of the measured capacity")
    double load;

    @Option(names = "--ramp-clients", defaultValue = "4,8,16,32,64", split = ",",
        description = "closed-loop clients of each step of the capacity ramp")
    java.util.List<Integer> rampClients;

    @Option(names = "--ramp-seconds", defaultValue = "10", description = "how long each step of the ramp runs")
    double rampSeconds;

    @Option(names = "--seed", defaultValue = "15", description = "seed of the request mix")
    long seed;

    @Option(names = "--items", defaultValue = "20000",
        description = "the catalogue the load writes to and reads: registered first, then updated")
    int items;

    @Option(names = "--users", defaultValue = "5000", description = "the users the interactions and recalls are of")
    int users;

    @Option(names = "--dir", defaultValue = "target/bench-soak", description = "scratch folder (wiped first)")
    String dir;

    @Override
    public Integer call() throws Exception {
      return new SoakBench(this).run();
    }
  }

  @Command(name = "writes", mixinStandardHelpOptions = true, showDefaultValues = true,
      description = "The interactions consumer's Cassandra writes (history rows, exposure counters): Cassandra CPU "
          + "per record and records/s, replica batches against one request per row, in the same run.")
  static final class Writes implements Callable<Integer> {
    @Option(names = "--records", defaultValue = "100000", description = "records per timed phase")
    long records;

    @Option(names = "--batch", defaultValue = "2000", description = "records per consumer batch")
    int batch;

    @Option(names = "--exposure-window", defaultValue = "50000",
        description = "records whose exposure counts are summed into one write (the consumer's exposure window)")
    int exposureWindow;

    @Option(names = "--items", defaultValue = "50000", description = "distinct items (Zipf)")
    int items;

    @Option(names = "--users", defaultValue = "100000", description = "distinct users (uniform)")
    int users;

    @Option(names = "--seed", defaultValue = "7")
    long seed;

    @Option(names = "--dir", defaultValue = "target/bench-writes", description = "scratch folder (wiped first)")
    String dir;

    @Override
    public Integer call() throws Exception {
      return new WritesBench(this).run();
    }
  }

  @Command(name = "learn", mixinStandardHelpOptions = true, showDefaultValues = true,
      description = "Online learning on one node with the embedded Cassandra and Kafka: records/s from Kafka to "
          + "persisted deltas, and served-vector staleness.")
  static final class Learn implements Callable<Integer> {
    @Option(names = "--items", defaultValue = "50000", description = "items registered first")
    int items;

    @Option(names = "--users", defaultValue = "100000", description = "distinct users")
    int users;

    @Option(names = "--events", defaultValue = "500000", description = "interaction records produced")
    long events;

    @Option(names = "--batch", defaultValue = "4096", description = "records per applied learner batch")
    int batch;

    @Option(names = "--text-encoder", defaultValue = "hashed-ngrams", description = "bge-small-zh or hashed-ngrams")
    String textEncoder;

    @Option(names = "--dir", defaultValue = "target/bench-learn", description = "scratch folder (wiped first)")
    String dir;

    @Override
    public Integer call() throws Exception {
      return new LearnBench(this).run();
    }
  }

  @Command(name = "http-recall", mixinStandardHelpOptions = true,
      description = "Recall req/s and latency over HTTP against a running node, and ingest → recallable latency.")
  static final class HttpRecall implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://localhost:8080", description = "the node's API")
    String url;

    @Option(names = "--n", defaultValue = "1000000", description = "items to load (and to draw recent items from)")
    long n;

    @Option(names = "--skip-load", description = "the node already holds the --n bench items")
    boolean skipLoad;

    @Option(names = "--concurrency", split = ",", defaultValue = "1,4,16,64", description = "closed-loop clients")
    int[] concurrency;

    @Option(names = "--seconds", defaultValue = "20", description = "measurement time per concurrency")
    int seconds;

    @Option(names = "--k", defaultValue = "50", description = "items per recall")
    int k;

    @Option(names = "--ingest-samples", defaultValue = "200", description = "new items timed until recallable")
    int ingestSamples;

    @Override
    public Integer call() throws Exception {
      return new HttpRecallBench(this).run();
    }
  }

  @Command(name = "recall", mixinStandardHelpOptions = true, showDefaultValues = true,
      description = "HNSW (jvector) on clustered unit vectors: build rate, heap bytes per vector, recall@10/@50 "
          + "and single-thread QPS against exact search.")
  static final class Recall implements Callable<Integer> {
    @Option(names = "--n", defaultValue = "1000000", description = "base vectors indexed")
    int n;

    @Option(names = "--queries", defaultValue = "1000", description = "query vectors (same distribution, not from the base set)")
    int queries;

    @Option(names = "--dim", defaultValue = "32", description = "vector dimension")
    int dim;

    @Option(names = "--clusters", defaultValue = "1000", description = "Gaussian clusters the data is drawn from")
    int clusters;

    @Option(names = "--ef", split = ",", defaultValue = "50,200", description = "search breadths to measure")
    int[] ef;

    @Option(names = "--seed", defaultValue = "42", description = "random seed of the data")
    long seed;

    @Option(names = "--dump", paramLabel = "DIR",
        description = "write base.fvecs, query.fvecs and groundtruth.ivecs (exact top-100, 0-based) there")
    java.nio.file.Path dump;

    @Option(names = "--threads", description = "threads for the exact ground truth (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Override
    public Integer call() throws Exception {
      return new RecallBench(this).run();
    }
  }

  @Command(name = "quality", mixinStandardHelpOptions = true, showDefaultValues = true,
      description = "Recall@50 for warm and new items on a seeded synthetic world: random init, shared default, "
          + "metadata only, fused, full table; a sweep of table compression; a PNG chart.")
  static final class Quality implements Callable<Integer> {
    @Option(names = "--quick", description = "a smaller world (40k items, 8k users, 1.5M events): a few minutes")
    boolean quick;

    @Option(names = "--seed", defaultValue = "42", description = "world and evaluation seed")
    long seed;

    @Option(names = "--out", defaultValue = "target/bench-quality", description = "where quality.png goes")
    String out;

    @Option(names = "--encoder", defaultValue = "hashed-ngrams",
        description = "title encoder: hashed-ngrams or bge-small-zh (~1.5k titles/s on 2 cores)")
    String encoder;

    @Option(names = "--items-per-row", defaultValue = "100", description = "compression of the headline fused run")
    double itemsPerRow;

    @Option(names = "--compression", split = ",", defaultValue = "1,10,100,300",
        description = "items per row of the sweep")
    double[] compression;

    @Option(names = "--threads", description = "training runs in parallel (default: cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--items", description = "override the world's item count")
    Integer items;

    @Option(names = "--users", description = "override the world's user count")
    Integer users;

    @Option(names = "--events", description = "override the stream's length")
    Long events;

    @Option(names = "--idiosyncrasy", description = "override the world's γ: weight of item taste no metadata reveals")
    Double idiosyncrasy;

    @Option(names = "--extra-negatives", defaultValue = "32",
        description = "uniform negatives from the catalogue per micro-batch of one more fused run (0: no such run)")
    int extraNegatives;

    @Option(names = "--retrain", split = ",", defaultValue = "1,3", paramLabel = "EPOCHS",
        description = "after the fused run's online pass, full retraining over the stream's positives until these "
            + "totals of epochs, measured after each (none: --retrain=0)")
    List<Integer> retrain = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      return new QualityBench(this).run();
    }
  }

  @Command(name = "movielens", mixinStandardHelpOptions = true, showDefaultValues = true,
      description = "Recommendation quality on MovieLens (issue 13) through the HTTP API: HR@10, Recall@50 and "
          + "new-movie Recall@10 of Thermocline beside popularity, item-KNN, random and genre-profile baselines; "
          + "a PNG chart.")
  static final class MovieLens implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR", description = "MovieLens latest-small folder (movies.csv, ratings.csv)")
    java.nio.file.Path data;

    @Option(names = "--url", description = "measure a running node there instead of starting one in process")
    String url;

    @Option(names = "--seed", defaultValue = "1", description = "held-out movies and tie order")
    long seed;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
        description = "node setting in process mode (repeatable), e.g. thermocline.model.text-encoder=hashed-ngrams")
    java.util.Map<String, String> set = new java.util.LinkedHashMap<>();

    @Option(names = "--max-users", description = "only this many users (seeded draw) and their ratings: quicker")
    Integer maxUsers;

    @Option(names = "--ablation", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "also run the offline ablation table (the learner's math on in-memory rows, ~1 min)")
    boolean ablation;

    @Option(names = "--parallel", defaultValue = "4", description = "HTTP calls in flight while measuring")
    int parallel;

    @Option(names = "--retrain", split = ",", defaultValue = "1,3", paramLabel = "EPOCHS",
        description = "after online learning, full retraining (POST /admin/training/full) until these totals of "
            + "epochs, measured after each (none: --retrain=0)")
    List<Integer> retrain = new ArrayList<>();

    @Option(names = "--admin-url", description = "with --url: the node's admin API, for the retraining rows")
    String adminUrl;

    @Option(names = "--migration", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "after online learning, a tier migration (POST /admin/migrations), measured right after the "
            + "moves and with the blend finished; the retraining rows then run on top of it")
    boolean migration;

    @Option(names = "--migrate-after", defaultValue = "1", paramLabel = "EPOCHS", description = "the migration runs "
        + "once retraining has reached this total of epochs (0: right after online learning): the rows before it "
        + "are without migration, those after it with")
    int migrateAfter;

    @Option(names = "--hot-movies", defaultValue = "300", description = "in process: the hot tier's "
        + "min-daily-exposure is the training impressions of the movie at this rank (ties included)")
    int hotMovies;

    @Option(names = "--medium-movies", defaultValue = "1500", description = "in process: the same for the medium "
        + "tier (movies up to this rank, below the hot ones)")
    int mediumMovies;

    @Option(names = "--blend-window", defaultValue = "10m", description = "in process: migration.blend.window of "
        + "the node, a HOCON duration (a moved movie is served 0.8·old + 0.2·new at first, the new vector after this)")
    String blendWindow;

    @Option(names = "--out", defaultValue = "target/bench-movielens", description = "where movielens.png goes")
    String out;

    @Override
    public Integer call() throws Exception {
      return new MovieLensBench(this).run();
    }
  }
}
