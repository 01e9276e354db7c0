package model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UserSideTest {

  private static final int D = 4;
  private final UserSide side = new UserSide(D);

  /** Before learning (user-ID row at zero) the user vector is exactly today's normalised history mean. */
  @Test
  void zeroUserIdRowGivesTheNormalisedHistoryMean() {
    UserTower tower = new UserTower(D, Duration.ofHours(1));
    List<UserTower.Signal> signals = List.of(new UserTower.Signal(new float[] {1, 0, 0, 2}, 1, 0),
        new UserTower.Signal(new float[] {0, 3, 0, -1}, 2, -3_600_000L));
    float[] history = tower.historyVector(signals, 0);
    float[] expected = Vectors.normalizeOrNull(history);
    assertArrayEquals(expected, side.forward(history, new float[D]).vector(), 1e-7f);
    assertArrayEquals(expected, side.forward(history, null).vector(), 1e-7f);
    assertArrayEquals(expected, tower.userVector(signals, 0), 1e-7f);
    assertArrayEquals(expected, tower.userVector(signals, 0, new float[D]), 1e-7f);
    float[] row = {0.5f, 0, 0, 0};
    float[] withRow = tower.userVector(signals, 0, row);
    float[] sum = history.clone();
    sum[0] += 0.5f;
    assertArrayEquals(Vectors.normalizeOrNull(sum), withRow, 1e-7f);
  }

  @Test
  void emptyHistoryUsesTheRowAloneOrNothing() {
    float[] row = {0, 3, 4, 0};
    assertArrayEquals(new float[] {0, 0.6f, 0.8f, 0}, side.forward(null, row).vector(), 1e-7f);
    UserSide.Forward none = side.forward(null, new float[D]);
    assertFalse(none.defined());
    assertNull(none.vector());
    assertNull(side.forward(null, null).vector());
    assertThrows(IllegalStateException.class, () -> none.backward(new float[D]));
    assertNull(new UserTower(D, Duration.ofHours(1)).userVector(List.of(), 0, new float[D]));
  }

  @Test
  void userIdRowGradientMatchesFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(3);
    float[] c = GradCheck.gaussian(rng, D, 1);
    for (float[] history : new float[][] {GradCheck.gaussian(rng, D, 0.5), null}) {
      float[] row = GradCheck.gaussian(rng, D, 0.2);
      float[] grad = side.forward(history, row).backward(c);
      GradCheck.check("dL/dUserIdRow", row, grad, () -> GradCheck.dot(c, side.forward(history, row).vector()),
          1e-3, 2e-3, 2e-5);
    }
    // From zero, the row still gets a gradient (it is how a user's row starts to learn).
    float[] history = GradCheck.gaussian(rng, D, 0.5);
    float[] zero = new float[D];
    float[] grad = side.forward(history, zero).backward(c);
    GradCheck.check("dL/dUserIdRow at 0", zero, grad, () -> GradCheck.dot(c, side.forward(history, zero).vector()),
        1e-3, 2e-3, 2e-5);
  }

  @Test
  void badInputIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new UserSide(0));
    assertThrows(IllegalArgumentException.class, () -> side.forward(new float[3], null));
    assertThrows(IllegalArgumentException.class, () -> side.forward(null, new float[5]));
    assertThrows(IllegalArgumentException.class, () -> side.forward(new float[] {1, 0, 0, 0}, null).backward(new float[2]));
  }

  @Test
  void nonZeroSumIsUnitLength() {
    float[] u = side.forward(new float[] {1, 1, 0, 0}, new float[] {0, 0, 1, 1}).vector();
    assertEquals(1, Math.sqrt(GradCheck.dot(u, u)), 1e-6);
  }
}
