package bench.movielens;

import bench.movielens.OfflineLearner.Settings;
import bench.movielens.OfflineLearner.Variant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import model.TextEncoder;

/**
 * What each choice of the model moves, on the same split: the learner's math on in-memory rows
 * ({@link OfflineLearner}), one change from the node's defaults per row. Seconds a row, where a node run takes
 * minutes; the node's own rows are measured through the API beside them.
 */
public final class MovieLensAblation {

  /** One row: what changed, its accuracy and the learned fusion weight a. */
  public record Row(String change, Accuracy accuracy, double alpha) {}

  private record Change(String name, UnaryOperator<Settings> settings, Variant variant) {}

  private MovieLensAblation() {}

  public static List<Row> run(MovieLensData data, HoldOutSplit split, TextEncoder encoder) {
    TextEncoder text = encodedOnce(encoder);
    for (MovieLensData.Movie m : data.movies()) text.encode(m.title()); // once, before the rows share the cache
    Settings d = Settings.nodeDefaults();
    Variant n = Variant.NODE;
    List<Change> changes = List.of(
        new Change("bench node settings (offline replica)", s -> s, n),
        new Change("untrained (no pass)", s -> s.withPasses(0), n),
        new Change("no logQ correction", s -> s.withLogQ(false), n),
        new Change("τ 0.05", s -> s.withTau(0.05f), n),
        new Change("τ 0.2", s -> s.withTau(0.2f), n),
        new Change("learning rate 0.02", s -> s.withLearningRate(0.02f), n),
        new Change("learning rate 0.15", s -> s.withLearningRate(0.15f), n),
        new Change("Adagrad accumulators from 0.1 (old default)", s -> s.withInitialAccumulator(0.1f), n),
        new Change("user-ID rows on", s -> s.withUserIdRows(true), n),
        new Change("a user's other positives as negatives", s -> s.withMaskUser(false), n),
        new Change("history from earlier batches only", s -> s, new Variant(true, false, false, 0)),
        new Change("no gradient into history items", s -> s, new Variant(false, false, true, 0)),
        new Change("history half-life 1 d (product default)", s -> s.withHalfLife(Duration.ofDays(1)), n),
        new Change("history half-life 30 d", s -> s.withHalfLife(Duration.ofDays(30)), n),
        new Change("start a 0.7 (hash-heavy)", s -> s.withStartAlpha(0.7), n),
        new Change("batches of 2048 positives", s -> s.withBatchPositives(2048), n),
        // What a node behind the stream learned in before learner.batch-positives: 4096-record batches.
        new Change("batches of 4096 positives", s -> s.withBatchPositives(4096), n),
        new Change("release year as a tag", s -> s, new Variant(true, true, true, 0)),
        new Change("3 passes in time order", s -> s.withPasses(3), n),
        new Change("+ full retraining, 1 epoch", s -> s, new Variant(true, false, true, 1)),
        new Change("+ full retraining, 3 epochs", s -> s, new Variant(true, false, true, 3)),
        new Change("+ retraining 1 epoch, half-life 1 d", s -> s.withHalfLife(Duration.ofDays(1)),
            new Variant(true, false, true, 1)),
        new Change("full retraining 3 epochs, no online pass", s -> s.withPasses(0), new Variant(true, false, true, 3)));
    // Rows are independent: one per core.
    return changes.parallelStream().map(c -> {
      OfflineLearner learner = new OfflineLearner(data, split, text, c.settings().apply(d), c.variant()).train();
      if (c.variant().retrainEpochs() > 0) learner.retrain(c.variant().retrainEpochs(), 7);
      return new Row(c.name(), learner.evaluate(c.name()), learner.alpha());
    }).toList();
  }

  /** Every row encodes the same titles: once is enough (BGE takes about a millisecond a title). */
  private static TextEncoder encodedOnce(TextEncoder encoder) {
    java.util.Map<String, java.util.Optional<float[]>> cache = new java.util.concurrent.ConcurrentHashMap<>();
    return new TextEncoder() {
      @Override
      public int dim() {
        return encoder.dim();
      }

      @Override
      public float[] encode(String title) {
        return cache.computeIfAbsent(title, t -> java.util.Optional.ofNullable(encoder.encode(t))).orElse(null);
      }

      @Override
      public String name() {
        return encoder.name();
      }
    };
  }

  public static void print(List<Row> rows) {
    System.out.println();
    System.out.println("ablation (offline replica of the learner's math, one change from the defaults per row):");
    System.out.printf("  %-44s %8s %10s %10s %6s%n", "change", "HR@10", "Recall@50", "new R@10", "a");
    for (Row r : rows) {
      System.out.printf("  %-44s %8.4f %10.4f %10.4f %6.2f%n", r.change(), r.accuracy().hr10(),
          r.accuracy().recall50(), r.accuracy().newRecall10(), r.alpha());
    }
  }
}
