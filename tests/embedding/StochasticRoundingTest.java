package embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Stochastic rounding is unbiased, which is what lets sub-ulp updates accumulate in fp16. */
class StochasticRoundingTest {

  private static final int N = 200_000;

  @Test
  void meanOfRoundingsIsTheExactValue() {
    float[] values = {
      1f + 1e-4f, // about a tenth of an ulp above 1.0
      0.3f,
      -2.71828f,
      1000.7f,
      40000.3f,
      3.3e-7f, // subnormal in fp16 (5.54 units of 2^-24)
      1e-8f, // below the smallest fp16 subnormal: between 0 and 2^-24
      -6.1e-5f // just below the smallest normal, 2^-14
    };
    SplittableRandom random = new SplittableRandom(20240607L);
    for (float f : values) {
      short lo = Fp16.fromFloatStochastic(f, 0x1.fffffep-1f);
      short hi = Fp16.fromFloatStochastic(f, 0f);
      double loValue = Fp16.toFloat(lo);
      double hiValue = Fp16.toFloat(hi);
      assertTrue(lo != hi, "not exactly representable: " + f);
      double p = (f - loValue) / (hiValue - loValue);
      double sum = 0;
      for (int i = 0; i < N; i++) {
        sum += Fp16.toFloat(Fp16.fromFloatStochastic(f, random.nextFloat()));
      }
      double mean = sum / N;
      double standardError = Math.abs(hiValue - loValue) * Math.sqrt(p * (1 - p) / N);
      assertTrue(
          Math.abs(mean - f) <= 5 * standardError,
          f + ": mean " + mean + ", off by " + Math.abs(mean - f) / standardError + " standard errors");
    }
  }

  @Test
  void nearestLosesASmallIncrementThatStochasticKeeps() {
    float f = 1f + 1e-4f;
    assertEquals(1f, Fp16.toFloat(Fp16.fromFloat(f))); // every nearest rounding returns lo
    SplittableRandom random = new SplittableRandom(7);
    double sum = 0;
    for (int i = 0; i < N; i++) {
      sum += Fp16.toFloat(Fp16.fromFloatStochastic(f, random.nextFloat()));
    }
    double increment = sum / N - 1;
    assertEquals(1e-4, increment, 0.05e-4);
  }

  /** The training situation: many tiny updates to one stored fp16 weight. */
  @Test
  void repeatedSmallUpdatesAccumulateOnlyWithStochasticRounding() {
    int steps = 10_000;
    float delta = 1e-5f; // 1% of the fp16 ulp at 1.0
    short nearest = Fp16.fromFloat(1f);
    short stochastic = nearest;
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < steps; i++) {
      nearest = Fp16.fromFloat(Fp16.toFloat(nearest) + delta);
      stochastic = Fp16.fromFloatStochastic(Fp16.toFloat(stochastic) + delta, random.nextFloat());
    }
    assertEquals(1f, Fp16.toFloat(nearest)); // all 10,000 updates lost
    // Expected 1.1; the walk's sd is about sqrt(steps * p) ulps = ~10 ulps ~ 0.01.
    assertEquals(1.1, Fp16.toFloat(stochastic), 0.04);
  }
}
