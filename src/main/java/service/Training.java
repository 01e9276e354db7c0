package service;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Full retraining as operators start and follow it ({@code /admin/training}, docs/API.md). */
public interface Training {

  /**
   * What to retrain on: the interactions logged in {@code [from, to]} (record time on the topic), {@code epochs}
   * shuffled passes. Nulls take the configured defaults: the last {@code training.window}, up to now,
   * {@code training.epochs}.
   */
  record Request(Instant from, Instant to, Integer epochs) {}

  /**
   * A run as it goes: {@code state} is reading, training, then done (its version published and served), shadow
   * (trained, waiting for {@code POST /admin/training/{runId}/publish}: auto-publish off), failed or cancelled.
   * {@code phase} says more while it runs: copying (the served version into the run's new one) and reading are
   * state reading; training and publishing are state training. {@code modelVersion}: the version the run trains
   * (null before it has one).
   */
  record Progress(String runId, String state, Instant from, Instant to, int epochs, int epoch, long recordsRead,
      long positives, long examplesDone, long examplesTotal, double loss, Instant startedAt, Instant finishedAt,
      Duration eta, String error, Long modelVersion, String phase) {
    /** In phase {@code newPhase} (copying, reading, training, publishing), its state following. */
    public Progress inPhase(String newPhase) {
      String newState = newPhase.equals("copying") || newPhase.equals("reading") ? "reading" : "training";
      return new Progress(runId, newState, from, to, epochs, epoch, recordsRead, positives, examplesDone,
          examplesTotal, loss, startedAt, finishedAt, eta, error, modelVersion, newPhase);
    }

    /** Ended in {@code endState} (done, shadow, failed, cancelled). */
    public Progress ended(String endState, Instant at, String why) {
      return new Progress(runId, endState, from, to, epochs, epoch, recordsRead, positives, examplesDone,
          examplesTotal, loss, startedAt, at, Duration.ZERO, why, modelVersion, endState);
    }
  }

  /**
   * What a run's tables start from: "fresh" (new rows, occupancy kept) or "current" (a copy of the served version's
   * rows), {@code training.start-from}.
   */
  default String startsFrom() {
    return "current";
  }

  /** The states a run ends in (it may still be published from "shadow"). */
  java.util.Set<String> ENDED = java.util.Set.of("done", "shadow", "failed", "cancelled");

  /** Publishes the version a run trained (its state "shadow"); 404 for an unknown run, 409 if not a shadow. */
  default java.util.concurrent.CompletionStage<Progress> publish(String runId) {
    throw new ApiError(501, null, "publishing is not supported here");
  }

  /** Serves the previous published version again; 409 if there is none. */
  default java.util.concurrent.CompletionStage<storage.ModelRegistry.Version> rollback() {
    throw new ApiError(501, null, "rollback is not supported here");
  }

  /** The registered model versions, newest first, and the served one. */
  default java.util.concurrent.CompletionStage<java.util.List<storage.ModelRegistry.Version>> versions() {
    throw new ApiError(501, null, "the model registry is not available here");
  }

  /** The model version this node serves. */
  default long servedVersion() {
    return 0;
  }

  /** Starts a run; an {@link ApiError} 409 while another runs on this node. */
  Progress start(Request request);

  /** Starts a run where runs are coordinated (409 while one runs in the cluster); by default as {@link #start}. */
  default java.util.concurrent.CompletionStage<Progress> submit(Request request) {
    return java.util.concurrent.CompletableFuture.completedFuture(start(request));
  }

  Optional<Progress> progress(String runId);

  /** A run's progress on this node, else what the cluster knows of it (a run carried out on another node). */
  default java.util.concurrent.CompletionStage<Optional<Progress>> find(String runId) {
    return java.util.concurrent.CompletableFuture.completedFuture(progress(runId));
  }

  /** The newest runs first. */
  List<Progress> runs();
}
