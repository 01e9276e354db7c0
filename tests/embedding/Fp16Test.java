package embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Fp16Test {

  private static short h(int bits) {
    return (short) bits;
  }

  private static boolean isNaNBits(short h) {
    return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0;
  }

  @Test
  void toFloatIsExactForAllBitPatterns() {
    for (int bits = 0; bits < 0x10000; bits++) {
      short half = h(bits);
      float f = Fp16.toFloat(half);
      int exp = (bits >>> 10) & 0x1f;
      int mant = bits & 0x3ff;
      boolean negative = (bits & 0x8000) != 0;
      if (exp == 0x1f) {
        assertEquals(mant != 0, Float.isNaN(f), Integer.toHexString(bits));
        if (mant == 0) {
          assertEquals(negative ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY, f);
        }
        continue;
      }
      // Independent formula: subnormal mant * 2^-24, normal (1024 + mant) * 2^(exp - 25).
      double magnitude = exp == 0 ? Math.scalb((double) mant, -24) : Math.scalb(1024.0 + mant, exp - 25);
      double expected = negative ? -magnitude : magnitude;
      assertEquals(expected, f, 0.0, Integer.toHexString(bits));
      assertEquals(negative, Float.floatToRawIntBits(f) < 0, "sign of " + Integer.toHexString(bits));
    }
  }

  @Test
  void allBitPatternsRoundTrip() {
    for (int bits = 0; bits < 0x10000; bits++) {
      short half = h(bits);
      short back = Fp16.fromFloat(Fp16.toFloat(half));
      if (isNaNBits(half)) {
        assertTrue(isNaNBits(back), Integer.toHexString(bits)); // payload aside
      } else {
        assertEquals(half, back, Integer.toHexString(bits));
      }
    }
  }

  @Test
  void positiveBitPatternsAreOrderedLikeValues() {
    for (int bits = 0; bits < 0x7c00; bits++) {
      assertTrue(Fp16.toFloat(h(bits)) < Fp16.toFloat(h(bits + 1)), Integer.toHexString(bits));
    }
  }

  @Test
  void roundsHalfwayCasesToEven() {
    // Around 1.0 the fp16 ulp is 2^-10.
    assertEquals(h(0x3c00), Fp16.fromFloat(1f + 0x1p-11f)); // tie, 1.0 is even
    assertEquals(h(0x3c02), Fp16.fromFloat(1f + 3 * 0x1p-11f)); // tie, rounds up to even
    assertEquals(h(0x3c01), Fp16.fromFloat(Math.nextUp(1f + 0x1p-11f)));
    assertEquals(h(0x3c01), Fp16.fromFloat(Math.nextDown(1f + 3 * 0x1p-11f)));
    assertEquals(h(0xbc00), Fp16.fromFloat(-1f - 0x1p-11f));
    // Tie across a binade: 2 - 2^-11 is halfway between 0x3bff (odd) and 2.0 (0x4000).
    assertEquals(h(0x4000), Fp16.fromFloat(2f - 0x1p-11f));
    // Subnormal ties (unit 2^-24).
    assertEquals(h(0x0000), Fp16.fromFloat(0x1p-25f));
    assertEquals(h(0x0002), Fp16.fromFloat(3 * 0x1p-25f));
    assertEquals(h(0x0002), Fp16.fromFloat(5 * 0x1p-25f));
    // Halfway between the largest subnormal 0x03ff and the smallest normal 0x0400.
    assertEquals(h(0x0400), Fp16.fromFloat(0x1p-14f - 0x1p-25f));
  }

  @Test
  void overflowAndUnderflow() {
    assertEquals(h(0x7bff), Fp16.fromFloat(65504f));
    assertEquals(h(0x7bff), Fp16.fromFloat(Math.nextDown(65520f)));
    assertEquals(h(0x7c00), Fp16.fromFloat(65520f)); // tie between 65504 (odd) and 65536: infinity
    assertEquals(h(0x7c00), Fp16.fromFloat(1e10f));
    assertEquals(h(0xfc00), Fp16.fromFloat(-65520f));
    assertEquals(h(0x7c00), Fp16.fromFloat(Float.POSITIVE_INFINITY));
    assertEquals(h(0xfc00), Fp16.fromFloat(Float.NEGATIVE_INFINITY));
    assertEquals(h(0x0001), Fp16.fromFloat(Math.nextUp(0x1p-25f)));
    assertEquals(h(0x0000), Fp16.fromFloat(1e-30f));
    assertEquals(h(0x0000), Fp16.fromFloat(Float.MIN_VALUE));
    assertEquals(h(0x8000), Fp16.fromFloat(-1e-30f));
    assertEquals(h(0x8000), Fp16.fromFloat(-0f));
    assertTrue(isNaNBits(Fp16.fromFloat(Float.NaN)));
    assertTrue(isNaNBits(Fp16.fromFloat(Float.intBitsToFloat(0x7f800001)))); // payload only in low bits
  }

  /** fromFloat against a brute-force nearest search over the sorted fp16 values. */
  @Test
  void matchesNearestEvenReferenceOnSampledFloats() {
    for (long bits = 0; bits <= 0xffffffffL; bits += 4099) {
      float f = Float.intBitsToFloat((int) bits);
      if (Float.isNaN(f)) {
        continue;
      }
      assertEquals(referenceNearest(f), Fp16.fromFloat(f), () -> f + " (" + Float.floatToRawIntBits(f) + ")");
    }
  }

  private static short referenceNearest(float f) {
    int sign = f < 0 || Float.floatToRawIntBits(f) < 0 ? 0x8000 : 0;
    double a = Math.abs((double) f);
    if (a >= 65520) {
      return h(sign | 0x7c00);
    }
    int lo = largestNotAbove(a);
    double loValue = Fp16.toFloat(h(lo));
    if (loValue == a) {
      return h(sign | lo);
    }
    double hiValue = Fp16.toFloat(h(lo + 1));
    double dLo = a - loValue;
    double dHi = hiValue - a;
    int pick = dLo < dHi ? lo : dHi < dLo ? lo + 1 : ((lo & 1) == 0 ? lo : lo + 1);
    return h(sign | pick);
  }

  private static int largestNotAbove(double a) {
    int low = 0;
    int high = 0x7bff;
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (Fp16.toFloat(h(mid)) <= a) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return low;
  }

  @Test
  void stochasticReturnsOnlyTheBracketingValues() {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 200_000; i++) {
      // Log-uniform magnitudes from deep subnormal to the top of the range, both signs.
      float f = (float) (Math.pow(2, -30 + 46 * random.nextDouble()) * (random.nextBoolean() ? 1 : -1));
      float u = random.nextFloat();
      short result = Fp16.fromFloatStochastic(f, u);
      int lo = largestNotAbove(Math.abs(f));
      int magnitude = result & 0x7fff;
      assertTrue(magnitude == lo || magnitude == lo + 1, f + " -> " + Fp16.toFloat(result));
      if (magnitude != 0) {
        assertEquals(f < 0, result < 0, "sign of " + f);
      }
      // u -> 1 only rounds toward zero; u = 0 only away from it (unless saturating).
      assertTrue(Math.abs(Fp16.toFloat(Fp16.fromFloatStochastic(f, 0x1.fffffep-1f))) <= Math.abs(f));
      if (Math.abs(f) <= Fp16.MAX_VALUE) {
        assertTrue(Math.abs(Fp16.toFloat(Fp16.fromFloatStochastic(f, 0f))) >= Math.abs(f));
      }
    }
  }

  @Test
  void stochasticKeepsExactValues() {
    for (int bits = 0; bits < 0x10000; bits++) {
      short half = h(bits);
      if ((bits & 0x7c00) == 0x7c00) {
        continue; // infinities saturate and NaNs are tested separately
      }
      float f = Fp16.toFloat(half);
      assertEquals(half, Fp16.fromFloatStochastic(f, 0f), Integer.toHexString(bits));
      assertEquals(half, Fp16.fromFloatStochastic(f, 0x1.fffffep-1f), Integer.toHexString(bits));
    }
  }

  @Test
  void stochasticSaturatesInsteadOfOverflowing() {
    for (float u : new float[] {0f, 0.5f, 0x1.fffffep-1f}) {
      assertEquals(h(0x7bff), Fp16.fromFloatStochastic(65504f, u));
      assertEquals(h(0x7bff), Fp16.fromFloatStochastic(65505f, u));
      assertEquals(h(0x7bff), Fp16.fromFloatStochastic(65520f, u));
      assertEquals(h(0x7bff), Fp16.fromFloatStochastic(1e30f, u));
      assertEquals(h(0x7bff), Fp16.fromFloatStochastic(Float.POSITIVE_INFINITY, u));
      assertEquals(h(0xfbff), Fp16.fromFloatStochastic(-70000f, u));
      assertEquals(h(0xfbff), Fp16.fromFloatStochastic(Float.NEGATIVE_INFINITY, u));
      assertTrue(isNaNBits(Fp16.fromFloatStochastic(Float.NaN, u)));
    }
    // Just below the top the two candidates are 65472 and 65504.
    assertEquals(h(0x7bfe), Fp16.fromFloatStochastic(65500f, 0.9f));
    assertEquals(h(0x7bff), Fp16.fromFloatStochastic(65500f, 0.1f));
  }

  @Test
  void stochasticWorksInTheSubnormalRange() {
    float unit = 0x1p-24f;
    // 1.25 units: hi (2 units) with probability 0.25.
    assertEquals(h(0x0002), Fp16.fromFloatStochastic(1.25f * unit, 0.2f));
    assertEquals(h(0x0001), Fp16.fromFloatStochastic(1.25f * unit, 0.3f));
    // Below the smallest subnormal: between 0 and 1 unit.
    assertEquals(h(0x0001), Fp16.fromFloatStochastic(0.1f * unit, 0.05f));
    assertEquals(h(0x0000), Fp16.fromFloatStochastic(0.1f * unit, 0.15f));
    assertEquals(h(0x8001), Fp16.fromFloatStochastic(-0.1f * unit, 0.05f));
    // Largest subnormal rounds up into the smallest normal.
    assertEquals(h(0x0400), Fp16.fromFloatStochastic(1023.5f * unit, 0.4f));
    assertEquals(h(0x03ff), Fp16.fromFloatStochastic(1023.5f * unit, 0.6f));
  }

  @Test
  void encodeAndDecodeArrays() {
    float[] src = {0f, 1f, -2.5f, 65504f, 1e9f, 0.1f};
    short[] dst = new short[8];
    Fp16.encode(src, 1, dst, 2, 5, new SplittableRandom(3));
    assertEquals(0, dst[0]);
    assertEquals(0, dst[1]);
    float[] back = new float[6];
    Fp16.decode(dst, 2, back, 1, 5);
    assertEquals(1f, back[1]);
    assertEquals(-2.5f, back[2]);
    assertEquals(65504f, back[3]);
    assertEquals(65504f, back[4]); // saturated
    assertTrue(back[5] == Fp16.toFloat(h(0x2e66)) || back[5] == Fp16.toFloat(h(0x2e67)), "0.1 -> " + back[5]);
    short[] nearest = new short[6];
    Fp16.encodeNearest(src, 0, nearest, 0, 6);
    assertEquals(h(0x7c00), nearest[4]);
    assertEquals(h(0x2e66), nearest[5]);
  }
}
