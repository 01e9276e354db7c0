package http;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletionStage;
import service.ShardingAdmin;
import service.StoreTransfer;

/**
 * Operator routes under {@code /admin} (behind {@link AdminRoutes}' token): where the shards are
 * ({@code GET /admin/shards}), one entity of any type ({@code GET /admin/entities/{type}/{id}}), and a store's
 * export and import as NDJSON ({@code GET /admin/export?table=…}, {@code POST /admin/import}).
 */
public final class OperatorRoutes extends AllDirectives {

  private static final ContentType NDJSON = akka.http.scaladsl.model.ContentType
      .parse("application/x-ndjson").right().get();

  private final ShardingAdmin sharding;
  private final StoreTransfer transfer;

  public OperatorRoutes(ShardingAdmin sharding, StoreTransfer transfer) {
    this.sharding = sharding;
    this.transfer = transfer;
  }

  /** Paths below {@code /admin}: {@link AdminRoutes} matched the prefix and checked the token. */
  public Route route() {
    return concat(
        path("shards", () -> get(() -> answer(shards()))),
        path(PathMatchers.segment("entities").slash(PathMatchers.segment()).slash(PathMatchers.segment()),
            (type, id) -> get(() -> answer(sharding.entity(type, id)
                .thenApply(summary -> Json.response(200, Json.MAPPER.valueToTree(summary)))))),
        // ?tier= is the name API.md first gave the parameter (a tier is one of the tables): still understood.
        path("export", () -> get(() -> parameterOptional("table", table -> parameterOptional("tier", tier -> {
          try {
            return complete(HttpResponse.create().withEntity(
                HttpEntities.createChunked(NDJSON, transfer.export(table.or(() -> tier).orElse(null)))));
          } catch (RuntimeException e) {
            return complete(Errors.toResponse(e));
          }
        })))),
        path("import", () -> post(() -> withoutSizeLimit(() -> extractDataBytes(bytes ->
            answer(transfer.importFrom(bytes).thenApply(imported -> Json.response(200, Json.object()
                .put("items", imported.items()).put("rows", imported.rows()))))))))
    );
  }

  private CompletionStage<HttpResponse> shards() {
    return sharding.shards().thenApply(types -> {
      ArrayNode list = Json.MAPPER.createArrayNode();
      types.forEach(t -> list.add(Json.MAPPER.<ObjectNode>valueToTree(t)));
      ObjectNode out = Json.object();
      out.set("types", list);
      ArrayNode known = out.putArray("entityTypes");
      sharding.entityTypes().forEach(known::add);
      return Json.response(200, out);
    });
  }

  private Route answer(CompletionStage<HttpResponse> response) {
    return completeWithFuture(response.exceptionally(Errors::toResponse));
  }

}
