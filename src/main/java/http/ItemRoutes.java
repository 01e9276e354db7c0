package http;

import service.ApiError;
import service.ItemBatch;
import service.ItemRequests;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import service.ItemService;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import storage.ItemRecord;

/** {@code /v1/items}: register one or many items, read one (docs/API.md). No business logic here. */
public final class ItemRoutes extends AllDirectives {

  public static final int MAX_BATCH = 1000;

  private final ItemService items;
  private final ItemRequests requests;
  private final long maxBodyBytes;
  private final service.Dependency cassandra;
  private final Admission.Gate gate;

  public ItemRoutes(ItemService items, ItemRequests requests, long maxBodyBytes) {
    this(items, requests, maxBodyBytes, null);
  }

  /** @param cassandra what every item route needs: bounded, and 503 at once while it is away (null: unguarded) */
  public ItemRoutes(ItemService items, ItemRequests requests, long maxBodyBytes, service.Dependency cassandra) {
    this(items, requests, maxBodyBytes, cassandra, Admission.OPEN);
  }

  /** @param gate admission control of every item route ({@link Admission#items}) */
  public ItemRoutes(ItemService items, ItemRequests requests, long maxBodyBytes, service.Dependency cassandra,
      Admission.Gate gate) {
    this.items = items;
    this.requests = requests;
    this.maxBodyBytes = maxBodyBytes;
    this.cassandra = cassandra;
    this.gate = gate;
  }

  private <T> CompletionStage<T> read(java.util.function.Supplier<CompletionStage<T>> call) {
    return cassandra == null ? call.get() : cassandra.call(call);
  }

  private <T> CompletionStage<T> write(java.util.function.Supplier<CompletionStage<T>> call) {
    return cassandra == null ? call.get() : cassandra.write(call);
  }

  public Route route() {
    return pathPrefix("v1", () -> concat(
        path("items", () -> post(() -> gate.admit(() -> body(this::registerOne)))),
        path("items:batch", () -> post(() -> gate.admit(() -> body(this::registerBatch)))),
        path(PathMatchers.segment("items").slash(PathMatchers.segment()), id -> concat(
            get(() -> gate.admit(() -> answer(find(id)))),
            delete(() -> gate.admit(() -> answer(remove(id))))))));
  }

  /** The body as a string, bounded: a larger body is a 413 ({@link Bodies}). */
  private Route body(java.util.function.Function<String, CompletionStage<HttpResponse>> handler) {
    return Bodies.string(maxBodyBytes, b -> answer(call(handler, b)));
  }

  private static <T> CompletionStage<HttpResponse> call(java.util.function.Function<T, CompletionStage<HttpResponse>> f,
      T arg) {
    try {
      return f.apply(arg);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Route answer(CompletionStage<HttpResponse> response) {
    return completeWithFuture(response.exceptionally(Errors::toResponse));
  }

  private CompletionStage<HttpResponse> registerOne(String body) {
    ItemRequests.ItemInput input = requests.parse(Json.parseObject(body), "");
    return write(() -> items.register(input.itemId(), input.metadata()))
        .thenApply(reg -> Json.response(reg.created() ? 201 : 200, placement(reg.record())));
  }

  private CompletionStage<HttpResponse> registerBatch(String body) {
    ObjectNode root = Json.parseObject(body);
    JsonNode list = root.get("items");
    if (list == null || !list.isArray()) throw ApiError.badField("items", "items must be an array of items");
    if (list.size() > MAX_BATCH) {
      throw ApiError.badField("items", "at most " + MAX_BATCH + " items per batch, got " + list.size());
    }
    return write(() -> ItemBatch.register(list, requests, items::register)).thenApply(result -> {
      ObjectNode out = Json.object().put("accepted", result.accepted());
      ArrayNode rejected = out.putArray("rejected");
      for (ItemBatch.Rejected r : result.rejected()) rejected.addObject().put("index", r.index()).put("error", r.error());
      ArrayNode results = out.putArray("results");
      for (ItemBatch.Outcome o : result.outcomes()) {
        ObjectNode one = results.addObject().put("itemId", o.itemId()).put("index", o.index()).put("status", o.status());
        if (!o.superseded().isEmpty()) o.superseded().forEach(one.putArray("superseded")::add);
        if (o.error() != null) one.put("error", o.error());
      }
      return Json.response(200, out);
    });
  }

  private CompletionStage<HttpResponse> find(String rawId) {
    String id = ItemRequests.pathId(rawId);
    return read(() -> items.find(id)).thenApply(found -> {
      ItemService.ItemView view = found.orElseThrow(() -> ApiError.notFound("no item " + id));
      ItemRecord r = view.record();
      ObjectNode out = placement(r);
      out.put("alpha", view.served().alpha());
      out.set("exposures", Json.object().put("today", view.exposures().today()).put("total", view.exposures().total()));
      ObjectNode embedding = Json.object();
      embedding.set("hash", Json.array(view.served().hash()));
      embedding.set("meta", Json.array(view.served().meta()));
      embedding.set("final", Json.array(view.served().vector()));
      out.set("embedding", embedding);
      out.setAll(migration(r, view.served()));
      ObjectNode meta = Json.object();
      ItemRecord.ItemMetadata m = r.metadata();
      meta.put("title", m.title());
      meta.set("tags", m.tags() == null ? null : Json.MAPPER.valueToTree(m.tags()));
      meta.put("category", m.category());
      meta.put("uploaderId", m.uploaderId());
      meta.put("createdAt", m.createdAt() == null ? null : m.createdAt().toString());
      if (m.imageVector() != null) meta.set("imageVector", Json.array(m.imageVector()));
      out.set("metadata", meta);
      return Json.response(200, out);
    });
  }

  private CompletionStage<HttpResponse> remove(String rawId) {
    String id = ItemRequests.pathId(rawId);
    return write(() -> items.delete(id)).thenApply(found -> {
      if (!found) throw ApiError.notFound("no item " + id);
      return HttpResponse.create().withStatus(204);
    });
  }

  /**
   * Tier migration: {@code expired} while the item is out of recall; {@code move} while its served vector still blends
   * from its pre-move vector ({@code anchor}, weight {@code anchorWeight}) to its new one ({@code fused}).
   */
  private static ObjectNode migration(ItemRecord r, service.FusionService.Served served) {
    ObjectNode out = Json.object();
    if (r.expired()) out.put("expired", true).put("expiredAt", r.expiredAt().toString());
    if (served.anchorWeight() > 0) {
      ObjectNode move = Json.object().put("movedAt", r.movedAt().toString()).put("anchorWeight", served.anchorWeight());
      move.set("anchor", Json.array(r.anchor()));
      move.set("fused", Json.array(served.fused()));
      out.set("move", move);
    }
    return out;
  }

  private static ObjectNode placement(ItemRecord r) {
    ObjectNode out = Json.object().put("itemId", r.itemId()).put("tier", r.tier());
    if (r.slot() >= 0) out.put("slot", r.slot());
    else out.put("bucket", r.bucket());
    return out;
  }
}
