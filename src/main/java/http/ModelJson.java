package http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import storage.ModelRegistry;

/** Model versions as {@code /admin/models} and the rollback answer show them (docs/API.md). */
final class ModelJson {

  private ModelJson() {}

  static ObjectNode version(ModelRegistry.Version v, long served) {
    ObjectNode o = Json.object().put("id", v.id()).put("status", v.status()).put("served", v.id() == served);
    if (v.parent() != null) o.put("parent", v.parent());
    if (v.runId() != null) o.put("runId", v.runId());
    time(o, "windowFrom", v.windowFrom());
    time(o, "windowTo", v.windowTo());
    offsets(o, "windowEndOffsets", v.windowEndOffsets());
    offsets(o, "resumeOffsets", v.resumeOffsets());
    if (v.loss() != null) o.put("loss", v.loss());
    if (v.heldOutLoss() != null) o.put("heldOutLoss", v.heldOutLoss());
    time(o, "createdAt", v.createdAt());
    time(o, "publishedAt", v.publishedAt());
    time(o, "retiredAt", v.retiredAt());
    return o;
  }

  private static void time(ObjectNode o, String field, Instant t) {
    if (t != null) o.put(field, t.toString());
  }

  private static void offsets(ObjectNode o, String field, Map<Integer, Long> offsets) {
    if (offsets == null) return;
    ObjectNode m = o.putObject(field);
    new java.util.TreeMap<>(offsets).forEach((p, off) -> m.put(Integer.toString(p), off));
  }
}
