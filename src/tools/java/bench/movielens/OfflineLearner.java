package bench.movielens;

import bench.movielens.MovieLensData.Movie;
import bench.movielens.MovieLensData.Rating;
import embedding.DeltaKernel;
import embedding.ItemHasher;
import embedding.RowBlock;
import embedding.RowwiseAdagrad;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import model.FrequencyEstimator;
import model.Fusion;
import model.MetaEncoder;
import model.OnlineStep;
import model.TextEncoder;
import model.UserTower;

/**
 * The online learner's math on in-memory rows over the MovieLens training stream, without the node: the same
 * {@link OnlineStep} (fusion, user side, in-batch softmax with logQ), the same history means ({@link UserTower}
 * over each user's earlier positives, the batch's own included), fp16 rows with row-wise Adagrad. Seconds per run,
 * so the ablation table can try what a node run (minutes) cannot; the served figures come from the node through
 * the API ({@code MovieLensBench}). Simplifications, said here so no figure is mistaken for the node's: one
 * stream instead of a partition per user hash, one row per movie (the node's cold tier holds ~9k movies in 262k
 * buckets: nearly no collisions), θ stepped by scalar Adagrad.
 */
public final class OfflineLearner {

  /** What a run varies. */
  public record Settings(float tau, float learningRate, double startAlpha, boolean logQ, boolean maskUser,
      boolean userIdRows, int batchPositives, int groupSize, Duration halfLife, int historyPerUser, int passes,
      double likeThreshold, float initialAccumulator) {
    /**
     * The bench's node: the defaults (application.conf: τ 0.1 online and in full retraining, rate 0.05, Adagrad accumulators from 0.001, cold a
     * 0.3, no user-ID rows, groups of 128, 50 positives of history) with the bench's history half-life of 365 d.
     * Batches of 512 positives: the node's learner.batch-positives (a learner behind the stream fills its batches
     * to it), and what full retraining applies per batch.
     */
    public static Settings nodeDefaults() {
      return new Settings(0.1f, 0.05f, 0.3, true, true, false, 512, 128, Duration.ofDays(365), 50, 1, 4.0, 0.001f);
    }

    public Settings withInitialAccumulator(float v) {
      return new Settings(tau, learningRate, startAlpha, logQ, maskUser, userIdRows, batchPositives, groupSize,
          halfLife, historyPerUser, passes, likeThreshold, v);
    }

    public Settings withTau(float v) {
      return new Settings(v, learningRate, startAlpha, logQ, maskUser, userIdRows, batchPositives, groupSize, halfLife, historyPerUser, passes, likeThreshold, initialAccumulator);
    }

    public Settings withLearningRate(float v) {
      return new Settings(tau, v, startAlpha, logQ, maskUser, userIdRows, batchPositives, groupSize, halfLife, historyPerUser, passes, likeThreshold, initialAccumulator);
    }

    public Settings withStartAlpha(double v) {
      return new Settings(tau, learningRate, v, logQ, maskUser, userIdRows, batchPositives, groupSize, halfLife, historyPerUser, passes, likeThreshold, initialAccumulator);
    }

    public Settings withLogQ(boolean v) {
      return new Settings(tau, learningRate, startAlpha, v, maskUser, userIdRows, batchPositives, groupSize, halfLife, historyPerUser, passes, likeThreshold, initialAccumulator);
    }

    public Settings withMaskUser(boolean v) {
      return new Settings(tau, learningRate, startAlpha, logQ, v, userIdRows, batchPositives, groupSize, halfLife, historyPerUser, passes, likeThreshold, initialAccumulator);
    }

    public Settings withUserIdRows(boolean v) {
      return new Settings(tau, learningRate, startAlpha, logQ, maskUser, v, batchPositives, groupSize, halfLife, historyPerUser, passes, likeThreshold, initialAccumulator);
    }

    public Settings withBatchPositives(int v) {
      return new Settings(tau, learningRate, startAlpha, logQ, maskUser, userIdRows, v, groupSize, halfLife, historyPerUser, passes, likeThreshold, initialAccumulator);
    }

    public Settings withGroupSize(int v) {
      return new Settings(tau, learningRate, startAlpha, logQ, maskUser, userIdRows, batchPositives, v, halfLife, historyPerUser, passes, likeThreshold, initialAccumulator);
    }

    public Settings withHalfLife(Duration v) {
      return new Settings(tau, learningRate, startAlpha, logQ, maskUser, userIdRows, batchPositives, groupSize, v, historyPerUser, passes, likeThreshold, initialAccumulator);
    }

    public Settings withHistoryPerUser(int v) {
      return new Settings(tau, learningRate, startAlpha, logQ, maskUser, userIdRows, batchPositives, groupSize, halfLife, v, passes, likeThreshold, initialAccumulator);
    }

    public Settings withPasses(int v) {
      return new Settings(tau, learningRate, startAlpha, logQ, maskUser, userIdRows, batchPositives, groupSize, halfLife, historyPerUser, v, likeThreshold, initialAccumulator);
    }

    public Settings withLikeThreshold(double v) {
      return new Settings(tau, learningRate, startAlpha, logQ, maskUser, userIdRows, batchPositives, groupSize, halfLife, historyPerUser, passes, v, initialAccumulator);
    }

  }

  private static final int DIM = 32;
  private static final int FEATURE_ROWS = 65_536;

  private final Settings s;
  private final HoldOutSplit split;
  private final Map<Integer, Integer> movieIndex = new HashMap<>();
  private final List<Movie> movies;
  private final float[][] textHead;
  private final int[][] featureRows;
  private final float[][] featureWeights;
  private final MetaEncoder encoder;
  private final RowBlock itemRows;
  private final RowBlock features;
  private final RowBlock users;
  private final DeltaKernel itemKernel;
  private final DeltaKernel featureKernel;
  private final DeltaKernel userKernel;
  private final FrequencyEstimator frequency;
  private final UserTower tower;
  private final Map<Integer, Integer> userIndex = new HashMap<>();
  private final Map<Integer, ArrayDeque<Rating>> histories = new HashMap<>();
  private double theta;
  /** The user side's gradient also reaches the items of the history mean (no stop-gradient). */
  private final boolean historyGradient;
  /** The release year (from the title) as one more tag. */
  private final boolean yearFeature;
  /** A positive's history includes the user's earlier positives of its own batch (the node does). */
  private final boolean inBatchHistory;
  private double thetaAccumulator;
  /** The temperature of the steps being taken: the settings' online, full retraining's own. */
  private float stepTau;
  private long batches;

  /**
   * What the ablation varies beyond the settings: the gradient into history items (learner.history-gradient),
   * the release year as a tag (not in the node), history from the batch itself (as the node) and the epochs of
   * full retraining after the online pass.
   */
  public record Variant(boolean historyGradient, boolean yearFeature, boolean inBatchHistory, int retrainEpochs) {
    public static final Variant NODE = new Variant(true, false, true, 0);
  }

  public OfflineLearner(MovieLensData data, HoldOutSplit split, TextEncoder text, Settings settings, Variant variant) {
    this.s = settings;
    this.historyGradient = variant.historyGradient();
    this.yearFeature = variant.yearFeature();
    this.inBatchHistory = variant.inBatchHistory();
    this.split = split;
    this.movies = data.movies();
    this.encoder = new MetaEncoder(new MetaEncoder.Config(text.dim(), 128, DIM, 64, 1835365473L));
    int n = movies.size();
    textHead = new float[n][];
    featureRows = new int[n][];
    featureWeights = new float[n][];
    ItemHasher hasher = new ItemHasher(0x66656174);
    for (int i = 0; i < n; i++) {
      Movie m = movies.get(i);
      movieIndex.put(m.movieId(), i);
      float[] encoded = text.encode(m.title());
      textHead[i] = encoded == null ? null : encoder.head(encoded);
      List<String> keys = keys(i);
      featureRows[i] = keys.stream().mapToInt(k -> hasher.bucket(k, FEATURE_ROWS)).toArray();
      featureWeights[i] = encoder.featureWeights(keys);
    }
    itemRows = new RowBlock(n, DIM, 461845907L, 0, 0.05f, s.initialAccumulator());
    features = new RowBlock(FEATURE_ROWS, DIM, 1664525L, 0, 0f, s.initialAccumulator());
    users = new RowBlock(Math.max(1, data.ratings().stream().mapToInt(Rating::userId).max().orElse(0) + 1), DIM,
        1013904223L, 0, 0f, s.initialAccumulator());
    itemKernel = new DeltaKernel(new RowwiseAdagrad(s.learningRate(), 1e-8f), DIM);
    featureKernel = new DeltaKernel(new RowwiseAdagrad(s.learningRate(), 1e-8f), DIM);
    userKernel = new DeltaKernel(new RowwiseAdagrad(s.learningRate(), 1e-8f), DIM);
    frequency = new FrequencyEstimator(4, 2048, 0x51ed2701, 0.05, 1e-6);
    tower = new UserTower(DIM, s.halfLife());
    theta = Fusion.thetaFor(s.startAlpha());
    stepTau = s.tau();
  }

  /** Learns from the training stream's likes, in time order, {@code passes} times. */
  public OfflineLearner train() {
    List<Rating> likes = split.training().stream().filter(r -> r.rating() >= s.likeThreshold()).toList();
    for (int pass = 0; pass < s.passes(); pass++) {
      histories.clear();
      for (int from = 0; from < likes.size(); from += s.batchPositives()) {
        learnBatch(likes.subList(from, Math.min(likes.size(), from + s.batchPositives())));
      }
    }
    return this;
  }

  /** The served vector of a movie: {@code normalise(a·h + (1−a)·m)}. */
  public float[] vector(int movieId) {
    int i = movieIndex.get(movieId);
    return Fusion.forward(hashRow(i), meta(i), theta).vector();
  }

  /** As recall serves it: the decayed mean of the user's newest training likes plus the user-ID row. */
  public float[] userVector(int userId, int newestLikes) {
    List<Rating> liked = split.training().stream()
        .filter(r -> r.userId() == userId && r.rating() >= s.likeThreshold()).toList();
    List<UserTower.Signal> signals = new ArrayList<>();
    for (Rating r : liked.subList(Math.max(0, liked.size() - newestLikes), liked.size())) {
      signals.add(new UserTower.Signal(vector(r.movieId()), 2.0, r.timestampSeconds() * 1000));
    }
    return tower.userVector(signals, UserTower.NEWEST, s.userIdRows() ? userRow(userId) : null);
  }

  private List<String> keys(int i) {
    Movie m = movies.get(i);
    List<String> tags = new ArrayList<>(m.genres());
    java.util.regex.Matcher y = java.util.regex.Pattern.compile("\\((\\d{4})\\)\\s*$").matcher(m.title());
    if (yearFeature && y.find()) tags.add("year " + (Integer.parseInt(y.group(1)) / 3 * 3));
    return encoder.featureKeys(tags, m.genres().isEmpty() ? null : m.genres().get(0), null);
  }

  public double alpha() {
    return Fusion.alpha(theta);
  }

  /**
   * Full retraining's math: {@code epochs} shuffled passes over the training window after whatever was learned,
   * each positive's history the user's other likes of the window (newest {@code historyPerUser}, decayed from the
   * user's newest event, as recall builds it).
   */
  public OfflineLearner retrain(int epochs, long seed) {
    return retrain(epochs, seed, TRAINING_TAU);
  }

  /** The node's {@code training.tau}. */
  public static final float TRAINING_TAU = 0.1f;

  public OfflineLearner retrain(int epochs, long seed, float tau) {
    stepTau = tau;
    List<Rating> likes = new ArrayList<>(split.training().stream().filter(r -> r.rating() >= s.likeThreshold()).toList());
    Map<Integer, List<Rating>> byUser = new HashMap<>();
    for (Rating r : likes) byUser.computeIfAbsent(r.userId(), u -> new ArrayList<>()).add(r);
    java.util.Random random = new java.util.Random(seed);
    for (int epoch = 0; epoch < epochs; epoch++) {
      java.util.Collections.shuffle(likes, random);
      for (int from = 0; from < likes.size(); from += s.batchPositives()) {
        List<Rating> batch = likes.subList(from, Math.min(likes.size(), from + s.batchPositives()));
        learnBatch(batch, r -> {
          List<Rating> all = byUser.get(r.userId());
          List<Rating> out = new ArrayList<>();
          for (int k = all.size() - 1; k >= 0 && out.size() < s.historyPerUser(); k--) {
            if (all.get(k) != r) out.add(all.get(k));
          }
          return out;
        }, UserTower.NEWEST);
      }
    }
    return this;
  }

  private void learnBatch(List<Rating> batch) {
    learnBatch(batch, null, 0);
  }

  private void learnBatch(List<Rating> batch, java.util.function.Function<Rating, List<Rating>> windowHistory,
      long windowNow) {
    Map<Integer, Integer> index = new HashMap<>();
    List<Integer> items = new ArrayList<>();
    for (Rating r : batch) index.computeIfAbsent(movieIndex.get(r.movieId()), i -> {
      items.add(i);
      return items.size() - 1;
    });
    float[][] vectors = new float[movies.size()][];
    List<OnlineStep.ItemInput> inputs = new ArrayList<>();
    for (int i : items) inputs.add(new OnlineStep.ItemInput("m" + movies.get(i).movieId(), hashRow(i), 0, meta(i)));
    List<OnlineStep.Example> examples = new ArrayList<>();
    List<int[]> historyItems = new ArrayList<>();
    List<double[]> historyWeights = new ArrayList<>();
    for (Rating r : batch) {
      java.util.Collection<Rating> h = windowHistory != null ? windowHistory.apply(r)
          : histories.computeIfAbsent(r.userId(), u -> new ArrayDeque<>());
      long now = windowHistory != null ? windowNow : r.timestampSeconds() * 1000;
      List<UserTower.Signal> signals = new ArrayList<>();
      int[] hist = new int[h.size()];
      int n = 0;
      for (Rating e : h) {
        int j = movieIndex.get(e.movieId());
        hist[n++] = j;
        if (vectors[j] == null) vectors[j] = Fusion.forward(hashRow(j), meta(j), theta).vector();
        signals.add(new UserTower.Signal(vectors[j], 2.0, e.timestampSeconds() * 1000));
      }
      historyItems.add(hist);
      historyWeights.add(tower.meanWeights(signals, now));
      examples.add(new OnlineStep.Example(index.get(movieIndex.get(r.movieId())),
          tower.historyVector(signals, now), s.userIdRows() ? userRow(r.userId()) : null, 2f,
          s.maskUser() ? "u" + r.userId() : null));
      if (windowHistory == null && inBatchHistory) remember((ArrayDeque<Rating>) h, r); // later examples of the batch see it, as in the node
    }
    if (windowHistory == null && !inBatchHistory) for (Rating r : batch) remember(histories.get(r.userId()), r);
    OnlineStep.Gradients g = new OnlineStep(DIM, stepTau, new double[] {theta}, s.logQ() ? frequency : null)
        .computeGrouped(new OnlineStep.Step(inputs, examples, null), s.groupSize());
    apply(items, batch, g, historyItems, historyWeights);
    batches++;
  }

  private void remember(ArrayDeque<Rating> history, Rating r) {
    history.addLast(r);
    if (history.size() > s.historyPerUser()) history.pollFirst();
  }

  private void apply(List<Integer> items, List<Rating> batch, OnlineStep.Gradients g, List<int[]> historyItems,
      List<double[]> historyWeights) {
    Sparse hash = new Sparse();
    Sparse feature = new Sparse();
    double historyTheta = 0;
    if (historyGradient) {
      // z = mean + row, so dL/dmean = dL/dz (what the user side returns for the row); item i owes w_i of it.
      for (int b = 0; b < batch.size(); b++) {
        float[] gz = g.userIdRow()[b];
        double[] w = historyWeights.get(b);
        if (gz == null || w == null) continue;
        int[] hist = historyItems.get(b);
        for (int k = 0; k < hist.length; k++) {
          if (w[k] == 0) continue;
          int i = hist[k];
          float[] gf = new float[DIM];
          for (int d = 0; d < DIM; d++) gf[d] = (float) (w[k] * gz[d]);
          Fusion.Gradients fg = Fusion.forward(hashRow(i), meta(i), theta).backward(gf);
          hash.add(i, fg.hash(), 1f);
          if (fg.meta() != null) {
            for (int f = 0; f < featureRows[i].length; f++) feature.add(featureRows[i][f], fg.meta(), featureWeights[i][f]);
          }
          historyTheta += fg.theta();
        }
      }
    }
    for (int j = 0; j < items.size(); j++) {
      int i = items.get(j);
      if (g.hash()[j] != null) hash.add(i, g.hash()[j], 1f);
      if (g.meta()[j] != null) {
        for (int k = 0; k < featureRows[i].length; k++) feature.add(featureRows[i][k], g.meta()[j], featureWeights[i][k]);
      }
    }
    Sparse user = new Sparse();
    if (s.userIdRows()) {
      for (int b = 0; b < batch.size(); b++) {
        if (g.userIdRow()[b] != null) user.add(batch.get(b).userId(), g.userIdRow()[b], 1f);
      }
    }
    hash.applyTo(itemRows, itemKernel, batches * 3);
    feature.applyTo(features, featureKernel, batches * 3 + 1);
    user.applyTo(users, userKernel, batches * 3 + 2);
    double gt = g.theta()[0] + historyTheta;
    thetaAccumulator += gt * gt;
    theta -= s.learningRate() * gt / Math.sqrt(thetaAccumulator + 1e-8);
  }

  private float[] hashRow(int i) {
    float[] row = new float[DIM];
    itemRows.readRow(i, row, 0);
    return row;
  }

  private float[] userRow(int userId) {
    float[] row = new float[DIM];
    users.readRow(userId, row, 0);
    return row;
  }

  private float[] meta(int i) {
    float[][] rows = new float[featureRows[i].length][DIM];
    for (int k = 0; k < rows.length; k++) features.readRow(featureRows[i][k], rows[k], 0);
    List<String> keys = keys(i);
    return encoder.forwardFromHead(textHead[i], keys, rows, null);
  }

  /** Row gradients of one table; repeated rows are summed by the kernel. */
  private static final class Sparse {
    private final List<Integer> rows = new ArrayList<>();
    private final List<float[]> values = new ArrayList<>();

    void add(int row, float[] grad, float weight) {
      float[] v = new float[grad.length];
      for (int k = 0; k < v.length; k++) v[k] = weight * grad[k];
      rows.add(row);
      values.add(v);
    }

    void applyTo(RowBlock block, DeltaKernel kernel, long seed) {
      if (rows.isEmpty()) return;
      float[] flat = new float[rows.size() * DIM];
      for (int r = 0; r < rows.size(); r++) System.arraycopy(values.get(r), 0, flat, r * DIM, DIM);
      kernel.adagrad(block, rows.stream().mapToInt(Integer::intValue).toArray(), flat, seed).applyTo(block);
    }
  }

  /** Scores the learned vectors on the protocol: exact ranking with the served user vector. */
  public Accuracy evaluate(String name) {
    return evaluate(name, 100);
  }

  /** @param newestLikes how many of the user's newest training likes make the user vector */
  public Accuracy evaluate(String name, int newestLikes) {
    Accuracy a = new Accuracy(name);
    Map<Integer, float[]> item = new HashMap<>();
    for (Movie m : movies) item.put(m.movieId(), vector(m.movieId()));
    for (var e : split.warmTestLikes().entrySet()) {
      float[] u = userVector(e.getKey(), newestLikes);
      var seen = split.trainingMovies(e.getKey());
      a.addWarm(u == null ? List.of() : Ranking.top(split.warmMovies(), m -> dot(u, item.get(m)), seen::contains, 50),
          e.getValue());
    }
    for (var e : split.heldOutLikes().entrySet()) {
      float[] u = userVector(e.getKey(), newestLikes);
      a.addNew(u == null ? List.of() : Ranking.top(split.heldOutMovies(), m -> dot(u, item.get(m)), m -> false, 10),
          e.getValue());
    }
    return a;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) s += a[k] * b[k];
    return s;
  }
}
