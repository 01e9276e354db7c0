package http;

import actors.MigrationCoordinator;
import actors.MigrationRuns;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import embedding.StoreLayout;
import java.time.Instant;
import java.util.Map;

/** Tier-migration runs and per-pair counts as the admin API writes them (docs/API.md, Operations). */
final class MigrationJson {

  private MigrationJson() {}

  static ObjectNode run(MigrationCoordinator.RunView r, StoreLayout layout) {
    ObjectNode out = Json.object()
        .put("runId", r.runId())
        .put("trigger", r.trigger())
        .put("status", r.status())
        .put("startedAt", Instant.ofEpochMilli(r.startedAt()).toString());
    if (r.finishedAt() > 0) out.put("finishedAt", Instant.ofEpochMilli(r.finishedAt()).toString());
    else out.putNull("finishedAt");
    out.put("scannedItems", r.scanned()).put("plannedMoves", r.planned()).put("doneMoves", r.done())
        .put("resumes", r.resumes());
    out.set("pairs", pairs(r.moved(), layout));
    out.set("skipped", Json.object().put("hotTierFull", r.skippedFull()).put("changedMeanwhile", r.skippedStale()));
    return out;
  }

  /**
   * Items moved per tier pair: {@code kind} promoted or demoted (by the tiers' thresholds), or expired ({@code to}
   * "expired").
   */
  static ArrayNode pairs(Map<String, Long> moved, StoreLayout layout) {
    ArrayNode pairs = Json.MAPPER.createArrayNode();
    moved.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      String[] fromTo = e.getKey().split(">", 2);
      pairs.add(Json.object().put("from", fromTo[0]).put("to", fromTo[1]).put("kind", kind(fromTo[0], fromTo[1], layout))
          .put("items", e.getValue()));
    });
    return pairs;
  }

  private static String kind(String from, String to, StoreLayout layout) {
    if (to.equals(MigrationRuns.EXPIRED)) return "expired";
    try {
      return layout.tier(to).minDailyExposure() > layout.tier(from).minDailyExposure() ? "promoted" : "demoted";
    } catch (IllegalArgumentException renamedTier) {
      return "moved";
    }
  }

  /** The migration part of {@code GET /admin/tiers}: all runs' moves per pair, the run in progress, the last one. */
  static ObjectNode overview(MigrationCoordinator.Overview o, StoreLayout layout) {
    ObjectNode out = Json.object();
    out.set("pairs", pairs(o.totals(), layout));
    if (o.active() != null) out.set("active", run(o.active(), layout));
    else out.putNull("active");
    if (!o.recent().isEmpty()) out.set("last", run(o.recent().get(o.recent().size() - 1), layout));
    else out.putNull("last");
    ArrayNode recent = Json.MAPPER.createArrayNode();
    for (var r : o.recent()) recent.add(run(r, layout));
    out.set("recent", recent);
    return out;
  }
}
