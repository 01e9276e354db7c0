package learner;

import akka.NotUsed;
import akka.stream.javadsl.Flow;
import java.util.List;
import model.InteractionWeights;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import streams.BadRecord;
import streams.InteractionCodec;

/**
 * A record's cost in a batch's budget of positives ({@code learner.batch-positives}): 1 for a positive interaction,
 * 0 for anything else (impressions, skips, and records that do not parse: those are dead-lettered when their batch
 * is learned). A batch is one step of every row it touches, so its positives, not its records, decide how much a
 * step moves; impressions cost nothing, and an impression-heavy stream still fills batches up to batch-size.
 *
 * <p>The record is parsed here and again when its batch is learned: a few µs a record, against steps of thousands
 * of positives that learned less (bench movielens, docs/benchmarks.md, 2026-12-06).
 */
final class PositiveBudget {

  private final InteractionWeights weights;

  PositiveBudget(InteractionWeights weights) {
    this.weights = weights;
  }

  /**
   * A partition's records cut into batches of at most {@code batchSize} records and {@code batchPositives}
   * positives, each emitted at the latest {@code batchWindow} after its first record.
   */
  Flow<ConsumerRecord<byte[], byte[]>, List<ConsumerRecord<byte[], byte[]>>, NotUsed> batches(
      LearnerSettings settings) {
    return Flow.<ConsumerRecord<byte[], byte[]>>create().groupedWeightedWithin(settings.batchPositives(),
        settings.batchSize(), this::cost, settings.batchWindow());
  }

  long cost(ConsumerRecord<byte[], byte[]> record) {
    try {
      return weights.positive(InteractionCodec.parse(record.value()).type().wireName()) ? 1 : 0;
    } catch (BadRecord bad) {
      return 0;
    }
  }
}
