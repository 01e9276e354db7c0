package actors;

import static org.junit.jupiter.api.Assertions.*;

import actors.MigrationCoordinator.Move;
import actors.MigrationCoordinator.Outcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The coordinator's state as its events make it: plan order, counts per tier pair, resumes, history. No Akka. */
class MigrationRunsTest {

  private static Move move(String id, String from, String to, Move.Kind kind, long exposure) {
    return new Move(id, from, to, kind, exposure);
  }

  @Test
  void aRunPlansPartByPartThenMovesInOrderAndCountsPerPair() {
    MigrationRuns s = MigrationRuns.empty().started("m-1", "manual", 1000, 2);
    assertEquals("m-2", s.nextRunId());
    s = s.partScanned(0, 5, List.of(move("a", "cold", "hot", Move.Kind.PROMOTE, 2000),
        move("b", "hot", "medium", Move.Kind.DEMOTE, 300)));
    s = s.partScanned(1, 4, List.of(move("c", "cold", "hot", Move.Kind.PROMOTE, 5000),
        move("d", "cold", "cold", Move.Kind.EXPIRE, 0)));
    assertEquals(9, s.active().view().scanned());
    s = s.planCompleted();
    // Expiries and demotions free rows first; the busiest promotions claim hot slots first.
    assertEquals(List.of("d", "b", "c", "a"), s.active().plan().stream().map(Move::itemId).toList());
    assertEquals(MigrationCoordinator.RunView.MOVING, s.active().view().status());

    s = s.batchCompleted(0, List.of(Outcome.EXPIRED, Outcome.MOVED));
    s = s.resumed();
    s = s.batchCompleted(2, List.of(Outcome.MOVED, Outcome.SKIPPED_FULL));
    assertEquals(4, s.active().nextMove());
    s = s.finished(2000, 1);
    assertNull(s.active());
    var run = s.run("m-1");
    assertEquals(MigrationCoordinator.RunView.DONE, run.status());
    assertEquals(Map.of("cold>expired", 1L, "hot>medium", 1L, "cold>hot", 1L), run.moved());
    assertEquals(1, run.skippedFull());
    assertEquals(1, run.resumes());
    assertEquals(run.moved(), s.totals());

    s = s.started("m-2", "schedule", 3000, 1).partScanned(0, 1, List.of()).planCompleted().finished(3001, 1);
    assertNull(s.run("m-1"), "only keep-runs finished runs are remembered");
    assertEquals(Map.of("cold>expired", 1L, "hot>medium", 1L, "cold>hot", 1L), s.totals(), "totals stay");
  }
}
