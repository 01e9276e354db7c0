package streams;

import akka.Done;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a {@link CommittingPipeline} does with a micro-batch's good values, and how it gets past a value that
 * cannot be applied.
 *
 * @param batch applied to each micro-batch (idempotent: see CommittingPipeline)
 * @param alone applied to one value while a failed batch is taken apart; may differ from a batch of one, e.g. to
 *     write directly what the batch effect would gather across batches
 * @param permanent whether a failure is the input's fault. Then the batch is applied value by value
 *     ({@code alone}), and a value whose own effect fails permanently goes to the dead letters with the reason,
 *     so the partition moves on. Any other failure (a dependency away) restarts the stream from its last commit.
 */
public record BatchEffect<T>(Function<List<T>, CompletionStage<Done>> batch, Function<T, CompletionStage<Done>> alone,
    Predicate<Throwable> permanent) {

  /** Every failure restarts the stream: nothing is dead-lettered for its effect. */
  public static <T> BatchEffect<T> retryingAll(Function<List<T>, CompletionStage<Done>> batch) {
    return new BatchEffect<>(batch, value -> batch.apply(List.of(value)), failure -> false);
  }

  /** Permanent failures are taken apart with batches of one value. */
  public static <T> BatchEffect<T> isolating(Function<List<T>, CompletionStage<Done>> batch,
      Predicate<Throwable> permanent) {
    return new BatchEffect<>(batch, value -> batch.apply(List.of(value)), permanent);
  }

  /** The same with a different effect for a value applied alone. */
  public BatchEffect<T> withAlone(Function<T, CompletionStage<Done>> alone) {
    return new BatchEffect<>(batch, alone, permanent);
  }
}
