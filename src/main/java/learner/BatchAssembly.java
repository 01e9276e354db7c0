package learner;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import model.NegativePool;
import model.RecentPositives;
import model.UserTower;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import service.FusionService;
import storage.ItemRecord;
import storage.ItemStore;

/**
 * Turns a batch's positives into a {@link LearnedBatch}: the items looked up (positives on unknown items are
 * counted and left out), the users' earlier positives in the window with their items, the extra negatives drawn
 * (each softmax group gets {@code extra-negatives} items from the partition's pool, then the batch's items enter
 * the pool: a replay draws the same), then the {@link BatchStep}. The CPU work runs on the learner's step threads.
 */
final class BatchAssembly {

  private static final Logger log = LoggerFactory.getLogger(BatchAssembly.class);

  private final LearnerSettings settings;
  private final ItemStore store;
  private final FusionService fusion;
  private final UserTower tower;
  private final ExtraNegatives negatives;
  private final BatchStep step;
  private final LearnerCounters counters;
  private final String group;
  private final Executor stepExecutor;

  BatchAssembly(LearnerSettings settings, LearnerDependencies deps, String group, LearnerCounters counters,
      Executor stepExecutor) {
    this.settings = settings;
    this.store = deps.store();
    this.fusion = deps.fusion();
    this.tower = new UserTower(deps.fusion().layout().dim(), settings.history().halfLife());
    this.negatives = new ExtraNegatives(deps.store(), settings.extraNegatives());
    this.step = new BatchStep(settings, deps.fusion(), deps.ranges(), counters, group);
    this.counters = counters;
    this.group = group;
    this.stepExecutor = stepExecutor;
  }

  /** @param opId the batch's operation id (seeds its extra negatives) */
  CompletionStage<LearnedBatch> compute(String opId, long first, long last, List<Positive> positives,
      PartitionMemory.Batch memory, BatchTimings.Lap lap) {
    // User side: the users' earlier positives in the window; their items are looked up beside the batch's.
    RecentPositives recent = memory.recent();
    long from = recent.windowStart(first);
    recent.expire(from);
    BatchHistories users = new BatchHistories(fusion, tower, recent, from, positives);
    return compute(opId, first, last, positives, users, memory.estimator(), memory.pool(), lap);
  }

  /**
   * As above with the histories, estimator and pool given (full retraining brings its own).
   *
   * @param pool where extra negatives are drawn from; null for none
   */
  CompletionStage<LearnedBatch> compute(String opId, long first, long last, List<Positive> positives,
      BatchHistories users, model.FrequencyEstimator estimator, NegativePool pool, BatchTimings.Lap lap) {
    List<String> itemIds = new ArrayList<>(new LinkedHashSet<>(positives.stream()
        .map(p -> p.event().itemId()).toList()));
    Set<String> batchItems = new HashSet<>(itemIds);
    CompletionStage<Map<String, ItemRecord>> historyItems = store.findRecent(
        users.itemIds().stream().filter(id -> !batchItems.contains(id)).toList());
    return store.findRecent(itemIds).thenCombineAsync(historyItems, (known, beyond) -> {
      List<ItemRecord> items = new ArrayList<>(known.values());
      Map<String, Integer> index = new HashMap<>();
      for (int i = 0; i < items.size(); i++) index.put(items.get(i).itemId(), i);
      List<Positive> usable = new ArrayList<>(positives.size());
      for (Positive p : positives) {
        if (index.containsKey(p.event().itemId())) usable.add(p);
        else counters.skippedUnknownItems.incrementAndGet();
      }
      if (usable.size() < positives.size()) {
        // Not dropped silently: an event on an item the store does not know (not yet registered, or deleted)
        // has no row to learn; it still counts as exposure and history in the interactions consumer.
        log.info("learner {} batch {}-{}: {} of {} positives are on unknown items, not learned", group, first, last,
            positives.size() - usable.size(), positives.size());
      }
      if (usable.isEmpty()) {
        return CompletableFuture.completedFuture(
            new LearnedBatch(new LearnerIntent(first, last, List.of()), List.of(), 0, 0));
      }
      int groups = (usable.size() + settings.softmaxBatch() - 1) / settings.softmaxBatch();
      long uniformPool = pool == null ? 0 : pool.size();
      Map<String, ItemRecord> historyFound = new HashMap<>(beyond);
      historyFound.putAll(known);
      return negatives.draw(opId, groups, Set.copyOf(index.keySet()), pool).thenComposeAsync(extra -> {
        for (ItemRecord r : extra.items()) {
          index.put(r.itemId(), items.size());
          items.add(r);
        }
        int[] extraIdx = new int[extra.perGroup().size() * extra.count()];
        for (int g = 0; g < extra.perGroup().size(); g++) {
          for (int k = 0; k < extra.count(); k++) {
            extraIdx[g * extra.count() + k] = index.get(extra.perGroup().get(g).get(k));
          }
        }
        counters.extraNegativesDrawn.addAndGet(extraIdx.length);
        if (pool != null) for (Positive p : usable) pool.offer(p.event().itemId()); // after drawing: the after-state
        return step.run(new BatchStep.Input(first, last, items, index, usable, extraIdx, uniformPool,
            estimator, users, historyFound), lap);
      }, stepExecutor);
    }, stepExecutor).thenCompose(read -> read);
  }
}
