package service;

import actors.MigrationCoordinator;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** The operator's handle on tier migration: start a run, look at one, or at all of them (the coordinator's asks). */
public final class MigrationAdmin {

  private final ActorSystem<?> system;
  private final ActorRef<MigrationCoordinator.Command> coordinator;
  private final Duration askTimeout;

  public MigrationAdmin(ActorSystem<?> system, ActorRef<MigrationCoordinator.Command> coordinator, Duration askTimeout) {
    this.system = system;
    this.coordinator = coordinator;
    this.askTimeout = askTimeout;
  }

  /** Starts a run now, or answers with the one in progress. */
  public CompletionStage<MigrationCoordinator.RunView> start(String trigger) {
    return AskPattern.ask(coordinator, r -> new MigrationCoordinator.Start(trigger, r), askTimeout, system.scheduler());
  }

  public CompletionStage<Optional<MigrationCoordinator.RunView>> run(String runId) {
    return AskPattern.<MigrationCoordinator.Command, MigrationCoordinator.RunAnswer>ask(coordinator,
            r -> new MigrationCoordinator.GetRun(runId, r), askTimeout, system.scheduler())
        .thenApply(answer -> Optional.ofNullable(answer.run()));
  }

  public CompletionStage<MigrationCoordinator.Overview> overview() {
    return AskPattern.ask(coordinator, MigrationCoordinator.GetOverview::new, askTimeout, system.scheduler());
  }
}
