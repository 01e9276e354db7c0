package learner;

import actors.BucketRange;
import actors.BucketRanges;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 */
final class IntentProtocol {

  private static final Logger log = LoggerFactory.getLogger(IntentProtocol.class);

  private final LearnerState state;
  private final String group;
  private final BucketRanges ranges;
  /** New batches' deltas go through it: this protocol's own sending, or the test's {@link InjectedCrash} around it. */
  private final DeltaDelivery delivery;
  private volatile String topic;

  /** @param failAfterBatches {@link InjectedCrash} after that many batches; 0 = never */
  IntentProtocol(LearnerState state, String group, BucketRanges ranges, int failAfterBatches) {
    this.state = state;
    this.group = group;
    this.ranges = ranges;
    this.delivery = failAfterBatches > 0 ? new InjectedCrash(failAfterBatches, this::send) : this::send;
  }

  /** The topic learned from; set before its first partition is assigned. */
  void topic(String topic) {
    this.topic = topic;
  }

  /** The operation id every range sees for the batch of offsets {@code first}–{@code last}. */
  String opId(int partition, long first, long last) {
    return new LearnerIntent(first, last, List.of()).opId(topic, partition);
  }

  /** Where the partition resumes: after its last batch, once a batch a crash left half-applied is finished. */
  CompletionStage<Long> resume(int partition, Optional<LearnerState.Position> found) {
    if (found.isEmpty()) return CompletableFuture.completedFuture(0L);
    LearnerState.Position p = found.get();
    if (p.intent() == null) return CompletableFuture.completedFuture(p.nextOffset());
    LearnerIntent intent = LearnerIntent.fromBytes(p.intent());
    log.info("learner {} partition {}: re-sending the batch {}-{} a crash left unfinished", group, partition,
        intent.firstOffset(), intent.lastOffset());
    return send(partition, intent, intent.deltas().size())
        .thenCompose(ignored -> state.advance(group, partition, intent.lastOffset() + 1))
        .thenApply(ignored -> intent.lastOffset() + 1);
  }

  /** A batch with nothing to learn: its offsets are passed. */
  CompletionStage<Void> pass(int partition, long last) {
    return state.advance(group, partition, last + 1);
  }

  /** Intent (with the partition's estimator and pool after the batch), deltas, then the offset past the batch. */
  CompletionStage<Void> commit(int partition, LearnerIntent intent, PartitionMemory.Batch memory,
      BatchTimings.Lap lap) {
    return state.intend(group, partition, intent.toBytes(), memory.estimator().toBytes(),
            memory.pool() == null ? null : memory.pool().toBytes())
        .thenCompose(ignored -> {
          lap.lap(BatchTimings.Phase.INTENT);
          return delivery.send(partition, intent, intent.deltas().size());
        })
        .thenCompose(ignored -> {
          lap.lap(BatchTimings.Phase.APPLY);
          return state.advance(group, partition, intent.lastOffset() + 1);
        })
        .thenApply(ignored -> {
          lap.lap(BatchTimings.Phase.ADVANCE);
          return null;
        });
  }

  /** Sends the first {@code count} deltas; every range must have persisted its delta (or had it already). */
  private CompletionStage<Void> send(int partition, LearnerIntent intent, int count) {
    String opId = intent.opId(topic, partition);
    List<CompletableFuture<BucketRange.Ack>> acks = new ArrayList<>(count);
    for (LearnerIntent.Delta d : intent.deltas().subList(0, count)) {
      acks.add(ranges.applyDeltas(d.entityId(), opId, d.rows(), d.gradients()).toCompletableFuture());
    }
    return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).thenAccept(ignored -> {
      for (var a : acks) {
        BucketRange.Ack ack = a.join();
        if (!ack.persisted()) throw new IllegalStateException("learner delta refused: " + ack.error());
      }
    });
  }
}
