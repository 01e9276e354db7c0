package model;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class UploaderMeansTest {

  @Test
  void runningMeanWithCount() {
    var means = new UploaderMeans(2, 10, 100);
    assertNull(means.mean("u1"));
    means.add("u1", new float[] {1, 0});
    means.add("u1", new float[] {0, 1});
    means.add("u1", new float[] {2, 2});
    assertArrayEquals(new float[] {1, 1}, means.mean("u1"), 1e-6f);
    assertEquals(3, means.count("u1"));
    assertEquals(0, means.count("u2"));
  }

  @Test
  void pastTheWindowItFollowsNewItems() {
    var means = new UploaderMeans(1, 10, 4);
    for (int i = 0; i < 4; i++) means.add("u", new float[] {0});
    for (int i = 0; i < 20; i++) means.add("u", new float[] {1});
    float m = means.mean("u")[0];
    // A plain mean would sit at 20/24 = 0.83; the 1/4-rate average forgets the old items: 1 - 0.75^20.
    assertEquals(1 - Math.pow(0.75, 20), m, 1e-5);
  }

  @Test
  void boundedLeastRecentlyUsedFirstOut() {
    var means = new UploaderMeans(1, 2, 10);
    means.add("a", new float[] {1});
    means.add("b", new float[] {2});
    means.mean("a"); // touch a: b is now the eldest
    means.add("c", new float[] {3});
    assertEquals(2, means.size());
    assertNull(means.mean("b"));
    assertNotNull(means.mean("a"));
    assertNotNull(means.mean("c"));
  }

  @Test
  void meanIsACopy() {
    var means = new UploaderMeans(1, 2, 10);
    means.add("a", new float[] {1});
    means.mean("a")[0] = 99;
    assertEquals(1, means.mean("a")[0]);
  }

  @Test
  void badInputNamesTheParameter() {
    var means = new UploaderMeans(2, 2, 2);
    var e = assertThrows(IllegalArgumentException.class, () -> means.add("u", new float[3]));
    assertTrue(e.getMessage().startsWith("itemVector"));
    e = assertThrows(IllegalArgumentException.class, () -> means.add(" ", new float[2]));
    assertTrue(e.getMessage().startsWith("uploaderId"));
    e = assertThrows(IllegalArgumentException.class, () -> means.add("u", new float[] {Float.NaN, 0}));
    assertTrue(e.getMessage().startsWith("itemVector"));
    e = assertThrows(IllegalArgumentException.class, () -> new UploaderMeans(2, 0, 2));
    assertTrue(e.getMessage().startsWith("capacity"));
  }
}
