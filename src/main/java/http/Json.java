package http;

import service.ApiError;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import streams.BadRecord;
import streams.StrictJson;

/** JSON in and out of the HTTP API. Strict parsing ({@link StrictJson}): one value, no duplicate keys, no NaN. */
public final class Json {

  static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private Json() {}

  public static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  public static ArrayNode array(float[] values) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode(values.length);
    for (float v : values) a.add(v);
    return a;
  }

  /**
   * Parses a request body; anything but exactly one JSON object is a 400: trailing content, a second value,
   * an over-long number literal or too deep nesting are refused while parsing ({@link StrictJson}).
   */
  public static ObjectNode parseObject(String body) {
    JsonNode node;
    try {
      node = StrictJson.read(body);
    } catch (BadRecord bad) {
      throw ApiError.badField(bad.field().isEmpty() ? null : bad.field(), "body is not valid JSON: "
          + (bad.field().isEmpty() ? "" : bad.field() + ": ") + bad.getMessage().replaceFirst("^malformed JSON: ", ""));
    }
    if (!node.isObject()) throw ApiError.badField(null, "body must be a JSON object");
    return (ObjectNode) node;
  }

  public static HttpResponse response(int status, JsonNode body) {
    try {
      return HttpResponse.create().withStatus(StatusCodes.get(status))
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, MAPPER.writeValueAsBytes(body)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON", e);
    }
  }

  public static HttpResponse error(int status, String message, String field) {
    ObjectNode body = object().put("error", message);
    if (field != null) body.put("field", field);
    return response(status, body);
  }
}
