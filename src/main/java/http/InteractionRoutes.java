package http;

import service.ApiError;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import streams.BadRecord;
import streams.Interaction;
import streams.InteractionCodec;
import streams.InteractionProducer;

/**
 * {@code POST /v1/interactions}: validates events and produces the good ones to the interactions topic, the
 * same path as external producers; answers 202 once Kafka has acknowledged them.
 */
public final class InteractionRoutes extends AllDirectives {

  public static final int MAX_EVENTS = 1000;

  private final InteractionProducer producer;
  private final long maxBodyBytes;
  private final service.Dependency kafka;
  private final Admission.Gate gate;

  public InteractionRoutes(InteractionProducer producer, long maxBodyBytes) {
    this(producer, maxBodyBytes, null);
  }

  /** @param kafka bounds each produce and answers 503 at once while Kafka is away (null: unguarded) */
  public InteractionRoutes(InteractionProducer producer, long maxBodyBytes, service.Dependency kafka) {
    this(producer, maxBodyBytes, kafka, Admission.OPEN);
  }

  /** @param gate admission control of the route ({@link Admission#interactions}) */
  public InteractionRoutes(InteractionProducer producer, long maxBodyBytes, service.Dependency kafka,
      Admission.Gate gate) {
    this.producer = producer;
    this.maxBodyBytes = maxBodyBytes;
    this.kafka = kafka;
    this.gate = gate;
  }

  public Route route() {
    return pathPrefix("v1", () -> path("interactions", () -> post(() -> gate.admit(() ->
        Bodies.string(maxBodyBytes, body -> {
          CompletionStage<HttpResponse> response;
          try {
            response = accept(body);
          } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
          }
          return completeWithFuture(response.exceptionally(Errors::toResponse));
        })))));
  }

  private CompletionStage<HttpResponse> accept(String body) {
    if (producer == null) throw new ApiError(503, null, "the interaction stream is disabled on this node (thermocline.kafka.enabled = off)");
    ObjectNode root = Json.parseObject(body);
    JsonNode events = root.get("events");
    if (events == null || !events.isArray()) throw ApiError.badField("events", "events must be an array of events");
    if (events.size() > MAX_EVENTS) {
      throw ApiError.badField("events", "at most " + MAX_EVENTS + " events per request, got " + events.size());
    }
    List<Interaction> good = new ArrayList<>();
    ArrayNode rejected = Json.MAPPER.createArrayNode();
    for (int i = 0; i < events.size(); i++) {
      try {
        good.add(InteractionCodec.parse(events.get(i), "events[" + i + "]"));
      } catch (BadRecord bad) {
        ObjectNode r = rejected.addObject().put("index", i).put("error", bad.getMessage());
        if (bad.field() != null) r.put("field", bad.field());
      }
    }
    CompletionStage<Void> sent = good.isEmpty() ? CompletableFuture.completedFuture(null)
        : kafka == null ? producer.send(good) : kafka.write(() -> producer.send(good));
    return sent.thenApply(done -> {
      ObjectNode out = Json.object().put("accepted", good.size());
      out.set("rejected", rejected);
      return Json.response(202, out);
    });
  }
}
