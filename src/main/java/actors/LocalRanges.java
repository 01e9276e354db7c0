package actors;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import embedding.SharedRows;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rows of the {@link BucketRange} entities running on this node (one registry per actor system), for
 * readers on the same node: a read here does not queue behind the entity's journal writes the way a
 * {@link BucketRange.ReadRows} message does. A range registers when its recovery completes and leaves when it
 * stops; a range that is not here (not started yet, or on another node) is read with an ask.
 *
 * <p>What a reader sees: the entity's current state, which includes a change whose journal write is still in
 * flight (an event is applied before it is written). If that write fails, the entity stops, leaves this
 * registry, and recovers from the journal. Readers that must see persisted rows only ask the entity.
 */
public final class LocalRanges implements Extension {

  private final ConcurrentHashMap<String, SharedRows> ranges = new ConcurrentHashMap<>();

  LocalRanges() {}

  /** The registry of a system. */
  public static LocalRanges get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** Rows of the range {@code entityId} if it runs on this node, else null. */
  public SharedRows find(String entityId) {
    return ranges.get(entityId);
  }

  void register(String entityId, SharedRows rows) {
    ranges.put(entityId, rows);
  }

  /** Removes the range only if {@code rows} is still what it registered (a newer incarnation may have). */
  void unregister(String entityId, SharedRows rows) {
    ranges.remove(entityId, rows);
  }

  /** Ranges registered now (diagnostics and tests). */
  public int size() {
    return ranges.size();
  }

  private static final class Id extends ExtensionId<LocalRanges> {
    static final Id INSTANCE = new Id();

    @Override
    public LocalRanges createExtension(ActorSystem<?> system) {
      return new LocalRanges();
    }
  }
}
