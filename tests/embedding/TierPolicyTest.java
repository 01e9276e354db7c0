package embedding;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Promotion at a tier's threshold, demotion only below half of it, and expiry after a quiet spell. */
class TierPolicyTest {

  private static final TierSpec HOT = new TierSpec("hot", TierKind.EXCLUSIVE, 16, 0, 0.8, 1000);
  private static final TierSpec MEDIUM = new TierSpec("medium", TierKind.HASHED, 64, 1, 0.55, 100);
  private static final TierSpec COLD = new TierSpec("cold", TierKind.HASHED, 256, 2, 0.3, 0);
  private static final TierSpec USERS = TierSpec.auxiliary("userids", 64, 3, 0);

  private final TierPolicy policy = new TierPolicy(List.of(COLD, USERS, HOT, MEDIUM), 0.5);

  @Test
  void promotesToTheHighestTierWhoseThresholdIsReached() {
    assertEquals(COLD, policy.target(COLD, 99));
    assertEquals(MEDIUM, policy.target(COLD, 100));
    assertEquals(MEDIUM, policy.target(COLD, 999));
    assertEquals(HOT, policy.target(COLD, 1000), "a cold item can jump straight to hot");
    assertEquals(HOT, policy.target(MEDIUM, 5000));
  }

  @Test
  void anItemBetweenHalfAndTheFullThresholdStaysWhereItIs() {
    // The same exposure, two answers: it depends on where the item comes from (hysteresis).
    assertEquals(HOT, policy.target(HOT, 700));
    assertEquals(MEDIUM, policy.target(MEDIUM, 700));
    assertEquals(HOT, policy.target(HOT, 500), "exactly half the threshold still stays");
    assertEquals(MEDIUM, policy.target(MEDIUM, 60));
    assertEquals(COLD, policy.target(COLD, 60));
  }

  @Test
  void demotesBelowTheMarginToTheHighestTierStillQualifiedFor() {
    assertEquals(MEDIUM, policy.target(HOT, 499));
    assertEquals(COLD, policy.target(HOT, 40), "straight past medium when below its threshold too");
    assertEquals(COLD, policy.target(MEDIUM, 49));
    assertEquals(COLD, policy.target(COLD, 0), "the entry tier never demotes");
  }

  @Test
  void theDecisionIsAFixedPoint() {
    for (TierSpec from : List.of(HOT, MEDIUM, COLD)) {
      for (long e : new long[] {0, 30, 49, 50, 99, 100, 499, 500, 999, 1000, 10_000}) {
        TierSpec to = policy.target(from, e);
        assertEquals(to, policy.target(to, e), from.name() + " at " + e);
      }
    }
  }

  @Test
  void withoutHysteresisTheThresholdsAloneDecide() {
    TierPolicy sharp = new TierPolicy(List.of(HOT, MEDIUM, COLD), 1.0);
    assertEquals(MEDIUM, sharp.target(HOT, 999));
    assertThrows(IllegalArgumentException.class, () -> new TierPolicy(List.of(HOT, COLD), 0));
  }

  @Test
  void dailyExposureIsTheBusiestDayOfTheLookback() {
    LocalDate today = LocalDate.of(2026, 11, 23);
    Map<LocalDate, Long> days = Map.of(today, 40L, today.minusDays(1), 900L, today.minusDays(2), 5000L);
    assertEquals(40, TierPolicy.dailyExposure(days, today, 1));
    assertEquals(900, TierPolicy.dailyExposure(days, today, 2));
    assertEquals(5000, TierPolicy.dailyExposure(days, today, 3));
    assertEquals(0, TierPolicy.dailyExposure(Map.of(), today, 2));
  }

  @Test
  void anItemExpiresOnlyAfterAQuietSpellSinceItsLastDayOrRegistration() {
    LocalDate day = LocalDate.of(2026, 11, 1);
    Instant registered = Instant.parse("2026-10-01T00:00:00Z");
    Instant last = TierPolicy.lastActivity(day, registered);
    assertEquals(Instant.parse("2026-11-02T00:00:00Z"), last, "the end of the last active day");
    Duration thirtyDays = Duration.ofDays(30);
    assertFalse(TierPolicy.expired(last, Instant.parse("2026-12-01T23:59:59Z"), thirtyDays));
    assertTrue(TierPolicy.expired(last, Instant.parse("2026-12-02T00:00:00Z"), thirtyDays));
    // Never shown: its registration counts; re-posting it counts as a sign of life.
    Instant reposted = Instant.parse("2026-11-20T10:00:00Z");
    assertEquals(reposted, TierPolicy.lastActivity(day, reposted));
    assertEquals(registered, TierPolicy.lastActivity(null, registered));
    assertFalse(TierPolicy.expired(registered, Instant.parse("2030-01-01T00:00:00Z"), Duration.ZERO), "0 = off");
  }
}
