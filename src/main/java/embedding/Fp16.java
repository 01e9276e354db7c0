package embedding;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * IEEE 754 binary16 ("half") conversions on raw {@code short} bit patterns.
 *
 * <p>JDK 17 has no {@code Float.float16ToFloat}/{@code Float.floatToFloat16} (they arrived in
 * JDK 20), so both directions are written by hand here with integer arithmetic.
 *
 * <p>Two rounding modes: {@link #fromFloat} is IEEE round-to-nearest-even, for deterministic
 * conversions; {@link #fromFloatStochastic} rounds up or down with probability proportional to
 * the distance, so that updates far smaller than an fp16 ulp survive on average instead of being
 * rounded away every time.
 */
public final class Fp16 {

  /** Largest finite fp16 value. */
  public static final float MAX_VALUE = 65504f;
  /** Bit pattern of {@link #MAX_VALUE}. */
  public static final short MAX_VALUE_BITS = 0x7bff;
  /** Bit pattern of positive infinity. */
  public static final short POSITIVE_INFINITY_BITS = 0x7c00;

  private static final int SIGN_MASK = 0x8000;
  private static final int EXP_MASK = 0x7c00;
  private static final int MANT_MASK = 0x03ff;
  // fp32 bias 127 minus fp16 bias 15, shifted to where the fp16 exponent field sits.
  private static final int REBIAS = (127 - 15) << 10;
  // Smallest normal fp16 (2^-14) as fp32 bits; below it results are fp16 subnormals.
  private static final int MIN_NORMAL_F32_BITS = 0x38800000;
  // 65520 = MAX_VALUE + half an ulp: from here on, round-to-nearest-even gives infinity.
  private static final int OVERFLOW_F32_BITS = 0x477ff000;
  // MAX_VALUE as fp32 bits: from here on, stochastic rounding saturates.
  private static final int MAX_VALUE_F32_BITS = 0x477fe000;
  // 2^24 turns fp16 subnormal units (2^-24) into integers; scaling by it is exact for any
  // float below 2^-14.
  private static final float SUBNORMAL_SCALE = 0x1p24f;

  private Fp16() {}

  /** Exact conversion of any fp16 bit pattern to float (every fp16 value is a float). */
  public static float toFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & SIGN_MASK) << 16;
    int exp = bits & EXP_MASK;
    if (exp == EXP_MASK) {
      // Infinity or NaN; a NaN payload moves to the top of the fp32 mantissa.
      return Float.intBitsToFloat(sign | 0x7f800000 | (bits & MANT_MASK) << 13);
    }
    if (exp == 0) {
      // Zero or subnormal: mant * 2^-24, exact in float.
      float magnitude = (bits & MANT_MASK) * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((bits & 0x7fff) + REBIAS) << 13);
  }

  /**
   * Round-to-nearest-even conversion. Magnitudes from 65520 up become infinity (IEEE overflow),
   * magnitudes up to 2^-25 become a signed zero, NaN stays NaN (top payload bits kept).
   */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & SIGN_MASK;
    int abs = bits & 0x7fffffff;
    if (abs >= 0x7f800000) {
      return nonFinite(sign, abs);
    }
    if (abs >= OVERFLOW_F32_BITS) {
      return (short) (sign | POSITIVE_INFINITY_BITS);
    }
    if (abs >= MIN_NORMAL_F32_BITS) {
      // Add just under half of the 13 dropped bits plus the kept lsb, so ties go to even.
      // A carry out of the mantissa correctly bumps the exponent.
      int rounded = (abs + 0x0fff + ((abs >>> 13) & 1)) >>> 13;
      return (short) (sign | (rounded - REBIAS));
    }
    // Subnormal result: count 2^-24 units; Math.rint is round-half-even. A count of 1024 is
    // exactly the bit pattern of the smallest normal, so rounding up into it needs no special case.
    return (short) (sign | (int) Math.rint(Float.intBitsToFloat(abs) * SUBNORMAL_SCALE));
  }

  /**
   * Stochastic rounding: with {@code lo} the fp16 value next to {@code f} toward zero and
   * {@code hi} the next one away from zero, returns {@code hi} iff
   * {@code u < |f - lo| / |hi - lo|}, so the expected result is exactly {@code f}. Values that
   * are exactly representable are returned unchanged.
   *
   * <p>Saturating: magnitudes above {@link #MAX_VALUE}, infinities included, clamp to
   * &plusmn;65504 because training must never write an infinity. NaN stays NaN.
   *
   * @param u uniform in [0, 1)
   */
  public static short fromFloatStochastic(float f, float u) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & SIGN_MASK;
    int abs = bits & 0x7fffffff;
    if (abs > 0x7f800000) {
      return nonFinite(sign, abs);
    }
    if (abs >= MAX_VALUE_F32_BITS) {
      return (short) (sign | MAX_VALUE_BITS);
    }
    int lo;
    float fraction; // |f - lo| / |hi - lo|, computed exactly
    if (abs >= MIN_NORMAL_F32_BITS) {
      lo = (abs >>> 13) - REBIAS;
      fraction = (abs & 0x1fff) * 0x1p-13f;
    } else {
      float units = Float.intBitsToFloat(abs) * SUBNORMAL_SCALE; // exact, < 1024
      float whole = (float) Math.floor(units);
      lo = (int) whole;
      fraction = units - whole; // exact: both operands share the same binade or whole is 0
    }
    // hi = lo + 1 as a bit pattern: fp16 magnitudes are ordered like their bits, and
    // lo < MAX_VALUE_BITS here, so hi never becomes infinity.
    return (short) (sign | (u < fraction ? lo + 1 : lo));
  }

  /** Stochastically rounds {@code len} floats into fp16, drawing one uniform per value. */
  public static void encode(
      float[] src, int srcOff, short[] dst, int dstOff, int len, RandomGenerator rng) {
    Objects.checkFromIndexSize(srcOff, len, src.length);
    Objects.checkFromIndexSize(dstOff, len, dst.length);
    for (int i = 0; i < len; i++) {
      dst[dstOff + i] = fromFloatStochastic(src[srcOff + i], rng.nextFloat());
    }
  }

  /** Rounds {@code len} floats into fp16 with round-to-nearest-even. */
  public static void encodeNearest(float[] src, int srcOff, short[] dst, int dstOff, int len) {
    Objects.checkFromIndexSize(srcOff, len, src.length);
    Objects.checkFromIndexSize(dstOff, len, dst.length);
    for (int i = 0; i < len; i++) {
      dst[dstOff + i] = fromFloat(src[srcOff + i]);
    }
  }

  /** Exactly decodes {@code len} fp16 values into floats. */
  public static void decode(short[] src, int srcOff, float[] dst, int dstOff, int len) {
    Objects.checkFromIndexSize(srcOff, len, src.length);
    Objects.checkFromIndexSize(dstOff, len, dst.length);
    for (int i = 0; i < len; i++) {
      dst[dstOff + i] = toFloat(src[srcOff + i]);
    }
  }

  /** Infinity or NaN from fp32 {@code abs} bits (abs >= 0x7f800000). */
  private static short nonFinite(int sign, int abs) {
    if (abs == 0x7f800000) {
      return (short) (sign | POSITIVE_INFINITY_BITS);
    }
    // Keep the top 10 payload bits; if they are all zero, set the quiet bit so it stays a NaN.
    int payload = (abs >>> 13) & MANT_MASK;
    return (short) (sign | EXP_MASK | (payload != 0 ? payload : 0x200));
  }
}
