package simulation;

import embedding.DeltaKernel;
import embedding.ItemHasher;
import embedding.RowBlock;
import embedding.RowInit;
import embedding.RowwiseAdagrad;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import model.FrequencyEstimator;
import model.Fusion;
import model.InteractionWeights;
import model.OnlineStep;
import model.RetrainingOrder;
import model.ScalarAdagrad;
import model.UploaderMeans;
import model.UserSide;
import model.UserTower;
import model.Vectors;

// One file on purpose (over 400 lines): a single-threaded mirror of the whole learner pipeline (rows, user
// histories, tiering, gradients) over tables it owns; its steps read and write the same tables in one order,
// which is what the quality bench compares against the node's learner, so it reads best top to bottom.
/**
 * The online learner's math on in-memory tables, for the quality bench and the learner tests: the same
 * {@link OnlineStep} the actor-based learner calls, with rows in {@link RowBlock}s (fp16 rows, one Adagrad
 * accumulator per row) updated through {@link DeltaKernel} (row-wise Adagrad, stochastic rounding).
 *
 * <p>Per micro-batch of positives: fetch the rows of its items (the positives and {@code extraNegatives}
 * uniform items of the catalogue so far) and users, compute the user history means (the decayed mean of the
 * current vectors of each user's recent positives, a constant for learning), {@link OnlineStep#compute}, apply
 * the row gradients, step θ, observe the positives in the {@link FrequencyEstimator}, and only then add the
 * positives to the users' histories (a positive never sits in its own user's history). Impressions count
 * exposure, which assigns tiers every {@code retierEvery} positives: the most exposed items get exclusive hot
 * slots (row copied from their bucket on promotion), the next ones are medium, the rest (and every new item) cold.
 *
 * <p>Not thread-safe.
 */
public final class InMemoryTrainer implements Evaluation.VectorModel {

  /** The five configurations of the quality bench. */
  public enum Variant {
    /** Untrained random item rows (one per item); user vectors are history means of those. */
    RANDOM_INIT("random init (no training)"),
    /** The seed design: trained hash rows only (a = 1); every item without interactions gets one shared vector. */
    SHARED_DEFAULT("shared default for new items (seed)"),
    /** f = normalise(m): trained feature rows (tags, category, uploader) over the frozen text head; a = 0. */
    METADATA_ONLY("metadata only (a = 0)"),
    /** Thermocline: hot slots + hashed buckets fused with m, a_t = sigmoid(θ_t) learned per tier. */
    FUSED("fused (Thermocline)"),
    /** As FUSED but one row per item (no hashing, no collisions): the upper bound. */
    FULL_TABLE("full table, no hashing");

    private final String label;

    Variant(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    boolean learns() {
      return this != RANDOM_INIT;
    }

    boolean usesMeta() {
      return this == METADATA_ONLY || this == FUSED || this == FULL_TABLE;
    }

    boolean hashedTable() {
      return this == SHARED_DEFAULT || this == FUSED;
    }

    boolean learnsTheta() {
      return this == FUSED || this == FULL_TABLE;
    }
  }

  /** Reported every {@code reportEvery} batches: totals so far and the mean loss since the last report. */
  public record Progress(long events, long positives, long batches, double meanLoss) {}

  static final int HOT = 0;
  static final int MEDIUM = 1;
  static final int COLD = 2;
  private static final double[] START_ALPHA = {0.8, 0.55, 0.3};
  private static final int[] NO_ROWS = new int[0];
  private static final float[] NO_WEIGHTS = new float[0];

  private final SyntheticWorld world;
  private final ItemFeatures features;
  private final TrainerConfig config;
  private final Variant variant;
  private final int dim;
  private final InteractionWeights interactionWeights = InteractionWeights.defaults();

  private final RowBlock itemRows; // full table (one row per item) or hashed buckets
  private final RowBlock hotRows; // exclusive slots of the hashed variants (null otherwise)
  private final RowBlock featureRows;
  private final RowBlock userRows;
  private final DeltaKernel itemKernel;
  private final DeltaKernel featureKernel;
  private final DeltaKernel userKernel;
  private final ScalarAdagrad thetaOptimizer;
  private final double[] theta = new double[3];
  private final double[] thetaAccumulator = new double[3];
  private final FrequencyEstimator frequency;
  private final UploaderMeans uploaderMeans;
  private final UserTower tower;
  private final UserSide userSide;

  private final int bucketCount;
  private final int hotCount;
  private final int mediumCount;
  private final int[] bucket;
  private final int[] hotSlot;
  private final int[] hotOwner;
  private final byte[] tier;
  private final int[] exposure;
  private final int[] positives;

  private final int[] historyItems; // users × historyLength ring buffers
  private final float[] historyWeights;
  private final long[] historyTs;
  private final int[] historySize;
  private final int[] historyNext;

  private final SplittableRandom random;
  private int createdItems;
  private long events;
  private long positiveEvents;
  private long batches;
  private long lastTs;
  private long positivesAtLastRetier;
  private float[] sharedDefault;
  private final List<Double> lossLog = new ArrayList<>();

  public InMemoryTrainer(SyntheticWorld world, ItemFeatures features, TrainerConfig config) {
    if (features.dim() != config.dim()) {
      throw new IllegalArgumentException("features give d = " + features.dim() + ", config has dim " + config.dim());
    }
    this.world = world;
    this.features = features;
    this.config = config;
    this.variant = config.variant();
    this.dim = config.dim();
    int items = world.itemCount();
    long seed = config.seed();

    int budget = (int) Math.max(1, Math.ceil(items / config.itemsPerRow()));
    this.hotCount = variant.hashedTable() && config.exclusiveHot()
        ? (int) Math.min(budget - 1, Math.round(budget * config.hotShare())) : 0;
    int tiersHot = (int) Math.round(budget * config.hotShare()); // the full table tiers the same items for θ
    this.mediumCount = (int) Math.round(tiersHot * config.mediumMultiple());
    this.bucketCount = variant.hashedTable() ? budget - hotCount : items;
    this.itemRows = new RowBlock(bucketCount, dim, RowInit.mix(seed, 1), 0, config.rowInitStd(), 0f);
    this.hotRows = hotCount > 0 ? new RowBlock(hotCount, dim, RowInit.mix(seed, 2), 0, config.rowInitStd(), 0f) : null;
    // Feature rows start near zero (m starts as the text head) but not at zero: a zero m has no direction to learn.
    this.featureRows = new RowBlock(features.featureRows(), dim, RowInit.mix(seed, 3), 0, 0.01f, 0f);
    this.userRows = new RowBlock(world.userCount(), dim, RowInit.mix(seed, 4), 0, 0f, 0f); // UserSide: start at 0
    this.itemKernel = new DeltaKernel(new RowwiseAdagrad(config.rowLearningRate(), 1e-8f), dim);
    this.featureKernel = new DeltaKernel(new RowwiseAdagrad(config.featureLearningRate(), 1e-8f), dim);
    this.userKernel = new DeltaKernel(new RowwiseAdagrad(config.userLearningRate(), 1e-8f), dim);
    this.thetaOptimizer = new ScalarAdagrad(config.thetaLearningRate(), 1e-8);
    for (int t = 0; t < 3; t++) theta[t] = Fusion.thetaFor(START_ALPHA[t]);
    this.frequency = new FrequencyEstimator(2, frequencyWidth(), (int) RowInit.mix(seed, 5), 0.05, 1e-7);
    this.uploaderMeans = new UploaderMeans(dim, 1 << 20, 100);
    this.tower = new UserTower(dim, config.historyHalfLife());
    this.userSide = new UserSide(dim);

    this.bucket = new int[items];
    if (variant.hashedTable()) {
      ItemHasher hasher = new ItemHasher((int) RowInit.mix(seed, 6));
      for (int i = 0; i < items; i++) bucket[i] = hasher.bucket(world.itemId(i), bucketCount);
    } else {
      for (int i = 0; i < items; i++) bucket[i] = i;
    }
    this.hotSlot = new int[items];
    Arrays.fill(hotSlot, -1);
    this.hotOwner = new int[hotCount];
    Arrays.fill(hotOwner, -1);
    this.tier = new byte[items];
    Arrays.fill(tier, (byte) COLD);
    this.exposure = new int[items];
    this.positives = new int[items];

    int users = world.userCount();
    int h = config.historyLength();
    this.historyItems = new int[users * h];
    this.historyWeights = new float[users * h];
    this.historyTs = new long[users * h];
    this.historySize = new int[users];
    this.historyNext = new int[users];
    this.random = new SplittableRandom(RowInit.mix(seed, 7));
  }

  private int frequencyWidth() {
    return Integer.highestOneBit(Math.max(1024, Math.min(1 << 22, 2 * world.itemCount())) - 1) << 1;
  }

  public TrainerConfig config() {
    return config;
  }

  /** Rows of the item table(s): buckets + hot slots, or one per item for the full table. */
  public long itemTableRows() {
    return variant == Variant.METADATA_ONLY ? 0 : (long) bucketCount + hotCount;
  }

  public int hotSlots() {
    return hotCount;
  }

  /** a_t = sigmoid(θ_t) for hot, medium, cold. */
  public double[] alphas() {
    double[] a = new double[3];
    for (int t = 0; t < 3; t++) a[t] = Fusion.alpha(theta[t]);
    return a;
  }

  /** Mean loss of each reporting window, in order (progressive validation: a batch's loss before its update). */
  public List<Double> lossLog() {
    return List.copyOf(lossLog);
  }

  public long positiveEvents() {
    return positiveEvents;
  }

  /**
   * Consumes the stream; reports every {@code reportEvery} batches (and at the end) through {@code progress}
   * (may be null).
   */
  public void train(Iterator<SimEvent> stream, int reportEvery, Consumer<Progress> progress) {
    consume(stream, reportEvery, progress, variant.learns());
  }

  /**
   * Consumes the stream without learning: user histories, exposures, tiers and the frequency estimate only. The
   * model then is the variant at initialisation, seen through the users' histories (the "before" of a curve).
   */
  public void observe(Iterator<SimEvent> stream) {
    consume(stream, Integer.MAX_VALUE, null, false);
  }

  private void consume(Iterator<SimEvent> stream, int reportEvery, Consumer<Progress> progress, boolean learn) {
    if (reportEvery < 1) throw new IllegalArgumentException("reportEvery must be >= 1, got " + reportEvery);
    List<SimEvent> batch = new ArrayList<>(config.batchSize());
    double lossSum = 0;
    int lossBatches = 0;
    while (stream.hasNext()) {
      SimEvent e = stream.next();
      events++;
      lastTs = e.tsMillis();
      while (createdItems < world.itemCount() && world.createdAt(createdItems) <= e.tsMillis()) createdItems++;
      if (e.type() == SimEvent.Type.IMPRESSION) {
        exposure[e.item()]++;
        continue;
      }
      if (interactionWeights.weight(e.type().wireName()) <= 0) continue;
      batch.add(e);
      if (batch.size() < config.batchSize()) continue;
      double loss = step(batch, learn);
      batch.clear();
      if (!Double.isNaN(loss)) {
        lossSum += loss;
        lossBatches++;
      }
      if (positiveEvents - positivesAtLastRetier >= config.retierEvery()) retier();
      if (batches % reportEvery == 0) {
        report(progress, lossSum, lossBatches);
        lossSum = 0;
        lossBatches = 0;
      }
    }
    if (!batch.isEmpty()) {
      double loss = step(batch, learn);
      if (!Double.isNaN(loss)) {
        lossSum += loss;
        lossBatches++;
      }
    }
    if (lossBatches > 0) report(progress, lossSum, lossBatches);
    sharedDefault = null; // recomputed from the trained rows when asked
  }

  private void report(Consumer<Progress> progress, double lossSum, int lossBatches) {
    double mean = lossBatches == 0 ? Double.NaN : lossSum / lossBatches;
    if (lossBatches > 0) lossLog.add(mean);
    if (progress != null) progress.accept(new Progress(events, positiveEvents, batches, mean));
  }

  /** One micro-batch; returns its loss (NaN when nothing was learned from it). */
  private double step(List<SimEvent> batch, boolean learn) {
    batches++;
    positiveEvents += batch.size();
    double loss = Double.NaN;
    if (learn) {
      loss = learn(batch);
    } else {
      for (SimEvent e : batch) frequency.observe(world.itemId(e.item())); // a statistic of the stream, not learning
    }
    for (SimEvent e : batch) {
      positives[e.item()]++;
      remember(e.user(), e.item(), (float) interactionWeights.weight(e.type().wireName()), e.tsMillis());
    }
    return loss;
  }

  private double learn(List<SimEvent> batch) {
    return learn(batch, this::historyMean, frequency);
  }

  /** Where an example's history mean comes from: the user's stream so far (online) or the training window. */
  @FunctionalInterface
  private interface Histories {
    float[] mean(int user, SimEvent example, Map<Integer, float[]> vectorCache);
  }

  private float[] historyMean(int user, SimEvent example, Map<Integer, float[]> cache) {
    return historyMean(user, example.tsMillis(), cache);
  }

  private double learn(List<SimEvent> batch, Histories histories, FrequencyEstimator estimator) {
    Prepared p = prepare(batch, histories);
    OnlineStep.Gradients g = new OnlineStep(dim, config.tau(), theta, config.logQCorrection() ? estimator : null)
        .compute(p.step);
    applyItemGradients(p.items, p.metas, g);
    applyUserGradients(p.users, g);
    if (variant.learnsTheta()) thetaOptimizer.apply(theta, thetaAccumulator, g.theta());
    OnlineStep.observePositives(p.step, estimator);
    if (variant.usesMeta()) {
      for (OnlineStep.Example ex : p.step.examples()) {
        int item = p.items.get(ex.positive());
        float[] f = g.itemVectors()[ex.positive()];
        if (features.hasMetadata(item) && f != null) uploaderMeans.add(features.uploader(item), f);
      }
    }
    return g.loss();
  }

  /**
   * Full retraining after what was learned, as the node's ({@code learner.FullRetraining}) in the same
   * {@link RetrainingOrder}: {@code epochs} shuffled passes over the window's positives with a fresh frequency
   * estimator primed by one shuffled pass, each example's history its user's other positives of the window (the
   * newest {@code historyLength}, decayed from the user's newest one), every parameter stepped (rows, features, user
   * rows, θ). Tiers stay as they are. As online here, no gradient into the history items (the node's learner has
   * one: the replica's figures are its own).
   *
   * @param window the positives to retrain on (e.g. the whole stream's)
   */
  public void retrain(List<SimEvent> window, int epochs, long seed) {
    if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    RetrainingOrder<Integer, SimEvent> order = new RetrainingOrder<>(window, seed, SimEvent::user, SimEvent::tsMillis);
    FrequencyEstimator estimator = new FrequencyEstimator(2, frequencyWidth(), (int) RowInit.mix(seed, 5), 0.05, 1e-7);
    for (SimEvent e : order.primer()) estimator.observe(world.itemId(e.item()));
    Map<Integer, List<SimEvent>> byUser = order.byUser();
    Histories windowHistory = (user, example, cache) ->
        windowMean(RetrainingOrder.others(byUser.get(user), example), cache);
    for (int epoch = 0; epoch < epochs; epoch++) {
      List<SimEvent> pass = order.nextEpoch();
      for (int from = 0; from < pass.size(); from += config.batchSize()) {
        batches++;
        learn(pass.subList(from, Math.min(pass.size(), from + config.batchSize())), windowHistory, estimator);
      }
    }
    sharedDefault = null;
  }

  /** The decayed mean (from the newest) of the newest {@code historyLength} of a user's window positives. */
  private float[] windowMean(List<SimEvent> others, Map<Integer, float[]> cache) {
    List<UserTower.Signal> signals = new ArrayList<>();
    for (SimEvent e : others.subList(Math.max(0, others.size() - config.historyLength()), others.size())) {
      float[] f = cache.computeIfAbsent(e.item(), this::currentVector);
      if (f != null) {
        signals.add(new UserTower.Signal(f, interactionWeights.weight(e.type().wireName()), e.tsMillis()));
      }
    }
    return signals.isEmpty() ? null : tower.decayedMean(signals, UserTower.NEWEST);
  }

  /**
   * Mean in-batch softmax loss of {@code positives} (cut into micro-batches) under the current parameters,
   * without learning: a held-out loss. Histories are those of the stream consumed so far.
   */
  public double heldOutLoss(List<SimEvent> positives) {
    double sum = 0;
    int n = 0;
    for (int from = 0; from < positives.size(); from += config.batchSize()) {
      List<SimEvent> batch = positives.subList(from, Math.min(positives.size(), from + config.batchSize()));
      Prepared p = prepare(batch, this::historyMean);
      sum += new OnlineStep(dim, config.tau(), theta, config.logQCorrection() ? frequency : null)
          .compute(p.step).loss() * batch.size();
      n += batch.size();
    }
    if (n == 0) throw new IllegalArgumentException("positives must not be empty");
    return sum / n;
  }

  /** A micro-batch ready for {@link OnlineStep}: its step, the world index of each item and user. */
  private record Prepared(OnlineStep.Step step, List<Integer> items, MetaInput[] metas, int[] users) {}

  private Prepared prepare(List<SimEvent> batch, Histories histories) {
    Map<Integer, Integer> index = new HashMap<>();
    List<Integer> itemList = new ArrayList<>();
    for (SimEvent e : batch) {
      if (!e.type().positive()) throw new IllegalArgumentException("batch holds a " + e.type() + ", not a positive");
      index.computeIfAbsent(e.item(), i -> add(itemList, i));
    }
    int[] extras = new int[Math.min(config.extraNegatives(), Math.max(0, createdItems - index.size()))];
    for (int x = 0; x < extras.length; x++) {
      int item;
      do {
        item = random.nextInt(createdItems);
      } while (index.containsKey(item));
      index.put(item, itemList.size());
      itemList.add(item);
      extras[x] = itemList.size() - 1;
    }

    List<OnlineStep.ItemInput> inputs = new ArrayList<>(itemList.size());
    MetaInput[] metas = new MetaInput[itemList.size()];
    for (int j = 0; j < itemList.size(); j++) {
      int item = itemList.get(j);
      if (variant == Variant.METADATA_ONLY) {
        // f = normalise(m): m enters as the "hash" with no meta, so fusion uses it alone and its gradient is dL/dm.
        metas[j] = meta(item);
        inputs.add(new OnlineStep.ItemInput(world.itemId(item), metas[j].vector, tier[item], null));
      } else if (variant.usesMeta()) {
        metas[j] = meta(item);
        inputs.add(new OnlineStep.ItemInput(world.itemId(item), hashRow(item), tier[item], metas[j].vector));
      } else {
        inputs.add(new OnlineStep.ItemInput(world.itemId(item), hashRow(item), tier[item], null));
      }
    }

    Map<Integer, float[]> vectorCache = new HashMap<>();
    List<OnlineStep.Example> examples = new ArrayList<>(batch.size());
    int[] users = new int[batch.size()];
    for (int b = 0; b < batch.size(); b++) {
      SimEvent e = batch.get(b);
      users[b] = e.user();
      float[] idRow = new float[dim];
      userRows.readRow(e.user(), idRow, 0);
      examples.add(new OnlineStep.Example(index.get(e.item()), histories.mean(e.user(), e, vectorCache),
          idRow, (float) interactionWeights.weight(e.type().wireName())));
    }
    return new Prepared(new OnlineStep.Step(inputs, examples, extras, createdItems), itemList, metas, users);
  }

  private static int add(List<Integer> list, int item) {
    list.add(item);
    return list.size() - 1;
  }

  private void applyItemGradients(List<Integer> itemList, MetaInput[] metas, OnlineStep.Gradients g) {
    RowGradients itemGrads = new RowGradients(dim);
    RowGradients hotGrads = new RowGradients(dim);
    RowGradients featureGrads = new RowGradients(dim);
    for (int j = 0; j < itemList.size(); j++) {
      int item = itemList.get(j);
      float[] gh = g.hash()[j];
      float[] gm = g.meta()[j];
      if (variant == Variant.METADATA_ONLY) {
        if (gh != null) featureGrads.addMeta(metas[j], gh);
        continue;
      }
      if (gh != null) {
        if (hotSlot[item] >= 0) hotGrads.add(hotSlot[item], gh, 1f); else itemGrads.add(bucket[item], gh, 1f);
      }
      if (gm != null && metas[j] != null) featureGrads.addMeta(metas[j], gm);
    }
    long b = batches;
    itemGrads.applyTo(itemRows, itemKernel, RowInit.mix(config.seed() ^ 11, b));
    if (hotRows != null) hotGrads.applyTo(hotRows, itemKernel, RowInit.mix(config.seed() ^ 12, b));
    featureGrads.applyTo(featureRows, featureKernel, RowInit.mix(config.seed() ^ 13, b));
  }

  private void applyUserGradients(int[] users, OnlineStep.Gradients g) {
    RowGradients userGrads = new RowGradients(dim);
    for (int b = 0; b < users.length; b++) {
      if (g.userIdRow()[b] != null) userGrads.add(users[b], g.userIdRow()[b], 1f);
    }
    userGrads.applyTo(userRows, userKernel, RowInit.mix(config.seed() ^ 14, batches));
  }

  /** Sparse gradients for one block: rows may repeat (the kernel sums them). */
  private static final class RowGradients {
    private final int dim;
    private int[] rows = new int[64];
    private float[] values;
    private int size;

    RowGradients(int dim) {
      this.dim = dim;
      this.values = new float[64 * dim];
    }

    void add(int row, float[] grad, float weight) {
      if (size == rows.length) {
        rows = Arrays.copyOf(rows, size * 2);
        values = Arrays.copyOf(values, size * 2 * dim);
      }
      rows[size] = row;
      for (int k = 0; k < dim; k++) values[size * dim + k] = weight * grad[k];
      size++;
    }

    /** dL/d(feature row) = weight of the row in m × dL/dm (as {@link model.MetaEncoder#featureGradients}). */
    void addMeta(MetaInput meta, float[] dMeta) {
      for (int k = 0; k < meta.rows.length; k++) add(meta.rows[k], dMeta, meta.weights[k]);
    }

    void applyTo(RowBlock block, DeltaKernel kernel, long roundingSeed) {
      if (size == 0) return;
      kernel.adagrad(block, Arrays.copyOf(rows, size), Arrays.copyOf(values, size * dim), roundingSeed).applyTo(block);
    }
  }

  /** An item's m and the feature rows it was built from (with their weights), for the gradient. */
  private record MetaInput(float[] vector, int[] rows, float[] weights) {}

  /**
   * m = head(text) + Σ weight_k · featureRow_k, as {@link model.MetaEncoder#forward} (the head output is cached).
   * Without metadata: the uploader's running mean of item vectors (a constant), else the learned default row.
   */
  private MetaInput meta(int item) {
    float[] m = new float[dim];
    if (!features.hasMetadata(item)) {
      float[] mean = uploaderMeans.mean(features.uploader(item));
      if (mean != null) return new MetaInput(mean, NO_ROWS, NO_WEIGHTS);
      featureRows.readRow(features.defaultRow(), m, 0);
      return new MetaInput(m, new int[] {features.defaultRow()}, new float[] {1f});
    }
    float[] head = features.head(item);
    if (head != null) System.arraycopy(head, 0, m, 0, dim);
    int[] rows = features.rows(item);
    float[] weights = features.weights(item);
    float[] row = new float[dim];
    for (int k = 0; k < rows.length; k++) {
      featureRows.readRow(rows[k], row, 0);
      for (int i = 0; i < dim; i++) m[i] += weights[k] * row[i];
    }
    return new MetaInput(m, rows, weights);
  }

  private float[] hashRow(int item) {
    float[] h = new float[dim];
    if (hotSlot[item] >= 0) hotRows.readRow(hotSlot[item], h, 0); else itemRows.readRow(bucket[item], h, 0);
    return h;
  }

  /** The item's current served vector f (unit length, or null when undefined). */
  private float[] currentVector(int item) {
    return switch (variant) {
      case RANDOM_INIT -> Vectors.normalizeOrNull(hashRow(item));
      case SHARED_DEFAULT -> positives[item] == 0 ? sharedDefault() : Vectors.normalizeOrNull(hashRow(item));
      case METADATA_ONLY -> Vectors.normalizeOrNull(meta(item).vector);
      case FUSED, FULL_TABLE -> {
        Fusion.Fused f = Fusion.forward(hashRow(item), meta(item).vector, theta[tier[item]]);
        yield f.norm() == 0 ? null : f.vector();
      }
    };
  }

  /** The seed's one vector for every item without interactions: the normalised mean of the trained item vectors. */
  private float[] sharedDefault() {
    if (sharedDefault == null) {
      float[] sum = new float[dim];
      for (int i = 0; i < createdItems; i++) {
        if (positives[i] == 0) continue;
        float[] f = Vectors.normalizeOrNull(hashRow(i));
        if (f != null) for (int k = 0; k < dim; k++) sum[k] += f[k];
      }
      sharedDefault = Vectors.normalizeOrNull(sum);
      if (sharedDefault == null) sharedDefault = new float[dim];
    }
    return sharedDefault;
  }

  private void remember(int user, int item, float weight, long ts) {
    int h = config.historyLength();
    int slot = user * h + historyNext[user];
    historyItems[slot] = item;
    historyWeights[slot] = weight;
    historyTs[slot] = ts;
    historyNext[user] = (historyNext[user] + 1) % h;
    historySize[user] = Math.min(h, historySize[user] + 1);
  }

  /** The decayed mean of the current vectors of the user's recent positives (UserTower), or null. */
  private float[] historyMean(int user, long now, Map<Integer, float[]> cache) {
    int n = historySize[user];
    if (n == 0) return null;
    int h = config.historyLength();
    List<UserTower.Signal> signals = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      int slot = user * h + k;
      int item = historyItems[slot];
      float[] f = cache.computeIfAbsent(item, this::currentVector);
      if (f != null) signals.add(new UserTower.Signal(f, historyWeights[slot], historyTs[slot]));
    }
    return tower.decayedMean(signals, now);
  }

  /**
   * Tiers by exposure so far: the {@code hotSlots} most exposed items are hot (hashed variants: they take an
   * exclusive slot, initialised from their bucket row so their vector does not jump), the next ones medium.
   */
  private void retier() {
    positivesAtLastRetier = positiveEvents;
    long[] packed = new long[createdItems];
    for (int i = 0; i < createdItems; i++) packed[i] = ((long) exposure[i] << 32) | i;
    Arrays.sort(packed);
    int hotTarget = variant.hashedTable() && config.exclusiveHot() ? hotCount : (int) Math.round(
        Math.max(1, Math.ceil(world.itemCount() / config.itemsPerRow())) * config.hotShare());
    byte[] next = new byte[createdItems];
    Arrays.fill(next, (byte) COLD);
    for (int r = 0; r < createdItems; r++) {
      long p = packed[createdItems - 1 - r];
      if ((p >>> 32) == 0) break; // never shown: stays cold
      int item = (int) p;
      if (r < hotTarget) next[item] = HOT;
      else if (r < hotTarget + mediumCount) next[item] = MEDIUM;
      else break;
    }
    if (hotRows != null) {
      List<Integer> free = new ArrayList<>();
      for (int s = 0; s < hotCount; s++) {
        int owner = hotOwner[s];
        if (owner < 0 || next[owner] != HOT) {
          if (owner >= 0) hotSlot[owner] = -1; // demoted: back to its bucket row, which kept learning from others
          hotOwner[s] = -1;
          free.add(s);
        }
      }
      float[] row = new float[dim];
      SplittableRandom rounding = new SplittableRandom(RowInit.mix(config.seed() ^ 15, batches));
      for (int i = 0; i < createdItems && !free.isEmpty(); i++) {
        if (next[i] != HOT || hotSlot[i] >= 0) continue;
        int s = free.remove(free.size() - 1);
        itemRows.readRow(bucket[i], row, 0);
        hotRows.writeRow(s, row, 0, rounding);
        hotRows.setAccumulator(s, itemRows.accumulator(bucket[i]));
        hotOwner[s] = i;
        hotSlot[i] = s;
      }
    }
    System.arraycopy(next, 0, tier, 0, createdItems);
  }

  // Evaluation.VectorModel

  @Override
  public float[] userVector(int user) {
    float[] idRow = new float[dim];
    userRows.readRow(user, idRow, 0);
    return userSide.forward(historyMean(user, lastTs, new HashMap<>()), idRow).vector();
  }

  @Override
  public float[] itemVector(int item) {
    return currentVector(item);
  }
}
