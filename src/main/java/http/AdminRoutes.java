package http;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import service.StoreAdmin;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import embedding.CollisionStats;
import embedding.StoreLayout;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code /admin/...}: operator views (docs/API.md, Operations). Guarded by a bearer token when one is configured. */
public final class AdminRoutes extends AllDirectives {

  private final StoreAdmin admin;
  private final String token;
  private final service.MigrationAdmin migrations;

  public AdminRoutes(StoreAdmin admin, String token) {
    this(admin, token, null);
  }

  /** @param migrations tier migration's runs ({@code /admin/migrations}); null: not offered */
  public AdminRoutes(StoreAdmin admin, String token, service.MigrationAdmin migrations) {
    this.admin = admin;
    this.token = token == null ? "" : token;
    this.migrations = migrations;
  }

  public Route route() {
    return pathPrefix("admin", () -> authorized(() -> concat(
        path("tiers", () -> get(() -> answer(tiers()))),
        path(PathMatchers.segment("entities").slash("bucket-range").slash(PathMatchers.segment()),
            id -> get(() -> answer(bucketRange(id)))),
        migrationRoutes())));
  }

  /** {@code POST /admin/migrations} starts a run (202 with it), {@code GET} lists them, {@code GET …/{runId}}. */
  private Route migrationRoutes() {
    if (migrations == null) return reject();
    return concat(
        path("migrations", () -> concat(
            post(() -> answer(migrations.start("manual").thenApply(run ->
                Json.response(202, MigrationJson.run(run, admin.layout()))))),
            get(() -> answer(migrations.overview().thenApply(o ->
                Json.response(200, MigrationJson.overview(o, admin.layout()))))))),
        path(PathMatchers.segment("migrations").slash(PathMatchers.segment()), runId -> get(() -> answer(
            migrations.run(runId).thenApply(found -> found.isPresent()
                ? Json.response(200, MigrationJson.run(found.get(), admin.layout()))
                : Json.error(404, "no migration run " + runId, null))))));
  }

  private Route authorized(java.util.function.Supplier<Route> inner) {
    if (token.isEmpty()) return inner.get();
    return optionalHeaderValueByName("Authorization", header -> {
      String expected = "Bearer " + token;
      boolean ok = header.map(h -> MessageDigest.isEqual(h.getBytes(StandardCharsets.UTF_8),
          expected.getBytes(StandardCharsets.UTF_8))).orElse(false);
      return ok ? inner.get() : complete(Json.error(401, "missing or wrong bearer token", "Authorization"));
    });
  }

  private Route answer(CompletionStage<HttpResponse> response) {
    return completeWithFuture(response.exceptionally(Errors::toResponse));
  }

  private CompletionStage<HttpResponse> tiers() {
    return admin.tiers().thenApply(reports -> {
      ArrayNode tiers = Json.MAPPER.createArrayNode();
      for (StoreAdmin.TierReport r : reports) {
        var occ = r.occupancy();
        ObjectNode t = Json.object()
            .put("tier", r.spec().name())
            .put("kind", r.spec().kind().name().toLowerCase())
            .put("buckets", r.spec().capacity())
            .put("ranges", r.ranges())
            .put("items", occ.items())
            .put("occupiedBuckets", occ.occupiedBuckets())
            .put("loadFactor", occ.loadFactor())
            .put("collisionRate", occ.collisionRate())
            .put("expectedCollisionRate", r.spec().kind() == embedding.TierKind.EXCLUSIVE ? 0.0
                : CollisionStats.expectedCollisionRate(occ.items(), r.spec().capacity()))
            .put("alpha", r.spec().initialAlpha())
            .put("minDailyExposure", r.spec().minDailyExposure())
            .put("rowsUpdated", r.rowsUpdated());
        if (r.lastUpdateMillis() > 0) t.put("lastUpdate", Instant.ofEpochMilli(r.lastUpdateMillis()).toString());
        else t.putNull("lastUpdate");
        tiers.add(t);
      }
      ObjectNode out = Json.object().put("dim", admin.layout().dim()).put("rowsPerRange", admin.layout().rowsPerRange());
      out.set("tiers", tiers);
      return out;
    }).thenCompose(out -> migrations == null ? CompletableFuture.completedFuture(Json.response(200, out))
        : migrations.overview().thenApply(o -> {
          out.set("migrations", MigrationJson.overview(o, admin.layout()));
          return Json.response(200, out);
        }));
  }

  private CompletionStage<HttpResponse> bucketRange(String id) {
    Optional<String> problem = entityProblem(id);
    if (problem.isPresent()) return CompletableFuture.completedFuture(Json.error(404, problem.get(), null));
    return admin.rangeSummary(id).thenApply(s -> Json.response(200, Json.MAPPER.valueToTree(s)));
  }

  private Optional<String> entityProblem(String id) {
    try {
      String tier = StoreLayout.tierOfEntity(id);
      int range = StoreLayout.rangeOfEntity(id);
      int ranges = admin.layout().rangeCount(tier);
      if (range >= ranges) return Optional.of("tier " + tier + " has ranges 0–" + (ranges - 1) + ", not " + range);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of("no bucket range " + id + ": " + e.getMessage());
    }
  }
}
