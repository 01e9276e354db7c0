package learner;

import actors.BucketRanges;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import model.OnlineStep;
import service.FusionService;
import storage.ItemRecord;

/**
 * A batch's gradients as the ranges take them: summed per row, grouped per bucket range, ranges and rows in a
 * stable order (the intent, and so a replay, must not depend on hashing).
 */
final class RangeDeltas {

  private final FusionService fusion;
  private final BucketRanges ranges;

  RangeDeltas(FusionService fusion, BucketRanges ranges) {
    this.fusion = fusion;
    this.ranges = ranges;
  }

  /**
   * @param sums row gradients from elsewhere (the history items'), added to; may be empty
   * @param thetaGrad dL/dθ per tier, the step's and any other's summed
   */
  List<LearnerIntent.Delta> of(List<ItemRecord> items, List<FusionService.MetaInputs> metaInputs,
      List<Positive> usable, OnlineStep.Gradients g, boolean userIdRows, Map<BucketRanges.Key, float[]> sums,
      double[] thetaGrad) {
    int dim = fusion.layout().dim();
    for (int i = 0; i < items.size(); i++) {
      if (g.hash()[i] != null) add(sums, fusion.hashRow(items.get(i)), g.hash()[i], dim);
      if (g.meta()[i] != null) {
        FusionService.MetaInputs in = metaInputs.get(i);
        float[][] featureGrads = fusion.featureGradients(in, g.meta()[i]); // none for an uploader's mean
        for (int k = 0; k < featureGrads.length; k++) add(sums, in.rows().get(k), featureGrads[k], dim);
      }
    }
    for (int e = 0; userIdRows && e < usable.size(); e++) {
      if (g.userIdRow()[e] != null) add(sums, fusion.userRow(usable.get(e).event().userId()), g.userIdRow()[e], dim);
    }
    float[] theta = new float[dim];
    for (int t = 0; t < thetaGrad.length; t++) theta[t] = (float) thetaGrad[t];
    add(sums, FusionService.thetaRow(), theta, dim);

    Map<String, List<Map.Entry<BucketRanges.Key, float[]>>> byRange = new TreeMap<>();
    for (var e : sums.entrySet()) {
      byRange.computeIfAbsent(ranges.entityOf(e.getKey()), k -> new ArrayList<>()).add(e);
    }
    List<LearnerIntent.Delta> deltas = new ArrayList<>(byRange.size());
    byRange.forEach((entity, list) -> {
      list.sort(Comparator.comparingInt(e -> e.getKey().row()));
      int[] rowIdx = new int[list.size()];
      float[] grads = new float[list.size() * dim];
      for (int i = 0; i < rowIdx.length; i++) {
        rowIdx[i] = ranges.rowInRange(list.get(i).getKey());
        System.arraycopy(list.get(i).getValue(), 0, grads, i * dim, dim);
      }
      deltas.add(new LearnerIntent.Delta(entity, rowIdx, grads));
    });
    return deltas;
  }

  private static void add(Map<BucketRanges.Key, float[]> sums, BucketRanges.Key key, float[] g, int dim) {
    float[] s = sums.computeIfAbsent(key, k -> new float[dim]);
    for (int k = 0; k < dim; k++) s[k] += g[k];
  }

  /** Adds a row's gradient to the batch's sums. */
  static void add(Map<BucketRanges.Key, float[]> sums, BucketRanges.Key key, float[] g) {
    add(sums, key, g, g.length);
  }
}
