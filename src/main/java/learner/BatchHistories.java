package learner;

import actors.BucketRanges;
import service.FusionService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.HashMap;
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
 * <p>Use: {@link #itemIds} → look the items up → {@link #addRows} → read the rows → {@link #mean} per example.
 * Not thread-safe: one batch's.
 */
final class BatchHistories {

  private final FusionService fusion;
  private final UserTower tower;
  private final RecentPositives recent;
  private final long from;
  /** Each user's positives of this batch, in offset order. */
  private final Map<String, List<Positive>> inBatch = new HashMap<>();
  private final Set<String> itemIds = new LinkedHashSet<>();
  private final Map<String, ItemRecord> records = new HashMap<>();
  private final Map<String, FusionService.MetaInputs> metaInputs = new HashMap<>();
  private final Map<String, float[]> vectors = new HashMap<>();

  /**
   * @param from the first offset the batch's history may use ({@link RecentPositives#windowStart})
   * @param positives the batch's positives, in offset order
   */
  BatchHistories(FusionService fusion, UserTower tower, RecentPositives recent, long from, List<Positive> positives) {
    this.fusion = fusion;
    this.tower = tower;
    this.recent = recent;
    this.from = from;
    for (Positive p : positives) {
      inBatch.computeIfAbsent(p.event().userId(), u -> new ArrayList<>()).add(p);
      itemIds.add(p.event().itemId());
    }
    for (String user : inBatch.keySet()) {
      for (RecentPositives.Entry e : recent.of(user, from)) itemIds.add(e.itemId());
    }
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
    String user = positive.event().userId();
    Deque<UserTower.Signal> signals = new ArrayDeque<>();
    for (RecentPositives.Entry e : recent.of(user, from)) {
      add(signals, vector(e.itemId(), fetched, theta), e.weight(), e.atMillis());
    }
    for (Positive earlier : inBatch.getOrDefault(user, List.of())) {
      if (earlier.offset() >= positive.offset()) break;
      add(signals, vector(earlier.event().itemId(), fetched, theta), earlier.weight(), earlier.event().ts());
    }
    return tower.historyVector(new ArrayList<>(signals), positive.event().ts());
  }

  /** Appends a positive's signal (none for an item without a vector), keeping the newest {@code perUser}. */
  private void add(Deque<UserTower.Signal> signals, float[] vector, double weight, long atMillis) {
    if (vector == null) return;
    signals.addLast(new UserTower.Signal(vector, weight, atMillis));
    if (signals.size() > recent.perUser()) signals.pollFirst();
  }

  private float[] vector(String itemId, Map<BucketRanges.Key, float[]> fetched, double[] theta) {
    ItemRecord item = records.get(itemId);
    if (item == null) return null;
    return vectors.computeIfAbsent(itemId, id -> Fusion.forward(fetched.get(fusion.hashRow(item)),
        fusion.meta(item, metaInputs.get(id), fetched), theta[fusion.tierIndex(item.tier())]).vector());
  }
}
