package simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EvaluationTest {

  private static final Evaluation.Protocol PROTOCOL =
      new Evaluation.Protocol(150, 200, 5, 20, 3, 9, Evaluation.Relevance.AFFINITY);
  private static SyntheticWorld world;
  private static Evaluation evaluation;

  @BeforeAll
  static void prepare() {
    world = new SyntheticWorld(WorldConfig.tiny(5));
    evaluation = Evaluation.prepare(world, PROTOCOL);
  }

  @Test
  void poolsUsersAndRelevantItemsFollowTheProtocol() {
    int[] warm = evaluation.warmPool();
    int[] fresh = evaluation.newPool();
    assertEquals(PROTOCOL.poolSize(), warm.length);
    assertEquals(PROTOCOL.poolSize(), fresh.length);
    for (int i : warm) assertTrue(!world.isFuture(i) && evaluation.trainingPositives(i) > 0);
    for (int i : fresh) assertTrue(world.isFuture(i) && evaluation.trainingPositives(i) == 0);
    int[] users = evaluation.testUsers();
    assertEquals(PROTOCOL.testUsers(), users.length);
    int relevantTotal = 0;
    for (int x = 0; x < users.length; x++) {
      int[] relevantWarm = evaluation.relevantWarm(x);
      relevantTotal += relevantWarm.length;
      for (int item : relevantWarm) {
        assertTrue(Arrays.binarySearch(warm, item) >= 0, "relevant items come from the pool");
        assertFalse(evaluation.seen(users[x], item), "a training positive is never held out");
      }
      for (int item : evaluation.relevantNew(x)) assertTrue(Arrays.binarySearch(fresh, item) >= 0);
      assertEquals(Arrays.stream(relevantWarm).distinct().count(), relevantWarm.length);
    }
    assertTrue(relevantTotal > 0.9 * PROTOCOL.testUsers() * PROTOCOL.relevantPerUser());
  }

  @Test
  void truthBeatsTopicsBeatsRandom() {
    Evaluation.Result oracle = evaluation.oracle();
    Evaluation.Result topics = evaluation.recall(new Evaluation.VectorModel() {
      @Override
      public float[] userVector(int user) {
        return world.preferences(user);
      }

      @Override
      public float[] itemVector(int item) {
        return world.topicMixture(item);
      }
    });
    Evaluation.Result random = evaluation.recall(randomModel(3));
    double chance = PROTOCOL.k() / (double) PROTOCOL.poolSize();
    assertEquals(chance, random.warmRecall(), 0.04);
    assertEquals(chance, random.newRecall(), 0.04);
    assertTrue(topics.warmRecall() > 2.5 * chance && topics.newRecall() > 2.5 * chance, topics.toString());
    assertTrue(oracle.warmRecall() >= topics.warmRecall() - 0.02, oracle + " vs " + topics);
    assertTrue(oracle.newRecall() >= topics.newRecall() - 0.02, oracle + " vs " + topics);
  }

  @Test
  void aSharedVectorRanksAtRandomNotInIndexOrder() {
    // Every item ties; ties must not fall back to the pool order (which could correlate with anything).
    Evaluation.Result shared = evaluation.recall(new Evaluation.VectorModel() {
      @Override
      public float[] userVector(int user) {
        return world.preferences(user);
      }

      @Override
      public float[] itemVector(int item) {
        float[] v = new float[world.topicCount()];
        v[0] = 1;
        return v;
      }
    });
    double chance = PROTOCOL.k() / (double) PROTOCOL.poolSize();
    assertEquals(chance, shared.warmRecall(), 0.04);
    assertEquals(chance, shared.newRecall(), 0.04);
  }

  @Test
  void deterministicForASeed() {
    Evaluation again = Evaluation.prepare(world, PROTOCOL);
    assertArrayEquals(evaluation.warmPool(), again.warmPool());
    assertArrayEquals(evaluation.testUsers(), again.testUsers());
    assertArrayEquals(evaluation.relevantNew(7), again.relevantNew(7));
    assertEquals(evaluation.recall(randomModel(1)), again.recall(randomModel(1)));
  }

  @Test
  void badProtocolNamesTheParameter() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Evaluation.Protocol(10, 0, 5, 20, 3, 1, Evaluation.Relevance.AFFINITY));
    assertTrue(e.getMessage().contains("poolSize"));
  }

  private static Evaluation.VectorModel randomModel(long seed) {
    return new Evaluation.VectorModel() {
      @Override
      public float[] userVector(int user) {
        return gaussian(seed * 1_000_003 + user);
      }

      @Override
      public float[] itemVector(int item) {
        return gaussian(seed * 7_000_001 + 500_000 + item);
      }
    };
  }

  private static float[] gaussian(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[16];
    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() - 0.5);
    return v;
  }
}
