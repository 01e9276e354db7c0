package model;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The anchor's weight over a move's window, and the served mix. */
class MoveBlendTest {

  private final MoveBlend blend = new MoveBlend(0.8, Duration.ofHours(24));
  private static final long MOVED = 1_800_000_000_000L;
  private static final long DAY = 86_400_000L;

  @Test
  void theWeightStartsAtPointEightAndFallsLinearlyToZeroOverTheWindow() {
    assertEquals(0.8, blend.anchorWeight(MOVED, MOVED), 0);
    assertEquals(0.4, blend.anchorWeight(MOVED, MOVED + DAY / 2), 1e-12);
    assertEquals(0.2, blend.anchorWeight(MOVED, MOVED + 3 * DAY / 4), 1e-12);
    assertEquals(0, blend.anchorWeight(MOVED, MOVED + DAY), 0);
    assertEquals(0, blend.anchorWeight(MOVED, MOVED + 10 * DAY), 0);
  }

  @Test
  void aClockBehindTheMoveServesTheStartWeight() {
    assertEquals(0.8, blend.anchorWeight(MOVED, MOVED - 5_000), 0);
  }

  @Test
  void aZeroWindowServesTheNewVectorAtOnce() {
    assertEquals(0, new MoveBlend(0.8, Duration.ZERO).anchorWeight(MOVED, MOVED), 0);
  }

  @Test
  void theMixIsTheWeightedSumOfAnchorAndCurrent() {
    float[] old = {1, 0, 0};
    float[] now = {0, 1, 0};
    assertArrayEquals(new float[] {0.8f, 0.2f, 0}, MoveBlend.mix(old, now, 0.8), 1e-7f);
    assertArrayEquals(new float[] {0.25f, 0.75f, 0}, MoveBlend.mix(old, now, 0.25), 1e-7f);
    assertSame(now, MoveBlend.mix(old, now, 0), "after the window: the current vector itself");
    assertSame(now, MoveBlend.mix(null, now, 0.8), "no anchor: the current vector");
  }

  @Test
  void rejectsWeightsOutsideZeroOneAndNegativeWindows() {
    assertThrows(IllegalArgumentException.class, () -> new MoveBlend(1.2, Duration.ofHours(1)));
    assertThrows(IllegalArgumentException.class, () -> new MoveBlend(-0.1, Duration.ofHours(1)));
    assertThrows(IllegalArgumentException.class, () -> new MoveBlend(0.8, Duration.ofHours(-1)));
  }
}
