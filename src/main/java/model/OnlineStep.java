package model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Forward and backward of one micro-batch, from parameters the caller has already fetched: fusion of each item
 * ({@link Fusion}), user vectors ({@link UserSide}), in-batch softmax with logQ correction ({@link InBatchSoftmax}),
 * then the gradients back to every sparse row and to θ. Data in, data out: no I/O, no tables, no mutation of its
 * inputs, so the online learner and the offline benchmark run the same math.
 *
 * <p>logQ is read from the {@link FrequencyEstimator} and is not updated here: the caller observes the batch's
 * positives after the step ({@link #observePositives}), so a replayed batch sees the same estimate only if the
 * estimator is restored with the rows. An example whose user vector is undefined (no history and a zero user-ID
 * row, e.g. a new user's first event) takes no part in the loss; its {@code userVectors} entry is null.
 *
 * <p>Reuse one instance per θ: it holds no per-batch state and is safe to share across threads. The estimator is
 * synchronized; one observed by another thread meanwhile (the node's other partitions) may move a step's logQ.
 */
public final class OnlineStep {

  /**
   * An item taking part in the batch.
   *
   * @param hash its hash row h (d floats)
   * @param tier index into θ
   * @param meta its metadata vector m (d floats), or null: fusion then uses the hash row alone (a = 1)
   */
  public record ItemInput(String itemId, float[] hash, int tier, float[] meta) {}

  /**
   * One positive interaction.
   *
   * @param positive index into {@link Step#items}
   * @param historyMean the user's history vector (a constant for learning), or null
   * @param userIdRow the user's learned ID row, or null (= zero, not learned yet)
   * @param weight the positive type's weight, ≥ 0
   * @param user who the example is of, or null: the other positives of the same user in its group are not
   *     its negatives
   */
  public record Example(int positive, float[] historyMean, float[] userIdRow, float weight, String user) {
    /** An example whose user is not known: only copies of its own item are masked. */
    public Example(int positive, float[] historyMean, float[] userIdRow, float weight) {
      this(positive, historyMean, userIdRow, weight, null);
    }
  }

  /**
   * A micro-batch: distinct items, the examples, and extra negatives (indices into items) drawn uniformly from a
   * pool of {@code uniformPool} items, which sets their logQ ({@link InBatchSoftmax#mixedLogQ}).
   *
   * @param extraNegatives null or empty = in-batch negatives only; {@link #computeGrouped} splits them evenly
   *     over its groups
   * @param uniformPool N, how many items the extras were drawn from uniformly; ≥ 1 when there are extras
   */
  public record Step(List<ItemInput> items, List<Example> examples, int[] extraNegatives, long uniformPool) {
    /** Without a pool: for in-batch negatives only ({@code extraNegatives} null or empty). */
    public Step(List<ItemInput> items, List<Example> examples, int[] extraNegatives) {
      this(items, examples, extraNegatives, 0);
    }
  }

  /**
   * Loss and gradients, all indexed like the step's items or examples.
   *
   * @param hash dL/dh per item; null for an item that is neither a positive nor an extra negative
   * @param meta dL/dm per item; null when the item has no meta or is untouched
   * @param userIdRow dL/d userIdRow per example; null when the example took no part (no user vector)
   * @param theta dL/dθ per tier
   * @param userVectors u per example (null when undefined)
   * @param itemVectors fused f per item (null when untouched)
   */
  public record Gradients(double loss, float[][] hash, float[][] meta, float[][] userIdRow, double[] theta,
      float[][] userVectors, float[][] itemVectors) {}

  private final int dim;
  private final double[] theta;
  private final FrequencyEstimator freq;
  private final InBatchSoftmax softmax;
  private final UserSide userSide;

  /**
   * @param theta current θ per tier (copied)
   * @param freq source of logQ; null = no logQ correction
   */
  public OnlineStep(int dim, float tau, double[] theta, FrequencyEstimator freq) {
    this.softmax = new InBatchSoftmax(dim, tau);
    if (theta == null || theta.length == 0) throw new IllegalArgumentException("theta must hold one value per tier");
    for (int t = 0; t < theta.length; t++) {
      if (!Double.isFinite(theta[t])) throw new IllegalArgumentException("theta[" + t + "] must be finite, got " + theta[t]);
    }
    this.dim = dim;
    this.theta = theta.clone();
    this.freq = freq;
    this.userSide = new UserSide(dim);
  }

  public Gradients compute(Step step) {
    validate(step);
    return computeValid(step);
  }

  private void validate(Step step) {
    int[] extras = step.extraNegatives() == null ? new int[0] : step.extraNegatives();
    validate(step.items(), step.examples(), extras);
    if (extras.length > 0 && step.uniformPool() < 1) {
      throw new IllegalArgumentException("uniformPool must be >= 1 with extraNegatives, got " + step.uniformPool());
    }
  }

  private Gradients computeValid(Step step) {
    List<ItemInput> items = step.items();
    List<Example> examples = step.examples();
    int[] extras = step.extraNegatives() == null ? new int[0] : step.extraNegatives();
    int n = items.size();
    int b = examples.size();
    int c = b + extras.length;

    // Candidate columns: row b's positive first, then the extra negatives; the item index is the same-item key.
    int[] column = new int[c];
    for (int row = 0; row < b; row++) column[row] = examples.get(row).positive();
    System.arraycopy(extras, 0, column, b, extras.length);

    Fusion.Fused[] fused = new Fusion.Fused[n];
    float[][] itemVectors = new float[n][];
    for (int j : column) {
      if (fused[j] != null) continue;
      ItemInput item = items.get(j);
      fused[j] = Fusion.forward(item.hash(), item.meta(), theta[item.tier()]);
      itemVectors[j] = fused[j].vector();
    }
    float[] candidates = new float[c * dim];
    double[] logQ = new double[c];
    for (int col = 0; col < c; col++) {
      int j = column[col];
      System.arraycopy(itemVectors[j], 0, candidates, col * dim, dim);
      // One correction per item, whichever sampler put it in this column (in-batch or uniform).
      logQ[col] = freq == null ? 0
          : InBatchSoftmax.mixedLogQ(freq.probability(items.get(j).itemId()), b, extras.length, step.uniformPool());
    }

    UserSide.Forward[] users = new UserSide.Forward[b];
    float[][] userVectors = new float[b][];
    float[] userFlat = new float[b * dim];
    float[] weights = new float[b];
    for (int row = 0; row < b; row++) {
      Example e = examples.get(row);
      users[row] = userSide.forward(e.historyMean(), e.userIdRow());
      userVectors[row] = users[row].vector();
      if (userVectors[row] == null) continue; // weight stays 0: no user vector, nothing to learn
      System.arraycopy(userVectors[row], 0, userFlat, row * dim, dim);
      weights[row] = e.weight();
    }

    InBatchSoftmax.Result result = softmax.compute(userFlat, candidates, logQ, weights, column, rowUsers(examples));

    float[][] userIdRowGrad = new float[b][];
    float[] g = new float[dim];
    for (int row = 0; row < b; row++) {
      if (userVectors[row] == null) continue;
      System.arraycopy(result.userGrad(), row * dim, g, 0, dim);
      userIdRowGrad[row] = users[row].backward(g);
    }

    // Sum the gradient of every column holding an item, then one fusion backward per item (it is linear in dL/df).
    float[][] itemGrad = new float[n][];
    for (int col = 0; col < c; col++) {
      int j = column[col];
      if (itemGrad[j] == null) itemGrad[j] = new float[dim];
      for (int k = 0; k < dim; k++) itemGrad[j][k] += result.candidateGrad()[col * dim + k];
    }
    float[][] hashGrad = new float[n][];
    float[][] metaGrad = new float[n][];
    double[] thetaGrad = new double[theta.length];
    for (int j = 0; j < n; j++) {
      if (itemGrad[j] == null) continue;
      Fusion.Gradients fg = fused[j].backward(itemGrad[j]);
      hashGrad[j] = fg.hash();
      metaGrad[j] = fg.meta();
      thetaGrad[items.get(j).tier()] += fg.theta();
    }
    return new Gradients(result.loss(), hashGrad, metaGrad, userIdRowGrad, thetaGrad, userVectors, itemVectors);
  }

  /** A key per example, equal for the same user; an example without a user gets a key of its own. */
  private static int[] rowUsers(List<Example> examples) {
    Map<String, Integer> keys = new HashMap<>();
    int[] out = new int[examples.size()];
    for (int row = 0; row < out.length; row++) {
      String user = examples.get(row).user();
      out[row] = user == null ? -1 - row : keys.computeIfAbsent(user, k -> keys.size());
    }
    return out;
  }

  /**
   * One applied batch in groups of at most {@code groupSize} consecutive examples: each group is its own
   * in-batch softmax (its positives are each other's negatives), the estimator observes each group's positives
   * after that group's step, and the gradients are summed, so rows move once per batch. A large applied batch
   * costs the store less per event while the softmax stays O(groupSize²) per group. With one group this is
   * {@link #compute} followed by {@link #observePositives}. The step's extra negatives are split evenly over the
   * groups, in order (group g takes the g-th k of them): their count must be a multiple of the number of groups.
   */
  public Gradients computeGrouped(Step step, int groupSize) {
    if (groupSize < 1) throw new IllegalArgumentException("groupSize must be >= 1, got " + groupSize);
    // Once for the whole batch: the groups share its items (checking them per group cost 12 % of the learner).
    validate(step);
    int n = step.items().size();
    int b = step.examples().size();
    int groups = (b + groupSize - 1) / groupSize;
    int[] extras = step.extraNegatives() == null ? new int[0] : step.extraNegatives();
    if (extras.length % groups != 0) {
      throw new IllegalArgumentException("extraNegatives must hold a multiple of the " + groups + " groups, got "
          + extras.length);
    }
    int perGroup = extras.length / groups;
    float[][] hash = new float[n][];
    float[][] meta = new float[n][];
    float[][] userIdRow = new float[b][];
    float[][] userVectors = new float[b][];
    float[][] itemVectors = new float[n][];
    double[] thetaGrad = new double[theta.length];
    double loss = 0;
    for (int from = 0; from < b; from += groupSize) {
      int to = Math.min(b, from + groupSize);
      int g0 = from / groupSize * perGroup;
      Step group = new Step(step.items(), step.examples().subList(from, to),
          java.util.Arrays.copyOfRange(extras, g0, g0 + perGroup), step.uniformPool());
      Gradients g = computeValid(group);
      if (freq != null) observePositives(group, freq);
      loss += g.loss();
      for (int j = 0; j < n; j++) {
        hash[j] = sum(hash[j], g.hash()[j]);
        meta[j] = sum(meta[j], g.meta()[j]);
        if (g.itemVectors()[j] != null) itemVectors[j] = g.itemVectors()[j];
      }
      System.arraycopy(g.userIdRow(), 0, userIdRow, from, to - from);
      System.arraycopy(g.userVectors(), 0, userVectors, from, to - from);
      for (int t = 0; t < thetaGrad.length; t++) thetaGrad[t] += g.theta()[t];
    }
    return new Gradients(loss, hash, meta, userIdRow, thetaGrad, userVectors, itemVectors);
  }

  private static float[] sum(float[] into, float[] add) {
    if (add == null) return into;
    if (into == null) return add.clone();
    for (int k = 0; k < into.length; k++) into[k] += add[k];
    return into;
  }

  /** Feeds the step's positives to the estimator, one step each: call after {@link #compute}. */
  public static void observePositives(Step step, FrequencyEstimator freq) {
    for (Example e : step.examples()) freq.observe(step.items().get(e.positive()).itemId());
  }

  public double[] theta() {
    return theta.clone();
  }

  private void validate(List<ItemInput> items, List<Example> examples, int[] extras) {
    if (items == null || items.isEmpty()) throw new IllegalArgumentException("items must not be empty");
    if (examples == null || examples.isEmpty()) throw new IllegalArgumentException("examples must not be empty");
    Map<String, Integer> seen = new HashMap<>();
    for (int j = 0; j < items.size(); j++) {
      ItemInput item = items.get(j);
      if (item == null || item.itemId() == null) throw new IllegalArgumentException("items[" + j + "] needs an itemId");
      Integer before = seen.put(item.itemId(), j);
      if (before != null) {
        throw new IllegalArgumentException("items[" + j + "]: item " + item.itemId() + " already at index " + before);
      }
      if (item.hash() == null || item.hash().length != dim) {
        throw new IllegalArgumentException("items[" + j + "].hash must hold " + dim + " floats");
      }
      if (item.meta() != null && item.meta().length != dim) {
        throw new IllegalArgumentException("items[" + j + "].meta must hold " + dim + " floats or be null");
      }
      if (item.tier() < 0 || item.tier() >= theta.length) {
        throw new IllegalArgumentException("items[" + j + "].tier must be in [0, " + theta.length + "), got " + item.tier());
      }
    }
    for (int row = 0; row < examples.size(); row++) {
      Example e = examples.get(row);
      if (e == null) throw new IllegalArgumentException("examples[" + row + "] must not be null");
      if (e.positive() < 0 || e.positive() >= items.size()) {
        throw new IllegalArgumentException("examples[" + row + "].positive must index items, got " + e.positive());
      }
      if (!(e.weight() >= 0) || Float.isInfinite(e.weight())) {
        throw new IllegalArgumentException("examples[" + row + "].weight must be finite and >= 0, got " + e.weight());
      }
    }
    for (int i = 0; i < extras.length; i++) {
      if (extras[i] < 0 || extras[i] >= items.size()) {
        throw new IllegalArgumentException("extraNegatives[" + i + "] must index items, got " + extras[i]);
      }
    }
  }
}
