package model;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the fusion finds the running mean of each uploader's item vectors: {@link UploaderMeans} in memory (one
 * process: the simulator, unit tests), or a store the whole cluster shares. {@link #mean} is asked on hot paths and
 * never waits: a shared source answers from what {@link #load} brought in, so callers load the uploaders of a batch
 * first.
 */
public interface UploaderMeanSource {

  int dim();

  /** Folds one item vector into the uploader's mean. */
  void add(String uploaderId, float[] itemVector);

  /** A copy of the uploader's mean, or null when none is known (or it was not loaded). */
  float[] mean(String uploaderId);

  /** Makes the means of these uploaders answerable by {@link #mean}; in memory they always are. */
  default CompletionStage<Void> load(Collection<String> uploaderIds) {
    return CompletableFuture.completedFuture(null);
  }
}
