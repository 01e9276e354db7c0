package service;

import actors.BucketRange;
import actors.BucketRanges;
import embedding.StoreLayout;
import embedding.TierOccupancy;
import embedding.TierSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Operator views of the store: per-tier totals and one range's summary, gathered from the entities. */
public final class StoreAdmin {

  /** One tier, summed over its ranges. */
  public record TierReport(TierSpec spec, int ranges, TierOccupancy occupancy, long rowsUpdated,
      long lastUpdateMillis) {}

  private final BucketRanges ranges;
  private final StoreLayout layout;

  public StoreAdmin(BucketRanges ranges) {
    this.ranges = ranges;
    this.layout = ranges.layout();
  }

  public StoreLayout layout() {
    return layout;
  }

  public CompletionStage<BucketRange.Summary> rangeSummary(String entityId) {
    return ranges.summary(entityId);
  }

  public CompletionStage<List<TierReport>> tiers() {
    List<CompletableFuture<TierReport>> reports = new ArrayList<>();
    for (TierSpec tier : layout.itemTiers()) reports.add(tier(tier).toCompletableFuture());
    return CompletableFuture.allOf(reports.toArray(CompletableFuture[]::new))
        .thenApply(done -> reports.stream().map(CompletableFuture::join).toList());
  }

  private CompletionStage<TierReport> tier(TierSpec tier) {
    int ranges = layout.rangeCount(tier.name());
    List<CompletableFuture<BucketRange.Summary>> asks = new ArrayList<>(ranges);
    for (int r = 0; r < ranges; r++) {
      asks.add(rangeSummary(StoreLayout.entityId(tier.name(), r)).toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(done -> {
      TierOccupancy total = TierOccupancy.empty(0);
      long rowsUpdated = 0;
      long last = 0;
      for (var f : asks) {
        BucketRange.Summary s = f.join();
        total = total.plus(new TierOccupancy(s.rows(), s.items(), s.occupiedBuckets(), s.itemsInSharedBuckets()));
        rowsUpdated += s.rowsUpdated();
        last = Math.max(last, s.lastUpdateMillis());
      }
      return new TierReport(tier, ranges, total, rowsUpdated, last);
    });
  }
}
