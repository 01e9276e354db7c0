package service;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import metrics.Metrics;
import storage.ItemRecord;
import streams.EventType;
import streams.Interaction;

/**
 * New-item health: impressions and clicks of consumed interactions, by the item's tier and whether it is younger
 * than {@code metrics.new-item-age} (registered since), into {@link Metrics}. Counted once a batch's exposure is
 * written, off the commit path: a failed record lookup loses figures, never records.
 */
final class ItemHealth {

  /** Impressions and clicks of one item within a batch. */
  record Counts(long impressions, long clicks) {
    Counts plus(Counts o) {
      return new Counts(impressions + o.impressions, clicks + o.clicks);
    }
  }

  /** Tier label of interactions on items the store does not know (deleted, never registered). */
  static final String UNKNOWN_TIER = "unknown";

  private final Metrics metrics;
  private final Function<Collection<String>, CompletionStage<Map<String, ItemRecord>>> records;
  private final Clock clock;

  ItemHealth(Metrics metrics, Function<Collection<String>, CompletionStage<Map<String, ItemRecord>>> records,
      Clock clock) {
    this.metrics = metrics;
    this.records = records;
    this.clock = clock;
  }

  /** Per item: impressions and clicks in {@code batch} (other types are not part of these figures). */
  static Map<String, Counts> counts(List<Interaction> batch) {
    Map<String, Counts> out = new LinkedHashMap<>();
    for (Interaction e : batch) {
      if (e.type() == EventType.IMPRESSION) out.merge(e.itemId(), new Counts(1, 0), Counts::plus);
      else if (e.type() == EventType.CLICK) out.merge(e.itemId(), new Counts(0, 1), Counts::plus);
    }
    return out;
  }

  CompletionStage<Void> count(List<Interaction> batch) {
    Map<String, Counts> counts = counts(batch);
    if (counts.isEmpty()) return CompletableFuture.completedFuture(null);
    return records.apply(counts.keySet()).thenAccept(found -> record(counts, found, clock.instant()));
  }

  /** Adds {@code counts} under each item's tier and age as of {@code now}. */
  void record(Map<String, Counts> counts, Map<String, ItemRecord> found, Instant now) {
    Instant newSince = now.minus(metrics.newItemAge());
    for (var e : counts.entrySet()) {
      ItemRecord r = found.get(e.getKey());
      String tier = r == null ? UNKNOWN_TIER : r.tier();
      boolean isNew = r != null && r.registeredAt() != null && r.registeredAt().isAfter(newSince);
      metrics.exposures(tier, isNew, e.getValue().impressions(), e.getValue().clicks());
    }
  }
}
