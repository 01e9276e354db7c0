package learner;

import actors.BucketRange;
import actors.BucketRanges;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import storage.LearnerState;

/**
 * The learner's exactly-once effect per partition, over {@link LearnerState} (offsets live in Cassandra, not in
 * Kafka): a batch's deltas are written down as the partition's intent, with the frequency estimate and negatives
 * pool after the batch, before the first delta is sent; every range sees an operation id that is a function of
 * the batch's offsets and drops one it has applied; the offset advances only once every range has persisted its
 * delta. A crash mid-batch leaves the intent: on (re)assignment it is sent again and learning resumes after it.
 *
 * <p>The writes are compare-and-set on the partition's offset ({@link LearnerState}): a batch is the partition's
 * next one only if its intent is written where the partition stands, so two nodes that both believe they hold the
 * partition cannot learn a record twice; the one refused drops its batch unapplied and {@link #settle}s.
 */
final class IntentProtocol {

  private static final Logger log = LoggerFactory.getLogger(IntentProtocol.class);

  private final LearnerState state;
  private final String group;
  /** Sends an intent's deltas to the bucket ranges (which drop an operation id they have applied). */
  private final DeltaDelivery ranges;
  private final BucketRanges bucketRanges;
  /** New batches' deltas go through it: this protocol's own sending, or the test's {@link InjectedCrash} around it. */
  private final DeltaDelivery delivery;
  private volatile String topic;

  /** @param failAfterBatches {@link InjectedCrash} after that many batches; 0 = never */
  IntentProtocol(LearnerState state, String group, BucketRanges ranges, int failAfterBatches) {
    this.state = state;
    this.group = group;
    this.bucketRanges = ranges;
    this.ranges = this::sendToRanges;
    this.delivery = failAfterBatches > 0 ? new InjectedCrash(failAfterBatches, this.ranges) : this.ranges;
  }

  /** @param ranges sends a batch's deltas in place of the bucket ranges (a recording fake in tests) */
  IntentProtocol(LearnerState state, String group, DeltaDelivery ranges) {
    this.state = state;
    this.group = group;
    this.bucketRanges = null;
    this.ranges = ranges;
    this.delivery = ranges;
  }

  /** The topic learned from; set before its first partition is assigned. */
  void topic(String topic) {
    this.topic = topic;
  }

  /** The operation id every range sees for the batch of offsets {@code first}–{@code last}. */
  String opId(int partition, long first, long last) {
    return new LearnerIntent(first, last, List.of()).opId(topic, partition);
  }

  /**
   * Where a partition stands: the next offset to learn from once any batch left pending is finished, and the row
   * that was read (its estimator and pool are as of after that batch).
   */
  record Standing(long next, LearnerState.Position position) {}

  /**
   * Where the partition stands now (a serial read); a batch left pending there (a crash mid-batch, or another node's
   * batch in flight) is sent again (the ranges drop what they already applied) and passed. Called on assignment and
   * whenever a write of this node was refused.
   */
  CompletionStage<Standing> settle(int partition) {
    return state.latest(group, partition).thenCompose(p -> {
      if (p.intent() == null) return CompletableFuture.completedFuture(new Standing(p.nextOffset(), p));
      LearnerIntent intent = LearnerIntent.fromBytes(p.intent());
      log.info("learner {} partition {}: re-sending the pending batch {}-{}", group, partition,
          intent.firstOffset(), intent.lastOffset());
      long next = intent.lastOffset() + 1;
      // Refused only when its own writer advanced first: the partition is then at least there too.
      return ranges.send(partition, intent, intent.deltas().size())
          .thenCompose(ignored -> state.advanceFrom(group, partition, p.nextOffset(), next))
          .thenApply(ignored -> new Standing(next, p));
    });
  }

  /** Records {@code from}–{@code last} with nothing to learn are passed; false if the partition is not at {@code from}. */
  CompletionStage<Boolean> pass(int partition, long from, long last) {
    return state.passFrom(group, partition, from, last + 1);
  }

  /**
   * Intent (with the partition's estimator and pool after the batch), deltas, then the offset past the batch; the
   * intent only if the partition stands at {@code from} with nothing pending (false then, and nothing is sent).
   * Once the intent is written the batch is this partition's next one, whoever finishes it: an advance refused
   * because another node re-sent it and moved on still means the batch was applied once.
   */
  CompletionStage<Boolean> commit(int partition, long from, LearnerIntent intent, PartitionMemory.Batch memory,
      BatchTimings.Lap lap) {
    return state.intendAt(group, partition, from, intent.toBytes(), memory.estimator().toBytes(),
            memory.pool() == null ? null : memory.pool().toBytes())
        .thenCompose(written -> {
          lap.lap(BatchTimings.Phase.INTENT);
          if (!written) return CompletableFuture.completedFuture(false);
          return delivery.send(partition, intent, intent.deltas().size())
              .thenCompose(ignored -> {
                lap.lap(BatchTimings.Phase.APPLY);
                return state.advanceFrom(group, partition, from, intent.lastOffset() + 1);
              })
              .thenApply(ignored -> {
                lap.lap(BatchTimings.Phase.ADVANCE);
                return true;
              });
        });
  }

  /** Sends the first {@code count} deltas; every range must have persisted its delta (or had it already). */
  private CompletionStage<Void> sendToRanges(int partition, LearnerIntent intent, int count) {
    String opId = intent.opId(topic, partition);
    List<CompletableFuture<BucketRange.Ack>> acks = new ArrayList<>(count);
    for (LearnerIntent.Delta d : intent.deltas().subList(0, count)) {
      acks.add(bucketRanges.applyDeltas(d.entityId(), opId, d.rows(), d.gradients()).toCompletableFuture());
    }
    return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).thenAccept(ignored -> {
      for (var a : acks) {
        BucketRange.Ack ack = a.join();
        if (!ack.persisted()) throw new IllegalStateException("learner delta refused: " + ack.error());
      }
    });
  }
}
