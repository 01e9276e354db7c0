package learner;

import actors.BucketRanges;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import model.FrequencyEstimator;
import model.OnlineStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import service.FusionService;
import storage.ItemRecord;

/**
 * Forward and backward of one assembled batch: every row it needs read in one ask per bucket range, the
 * {@link OnlineStep} over groups of {@code softmax-batch} positives, and its gradients as deltas per range.
 */
final class BatchStep {

  private static final Logger log = LoggerFactory.getLogger(BatchStep.class);

  /**
   * A batch ready to learn: its items (the batch's own, then the extra negatives) and where each is in the list,
   * the positives on known items, the extra negatives' indices per group, the pool they were drawn from, and the
   * users' histories with the items those refer to.
   */
  record Input(long first, long last, List<ItemRecord> items, Map<String, Integer> index, List<Positive> usable,
      int[] extraIdx, long uniformPool, FrequencyEstimator estimator, BatchHistories users,
      Map<String, ItemRecord> historyItems) {}

  private final LearnerSettings settings;
  private final FusionService fusion;
  private final BucketRanges ranges;
  private final RangeDeltas deltas;
  private final LearnerCounters counters;
  private final String group;

  BatchStep(LearnerSettings settings, FusionService fusion, BucketRanges ranges, LearnerCounters counters,
      String group) {
    this.settings = settings;
    this.fusion = fusion;
    this.ranges = ranges;
    this.deltas = new RangeDeltas(fusion, ranges);
    this.counters = counters;
    this.group = group;
  }

  CompletionStage<LearnedBatch> run(Input in, BatchTimings.Lap lap) {
    // The uploader means of items without metadata come from the shared store: loaded before the step reads them.
    List<ItemRecord> all = new ArrayList<>(in.items());
    all.addAll(in.historyItems().values());
    return fusion.prepare(all).thenCompose(ignored -> runPrepared(in, lap));
  }

  private CompletionStage<LearnedBatch> runPrepared(Input in, BatchTimings.Lap lap) {
    List<ItemRecord> items = in.items();
    List<Positive> usable = in.usable();
    List<FusionService.MetaInputs> metaInputs = new ArrayList<>(items.size());
    Set<BucketRanges.Key> keys = new HashSet<>();
    keys.add(FusionService.thetaRow());
    for (ItemRecord item : items) {
      keys.add(fusion.hashRow(item));
      FusionService.MetaInputs meta = fusion.metaInputs(item.metadata());
      metaInputs.add(meta);
      keys.addAll(meta.rows());
    }
    if (settings.userIdRows()) for (Positive p : usable) keys.add(fusion.userRow(p.event().userId()));
    in.users().addRows(in.historyItems(), keys);
    return ranges.read(keys).thenApply(fetched -> {
      lap.lap(BatchTimings.Phase.READ);
      List<OnlineStep.ItemInput> inputs = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        ItemRecord item = items.get(i);
        inputs.add(new OnlineStep.ItemInput(item.itemId(), fetched.get(fusion.hashRow(item)),
            fusion.tierIndex(item.tier()), fusion.meta(item, metaInputs.get(i), fetched)));
      }
      double[] theta = fusion.theta(fetched.get(FusionService.thetaRow()));
      List<OnlineStep.Example> examples = new ArrayList<>(usable.size());
      List<BatchHistories.History> histories = new ArrayList<>(usable.size());
      for (Positive p : usable) {
        String user = p.event().userId();
        BatchHistories.History history = in.users().history(p, fetched, theta);
        histories.add(history);
        examples.add(new OnlineStep.Example(in.index().get(p.event().itemId()), history.vector(),
            settings.userIdRows() ? fetched.get(fusion.userRow(user)) : null, (float) p.weight(), user));
      }
      OnlineStep.Step step = new OnlineStep.Step(inputs, examples, in.extraIdx(), in.uniformPool());
      OnlineStep.Gradients g = new OnlineStep(fusion.layout().dim(), settings.tau(), theta, in.estimator())
          .computeGrouped(step, settings.softmaxBatch());
      int defined = 0;
      for (float[] u : g.userVectors()) if (u != null) defined++;
      if (defined < usable.size()) {
        // Not dropped silently: no history in the window and a zero user-ID row, e.g. a new user's first positive.
        counters.skippedNoUserVector.addAndGet(usable.size() - defined);
        log.debug("learner {} batch {}-{}: {} of {} positives have no user vector yet, not learned", group,
            in.first(), in.last(), usable.size() - defined, usable.size());
      }
      // With no user vector at all every gradient is zero: nothing to send (the estimator still saw the batch).
      Map<BucketRanges.Key, float[]> sums = new LinkedHashMap<>();
      double[] thetaGrad = g.theta().clone();
      List<String> changed = new ArrayList<>(items.stream().map(ItemRecord::itemId).toList());
      if (settings.historyGradient() && defined > 0) {
        // No stop-gradient at the history mean: the items a user liked before move toward what they like next.
        for (int e = 0; e < usable.size(); e++) {
          if (g.userIdRow()[e] != null) in.users().addGradient(histories.get(e), g.userIdRow()[e]);
        }
        for (String id : in.users().rowGradients(fetched, theta, sums, thetaGrad)) {
          if (!in.index().containsKey(id)) changed.add(id);
        }
      }
      List<LearnerIntent.Delta> perRange = defined == 0 ? List.of()
          : deltas.of(items, metaInputs, usable, g, settings.userIdRows(), sums, thetaGrad);
      LearnedBatch learned = new LearnedBatch(new LearnerIntent(in.first(), in.last(), perRange),
          defined == 0 ? List.of() : changed, defined, g.loss());
      lap.lap(BatchTimings.Phase.COMPUTE);
      return learned;
    });
  }
}
