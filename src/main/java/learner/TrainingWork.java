package learner;

import actors.TrainingCoordinator;
import actors.TrainingRuns;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import service.StoreAdmin;

/**
 * What the training coordinator's runs do on its node: {@link FullRetraining} carries them out; after a crash a
 * run is waited for if it still runs here, else settled ({@link FullRetraining#settle}); the triggers are a hashed
 * tier's collision rate above {@code collision-rate} and the online loss's moving average rising by
 * {@code loss-rise} over its lowest since the last retraining.
 */
public final class TrainingWork implements TrainingCoordinator.Work {

  /** {@code training.triggers}: thresholds (0 turns a trigger off). */
  public record Triggers(double collisionRate, double lossRise) {
    public Triggers {
      if (collisionRate < 0 || collisionRate > 1) {
        throw new IllegalArgumentException("training.triggers.collision-rate must be in [0, 1]");
      }
      if (lossRise < 0) throw new IllegalArgumentException("training.triggers.loss-rise must be >= 0");
    }
  }

  private final FullRetraining training;
  private final StoreAdmin admin;
  private final OnlineLearner learner;
  private final Triggers triggers;

  /** @param learner this node's online learner (its loss), or null */
  public TrainingWork(FullRetraining training, StoreAdmin admin, OnlineLearner learner, Triggers triggers) {
    this.training = training;
    this.admin = admin;
    this.learner = learner;
    this.triggers = triggers;
  }

  @Override
  public CompletionStage<String[]> run(TrainingRuns.Run run) {
    training.begin(run.runId(), FullRetraining.request(run));
    if (learner != null) learner.lossTrend().reset();
    return training.end(run.runId()).orElseThrow().thenApply(TrainingWork::outcome);
  }

  @Override
  public CompletionStage<String[]> resume(TrainingRuns.Run run) {
    var end = training.end(run.runId());
    if (end.isPresent()) return end.get().thenApply(TrainingWork::outcome);
    // settle may block on the store: a thread of its own, not the common pool (two threads on a 2-core machine).
    return CompletableFuture.supplyAsync(() -> training.settle(run.runId()),
        runnable -> new Thread(runnable, "thermocline-training-settle").start());
  }

  private static String[] outcome(service.Training.Progress p) {
    return new String[] {p.state(), p.error()};
  }

  @Override
  public CompletionStage<String> due() {
    if (triggers.lossRise() > 0 && learner != null && learner.lossTrend().rising(triggers.lossRise())) {
      return CompletableFuture.completedFuture(String.format("online loss rose to %.2f× its lowest",
          learner.lossTrend().ratio()));
    }
    if (triggers.collisionRate() <= 0) return CompletableFuture.completedFuture(null);
    return admin.tiers().thenApply(tiers -> {
      for (StoreAdmin.TierReport t : tiers) {
        if (t.spec().kind() != embedding.TierKind.HASHED) continue;
        double rate = t.occupancy().collisionRate();
        if (rate > triggers.collisionRate()) {
          return String.format("collision rate of tier %s %.3f above %.3f", t.spec().name(), rate,
              triggers.collisionRate());
        }
      }
      return null;
    });
  }
}
