package service;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import metrics.Metrics;
import org.junit.jupiter.api.Test;
import storage.ItemRecord;
import streams.EventType;
import streams.Interaction;
import testkit.PrometheusText;

/** New-item health: impressions and clicks by the item's tier, and whether it is younger than new-item-age. */
class ItemHealthTest {

  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  private static ItemRecord record(String id, String tier, Instant registeredAt) {
    return new ItemRecord(id, new ItemRecord.ItemMetadata(null, null, null, null, null, null), tier, 1, -1, true,
        registeredAt, registeredAt, null);
  }

  private static Interaction event(String item, EventType type) {
    return new Interaction("u", item, type, NOW.toEpochMilli());
  }

  @Test
  void countsImpressionsAndClicksByTierAndAgeAndIgnoresOtherTypes() throws Exception {
    Metrics metrics = new Metrics(Duration.ofHours(24));
    Map<String, ItemRecord> store = Map.of(
        "fresh", record("fresh", "cold", NOW.minus(Duration.ofHours(2))),
        "old", record("old", "cold", NOW.minus(Duration.ofDays(3))),
        "hot", record("hot", "hot", NOW.minus(Duration.ofHours(1))));
    ItemHealth health = new ItemHealth(metrics, ids -> CompletableFuture.completedFuture(store),
        Clock.fixed(NOW, ZoneOffset.UTC));
    health.count(List.of(event("fresh", EventType.IMPRESSION), event("fresh", EventType.IMPRESSION),
        event("fresh", EventType.CLICK), event("fresh", EventType.LIKE), event("old", EventType.IMPRESSION),
        event("old", EventType.CLICK), event("old", EventType.SKIP), event("hot", EventType.IMPRESSION),
        event("gone", EventType.IMPRESSION))).toCompletableFuture().get();

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    metrics.writeText(out);
    PrometheusText p = PrometheusText.parse(out.toString(StandardCharsets.UTF_8));
    assertEquals(2, p.sum("thermocline_item_impressions_total", l -> l.equals(Map.of("tier", "cold", "age", "new"))));
    assertEquals(3, p.sum("thermocline_item_impressions_total", l -> l.equals(Map.of("tier", "cold", "age", "all"))));
    assertEquals(1, p.sum("thermocline_item_clicks_total", l -> l.equals(Map.of("tier", "cold", "age", "new"))),
        "a like is not a click");
    assertEquals(2, p.sum("thermocline_item_clicks_total", l -> l.equals(Map.of("tier", "cold", "age", "all"))));
    assertEquals(1, p.sum("thermocline_item_impressions_total", l -> l.equals(Map.of("tier", "hot", "age", "new"))));
    assertEquals(1, p.sum("thermocline_item_impressions_total",
        l -> l.equals(Map.of("tier", ItemHealth.UNKNOWN_TIER, "age", "all"))), "unknown items count, never as new");
    assertEquals(0, p.sum("thermocline_item_impressions_total",
        l -> l.equals(Map.of("tier", ItemHealth.UNKNOWN_TIER, "age", "new"))));
  }

  @Test
  void aBatchWithoutImpressionsOrClicksLooksNothingUp() {
    Metrics metrics = new Metrics(Duration.ofHours(1));
    ItemHealth health = new ItemHealth(metrics, ids -> {
      throw new AssertionError("no lookup expected");
    }, Clock.systemUTC());
    assertTrue(health.count(List.of(event("x", EventType.LIKE))).toCompletableFuture().isDone());
  }
}
