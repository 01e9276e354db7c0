package bench;

import app.Node;
import bench.movielens.Accuracy;
import bench.movielens.Baselines;
import bench.movielens.HoldOutSplit;
import bench.movielens.HttpCatchUp;
import bench.movielens.MovieLensAblation;
import bench.movielens.MovieLensData;
import bench.movielens.MovieLensFeed;
import bench.movielens.ThermoclineEval;
import bench.movielens.ThermoclineHttp;
import bench.movielens.MovieLensMigration;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import model.TextEncoders;

/**
 * {@code bench movielens} (issue 13): how well Thermocline recommends on MovieLens, through the public HTTP API,
 * beside baselines computed in the same run from the same training stream. The protocol is in
 * {@link HoldOutSplit}; the rows in {@link Baselines} and {@link ThermoclineEval}.
 */
final class MovieLensBench {

  private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(30);

  private final Bench.MovieLens o;
  private final Map<String, Double> phases = new LinkedHashMap<>();
  /** The node's tier thresholds (in process, with --migration). */
  private MovieLensMigration.Thresholds thresholds;
  /** The migration run and the tiers before and after it (null without). */
  private JsonNode migrationRun;
  private JsonNode tiersBefore;
  private JsonNode tiersAfter;
  private ThermoclineEval.Outcome blending;
  private ThermoclineEval.Outcome blended;
  /** Movies sharing a cold bucket before the move (in process). */
  private MovieLensMigration.Shared shared;
  private long phaseStart = System.nanoTime();

  MovieLensBench(Bench.MovieLens options) {
    this.o = options;
  }

  int run() throws Exception {
    if (o.url != null && !o.set.isEmpty()) {
      System.err.println("bench movielens: --set configures the node started in process; with --url, configure that "
          + "node instead");
      return 2;
    }
    MovieLensData data;
    try {
      data = MovieLensData.load(o.data);
    } catch (MovieLensData.BadData e) {
      System.err.println("bench movielens: " + e.getMessage());
      return 2;
    }
    if (o.maxUsers != null) data = data.withUsers(o.maxUsers, o.seed);
    HoldOutSplit split = HoldOutSplit.of(data, o.seed);
    lap("load and split");
    System.out.printf("MovieLens from %s, seed %d: %,d movies (%,d held out as new), %,d ratings; training stream "
            + "%,d ratings, test %,d; %d users with warm test positives, %d with likes on held-out movies%n",
        o.data, o.seed, data.movies().size(), split.heldOutMovies().size(), data.ratings().size(),
        split.training().size(), split.testRatings(), split.warmTestLikes().size(), split.heldOutLikes().size());

    List<Accuracy> baselines = Baselines.run(data, split, o.seed);
    lap("baselines");
    List<MovieLensAblation.Row> ablation = List.of();
    if (o.ablation) {
      ablation = MovieLensAblation.run(data, split, TextEncoders.create(textEncoder()));
      lap("ablation (offline)");
    }

    List<Accuracy> rows = new ArrayList<>(baselines);
    List<ThermoclineEval.Outcome> outcomes;
    if (o.url != null) {
      System.out.printf("against the node at %s%n", o.url);
      outcomes = measure(new ThermoclineHttp(o.url), o.adminUrl == null ? null : new ThermoclineHttp(o.adminUrl),
          data, split, null, null);
    } else {
      Path dir = Files.createTempDirectory("thermocline-movielens-");
      Config config = nodeConfig(dir, split);
      System.out.printf("starting a node (embedded Cassandra and Kafka, text encoder %s, history half-life %s) "
              + "under %s …%n", config.getString("thermocline.model.text-encoder"),
          config.getString("thermocline.recall.history-half-life"), dir);
      try (Node node = Node.start(config)) {
        lap("node start");
        outcomes = measure(new ThermoclineHttp("http://127.0.0.1:" + node.httpPort()),
            new ThermoclineHttp("http://127.0.0.1:" + node.adminPort()), data, split, node, config);
      } finally {
        StoreBench.wipe(dir);
      }
    }
    for (ThermoclineEval.Outcome outcome : outcomes) {
      rows.add(outcome.served());
      rows.add(outcome.exact());
      rows.add(outcome.newMovies());
    }
    ThermoclineEval.Outcome online = outcomes.get(0);
    ThermoclineEval.Outcome best = outcomes.stream()
        .max(java.util.Comparator.comparingDouble(x -> x.served().hr10())).orElseThrow();
    ThermoclineEval.Outcome last = outcomes.get(outcomes.size() - 1);
    print(rows, outcomes);
    if (!ablation.isEmpty()) MovieLensAblation.print(ablation);
    Path out = Path.of(o.out);
    Files.createDirectories(out);
    Path png = out.resolve("movielens.png");
    MovieLensChart.write(png, "MovieLens seed " + o.seed, rows);
    System.out.printf("chart: %s%n", png.toAbsolutePath());
    Accuracy pop = baselines.get(0);
    Accuracy knn = baselines.get(1);
    Accuracy genre = baselines.get(3);
    // hr10 and new_recall10: the best served state (online, or after retraining); online_hr10: online learning
    // alone; graph recall: of the last state measured.
    System.out.printf("RESULT movielens hr10=%.4f recall50=%.4f new_recall10=%.4f online_hr10=%.4f pop_hr10=%.4f "
            + "knn_hr10=%.4f genre_new_recall10=%.4f graph_recall50=%.4f graph_recall50_ties=%.4f "
            + "graph_recall50_vs_index=%.4f index_lag_share=%.4f%s%n", best.served().hr10(),
        best.served().recall50(), best.newMovies().newRecall10(), online.served().hr10(), pop.hr10(),
        knn.hr10(), genre.newRecall10(), last.graphRecall50(), last.graph().tieAware(),
        last.graph().againstIndex(), last.graph().indexShareBelow0999(), moreResults(outcomes));
    return 0;
  }

  /** Registers, streams, waits for the node to take it all in, and measures Thermocline's rows. */
  private List<ThermoclineEval.Outcome> measure(ThermoclineHttp api, ThermoclineHttp admin, MovieLensData data,
      HoldOutSplit split, Node node, Config config) throws Exception {
    MovieLensFeed feed = new MovieLensFeed(api);
    feed.register(data.movies());
    lap("register movies");
    System.out.printf("registered %,d movies in %.1f s%n", data.movies().size(), phases.get("register movies"));
    long[] lastPrint = {System.nanoTime()};
    long events = feed.stream(split.training(), sent -> {
      if (System.nanoTime() - lastPrint[0] > 10_000_000_000L) {
        System.out.printf("  streamed %,d events%n", sent);
        lastPrint[0] = System.nanoTime();
      }
    });
    lap("stream ratings");
    System.out.printf("streamed %,d events (%,d ratings) in %.1f s: %.0f events/s%n", events, split.training().size(),
        phases.get("stream ratings"), events / phases.get("stream ratings"));
    if (node != null) {
      MovieLensCatchUp.await(node, config, CATCH_UP_TIMEOUT);
      System.out.printf("learned from everything (%,d positives; not learned: %,d on unknown items, %,d without a "
              + "user vector yet)%n", node.learner().learned(), node.learner().skippedUnknownItems(),
          node.learner().skippedNoUserVector());
    } else {
      HttpCatchUp.await(api, split.training(), Duration.ofSeconds(10), CATCH_UP_TIMEOUT);
    }
    lap("catch up (learner, histories, re-indexing)");
    List<ThermoclineEval.Outcome> outcomes = new ArrayList<>();
    outcomes.add(ThermoclineEval.run(api, split, o.parallel, node == null ? null : ids -> indexVectors(node, ids),
        " (online)"));
    lap("evaluate Thermocline (online)");
    if (admin == null) {
      if (retrainTotals().length > 0 || o.migration) {
        System.out.println("no --admin-url: no retraining or migration rows");
      }
      return outcomes;
    }
    // The migration after --migrate-after epochs of retraining (0: right after online learning): the rows before it
    // are without, the rows after it with.
    boolean migrated = false;
    int migratedAt = 0;
    int epochsSoFar = 0;
    // A run whose rows start fresh (training.start-from, said in its answer) makes a total of N epochs with N; one
    // that starts from the served rows, with the epochs still missing.
    boolean fresh = false;
    if (o.migration && o.migrateAfter == 0) {
      outcomes.addAll(migrate(api, admin, data, split, node, config, epochsSoFar));
      migrated = true;
    }
    for (int total : retrainTotals()) {
      int epochs = fresh ? total : total - epochsSoFar;
      var started = admin.startTraining(epochs);
      String runId = started.path("runId").asText();
      fresh = started.path("startsFrom").asText().equals("fresh");
      if (fresh && epochs != total) throw new IllegalStateException("the node's training.start-from changed mid-run");
      System.out.printf("full retraining %s: %d epoch(s) from %s rows%n", runId, epochs, fresh ? "fresh" : "the served");
      long printed = System.nanoTime();
      while (true) {
        Thread.sleep(2000);
        var run = admin.training(runId);
        String state = run.path("state").asText();
        if (!state.equals("reading") && !state.equals("training")) {
          System.out.printf("full retraining %s: %s, %,d positives in the window, %d epoch(s), loss %s%s%n", runId,
              state, run.path("positives").asLong(), epochs, run.path("loss").asText(),
              run.has("error") ? ", " + run.path("error").asText() : "");
          if (!state.equals("done")) throw new IllegalStateException("full retraining " + runId + " " + state);
          break;
        }
        if (System.nanoTime() - printed > 10_000_000_000L) {
          System.out.printf("  retraining epoch %d of %d: %,d of %,d examples, loss %s, eta %s s%n",
              run.path("epoch").asInt(), epochs, run.path("examplesDone").asLong(),
              run.path("examplesTotal").asLong(), run.path("loss").asText(), run.path("etaSeconds").asText());
          printed = System.nanoTime();
        }
      }
      epochsSoFar = total;
      lap("full retraining to " + total + " epoch(s)");
      if (node != null) MovieLensCatchUp.awaitServed(node, config, CATCH_UP_TIMEOUT);
      else Thread.sleep(60_000); // remote: two refresh periods of the default settings
      lap("re-indexing after " + total + " epoch(s)");
      outcomes.add(ThermoclineEval.run(api, split, o.parallel, node == null ? null : ids -> indexVectors(node, ids),
          (migrated ? " (migration at " + migratedAt + " ep., +" : " (+") + total + " ep. retrain)"));
      lap("evaluate Thermocline (" + total + " epoch(s))");
      if (o.migration && !migrated && total >= o.migrateAfter) { // epochsSoFar == total here
        outcomes.addAll(migrate(api, admin, data, split, node, config, epochsSoFar));
        migrated = true;
        migratedAt = epochsSoFar;
      }
    }
    if (o.migration && !migrated) outcomes.addAll(migrate(api, admin, data, split, node, config, epochsSoFar));
    return outcomes;
  }

  /**
   * RESULT keys of the migration and retraining rows: each retraining total's served HR@10 ({@code retrainN_hr10},
   * on top of the migration when there was one), the migration rows, the moves and the cold tier's collisions.
   */
  private String moreResults(List<ThermoclineEval.Outcome> outcomes) {
    StringBuilder s = new StringBuilder();
    java.util.regex.Pattern retrained = java.util.regex.Pattern.compile("\\+(\\d+) ep\\. retrain\\)$");
    for (ThermoclineEval.Outcome x : outcomes) {
      java.util.regex.Matcher m = retrained.matcher(x.served().name());
      if (m.find()) s.append(String.format(" retrain%s_hr10=%.4f", m.group(1), x.served().hr10()));
    }
    if (blending != null) s.append(String.format(" migration_blending_hr10=%.4f", blending.served().hr10()));
    if (blended != null) {
      s.append(String.format(" migration_hr10=%.4f migration_new_recall10=%.4f", blended.served().hr10(),
          blended.newMovies().newRecall10()));
    }
    if (migrationRun != null) {
      s.append(String.format(" moved_hot=%d moved_medium=%d cold_collision_rate_before=%.4f "
              + "cold_collision_rate_after=%.4f", MovieLensMigration.movedInto(migrationRun, "hot"),
          MovieLensMigration.movedInto(migrationRun, "medium"),
          MovieLensMigration.figure(tiersBefore, "cold", "collisionRate"),
          MovieLensMigration.figure(tiersAfter, "cold", "collisionRate")));
    }
    if (shared != null) s.append(String.format(" hot_movies_shared_cold_bucket=%d", shared.hot()));
    return s.toString();
  }

  /**
   * A tier migration through the admin API, then the rows right after the moves (moved movies served mostly their
   * old vector: w starts at 0.8) and, when the blend window is known and short, once it has passed.
   */
  private List<ThermoclineEval.Outcome> migrate(ThermoclineHttp api, ThermoclineHttp admin, MovieLensData data,
      HoldOutSplit split, Node node, Config config, int epochsBefore) throws Exception {
    String after = epochsBefore == 0 ? "" : "+" + epochsBefore + " ep. retrain ";
    if (thresholds != null) {
      System.out.printf("tier thresholds (daily impressions = training ratings of a movie): hot >= %d (%,d movies), "
              + "medium >= %d (%,d more)%n", thresholds.hot(), thresholds.hotMovies(), thresholds.medium(),
          thresholds.mediumMovies());
    }
    tiersBefore = admin.tiers();
    System.out.println("tiers before migration:");
    MovieLensMigration.describe(tiersBefore).forEach(line -> System.out.println("  " + line));
    if (thresholds != null && config != null) {
      shared = MovieLensMigration.sharedEntryBuckets(data.movies(), split.training(), thresholds, config);
      System.out.printf("in the cold tier before the move, %,d movies share a bucket; of them %d of the %d hot movies "
              + "and %d of the %d medium ones%n", shared.all(), shared.hot(), thresholds.hotMovies(), shared.medium(),
          thresholds.mediumMovies());
    }
    List<String> hot = thresholds == null ? List.of() : MovieLensMigration.hotItemIds(split.training(), thresholds);
    List<JsonNode> hotBefore = ThermoclineHttp.inParallel(hot, o.parallel, api::item);
    migrationRun = MovieLensMigration.run(admin, CATCH_UP_TIMEOUT);
    lap("tier migration");
    System.out.printf("migration %s: %,d items scanned, %,d moves planned, %,d done (%s); skipped: %s; in %.1f s%n",
        migrationRun.path("runId").asText(), migrationRun.path("scannedItems").asLong(),
        migrationRun.path("plannedMoves").asLong(), migrationRun.path("doneMoves").asLong(),
        MovieLensMigration.pairs(migrationRun), migrationRun.path("skipped"), phases.get("tier migration"));
    if (!hot.isEmpty()) {
      System.out.println(MovieLensMigration.jump(hotBefore, ThermoclineHttp.inParallel(hot, o.parallel, api::item)));
    }
    tiersAfter = admin.tiers();
    System.out.println("tiers after migration:");
    MovieLensMigration.describe(tiersAfter).forEach(line -> System.out.println("  " + line));
    java.time.Instant movedAt = java.time.Instant.parse(migrationRun.path("finishedAt").asText());
    Duration window = config == null ? null : config.getDuration("thermocline.migration.blend.window");
    double start = config == null ? 0.8 : config.getDouble("thermocline.migration.blend.start-weight");
    List<ThermoclineEval.Outcome> out = new ArrayList<>();
    double wBefore = blendWeight(start, window, movedAt);
    blending = ThermoclineEval.run(api, split, o.parallel, node == null ? null : ids -> indexVectors(node, ids),
        " (" + after + "+ migration, blending)");
    out.add(blending);
    lap("evaluate Thermocline (migration, blending)");
    System.out.printf("measured right after the moves: blend weight of the old vector %.2f → %.2f (window %s)%n",
        wBefore, blendWeight(start, window, movedAt), window == null ? "unknown: the node's" : window);
    if (window == null || window.compareTo(Duration.ofMinutes(30)) > 0) {
      System.out.println("blend window unknown or over 30 min: no row with the blend finished");
      return out;
    }
    long wait = java.time.Instant.now().until(movedAt.plus(window), java.time.temporal.ChronoUnit.MILLIS);
    if (wait > 0) {
      System.out.printf("waiting %.0f s for the blend to finish …%n", wait / 1e3);
      Thread.sleep(wait);
    }
    MovieLensCatchUp.awaitServed(node, config, CATCH_UP_TIMEOUT); // a refresh pass carries w = 0 into the index
    lap("blend window and a refresh pass");
    blended = ThermoclineEval.run(api, split, o.parallel, ids -> indexVectors(node, ids),
        " (" + after + "+ migration, " + window.toMinutes() + " min blend done)");
    out.add(blended);
    lap("evaluate Thermocline (migration, blend done)");
    return out;
  }

  /** The old vector's weight for an item moved at {@code movedAt}: start, falling linearly to 0 over the window. */
  private static double blendWeight(double start, Duration window, java.time.Instant movedAt) {
    if (window == null) return start;
    double elapsed = Duration.between(movedAt, java.time.Instant.now()).toMillis() / (double) window.toMillis();
    return Math.max(0, start * (1 - elapsed));
  }

  /** The --retrain totals, increasing, without 0. */
  private int[] retrainTotals() {
    return o.retrain.stream().mapToInt(Integer::intValue).filter(e -> e > 0).sorted().distinct().toArray();
  }

  /** The vectors the retrieval shards hold for items (asked of each shard, in process). */
  private static Map<String, float[]> indexVectors(Node node, List<String> ids) {
    Map<Integer, List<String>> byShard = new HashMap<>();
    for (String id : ids) byShard.computeIfAbsent(node.items().shardOf(id), s -> new ArrayList<>()).add(id);
    Map<String, float[]> out = new HashMap<>();
    for (var e : byShard.entrySet()) {
      var found = akka.cluster.sharding.typed.javadsl.ClusterSharding.get(node.system())
          .entityRefFor(actors.RetrievalShard.TYPE_KEY, Integer.toString(e.getKey()))
          .<actors.RetrievalShard.VectorsFound>ask(r -> new actors.RetrievalShard.GetVectors(e.getValue(), r),
              Duration.ofSeconds(30))
          .toCompletableFuture().join();
      for (int i = 0; i < found.itemIds().size(); i++) out.put(found.itemIds().get(i), found.vectors().get(i));
    }
    return out;
  }

  /**
   * A node of its own beside anything running: fresh data folder, free ports; with --migration, tier thresholds
   * from the training stream (--hot-movies, --medium-movies) and a short blend window; --set on top.
   */
  private Config nodeConfig(Path dir, HoldOutSplit split) {
    Map<String, Object> c = BenchNodes.settings(dir);
    if (o.migration) {
      thresholds = MovieLensMigration.thresholds(split.training(), o.hotMovies, o.mediumMovies);
      c.put("thermocline.store.tiers", MovieLensMigration.tiers(ConfigFactory.load(), thresholds));
      c.put("thermocline.migration.blend.window", o.blendWindow);
    }
    // MovieLens users rate in sittings years apart, not in a daily feed: the product's 1 d half-life would make a
    // user their last sitting. The ablation prints 1 d beside it.
    c.put("thermocline.recall.history-half-life", "365 d");
    Config config = ConfigFactory.parseMap(c);
    for (var e : o.set.entrySet()) config = override(e.getKey(), e.getValue()).withFallback(config);
    return config.withFallback(ConfigFactory.load()).resolve();
  }

  /** {@code key=value} as HOCON (numbers, durations, lists), or as a plain string when it does not parse. */
  private static Config override(String key, String value) {
    try {
      return ConfigFactory.parseString(key + " = " + value);
    } catch (ConfigException notHocon) {
      return ConfigFactory.parseMap(Map.of(key, value));
    }
  }

  private void lap(String phase) {
    long now = System.nanoTime();
    phases.put(phase, (now - phaseStart) / 1e9);
    phaseStart = now;
  }

  /** The node's title encoder (its default unless --set names one): the offline ablation uses the same. */
  private String textEncoder() {
    return o.set.getOrDefault("thermocline.model.text-encoder",
        ConfigFactory.load().getString("thermocline.model.text-encoder"));
  }

  private void print(List<Accuracy> rows, List<ThermoclineEval.Outcome> outcomes) {
    ThermoclineEval.Outcome t = outcomes.get(outcomes.size() - 1);
    System.out.println();
    System.out.printf("%-38s %8s %10s %10s %14s%n", "row", "HR@10", "Recall@50", "new R@10", "users warm/new");
    for (Accuracy r : rows) {
      System.out.printf("%-38s %8s %10s %10s %14s%n", r.name(), figure(r.hr10()), figure(r.recall50()),
          figure(r.newRecall10()), (r.warmUsers() == 0 ? "—" : r.warmUsers()) + " / "
              + (r.newUsers() == 0 ? "—" : r.newUsers()));
    }
    System.out.printf("graph recall@50 (served top 50 against exact top 50, same user vector, same exclusions): "
        + "%.4f over %d users%n", t.graphRecall50(), t.graphUsers());
    System.out.printf("index against served vectors, personal answers: mean |score − u·final| %.4f, %.1f %% of "
        + "items off by more than 0.01%n", t.meanScoreGap(), 100 * t.shareGapOver001());
    ThermoclineEval.Diagnosis d = t.graph();
    System.out.printf("graph recall@50 counting a served movie scoring >= the exact 50th as a hit (ties): %.4f; users "
        + "whose exact 50th score is tied below rank 50: %d%n", d.tieAware(), d.usersWithTies());
    System.out.printf("graph recall@50 against exact search over the index's own vectors (the graph alone): %.4f; "
        + "index vectors against final: mean 1 − cos %.5f, %.1f %% of movies below cos 0.999%n", d.againstIndex(),
        d.indexLagsFinal(), 100 * d.indexShareBelow0999());
    System.out.printf("served answers: strategies %s, %d partial; %d of %d users asked have no user vector; of "
            + "%,d served slots, %,d held the user's own training movies and %,d held-out movies%n",
        t.strategies(), t.partialAnswers(), t.usersWithoutVector(), t.usersAsked(), t.servedSlots(),
        t.servedTrainingMovies(), t.servedHeldOutMovies());
    System.out.println("phases:");
    double total = 0;
    for (var e : phases.entrySet()) {
      System.out.printf("  %-44s %8.1f s%n", e.getKey(), e.getValue());
      total += e.getValue();
    }
    System.out.printf("  %-44s %8.1f s%n", "total", total);
  }

  private static String figure(double v) {
    return Double.isNaN(v) ? "—" : String.format("%.4f", v);
  }
}
