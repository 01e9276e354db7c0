package app;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import service.Dependency;

/**
 * Akka Management readiness check ({@code akka.management.health-checks.readiness-checks}): not ready while a
 * dependency of the node's requests is away, so that the management port's {@code /ready} (what Kubernetes asks)
 * says what the API's says. Akka Management builds it by reflection from the actor system; the node registers its
 * dependencies under that system.
 */
public final class DependencyReadiness implements Supplier<CompletionStage<Boolean>> {

  private static final Map<akka.actor.ActorSystem, List<Dependency>> BY_SYSTEM = new ConcurrentHashMap<>();

  private final akka.actor.ActorSystem system;

  public DependencyReadiness(akka.actor.ActorSystem system) {
    this.system = system;
  }

  static void register(akka.actor.typed.ActorSystem<?> system, List<Dependency> dependencies) {
    akka.actor.ActorSystem classic = system.classicSystem();
    BY_SYSTEM.put(classic, List.copyOf(dependencies));
    system.getWhenTerminated().thenRun(() -> BY_SYSTEM.remove(classic));
  }

  @Override
  public CompletionStage<Boolean> get() {
    for (Dependency d : BY_SYSTEM.getOrDefault(system, List.of())) {
      String problem = d.problem();
      if (problem != null) return CompletableFuture.failedFuture(new IllegalStateException(d.name() + ": " + problem));
    }
    return CompletableFuture.completedFuture(true);
  }
}
