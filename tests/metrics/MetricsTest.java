package metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import testkit.PrometheusText;

/** The series as Prometheus reads them: written by the client's text format, read back by a strict parser. */
class MetricsTest {

  private static PrometheusText scrape(Metrics m) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.writeText(out);
    return PrometheusText.parse(out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void countersHistogramsAndGaugesReadBackWithTheirLabels() throws Exception {
    Metrics m = new Metrics(Duration.ofHours(24));
    m.recallServed("personal", false, 0.004);
    m.recallServed("personal", true, 0.3);
    m.recallServed("popular-fresh", false, 0.002);
    m.deltasApplied(120, 7);
    m.deadLettered("t.interactions");
    m.rejected("rate-limit");
    m.setTiers(List.of(new Metrics.TierSample("hot", true, 10, 0.25, 0, 0),
        new Metrics.TierSample("cold", false, 100, 0.5, 0.2, 0.21)));
    m.setShards(List.of(new Metrics.ShardSample(0, true, 50, 5, 50, 3)));
    m.setLearnerLag(List.of(new Metrics.Lag("g", "t", 1, 42)));

    PrometheusText p = scrape(m);
    assertEquals("counter", p.family("thermocline_recalls_total").type());
    assertEquals(2, p.sum("thermocline_recalls_total", l -> l.get("strategy").equals("personal")));
    assertEquals(1, p.sum("thermocline_recalls_total", l -> l.get("partial").equals("true")));
    assertEquals("histogram", p.family("thermocline_recall_latency_seconds").type());
    assertEquals(2, p.sum("thermocline_recall_latency_seconds_count", l -> l.get("strategy").equals("personal")));
    assertEquals(1, p.sum("thermocline_recall_latency_seconds_bucket",
        l -> l.get("strategy").equals("personal") && l.get("le").equals("0.005")), "cumulative bucket le=0.005");
    assertEquals(120, p.sum("thermocline_learner_deltas_applied_total"));
    assertEquals(1, p.sum("thermocline_dead_letters_total", l -> l.get("topic").equals("t.interactions")));
    assertEquals(0, p.sum("thermocline_http_rejected_total", l -> l.get("reason").equals("registration-queue")),
        "present before the first refusal");
    assertEquals(1, p.sum("thermocline_http_rejected_total", l -> l.get("reason").equals("rate-limit")));
    assertEquals(0.25, p.sum("thermocline_hot_slots_used_ratio", l -> l.get("tier").equals("hot")));
    assertTrue(p.samples("thermocline_hot_slots_used_ratio").stream().noneMatch(s -> s.labels().get("tier")
        .equals("cold")), "hashed tiers have no slots");
    assertEquals(0.21, p.sum("thermocline_tier_expected_collision_rate", l -> l.get("tier").equals("cold")));
    assertEquals(0.1, p.sum("thermocline_hnsw_deleted_ratio", l -> l.get("shard").equals("0")), 1e-12);
    assertEquals(42, p.sum("thermocline_learner_lag_records", l -> l.get("partition").equals("1")));
  }

  @Test
  void newItemsCountUnderNewAndAllAndTheirCtrIsClicksPerImpression() throws Exception {
    Metrics m = new Metrics(Duration.ofHours(24));
    m.exposures("cold", true, 10, 2);
    m.exposures("cold", false, 30, 1);
    PrometheusText p = scrape(m);
    assertEquals(10, p.sum("thermocline_item_impressions_total", l -> l.equals(Map.of("tier", "cold", "age", "new"))));
    assertEquals(40, p.sum("thermocline_item_impressions_total", l -> l.equals(Map.of("tier", "cold", "age", "all"))));
    assertEquals(3, p.sum("thermocline_item_clicks_total", l -> l.get("age").equals("all")));
    assertEquals(0.2, p.sum("thermocline_item_ctr", l -> l.get("age").equals("new")), 1e-12);
    assertEquals(3 / 40.0, p.sum("thermocline_item_ctr", l -> l.get("age").equals("all")), 1e-12);
  }

  @Test
  void lagSeriesOfPartitionsNoLongerReportedAreDropped() throws Exception {
    Metrics m = new Metrics(Duration.ofHours(1));
    m.setConsumerLag(List.of(new Metrics.Lag("g", "t", 0, 5), new Metrics.Lag("g", "t", 1, 6)));
    m.setConsumerLag(List.of(new Metrics.Lag("g", "t", 1, 2)));
    PrometheusText p = scrape(m);
    assertEquals(1, p.samples("thermocline_consumer_lag_records").size());
    assertEquals(2, p.sum("thermocline_consumer_lag_records"));
  }

  @Test
  void jvmSeriesAreThereWhenAsked() throws Exception {
    PrometheusText p = scrape(new Metrics(Duration.ofHours(1)).withJvm());
    assertTrue(p.has("jvm_memory_used_bytes") && p.has("jvm_gc_collection_seconds"), p.families().keySet().toString());
    assertTrue(p.has("process_cpu_seconds_total"), p.families().keySet().toString());
  }

  @Test
  void aNonPositiveNewItemAgeIsRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> new Metrics(Duration.ZERO));
    assertTrue(e.getMessage().contains("new-item-age"), e.getMessage());
  }

  @Test
  void theParserRefusesWhatPrometheusWouldNot() {
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("undeclared 1\n"));
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE a gauge\na{x=\"1} 2\n"));
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE a gauge\na 1\na 2\n"));
    PrometheusText ok = PrometheusText.parse("# HELP a x\n# TYPE a gauge\na{q=\"a\\\"b\"} +Inf\n");
    assertEquals("a\"b", ok.samples("a").get(0).labels().get("q"));
  }
}
