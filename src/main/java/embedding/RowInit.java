package embedding;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Deterministic initial values of a row, a pure function of (table seed, global row). Rows that
 * were never written therefore need no storage: they are recomputed on read.
 *
 * <p>Normals come from the Marsaglia polar method over {@link SplittableRandom#nextLong()} with
 * {@link StrictMath}, rather than {@code nextGaussian()}, whose algorithm is an implementation
 * detail of the JDK: a JDK upgrade must not silently change every untouched row.
 */
public final class RowInit {

  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private RowInit() {}

  /** Fills {@code dst[off, off + dim)} with N(0, std&sup2;) values for the given row. */
  public static void initRow(long tableSeed, long globalRow, float std, float[] dst, int off, int dim) {
    Objects.checkFromIndexSize(off, dim, dst.length);
    SplittableRandom random = new SplittableRandom(mix(tableSeed, globalRow));
    int i = 0;
    while (i < dim) {
      double v1;
      double v2;
      double s;
      do {
        v1 = 2 * unit(random) - 1;
        v2 = 2 * unit(random) - 1;
        s = v1 * v1 + v2 * v2;
      } while (s >= 1 || s == 0);
      double scale = std * StrictMath.sqrt(-2 * StrictMath.log(s) / s);
      dst[off + i++] = (float) (v1 * scale);
      if (i < dim) {
        dst[off + i++] = (float) (v2 * scale);
      }
    }
  }

  /**
   * SplitMix64-style mix of both longs. For a fixed table it is a bijection of the row, so no two
   * rows of one table share a random stream.
   */
  public static long mix(long tableSeed, long globalRow) {
    return mix64(mix64(tableSeed) ^ (globalRow * GOLDEN_GAMMA));
  }

  /** Stafford's variant 13 finaliser, as used by SplitMix64. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  private static double unit(SplittableRandom random) {
    return (random.nextLong() >>> 11) * 0x1p-53;
  }
}
