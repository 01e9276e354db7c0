package learner;

import java.util.concurrent.CompletionStage;

/** Sends the first {@code count} deltas of an intent; completes once every range has persisted its delta. */
interface DeltaDelivery {
  CompletionStage<Void> send(int partition, LearnerIntent intent, int count);
}
