package http;

import service.Fields;
import service.ApiError;
import service.ItemRequests;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import service.RecallService;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import storage.HistoryEntry;

/** {@code POST /v1/recall} and {@code GET /v1/users/{id}} (docs/API.md). */
public final class RecallRoutes extends AllDirectives {

  public static final int MAX_K = 1000;
  public static final int MAX_RECENT = 200;

  private final RecallService recall;
  private final long maxBodyBytes;
  private final Admission.Gate gate;

  public RecallRoutes(RecallService recall, long maxBodyBytes) {
    this(recall, maxBodyBytes, Admission.OPEN);
  }

  /** @param gate admission control of recall and user reads ({@link Admission#recall}) */
  public RecallRoutes(RecallService recall, long maxBodyBytes, Admission.Gate gate) {
    this.recall = recall;
    this.maxBodyBytes = maxBodyBytes;
    this.gate = gate;
  }

  public Route route() {
    return pathPrefix("v1", () -> concat(
        path("recall", () -> post(() -> gate.admit(() -> Bodies.string(maxBodyBytes,
            body -> answer(() -> recall(body)))))),
        path(PathMatchers.segment("users").slash(PathMatchers.segment()),
            id -> get(() -> gate.admit(() -> parameterOptional("now", now -> answer(() -> user(id, now))))))));
  }

  private Route answer(java.util.function.Supplier<CompletionStage<HttpResponse>> call) {
    CompletionStage<HttpResponse> response;
    try {
      response = call.get();
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    return completeWithFuture(response.exceptionally(Errors::toResponse));
  }

  static RecallService.Request parse(ObjectNode o) {
    String userId = Fields.id(o, "userId", true);
    int k = Fields.intInRange(o, "k", 1, MAX_K, 50);
    boolean excludeSeen = Fields.bool(o, "excludeSeen", true);
    List<String> recent = new ArrayList<>();
    JsonNode r = o.get("recentItemIds");
    if (r != null && !r.isNull()) {
      if (!r.isArray()) throw ApiError.badField("recentItemIds", "recentItemIds must be an array of item ids");
      if (r.size() > MAX_RECENT) throw ApiError.badField("recentItemIds", "at most " + MAX_RECENT + " recent items");
      for (int i = 0; i < r.size(); i++) recent.add(Fields.idValue(r.get(i), "recentItemIds[" + i + "]"));
    }
    // Bounded like an item's category: it filters items and keys the shards' fallback rankings.
    String category = Fields.text(o, "category", "category", ItemRequests.MAX_CATEGORY_CHARS);
    if (category != null && category.isEmpty()) throw ApiError.badField("category", "category must be a non-empty string");
    return new RecallService.Request(userId, k, excludeSeen, List.copyOf(recent), category, now(o.get("now"), "now"));
  }

  /** The optional {@code now} of a request (epoch ms or ISO-8601): what the user's history decays to. */
  static Long now(JsonNode v, String field) {
    return Fields.epochMillis(v, field);
  }

  private CompletionStage<HttpResponse> recall(String body) {
    RecallService.Request req = parse(Json.parseObject(body));
    return recall.recall(req).thenApply(r -> {
      ObjectNode out = Json.object().put("userId", r.userId());
      ArrayNode list = out.putArray("items");
      for (RecallService.Item it : r.items()) {
        list.addObject().put("itemId", it.itemId()).put("score", it.score()).put("tier", it.tier());
      }
      out.put("modelVersion", r.modelVersion());
      out.put("tookMs", Math.round(r.tookMs() * 10) / 10.0);
      out.put("strategy", r.strategy());
      out.put("partial", r.partial());
      if (r.partial()) {
        ArrayNode missing = out.putArray("missingShards");
        r.missingShards().forEach(missing::add);
      }
      if (!r.degraded().isEmpty()) {
        ArrayNode degraded = out.putArray("degraded");
        r.degraded().forEach(degraded::add);
      }
      return Json.response(200, out);
    });
  }

  private CompletionStage<HttpResponse> user(String rawId, Optional<String> rawNow) {
    String id = ItemRequests.pathIdField(rawId, "userId");
    Long now = rawNow.map(t -> now(t.matches("[0-9]+") ? DecimalNode.valueOf(new BigDecimal(t)) : TextNode.valueOf(t), "now")).orElse(null);
    return recall.user(id, now).thenApply(u -> {
      ObjectNode out = Json.object().put("userId", u.userId());
      ArrayNode history = out.putArray("history");
      for (HistoryEntry e : u.history()) {
        history.addObject().put("itemId", e.itemId()).put("type", e.type()).put("ts", e.ts().toEpochMilli());
      }
      if (u.vector() == null) out.putNull("vector");
      else out.set("vector", Json.array(u.vector()));
      return Json.response(200, out);
    });
  }
}
