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

  /** A run as it goes: {@code state} is reading, training, done, failed or cancelled. */
  record Progress(String runId, String state, Instant from, Instant to, int epochs, int epoch, long recordsRead,
      long positives, long examplesDone, long examplesTotal, double loss, Instant startedAt, Instant finishedAt,
      Duration eta, String error) {}

  /** Starts a run; an {@link ApiError} 409 while another runs on this node. */
  Progress start(Request request);

  Optional<Progress> progress(String runId);

  /** The newest runs first. */
  List<Progress> runs();
}
