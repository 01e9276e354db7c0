package embedding;

/** What uniform hashing predicts for n items in m buckets, to compare with {@link TierOccupancy}. */
public final class CollisionStats {

  private CollisionStats() {}

  /**
   * Expected {@link TierOccupancy#collisionRate()}: the probability that an item shares its bucket,
   * {@code 1 - (1 - 1/m)^(n-1)} (about {@code 1 - e^(-n/m)}); 0 for n &le; 1.
   */
  public static double expectedCollisionRate(long n, long m) {
    check(n, m);
    if (n <= 1) {
      return 0;
    }
    // 1 - (1 - 1/m)^(n-1) via log1p/expm1, accurate when 1/m is tiny.
    return -Math.expm1((n - 1) * Math.log1p(-1.0 / m));
  }

  /**
   * Expected {@link TierOccupancy#displacedRate()}: {@code 1 - (1 - e^(-n/m))·m/n}, from the
   * expected number of occupied buckets {@code m(1 - e^(-n/m))}; 0 for n = 0.
   */
  public static double expectedDisplacedRate(long n, long m) {
    check(n, m);
    if (n == 0) {
      return 0;
    }
    double load = (double) n / m;
    return 1 + Math.expm1(-load) / load;
  }

  private static void check(long n, long m) {
    if (n < 0 || m <= 0) {
      throw new IllegalArgumentException("need n >= 0 and m > 0, got n=" + n + ", m=" + m);
    }
  }
}
