package actors;

import java.util.ArrayList;
import java.util.List;

/**
 * The training coordinator's persisted state: the run in progress (or null), when the last one started, and the
 * recent finished runs. Immutable; every change returns a new value.
 */
public record TrainingRuns(Run active, long lastStartedAt, long started, List<Run> recent)
    implements CborSerializable {

  /**
   * One run: its id and trigger (manual, schedule, collisions in a tier, rising loss), the window and epochs asked
   * (nulls: the defaults), its end state (null while it runs: done, shadow, failed, cancelled) and error.
   */
  public record Run(String runId, String trigger, long startedAt, Long fromMillis, Long toMillis, Integer epochs,
      String endState, long finishedAt, String error) implements CborSerializable {
    Run ended(String state, long atMillis, String why) {
      return new Run(runId, trigger, startedAt, fromMillis, toMillis, epochs, state, atMillis, why);
    }
  }

  public static TrainingRuns empty() {
    return new TrainingRuns(null, 0, 0, List.of());
  }

  /** The id the next run gets. */
  String nextRunId(long nowMillis) {
    return "full-" + nowMillis + "-" + (started + 1);
  }

  TrainingRuns started(Run run) {
    return new TrainingRuns(run, run.startedAt(), started + 1, recent);
  }

  TrainingRuns finished(String runId, String state, long atMillis, String error, int keep) {
    if (active == null || !active.runId().equals(runId)) return this;
    List<Run> newest = new ArrayList<>(keep);
    newest.add(active.ended(state, atMillis, error));
    for (Run r : recent) if (newest.size() < keep) newest.add(r);
    return new TrainingRuns(null, lastStartedAt, started, List.copyOf(newest));
  }

  /** The run with this id, active or recent, or null. */
  public Run run(String runId) {
    if (active != null && active.runId().equals(runId)) return active;
    return recent.stream().filter(r -> r.runId().equals(runId)).findFirst().orElse(null);
  }
}
