package model;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class LossTrendTest {

  @Test
  void flatLossIsNotRisingAndARiseAboveTheShareIs() {
    LossTrend trend = new LossTrend(0.1, 20);
    for (int i = 0; i < 200; i++) trend.observe(2.0);
    assertFalse(trend.rising(0.2));
    assertEquals(1.0, trend.ratio(), 1e-9);
    for (int i = 0; i < 200; i++) trend.observe(2.6);
    assertTrue(trend.rising(0.2), "ratio " + trend.ratio());
    assertFalse(trend.rising(0.5), "a 30 % rise is not a 50 % one");
  }

  @Test
  void fallingLossMovesTheReferenceDown() {
    LossTrend trend = new LossTrend(0.2, 5);
    for (int i = 0; i < 100; i++) trend.observe(3.0);
    for (int i = 0; i < 100; i++) trend.observe(2.0);
    assertEquals(1.0, trend.ratio(), 1e-6, "the lowest average is the reference");
    for (int i = 0; i < 100; i++) trend.observe(2.9);
    assertTrue(trend.rising(0.4), "back to 2.9 is a 45 % rise over 2.0");
  }

  @Test
  void nothingIsJudgedWhileWarmingUpOrAfterAReset() {
    LossTrend trend = new LossTrend(0.5, 10);
    for (int i = 0; i < 9; i++) trend.observe(i == 0 ? 1.0 : 10.0);
    assertFalse(trend.rising(0.1));
    assertTrue(Double.isNaN(trend.ratio()));
    for (int i = 0; i < 50; i++) trend.observe(1.0);
    for (int i = 0; i < 50; i++) trend.observe(5.0);
    assertTrue(trend.rising(1.0));
    trend.reset();
    assertFalse(trend.rising(0.0));
    trend.observe(Double.NaN);
    assertTrue(Double.isNaN(trend.ratio()));
    assertThrows(IllegalArgumentException.class, () -> new LossTrend(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new LossTrend(0.5, 0));
  }
}
