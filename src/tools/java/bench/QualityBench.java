package bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import model.MetaEncoder;
import model.TextEncoder;
import model.TextEncoders;
import simulation.Evaluation;
import simulation.InMemoryTrainer;
import simulation.InMemoryTrainer.Variant;
import simulation.ItemFeatures;
import simulation.SimEvent;
import simulation.SyntheticWorld;
import simulation.TrainerConfig;
import simulation.WorldConfig;

/**
 * {@code bench quality}: recall@50 of the learned embeddings on a seeded synthetic world, for warm items and for
 * new items with zero interactions, under five variants (random init, the seed's shared default, metadata only,
 * fused, full table), a sweep of the hashed table's compression, an ablation without the logQ correction and a
 * fused run with extra uniform negatives (mixed negative sampling, {@code --extra-negatives}).
 * Training runs are independent and spread over {@code --threads}. Protocol: {@link Evaluation}.
 */
final class QualityBench {

  private static final String NO_HOT = "NO_HOT_SLOTS";

  private final Bench.Quality o;

  QualityBench(Bench.Quality options) {
    this.o = options;
  }

  /**
   * One training run of the bench; after its online pass, full retraining until each of {@code retrain} (totals of
   * epochs, increasing), measured after each.
   */
  private record Job(String key, String label, TrainerConfig config, int[] retrain) {
    Job(String key, String label, TrainerConfig config) {
      this(key, label, config, new int[0]);
    }
  }

  /** Key of the outcome of a job after {@code epochs} of full retraining. */
  private static String retrainKey(String key, int epochs) {
    return key + "_RETRAIN_" + epochs;
  }

  private record Outcome(Job job, long rows, Evaluation.Result affinity, Evaluation.Result engagement,
      double seconds, double[] alphas) {}

  int run() throws Exception {
    WorldConfig worldConfig = worldConfig();
    int threads = Math.max(1, o.threads);
    System.out.printf(Locale.ROOT, "bench quality%s on %d cores (%d training threads), max heap %d MB, %s %s%n",
        o.quick ? " --quick" : "", Runtime.getRuntime().availableProcessors(), threads,
        Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.name"), System.getProperty("java.version"));
    System.out.printf(Locale.ROOT, "world: seed %d, %d topics, %,d items (%,d before the stream, %,d arriving during "
            + "it, %,d after it = the new items), %,d users, %,d uploaders, %,d events, idiosyncrasy γ %.1f%n",
        worldConfig.seed(), worldConfig.topics(), worldConfig.items(), worldConfig.initialItems(),
        worldConfig.streamItems(), worldConfig.futureItems(), worldConfig.users(), worldConfig.uploaders(),
        worldConfig.events(), worldConfig.idiosyncrasy());
    SyntheticWorld world = new SyntheticWorld(worldConfig);

    long t0 = System.nanoTime();
    ItemFeatures features;
    try (TextEncoder text = TextEncoders.create(o.encoder)) {
      MetaEncoder meta = new MetaEncoder(MetaEncoder.Config.defaults(text.dim()));
      int featureRows = Math.max(1 << 16, Integer.highestOneBit(worldConfig.uploaders() * 4) << 1);
      System.out.printf("text encoder: %s (%d-d) → MetaEncoder head → d = %d; encoding %,d titles …%n",
          text.name(), text.dim(), meta.dim(), world.itemCount());
      features = ItemFeatures.compute(world, text, meta, featureRows, threads,
          done -> System.out.printf("  %,d titles encoded%n", done));
    }
    System.out.printf(Locale.ROOT, "titles encoded in %.1f s%n", seconds(t0));

    t0 = System.nanoTime();
    Evaluation.Protocol protocol = Evaluation.Protocol.defaults(worldConfig.seed());
    Evaluation affinity = Evaluation.prepare(world, protocol);
    Evaluation engagement = Evaluation.prepare(world, protocol.withRelevance(Evaluation.Relevance.ENGAGEMENT));
    double chance = affinity.chance();
    System.out.printf(Locale.ROOT, "evaluation: %d test users, pools of %d warm and %d new items, %d held-out "
            + "positives per user and pool, recall@%d (random ranking ≈ %.3f); prepared in %.1f s%n",
        protocol.testUsers(), affinity.warmPool().length, affinity.newPool().length, protocol.relevantPerUser(),
        protocol.k(), chance, seconds(t0));

    List<Job> jobs = jobs();
    System.out.printf("training %d runs over the stream …%n", jobs.size());
    List<SimEvent> window = List.of();
    if (jobs.stream().anyMatch(j -> j.retrain().length > 0)) {
      window = world.eventStream().filter(e -> e.type().positive()).toList();
      System.out.printf("full retraining window: the stream's %,d positives%n", window.size());
    }
    Map<String, Outcome> outcomes = runAll(world, features, affinity, engagement, jobs, threads, window);

    printTables(world, outcomes, affinity.oracle(), engagement.oracle(), chance);
    return 0;
  }

  private WorldConfig worldConfig() {
    int items = o.items != null ? o.items : o.quick ? 40_000 : 200_000;
    int users = o.users != null ? o.users : o.quick ? 8_000 : 40_000;
    long events = o.events != null ? o.events : o.quick ? 1_500_000 : 8_000_000;
    WorldConfig config = WorldConfig.of(o.seed, items, users, events);
    return o.idiosyncrasy == null ? config : config.withIdiosyncrasy(o.idiosyncrasy);
  }

  private List<Job> jobs() {
    TrainerConfig base = TrainerConfig.defaults(Variant.FUSED).withItemsPerRow(o.itemsPerRow);
    List<Job> jobs = new ArrayList<>();
    int[] retrain = o.retrain.stream().mapToInt(Integer::intValue).filter(e -> e > 0).sorted().distinct().toArray();
    for (Variant v : Variant.values()) {
      jobs.add(v == Variant.FUSED ? new Job(v.name(), v.label(), base, retrain)
          : new Job(v.name(), v.label(), base.withVariant(v)));
    }
    jobs.add(new Job(NO_HOT, "fused, no exclusive hot slots (all hashed)", base.withExclusiveHot(false)));
    TreeSet<Double> ratios = new TreeSet<>();
    for (double r : o.compression) ratios.add(r);
    for (double r : ratios) {
      if (r == o.itemsPerRow) continue; // the FUSED run above
      jobs.add(new Job(sweepKey(r), "fused, " + format(r) + " items per row", base.withItemsPerRow(r)));
    }
    jobs.add(new Job("NO_LOGQ", "fused without logQ correction (ablation)", base.withLogQCorrection(false)));
    if (o.extraNegatives > 0) {
      jobs.add(new Job("EXTRA_NEGATIVES", "fused + " + o.extraNegatives + " uniform negatives",
          base.withBatch(base.batchSize(), o.extraNegatives)));
    }
    return jobs;
  }

  private Map<String, Outcome> runAll(SyntheticWorld world, ItemFeatures features, Evaluation affinity,
      Evaluation engagement, List<Job> jobs, int threads, List<SimEvent> window) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<Outcome>>> futures = new ArrayList<>();
      for (Job job : jobs) futures.add(pool.submit(() -> train(world, features, affinity, engagement, job, window)));
      Map<String, Outcome> out = new LinkedHashMap<>();
      for (Future<List<Outcome>> f : futures) {
        for (Outcome outcome : f.get()) out.put(outcome.job().key(), outcome);
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static List<Outcome> train(SyntheticWorld world, ItemFeatures features, Evaluation affinity,
      Evaluation engagement, Job job, List<SimEvent> window) {
    long t0 = System.nanoTime();
    long total = world.config().events();
    InMemoryTrainer trainer = new InMemoryTrainer(world, features, job.config());
    long[] lastPrint = {System.nanoTime()};
    trainer.train(world.events(), 100, p -> {
      long now = System.nanoTime();
      if (now - lastPrint[0] < 10_000_000_000L) return;
      lastPrint[0] = now;
      System.out.printf(Locale.ROOT, "  [%s] %3.0f %% of the stream, %,d positives, loss %.3f, %.0f s%n", job.label(),
          100.0 * p.events() / total, p.positives(), p.meanLoss(), (now - t0) / 1e9);
    });
    Evaluation.Result a = affinity.recall(trainer);
    Evaluation.Result e = engagement.recall(trainer);
    double s = seconds(t0);
    System.out.printf(Locale.ROOT, "  [%s] done in %.0f s: warm %.4f, new %.4f%n", job.label(), s, a.warmRecall(),
        a.newRecall());
    List<Outcome> out = new ArrayList<>();
    out.add(new Outcome(job, trainer.itemTableRows(), a, e, s, trainer.alphas()));
    int done = 0;
    for (int epochs : job.retrain()) {
      long r0 = System.nanoTime();
      trainer.retrain(window, epochs - done, job.config().seed() + epochs);
      done = epochs;
      Evaluation.Result ra = affinity.recall(trainer);
      Evaluation.Result re = engagement.recall(trainer);
      Job step = new Job(retrainKey(job.key(), epochs), job.label() + " + " + epochs + " ep. retraining",
          job.config());
      double rs = seconds(r0);
      System.out.printf(Locale.ROOT, "  [%s] done in %.0f s: warm %.4f, new %.4f%n", step.label(), rs,
          ra.warmRecall(), ra.newRecall());
      out.add(new Outcome(step, trainer.itemTableRows(), ra, re, rs, trainer.alphas()));
    }
    return out;
  }

  private void printTables(SyntheticWorld world, Map<String, Outcome> outcomes, Evaluation.Result oracleA,
      Evaluation.Result oracleE, double chance) throws Exception {
    int items = world.itemCount();
    System.out.println();
    System.out.printf(Locale.ROOT, "recall@50 (relevance = true affinity; engagement = popularity-weighted, see "
        + "Evaluation)%n");
    System.out.printf(Locale.ROOT, "%-42s %9s %9s %8s %8s %9s %10s %10s %6s%n", "variant", "rows", "items/row",
        "warm", "new", "new/warm", "eng. warm", "eng. new", "train");
    for (Outcome out : outcomes.values()) {
      if (out.job().key().startsWith("SWEEP_")) continue;
      printRow(out, items);
    }
    System.out.printf(Locale.ROOT, "%-42s %9s %9s %8.4f %8.4f %9s %10.4f %10.4f%n", "oracle (true scores: the ceiling)",
        "", "", oracleA.warmRecall(), oracleA.newRecall(), "", oracleE.warmRecall(), oracleE.newRecall());
    System.out.printf(Locale.ROOT, "%-42s %9s %9s %8.4f %8.4f%n", "random ranking (K / pool)", "", "", chance, chance);

    Outcome fused = outcomes.get(Variant.FUSED.name());
    Outcome full = outcomes.get(Variant.FULL_TABLE.name());
    Outcome random = outcomes.get(Variant.RANDOM_INIT.name());
    Outcome shared = outcomes.get(Variant.SHARED_DEFAULT.name());
    double[] a = fused.alphas();
    System.out.printf(Locale.ROOT,
        "fused a_t after training: hot %.3f, medium %.3f, cold %.3f (started 0.8, 0.55, 0.3)%n", a[0], a[1], a[2]);

    System.out.println();
    System.out.println("table compression (fused; hot slots + hashed buckets = rows)");
    System.out.printf(Locale.ROOT, "%12s %9s %8s %8s %14s%n", "items/row", "rows", "warm", "new", "warm vs full");
    List<QualityChart.Point> points = new ArrayList<>();
    TreeSet<Double> ratios = new TreeSet<>();
    for (double r : o.compression) ratios.add(r);
    ratios.add(o.itemsPerRow);
    for (double r : ratios) {
      Outcome out = r == o.itemsPerRow ? fused : outcomes.get(sweepKey(r));
      double rel = out.affinity().warmRecall() / full.affinity().warmRecall() - 1;
      System.out.printf(Locale.ROOT, "%12s %9d %8.4f %8.4f %+13.1f%%%n", format(r), out.rows(),
          out.affinity().warmRecall(), out.affinity().newRecall(), 100 * rel);
      points.add(new QualityChart.Point(r, out.affinity().warmRecall(), out.affinity().newRecall()));
    }
    System.out.printf(Locale.ROOT, "%12s %9d %8.4f %8.4f %14s%n", "full table", full.rows(),
        full.affinity().warmRecall(), full.affinity().newRecall(), "");

    double warm = fused.affinity().warmRecall();
    double fresh = fused.affinity().newRecall();
    double randomNew = random.affinity().newRecall();
    System.out.println();
    System.out.println("goals (fused at " + format(o.itemsPerRow) + " items per row):");
    System.out.printf(Locale.ROOT, "  new items ≥ 60 %% of warm recall: %.4f / %.4f = %.0f %% → %s%n", fresh, warm,
        100 * fresh / warm, fresh >= 0.6 * warm ? "met" : "NOT met");
    System.out.printf(Locale.ROOT, "  new items ≥ 3× random init: %.4f / %.4f = %.1f× → %s%n", fresh, randomNew,
        fresh / randomNew, fresh >= 3 * randomNew ? "met" : "NOT met");
    Outcome atHundred = null;
    for (double r : ratios) {
      if (r >= 100) {
        atHundred = r == o.itemsPerRow ? fused : outcomes.get(sweepKey(r));
        System.out.printf(Locale.ROOT,
            "  hashed at %s× within 5 %% of the full table (warm): %.4f vs %.4f (%+.1f %%) → %s%n", format(r),
            atHundred.affinity().warmRecall(), full.affinity().warmRecall(),
            100 * (atHundred.affinity().warmRecall() / full.affinity().warmRecall() - 1),
            atHundred.affinity().warmRecall() >= 0.95 * full.affinity().warmRecall() ? "met" : "NOT met");
        break;
      }
    }
    if (atHundred == null) System.out.println("  hashed at ≥ 100×: not measured (no --compression ≥ 100)");

    Path dir = Path.of(o.out);
    Files.createDirectories(dir);
    Path png = dir.resolve("quality.png");
    List<QualityChart.Bar> bars = new ArrayList<>();
    for (Variant v : Variant.values()) {
      Outcome out = outcomes.get(v.name());
      bars.add(new QualityChart.Bar(v.label(), out.affinity().warmRecall(), out.affinity().newRecall()));
    }
    QualityChart.write(png, "seed " + o.seed + (o.quick ? ", --quick" : ""), bars, points,
        full.affinity().warmRecall(), full.affinity().newRecall(), chance);
    System.out.println("chart: " + png.toAbsolutePath());
    String more = printRetrainingAndHotSlots(outcomes, fused);
    System.out.printf(Locale.ROOT, "RESULT quality warm_recall50=%.4f new_recall50=%.4f random_new_recall50=%.4f "
            + "default_new_recall50=%.4f fulltable_warm_recall50=%.4f%s%n", warm, fresh, randomNew,
        shared.affinity().newRecall(), full.affinity().warmRecall(), more);
  }

  /**
   * Online only against full retraining, and exclusive hot slots against none (same rows), both at the headline
   * compression; returns their RESULT keys.
   */
  private String printRetrainingAndHotSlots(Map<String, Outcome> outcomes, Outcome fused) {
    StringBuilder keys = new StringBuilder();
    System.out.println();
    System.out.println("fused at " + format(o.itemsPerRow) + " items per row: online only, full retraining, hot slots"
        + " (recall@50 warm / new; engagement warm / new)");
    List<Outcome> rows = new ArrayList<>();
    rows.add(fused);
    for (var e : outcomes.entrySet()) {
      if (e.getKey().startsWith(Variant.FUSED.name() + "_RETRAIN_")) rows.add(e.getValue());
    }
    Outcome noHot = outcomes.get(NO_HOT);
    rows.add(noHot);
    for (Outcome r : rows) {
      System.out.printf(Locale.ROOT, "  %-52s %8.4f %8.4f   %8.4f %8.4f%n", r.job().label(), r.affinity().warmRecall(),
          r.affinity().newRecall(), r.engagement().warmRecall(), r.engagement().newRecall());
    }
    for (var e : outcomes.entrySet()) {
      String prefix = Variant.FUSED.name() + "_RETRAIN_";
      if (!e.getKey().startsWith(prefix)) continue;
      String n = e.getKey().substring(prefix.length());
      Outcome r = e.getValue();
      keys.append(String.format(Locale.ROOT, " retrain%s_warm_recall50=%.4f retrain%s_new_recall50=%.4f", n,
          r.affinity().warmRecall(), n, r.affinity().newRecall()));
    }
    System.out.printf(Locale.ROOT, "  hot slots: %d exclusive of %d rows with, 0 of %d without; warm %+.1f %%, "
            + "engagement warm %+.1f %% with them%n", hotSlots(fused), fused.rows(), noHot.rows(),
        100 * (fused.affinity().warmRecall() / noHot.affinity().warmRecall() - 1),
        100 * (fused.engagement().warmRecall() / noHot.engagement().warmRecall() - 1));
    keys.append(String.format(Locale.ROOT, " nohot_warm_recall50=%.4f nohot_new_recall50=%.4f "
            + "eng_warm_recall50=%.4f nohot_eng_warm_recall50=%.4f", noHot.affinity().warmRecall(),
        noHot.affinity().newRecall(), fused.engagement().warmRecall(), noHot.engagement().warmRecall()));
    return keys.toString();
  }

  /** The exclusive hot slots of a hashed run: its share of the rows (as the trainer sizes them). */
  private static long hotSlots(Outcome out) {
    TrainerConfig c = out.job().config();
    return c.exclusiveHot() ? Math.min(out.rows() - 1, Math.round(out.rows() * c.hotShare())) : 0;
  }

  private static void printRow(Outcome out, int items) {
    Evaluation.Result a = out.affinity();
    Evaluation.Result e = out.engagement();
    String perRow = out.rows() == 0 ? "-" : format(items / (double) out.rows());
    System.out.printf(Locale.ROOT, "%-42s %9d %9s %8.4f %8.4f %8.0f%% %10.4f %10.4f %5.0fs%n", out.job().label(),
        out.rows(), perRow, a.warmRecall(), a.newRecall(), 100 * a.newRecall() / a.warmRecall(), e.warmRecall(),
        e.newRecall(), out.seconds());
  }

  private static String sweepKey(double ratio) {
    return "SWEEP_" + ratio;
  }

  private static String format(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
