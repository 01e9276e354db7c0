package http;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import service.Fields;
import service.StoreAdmin;
import service.Training;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import embedding.CollisionStats;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code /admin/...}: operator views (docs/API.md, Operations). Guarded by a bearer token when one is configured. */
public final class AdminRoutes extends AllDirectives {

  /** Bodies of {@code POST /admin/training/full} are a few fields. */
  private static final long MAX_TRAINING_BODY = 4096;

  private final StoreAdmin admin;
  private final Training training;
  private final String token;
  private final service.MigrationAdmin migrations;

  /**
   * @param training full retraining, or null when the node runs without Kafka (its routes answer 503)
   * @param migrations tier migration's runs ({@code /admin/migrations}); null: not offered
   */
  public AdminRoutes(StoreAdmin admin, String token, Training training, service.MigrationAdmin migrations) {
    this.admin = admin;
    this.training = training;
    this.token = token == null ? "" : token;
    this.migrations = migrations;
  }

  public Route route() {
    return pathPrefix("admin", () -> authorized(() -> concat(
        path("tiers", () -> get(() -> answer(tiers()))),
        path(PathMatchers.segment("training").slash("full"), () -> post(() -> withSizeLimit(MAX_TRAINING_BODY,
            () -> entity(Unmarshaller.entityToString(), body -> answer(startTraining(body)))))),
        modelRoutes(),
        path(PathMatchers.segment("training").slash(PathMatchers.segment()), id -> get(() -> answer(trainingRun(id)))),
        path("training", () -> get(() -> answer(trainingRuns()))),
        migrationRoutes(),
        operator == null ? reject() : operator.route())));
  }

  private OperatorRoutes operator;

  /** Adds the operator routes (shards, every entity type, export and import) behind this token. */
  public AdminRoutes with(OperatorRoutes operatorRoutes) {
    this.operator = operatorRoutes;
    return this;
  }

  /**
   * The model registry: {@code POST /admin/training/rollback} (the previous published version served again),
   * {@code POST /admin/training/{runId}/publish} (a run's shadow version served), {@code GET /admin/models}.
   */
  private Route modelRoutes() {
    return concat(
        path(PathMatchers.segment("training").slash("rollback"), () -> post(() -> answer(withTraining(t ->
            t.rollback().thenApply(v -> Json.response(200, ModelJson.version(v, t.servedVersion()))))))),
        path(PathMatchers.segment("training").slash(PathMatchers.segment()).slash("publish"), runId -> post(() ->
            answer(withTraining(t -> t.publish(runId).thenApply(p -> Json.response(200, progressJson(p, t))))))),
        path("models", () -> get(() -> answer(withTraining(t -> t.versions().thenApply(list -> {
          ObjectNode out = Json.object().put("served", t.servedVersion());
          ArrayNode versions = out.putArray("versions");
          for (var v : list) versions.add(ModelJson.version(v, t.servedVersion()));
          return Json.response(200, out);
        }))))));
  }

  private CompletionStage<HttpResponse> withTraining(
      java.util.function.Function<Training, CompletionStage<HttpResponse>> action) {
    if (training == null) {
      return CompletableFuture.completedFuture(
          Json.error(503, "full retraining needs Kafka, and this node runs without it", null));
    }
    try {
      return action.apply(training);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Errors.toResponse(e));
    }
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

  private CompletionStage<HttpResponse> startTraining(String body) {
    return withTraining(t -> {
      ObjectNode o = body.isBlank() ? Json.object() : Json.parseObject(body);
      Long from = RecallRoutes.now(o.get("from"), "from");
      Long to = RecallRoutes.now(o.get("to"), "to");
      Integer epochs = o.hasNonNull("epochs") ? Fields.intInRange(o, "epochs", 1, 100, 1) : null;
      return t.submit(new Training.Request(from == null ? null : Instant.ofEpochMilli(from),
              to == null ? null : Instant.ofEpochMilli(to), epochs))
          .thenApply(started -> Json.response(202, progressJson(started, t)));
    });
  }

  private CompletionStage<HttpResponse> trainingRun(String id) {
    return withTraining(t -> t.find(id).thenApply(found -> found.map(p -> Json.response(200, progressJson(p, t)))
        .orElseGet(() -> Json.error(404, "no training run " + id, null))));
  }

  private CompletionStage<HttpResponse> trainingRuns() {
    return guarded(() -> {
      ArrayNode list = Json.MAPPER.createArrayNode();
      if (training != null) for (Training.Progress p : training.runs()) list.add(progressJson(p, training));
      ObjectNode out = Json.object();
      out.set("runs", list);
      return Json.response(200, out);
    });
  }

  private static CompletionStage<HttpResponse> guarded(java.util.function.Supplier<HttpResponse> response) {
    try {
      return CompletableFuture.completedFuture(response.get());
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Errors.toResponse(e));
    }
  }

  private static ObjectNode progressJson(Training.Progress p, Training t) {
    ObjectNode o = Json.object().put("runId", p.runId()).put("state", p.state()).put("startsFrom", t.startsFrom())
        .put("from", p.from().toString()).put("to", p.to().toString())
        .put("epochs", p.epochs()).put("epoch", p.epoch())
        .put("recordsRead", p.recordsRead()).put("positives", p.positives())
        .put("examplesDone", p.examplesDone()).put("examplesTotal", p.examplesTotal())
        .put("startedAt", p.startedAt().toString());
    if (Double.isNaN(p.loss())) o.putNull("loss");
    else o.put("loss", p.loss());
    if (p.eta() == null) o.putNull("etaSeconds");
    else o.put("etaSeconds", p.eta().toSeconds());
    if (p.finishedAt() == null) o.putNull("finishedAt");
    else o.put("finishedAt", p.finishedAt().toString());
    if (p.error() != null) o.put("error", p.error());
    if (p.modelVersion() != null) o.put("modelVersion", p.modelVersion());
    if (p.phase() != null) o.put("phase", p.phase());
    return o;
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
}
