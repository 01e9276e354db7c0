package model;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class UserTowerTest {

  private static final long HOUR = 3_600_000L;
  private final UserTower tower = new UserTower(2, Duration.ofHours(1));

  @Test
  void initialTowerIsTheNormalisedDecayedMean() {
    long now = 10 * HOUR;
    // Same weight, one fresh and one an hour old: the fresh one counts twice as much.
    var signals = List.of(new UserTower.Signal(new float[] {1, 0}, 1, now),
        new UserTower.Signal(new float[] {0, 1}, 1, now - HOUR));
    float[] mean = tower.decayedMean(signals, now);
    assertArrayEquals(new float[] {2f / 3, 1f / 3}, mean, 1e-6f);
    float[] u = tower.userVector(signals, now);
    assertEquals(1.0, Math.hypot(u[0], u[1]), 1e-6);
    assertEquals(2.0, u[0] / u[1], 1e-5);
  }

  @Test
  void typeWeightsScaleTheSignal() {
    long now = 0;
    var signals = List.of(new UserTower.Signal(new float[] {1, 0}, 3, now),
        new UserTower.Signal(new float[] {0, 1}, 1, now));
    assertArrayEquals(new float[] {0.75f, 0.25f}, tower.decayedMean(signals, now), 1e-6f);
  }

  @Test
  void noSignalMeansNoVector() {
    assertNull(tower.userVector(List.of(), 0));
    assertNull(tower.userVector(List.of(new UserTower.Signal(new float[] {1, 0}, 0, 0)), 0));
    assertNull(tower.userVector(List.of(new UserTower.Signal(new float[] {0, 0}, 1, 0)), 0), "zero mean");
  }

  @Test
  void futureEventsCountAsNowAndWrongLengthsAreRefused() {
    assertEquals(1.0, tower.decay(1, -5 * HOUR));
    assertThrows(IllegalArgumentException.class,
        () -> tower.decayedMean(List.of(new UserTower.Signal(new float[] {1, 0, 0}, 1, 0)), 0));
  }

  @Test
  void agesCountFromTheUsersNewestEventSoOldHistoriesKeepTheirVector() {
    long yearsAgo = 1_000_000 * HOUR; // ~114 years of one-hour half-lives: 2^-1e6 underflows against the clock
    var old = List.of(new UserTower.Signal(new float[] {1, 0}, 1, yearsAgo),
        new UserTower.Signal(new float[] {0, 1}, 1, yearsAgo - HOUR));
    long shift = 999_990 * HOUR;
    var recent = List.of(new UserTower.Signal(new float[] {1, 0}, 1, yearsAgo + shift),
        new UserTower.Signal(new float[] {0, 1}, 1, yearsAgo - HOUR + shift));
    float[] fromOld = tower.decayedMean(old, yearsAgo + 2_000_000 * HOUR);
    assertArrayEquals(new float[] {2f / 3, 1f / 3}, fromOld, 1e-6f);
    assertArrayEquals(fromOld, tower.decayedMean(recent, UserTower.NEWEST), 0f, "the same stream shifted in time");
    assertArrayEquals(fromOld, tower.decayedMean(old, UserTower.NEWEST), 0f);
  }

  @Test
  void eventsAfterNowCountAsNow() {
    long now = 10 * HOUR;
    var signals = List.of(new UserTower.Signal(new float[] {1, 0}, 1, now + 5 * HOUR),
        new UserTower.Signal(new float[] {0, 1}, 1, now));
    assertArrayEquals(new float[] {0.5f, 0.5f}, tower.decayedMean(signals, now), 1e-6f);
  }
}
