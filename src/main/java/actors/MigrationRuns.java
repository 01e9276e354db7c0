package actors;

import actors.MigrationCoordinator.Move;
import actors.MigrationCoordinator.Outcome;
import actors.MigrationCoordinator.RunView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link MigrationCoordinator}'s state: the run in progress (its plan and how far it got), the last few
 * finished runs, and the moves of all runs per tier pair. Immutable: every event makes a new one, and a snapshot is
 * this record as CBOR.
 *
 * @param active the run in progress, or null
 * @param recent finished runs, newest last, at most the configured number
 * @param totals items moved by every run so far, per tier pair ({@link #pairKey})
 * @param lastStartedAt epoch ms of the last run's start (0 = never): the schedule counts from it
 */
public record MigrationRuns(long runsStarted, Active active, List<RunView> recent, Map<String, Long> totals,
    long lastStartedAt) implements CborSerializable {

  /**
   * A run in progress: the parts of the item list scanned so far ({@code nextPart} of {@code parts}), the moves
   * planned, and once {@code planned}, the moves done ({@code nextMove} of them, in plan order).
   */
  public record Active(RunView view, int parts, int nextPart, List<Move> plan, boolean planned, int nextMove)
      implements CborSerializable {}

  public static final String EXPIRED = "expired";

  public static MigrationRuns empty() {
    return new MigrationRuns(0, null, List.of(), Map.of(), 0);
  }

  /** "from>to": the key of a tier pair in the counts; an expiry's "to" is {@link #EXPIRED}. */
  public static String pairKey(String from, String to) {
    return from + ">" + to;
  }

  public String nextRunId() {
    return "m-" + (runsStarted + 1);
  }

  MigrationRuns started(String runId, String trigger, long atMillis, int parts) {
    RunView view = new RunView(runId, trigger, RunView.PLANNING, atMillis, 0, 0, 0, 0, 0, Map.of(), 0, 0);
    return new MigrationRuns(runsStarted + 1, new Active(view, parts, 0, List.of(), false, 0), recent, totals,
        atMillis);
  }

  MigrationRuns partScanned(int part, long scanned, List<Move> moves) {
    List<Move> plan = new ArrayList<>(active.plan());
    plan.addAll(moves);
    RunView v = active.view();
    RunView view = v.with(v.status(), v.scanned() + scanned, plan.size(), v.done(), v.resumes(), v.moved(),
        v.skippedFull(), v.skippedStale());
    return withActive(new Active(view, active.parts(), part + 1, List.copyOf(plan), false, 0));
  }

  /** The plan in the order it runs: expiries and demotions free rows and slots before promotions take them. */
  MigrationRuns planCompleted() {
    List<Move> plan = new ArrayList<>(active.plan());
    plan.sort(EXECUTION_ORDER);
    RunView v = active.view();
    RunView view = v.with(RunView.MOVING, v.scanned(), v.planned(), v.done(), v.resumes(), v.moved(),
        v.skippedFull(), v.skippedStale());
    return withActive(new Active(view, active.parts(), active.parts(), List.copyOf(plan), true, 0));
  }

  static final Comparator<Move> EXECUTION_ORDER = Comparator.comparingInt((Move m) -> m.kind().ordinal())
      .thenComparing(Comparator.comparingLong(Move::exposure).reversed()) // the busiest items get hot slots first
      .thenComparing(Move::itemId);

  MigrationRuns batchCompleted(int from, List<Outcome> outcomes) {
    RunView v = active.view();
    Map<String, Long> moved = new LinkedHashMap<>(v.moved());
    Map<String, Long> all = new LinkedHashMap<>(totals);
    long full = v.skippedFull();
    long stale = v.skippedStale();
    for (int i = 0; i < outcomes.size(); i++) {
      Move m = active.plan().get(from + i);
      switch (outcomes.get(i)) {
        case MOVED, EXPIRED -> {
          String key = pairKey(m.from(), m.kind() == Move.Kind.EXPIRE ? EXPIRED : m.to());
          moved.merge(key, 1L, Long::sum);
          all.merge(key, 1L, Long::sum);
        }
        case SKIPPED_FULL -> full++;
        case SKIPPED_STALE -> stale++;
      }
    }
    int next = from + outcomes.size();
    RunView view = v.with(v.status(), v.scanned(), v.planned(), next, v.resumes(), moved, full, stale);
    return new MigrationRuns(runsStarted, new Active(view, active.parts(), active.nextPart(), active.plan(), true, next),
        recent, Map.copyOf(all), lastStartedAt);
  }

  MigrationRuns resumed() {
    RunView v = active.view();
    return withActive(new Active(v.with(v.status(), v.scanned(), v.planned(), v.done(), v.resumes() + 1, v.moved(),
        v.skippedFull(), v.skippedStale()), active.parts(), active.nextPart(), active.plan(), active.planned(),
        active.nextMove()));
  }

  MigrationRuns finished(long atMillis, int keepRuns) {
    RunView v = active.view();
    RunView done = new RunView(v.runId(), v.trigger(), RunView.DONE, v.startedAt(), atMillis, v.scanned(), v.planned(),
        v.done(), v.resumes(), v.moved(), v.skippedFull(), v.skippedStale());
    List<RunView> kept = new ArrayList<>(recent);
    kept.add(done);
    while (kept.size() > keepRuns) kept.remove(0);
    return new MigrationRuns(runsStarted, null, List.copyOf(kept), totals, lastStartedAt);
  }

  /** The run with this id, in progress or among the recent ones; null if unknown. */
  public RunView run(String runId) {
    if (active != null && active.view().runId().equals(runId)) return active.view();
    for (RunView r : recent) if (r.runId().equals(runId)) return r;
    return null;
  }

  private MigrationRuns withActive(Active a) {
    return new MigrationRuns(runsStarted, a, recent, totals, lastStartedAt);
  }
}
