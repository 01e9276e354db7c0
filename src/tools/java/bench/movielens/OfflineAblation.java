package bench.movielens;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import model.TextEncoder;
import model.TextEncoders;

/** Scratch driver: variants of {@link OfflineLearner} on MovieLens, one row each. */
public final class OfflineAblation {
  public static void main(String[] args) throws Exception {
    MovieLensData data = MovieLensData.load(Path.of(args[0]));
    HoldOutSplit split = HoldOutSplit.of(data, 1);
    TextEncoder text = TextEncoders.create(args.length > 1 ? args[1] : "hashed-ngrams");
    OfflineLearner.Settings d = OfflineLearner.Settings.nodeDefaults();
    String only = args.length > 2 ? args[2] : "";
    var variants = new java.util.LinkedHashMap<String, UnaryOperator<OfflineLearner.Settings>>();
    variants.put("node defaults", s -> s);
    variants.put("tau 0.05", s -> s.withTau(0.05f));
    variants.put("tau 0.2", s -> s.withTau(0.2f));
    variants.put("rate 0.02", s -> s.withLearningRate(0.02f));
    variants.put("rate 0.15", s -> s.withLearningRate(0.15f));
    variants.put("start a 0.7", s -> s.withStartAlpha(0.7));
    variants.put("no logQ", s -> s.withLogQ(false));
    variants.put("no user mask", s -> s.withMaskUser(false));
    variants.put("no user-ID rows", s -> s.withUserIdRows(false));
    variants.put("half-life 30 d", s -> s.withHalfLife(Duration.ofDays(30)));
    variants.put("half-life 10 y", s -> s.withHalfLife(Duration.ofDays(3650)));
    variants.put("groups 512", s -> s.withGroupSize(512));
    variants.put("batch 512", s -> s.withBatchPositives(512));
    variants.put("3 passes", s -> s.withPasses(3));
    UnaryOperator<OfflineLearner.Settings> noRows = s -> s.withUserIdRows(false);
    variants.put("noRows rate 0.1", s -> noRows.apply(s).withLearningRate(0.1f));
    variants.put("noRows rate 0.2", s -> noRows.apply(s).withLearningRate(0.2f));
    variants.put("noRows batch 512", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("noRows batch 256", s -> noRows.apply(s).withBatchPositives(256));
    variants.put("noRows batch 512 tau 0.2", s -> noRows.apply(s).withBatchPositives(512).withTau(0.2f));
    variants.put("noRows batch 512 rate 0.1", s -> noRows.apply(s).withBatchPositives(512).withLearningRate(0.1f));
    variants.put("noRows batch 512 3 passes", s -> noRows.apply(s).withBatchPositives(512).withPasses(3));
    variants.put("noRows batch 512 5 passes", s -> noRows.apply(s).withBatchPositives(512).withPasses(5));
    variants.put("noRows batch 512 groups 64", s -> noRows.apply(s).withBatchPositives(512).withGroupSize(64));
    variants.put("B noRows batch 512 warmQ", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("B noRows batch 512 noText", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("B noRows batch 512 noText warmQ", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("B noRows batch 512 history 200", s -> noRows.apply(s).withBatchPositives(512).withHistoryPerUser(200));
    variants.put("B noRows batch 512 history 20", s -> noRows.apply(s).withBatchPositives(512).withHistoryPerUser(20));
    variants.put("B noRows batch 512 no mask", s -> noRows.apply(s).withBatchPositives(512).withMaskUser(false));
    variants.put("T noRows batch 512", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("T noRows batch 512 text0.3", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("T noRows batch 512 text3", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("T noRows batch 512 text0.3 start a 0.7", s -> noRows.apply(s).withBatchPositives(512).withStartAlpha(0.7));
    variants.put("I noRows batch 512 itemx4", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("I noRows batch 512 itemx10", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("I noRows batch 512 itemx10 start a 0.7", s -> noRows.apply(s).withBatchPositives(512).withStartAlpha(0.7));
    variants.put("I noRows batch 512 itemx20", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("I noRows batch 2048 itemx10", s -> noRows.apply(s));
    variants.put("W noRows batch 512 year", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("W noRows batch 512 words", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("W noRows batch 512 words year", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("W noRows batch 512 words year itemx4", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("H histGrad", s -> s);
    variants.put("H noRows histGrad", s -> noRows.apply(s));
    variants.put("H noRows batch 512 histGrad", s -> noRows.apply(s).withBatchPositives(512));
    variants.put("H noRows batch 512 histGrad rate 0.02", s -> noRows.apply(s).withBatchPositives(512).withLearningRate(0.02f));
    variants.put("H noRows batch 512 histGrad 3 passes", s -> noRows.apply(s).withBatchPositives(512).withPasses(3));
    for (var v : variants.entrySet()) {
      if (!only.isEmpty() && !v.getKey().matches(only)) continue;
      row(data, split, text, v.getKey(), v.getValue().apply(d));
    }
  }

  static void row(MovieLensData data, HoldOutSplit split, TextEncoder text, String name, OfflineLearner.Settings s) {
    long t0 = System.nanoTime();
    OfflineLearner.wordFeatures = name.contains("words");
    OfflineLearner.yearFeature = name.contains("year");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("itemx([0-9.]+)").matcher(name);
    OfflineLearner l = new OfflineLearner(data, split, text, s, m.find() ? Float.parseFloat(m.group(1)) : 1f);
    l.warmEstimator = name.contains("warmQ");
    l.noTextHead = name.contains("noText");
    l.historyGradient = name.contains("histGrad");
    if (name.contains("text0.3")) l.textScale = 0.3f;
    if (name.contains("text3")) l.textScale = 3f;
    l.train();
    Accuracy a = l.evaluate(name);
    System.out.printf("%-40s HR@10 %.4f  R@50 %.4f  new R@10 %.4f  a %.2f  %s (%.1f s)%n", name, a.hr10(), a.recall50(),
        a.newRecall10(), l.alpha(), l.norms(), (System.nanoTime() - t0) / 1e9);
  }
}
