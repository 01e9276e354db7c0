package learner;

import actors.BucketRanges;
import service.FusionService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import model.Fusion;
import model.RecentPositives;
import model.UserTower;
import storage.ItemRecord;

/**
 * The history means of one learner batch's examples, the {@code historyMean} of {@link model.UserSide}: the
 * {@link UserTower} history vector of the current fused vectors of the user's earlier positives, decayed to the
 * event's time. Earlier means before the example's own record: the user's positives in the partition's window
 * ({@link RecentPositives}) and then those of the batch itself, newest {@code perUser} of them, so a user who
 * makes twenty positives in one sitting (inside one batch) learns from the second on, as recall, which reads the
 * whole history, serves them. Still a function of the records: a replayed batch builds the same means. The items' rows are read with the
 * batch's other rows, so a batch costs one read however long the histories are; each item is fused once per
 * batch, the same way {@link model.OnlineStep} fuses the batch's own items.
 *
 * <p>Full retraining ({@link FullRetraining}) passes a {@link Source} of its own: the user's other positives of
 * the training window, decayed from the user's newest one, the history recall serves the user with.
 *
 * <p>Use: {@link #itemIds} → look the items up → {@link #addRows} → read the rows → {@link #mean} per example.
 * Not thread-safe: one batch's.
 */
final class BatchHistories {

  private final FusionService fusion;
  private final UserTower tower;
  private final int perUser;
  private final Source source;
  private final Set<String> itemIds = new LinkedHashSet<>();
  private final Map<String, ItemRecord> records = new HashMap<>();
  private final Map<String, FusionService.MetaInputs> metaInputs = new HashMap<>();
  private final Map<String, float[]> vectors = new HashMap<>();
  /** dL/df of each history item, summed over the batch's examples (the gradient into the history mean). */
  private final Map<String, float[]> itemGradients = new LinkedHashMap<>();

  /** An example's history: the items of its mean and each one's share of it (summing to 1). */
  record History(float[] vector, List<String> itemIds, double[] weights) {
    static final History NONE = new History(null, List.of(), new double[0]);
  }

  /**
   * Where an example's earlier positives come from, and the time their ages count from: the partition's recent
   * positives and the batch's own before it (online), or the user's other positives of a training window.
   */
  interface Source {
    /** The positives the history mean of {@code p} is made of, oldest first (the newest perUser are kept). */
    List<RecentPositives.Entry> earlier(Positive p);

    /** The time the history decays to ({@link UserTower#NEWEST}: the user's newest event). */
    long now(Positive p);
  }

  /**
   * Online: the user's positives in the partition's window, then those of the batch before the example.
   *
   * @param from the first offset the batch's history may use ({@link RecentPositives#windowStart})
   * @param positives the batch's positives, in offset order
   */
  BatchHistories(FusionService fusion, UserTower tower, RecentPositives recent, long from, List<Positive> positives) {
    this(fusion, tower, recent.perUser(), online(recent, from, positives), positives);
  }

  BatchHistories(FusionService fusion, UserTower tower, int perUser, Source source, List<Positive> positives) {
    this.fusion = fusion;
    this.tower = tower;
    this.perUser = perUser;
    this.source = source;
    for (Positive p : positives) itemIds.add(p.event().itemId());
    for (Positive p : positives) for (RecentPositives.Entry e : source.earlier(p)) itemIds.add(e.itemId());
  }

  private static Source online(RecentPositives recent, long from, List<Positive> positives) {
    Map<String, List<Positive>> inBatch = new HashMap<>();
    for (Positive p : positives) inBatch.computeIfAbsent(p.event().userId(), u -> new ArrayList<>()).add(p);
    return new Source() {
      @Override
      public List<RecentPositives.Entry> earlier(Positive positive) {
        String user = positive.event().userId();
        List<RecentPositives.Entry> out = new ArrayList<>(recent.of(user, from));
        for (Positive earlier : inBatch.getOrDefault(user, List.of())) {
          if (earlier.offset() >= positive.offset()) break;
          out.add(new RecentPositives.Entry(earlier.event().itemId(), earlier.weight(), earlier.event().ts(),
              earlier.offset()));
        }
        return out;
      }

      @Override
      public long now(Positive positive) {
        return positive.event().ts();
      }
    };
  }

  /** The items of the users' histories, each once. */
  Set<String> itemIds() {
    return itemIds;
  }

  /** Remembers the items found (unknown ones are left out of the means) and adds the rows they are fused from. */
  void addRows(Map<String, ItemRecord> found, Set<BucketRanges.Key> keys) {
    keys.add(FusionService.thetaRow());
    for (String id : itemIds) {
      ItemRecord item = found.get(id);
      if (item == null) continue;
      FusionService.MetaInputs in = fusion.metaInputs(item.metadata());
      records.put(id, item);
      metaInputs.put(id, in);
      keys.add(fusion.hashRow(item));
      keys.addAll(in.rows());
    }
  }

  /**
   * The history vector of the positive's user at its time from the rows read, or null when none of their
   * positives before it has a vector.
   *
   * @param theta θ per item tier, as the batch's step uses it
   */
  float[] mean(Positive positive, Map<BucketRanges.Key, float[]> fetched, double[] theta) {
    return history(positive, fetched, theta).vector();
  }

  /** As {@link #mean}, with the items it is made of and their weights (for {@link #addGradient}). */
  History history(Positive positive, Map<BucketRanges.Key, float[]> fetched, double[] theta) {
    Deque<String> ids = new ArrayDeque<>();
    Deque<UserTower.Signal> signals = new ArrayDeque<>();
    for (RecentPositives.Entry e : source.earlier(positive)) {
      add(ids, signals, e.itemId(), vector(e.itemId(), fetched, theta), e.weight(), e.atMillis());
    }
    List<UserTower.Signal> list = new ArrayList<>(signals);
    long now = source.now(positive);
    float[] vector = tower.historyVector(list, now);
    if (vector == null) return History.NONE;
    return new History(vector, new ArrayList<>(ids), tower.meanWeights(list, now));
  }

  /** Appends a positive's signal (none for an item without a vector), keeping the newest {@code perUser}. */
  private void add(Deque<String> ids, Deque<UserTower.Signal> signals, String itemId, float[] vector, double weight,
      long atMillis) {
    if (vector == null) return;
    ids.addLast(itemId);
    signals.addLast(new UserTower.Signal(vector, weight, atMillis));
    if (signals.size() > perUser) {
      ids.pollFirst();
      signals.pollFirst();
    }
  }

  /**
   * Adds an example's gradient with respect to its history mean, {@code dL/dmean} (the user side's gradient with
   * respect to {@code historyMean + userIdRow}; the history tower's W is the identity), to its items: each owes
   * its weight's share.
   */
  void addGradient(History history, float[] dMean) {
    for (int k = 0; k < history.itemIds().size(); k++) {
      double w = history.weights()[k];
      if (w == 0) continue;
      float[] sum = itemGradients.computeIfAbsent(history.itemIds().get(k), id -> new float[dMean.length]);
      for (int d = 0; d < sum.length; d++) sum[d] += (float) (w * dMean[d]);
    }
  }

  /**
   * The row gradients the history items' summed {@code dL/df} gives, through each item's fusion (linear in dL/df
   * at the batch's rows): its hash row, its metadata feature rows, and θ per tier ({@code thetaGrad}, added to).
   *
   * @return the history items whose served vectors these gradients move, in a stable order
   */
  List<String> rowGradients(Map<BucketRanges.Key, float[]> fetched, double[] theta, Map<BucketRanges.Key, float[]> sums,
      double[] thetaGrad) {
    List<String> moved = new ArrayList<>();
    for (var e : itemGradients.entrySet()) {
      ItemRecord item = records.get(e.getKey());
      if (item == null) continue;
      FusionService.MetaInputs in = metaInputs.get(e.getKey());
      int tier = fusion.tierIndex(item.tier());
      Fusion.Gradients g = Fusion.forward(fetched.get(fusion.hashRow(item)), fusion.meta(item, in, fetched),
          theta[tier]).backward(e.getValue());
      RangeDeltas.add(sums, fusion.hashRow(item), g.hash());
      if (g.meta() != null) {
        float[][] featureGrads = fusion.featureGradients(in, g.meta()); // none for an uploader's mean
        for (int k = 0; k < featureGrads.length; k++) RangeDeltas.add(sums, in.rows().get(k), featureGrads[k]);
      }
      thetaGrad[tier] += g.theta();
      moved.add(e.getKey());
    }
    return moved;
  }

  private float[] vector(String itemId, Map<BucketRanges.Key, float[]> fetched, double[] theta) {
    ItemRecord item = records.get(itemId);
    if (item == null) return null;
    return vectors.computeIfAbsent(itemId, id -> Fusion.forward(fetched.get(fusion.hashRow(item)),
        fusion.meta(item, metaInputs.get(id), fetched), theta[fusion.tierIndex(item.tier())]).vector());
  }
}
