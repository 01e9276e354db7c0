package model;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class HashedNgramEncoderTest {

  private final HashedNgramEncoder encoder = new HashedNgramEncoder();

  private double cos(String a, String b) {
    return Vectors.dot(encoder.encode(a), encoder.encode(b));
  }

  @Test
  void titlesSharingWordsAreCloserThanUnrelatedOnes() {
    assertTrue(cos("可爱的小猫在睡觉", "小猫睡觉的样子") > cos("可爱的小猫在睡觉", "股票市场今日大跌") + 0.2);
    assertTrue(cos("cute cat sleeping on the sofa", "sleeping cat video") > cos("cute cat sleeping on the sofa",
        "stock market falls sharply today") + 0.2);
  }

  @Test
  void vectorsAreUnitLengthAndDeterministic() {
    float[] v = encoder.encode("猫咪 Cat 视频");
    assertEquals(HashedNgramEncoder.DEFAULT_DIM, v.length);
    assertEquals(1.0, Math.sqrt(Vectors.dot(v, v)), 1e-5);
    assertArrayEquals(v, new HashedNgramEncoder().encode("猫咪 Cat 视频"));
    assertFalse(java.util.Arrays.equals(v, new HashedNgramEncoder(256, 7).encode("猫咪 Cat 视频")), "seed matters");
  }

  @Test
  void normalisesWidthCaseAndSpaces() {
    // NFKC folds full-width letters and the ideographic space; case and space runs do not matter.
    assertArrayEquals(encoder.encode("cat video"), encoder.encode("  ＣＡＴ\u3000\t Video "));
  }

  @Test
  void blankTextHasNoVector() {
    assertNull(encoder.encode(null));
    assertNull(encoder.encode(""));
    assertNull(encoder.encode(" \t\u3000"));
  }

  @Test
  void termCountsCoverOneToThreeGrams() {
    var counts = HashedNgramEncoder.termCounts(HashedNgramEncoder.normalise("ab a"));
    // 1-grams a,b,a (space skipped); 2-grams "ab","b "," a"; 3-grams "ab ","b a".
    assertEquals(2, counts.get("a"));
    assertEquals(1, counts.get("b"));
    assertEquals(1, counts.get("b a"));
    assertNull(counts.get(" "));
    assertEquals(7, counts.size());
  }

  @Test
  void rejectsBadDim() {
    var e = assertThrows(IllegalArgumentException.class, () -> new HashedNgramEncoder(0, 1));
    assertTrue(e.getMessage().contains("dim"));
  }
}
