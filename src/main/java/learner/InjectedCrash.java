package learner;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only fault injection ({@code thermocline.learner.fail-after-batches} > 0; off by default): the chosen batch
 * reaches only the first half of its ranges, then learning fails as a crash would, leaving the batch's intent
 * behind. {@code OnlineLearnerExactlyOnceTest} checks that the learner then ends with the rows of an uninterrupted
 * run. Wraps the learner's delivery of deltas only when on, so production batches never pass through it.
 */
final class InjectedCrash implements DeltaDelivery {

  private final int afterBatches;
  private final DeltaDelivery next;
  private final AtomicInteger batches = new AtomicInteger();

  InjectedCrash(int afterBatches, DeltaDelivery next) {
    this.afterBatches = afterBatches;
    this.next = next;
  }

  @Override
  public CompletionStage<Void> send(int partition, LearnerIntent intent, int count) {
    if (batches.incrementAndGet() != afterBatches) return next.send(partition, intent, count);
    return next.send(partition, intent, count / 2).thenApply(x -> {
      throw new IllegalStateException("injected failure after batch " + intent.firstOffset() + "-"
          + intent.lastOffset());
    });
  }
}
