package learner;

import actors.BucketRanges;
import service.FusionService;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import model.Fusion;
import model.RecentPositives;
import model.UserTower;
import storage.ItemRecord;

/**
 * The history means of one learner batch's users, the {@code historyMean} of {@link model.UserSide}: the
 * {@link UserTower} history vector of the current fused vectors of each user's earlier positives in the
 * partition's window ({@link RecentPositives}), decayed to the event's time. The items' rows are read with the
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
  private final Set<String> itemIds = new LinkedHashSet<>();
  private final Map<String, ItemRecord> records = new HashMap<>();
  private final Map<String, FusionService.MetaInputs> metaInputs = new HashMap<>();
  private final Map<String, float[]> vectors = new HashMap<>();

  /**
   * @param from the first offset the batch's history may use ({@link RecentPositives#windowStart})
   * @param userIds the batch's users
   */
  BatchHistories(FusionService fusion, UserTower tower, RecentPositives recent, long from, Collection<String> userIds) {
    this.fusion = fusion;
    this.tower = tower;
    this.recent = recent;
    this.from = from;
    for (String user : new LinkedHashSet<>(userIds)) {
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
   * The user's history vector at {@code nowMillis} from the rows read, or null when none of their earlier
   * positives in the window has a vector.
   *
   * @param theta θ per item tier, as the batch's step uses it
   */
  float[] mean(String userId, long nowMillis, Map<BucketRanges.Key, float[]> fetched, double[] theta) {
    return tower.historyVector(recent.signals(userId, from, id -> vector(id, fetched, theta)), nowMillis);
  }

  private float[] vector(String itemId, Map<BucketRanges.Key, float[]> fetched, double[] theta) {
    ItemRecord item = records.get(itemId);
    if (item == null) return null;
    return vectors.computeIfAbsent(itemId, id -> Fusion.forward(fetched.get(fusion.hashRow(item)),
        fusion.meta(item, metaInputs.get(id), fetched), theta[fusion.tierIndex(item.tier())]).vector());
  }
}
