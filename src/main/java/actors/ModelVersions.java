package actors;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import java.util.List;
import java.util.TreeSet;

/**
 * Which model version this node serves, and which versions keep their bucket occupancy in step (one holder per
 * actor system). A version is a full copy of the row tables under versioned entity ids
 * ({@link embedding.StoreLayout#entityId(String, int, long)}): {@link BucketRanges} that follow the served version
 * read and count through this pointer, so switching it switches every served read of the node at once.
 *
 * <p>Occupancy (which items count in which bucket) is the same in every version; the model registry's served,
 * shadow and kept (rollback) versions all receive each occupancy change ({@link #occupancyTargets}), while
 * learning deltas go to one version only.
 */
public final class ModelVersions implements Extension {

  private volatile long served;
  private volatile List<Long> occupancyTargets = List.of(0L);

  ModelVersions() {}

  public static ModelVersions get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** The version this node serves now. */
  public long served() {
    return served;
  }

  /** The versions an occupancy change goes to, the served one first. */
  public List<Long> occupancyTargets() {
    return occupancyTargets;
  }

  /**
   * Serves {@code version} from now on; {@code alsoCounted} (shadow and kept versions) keep their occupancy in
   * step with it.
   */
  public synchronized void set(long version, java.util.Collection<Long> alsoCounted) {
    TreeSet<Long> others = new TreeSet<>(alsoCounted);
    others.remove(version);
    java.util.ArrayList<Long> targets = new java.util.ArrayList<>();
    targets.add(version);
    targets.addAll(others);
    occupancyTargets = List.copyOf(targets);
    served = version;
  }

  private static final class Id extends ExtensionId<ModelVersions> {
    static final Id INSTANCE = new Id();

    @Override
    public ModelVersions createExtension(ActorSystem<?> system) {
      return new ModelVersions();
    }
  }
}
