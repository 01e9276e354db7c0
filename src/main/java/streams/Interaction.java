package streams;

import actors.CborSerializable;
import java.util.Objects;

/**
 * One user event on one item, as it travels through the interactions topic. The codec ({@link InteractionCodec})
 * enforces the wire rules; the record itself only refuses nulls and negative times.
 *
 * @param ts epoch milliseconds (UTC)
 */
public record Interaction(String userId, String itemId, EventType type, long ts) implements CborSerializable {

  public Interaction {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(itemId, "itemId");
    Objects.requireNonNull(type, "type");
    if (ts < 0) throw new IllegalArgumentException("ts must be >= 0, got " + ts);
  }
}
