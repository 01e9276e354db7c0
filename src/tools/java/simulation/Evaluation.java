package simulation;

import embedding.RowInit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;

/**
 * Recall@K of a learned model against the world's truth, separately for WARM items (at least one positive in
 * the training stream) and NEW items (arrived after the stream: zero interactions).
 *
 * <p>Protocol (fixed for a world and a {@link Protocol}):
 * <ol>
 *   <li>One pass over the training stream ({@link SyntheticWorld#events()}) counts positives per item and per
 *       user and remembers which (user, item) pairs had a positive.
 *   <li>Pools: {@code poolSize} warm items drawn uniformly from the warm items, and as many new items drawn
 *       uniformly from the future items (both pools shrink to the smaller candidate count, so they stay equal).
 *   <li>Test users: {@code testUsers} drawn uniformly from users with at least {@code minUserPositives}
 *       positives in training (so a model has a history to build the user from).
 *   <li>Relevant items per user and pool: held-out positives drawn from the TRUE model: repeat "topic ~ p_u, an
 *       item of that main topic from the pool (uniformly for {@link Relevance#AFFINITY}, by popularity for
 *       {@link Relevance#ENGAGEMENT}), click with {@link SyntheticWorld#clickProbability}" until
 *       {@code relevantPerUser} distinct items were clicked; items the user already had a positive with in
 *       training are neither relevant nor ranked.
 *   <li>A model ranks each pool for each test user by {@code u·f} (ties, e.g. a shared default vector, are
 *       broken by a seeded pseudo-random key, i.e. at random); recall@K = |top K ∩ relevant| / |relevant|,
 *       averaged over test users.
 * </ol>
 * {@link #oracle()} ranks by each item's true probability of being drawn as relevant: the ceiling of the
 * protocol. A random ranking scores about K / pool size ({@link #chance()}).
 */
public final class Evaluation {

  /**
   * @param testUsers users evaluated
   * @param poolSize items ranked per pool (warm and new)
   * @param relevantPerUser held-out positives drawn per user and pool
   * @param k the cut-off of recall@K
   * @param minUserPositives positives in training that make a user eligible as a test user
   * @param seed draws of pools, users, relevant items and tie keys
   * @param relevance how an item is picked within a topic when drawing held-out positives
   */
  public record Protocol(int testUsers, int poolSize, int relevantPerUser, int k, int minUserPositives, long seed,
      Relevance relevance) {
    public Protocol {
      if (relevance == null) throw new IllegalArgumentException("relevance must not be null");
      if (testUsers < 1) throw new IllegalArgumentException("testUsers must be >= 1, got " + testUsers);
      if (poolSize < 1) throw new IllegalArgumentException("poolSize must be >= 1, got " + poolSize);
      if (relevantPerUser < 1) {
        throw new IllegalArgumentException("relevantPerUser must be >= 1, got " + relevantPerUser);
      }
      if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
      if (minUserPositives < 0) {
        throw new IllegalArgumentException("minUserPositives must be >= 0, got " + minUserPositives);
      }
    }

    /** 500 users, pools of 2000, 10 relevant items each, recall@50, relevance by affinity. */
    public static Protocol defaults(long seed) {
      return new Protocol(500, 2000, 10, 50, 3, seed, Relevance.AFFINITY);
    }

    public Protocol withRelevance(Relevance r) {
      return new Protocol(testUsers, poolSize, relevantPerUser, k, minUserPositives, seed, r);
    }
  }

  /** How held-out positives are drawn within a topic. */
  public enum Relevance {
    /** Uniformly among the pool's items of the topic: relevance is the true affinity alone. */
    AFFINITY,
    /**
     * In proportion to item popularity, as the stream's impressions are: relevance is what the user would
     * engage with next, popularity included (which no model can know for an item without interactions).
     */
    ENGAGEMENT
  }

  /** A learned model as the evaluation sees it: unit or raw vectors, compared by dot product. */
  public interface VectorModel {
    /** Null when the model has no vector for the user (ranked at random). */
    float[] userVector(int user);

    /** Null when the model has no vector for the item (ranked below every item that has one). */
    float[] itemVector(int item);
  }

  /** Recall@K on each pool, with the number of users that had relevant items in it. */
  public record Result(double warmRecall, double newRecall, int warmUsers, int newUsers) {}

  private final SyntheticWorld world;
  private final Protocol protocol;
  private final int[] itemPositives;
  private final int[] userPositives;
  private final long[] seenPairs; // sorted user << 32 | item
  private final int[] warmPool;
  private final int[] newPool;
  private final int[] users;
  private final int[][] warmRelevant;
  private final int[][] newRelevant;

  private Evaluation(SyntheticWorld world, Protocol protocol) {
    this.world = world;
    this.protocol = protocol;
    this.itemPositives = new int[world.itemCount()];
    this.userPositives = new int[world.userCount()];
    this.seenPairs = scanTraining();
    SplittableRandom rnd = new SplittableRandom(RowInit.mix(protocol.seed(), 0xe7a1));
    int[] warmCandidates = IntStream.range(0, world.itemCount())
        .filter(i -> !world.isFuture(i) && itemPositives[i] > 0).toArray();
    int[] newCandidates = IntStream.range(0, world.itemCount()).filter(world::isFuture).toArray();
    // Both pools get the same size, so recall@K (and chance, K / size) compare across them.
    int size = Math.min(protocol.poolSize(), Math.min(warmCandidates.length, newCandidates.length));
    this.warmPool = sampleWithoutReplacement(rnd, warmCandidates, size);
    this.newPool = sampleWithoutReplacement(rnd, newCandidates, size);
    this.users = sampleUsers(rnd);
    this.warmRelevant = new int[users.length][];
    this.newRelevant = new int[users.length][];
    PoolIndex warmIndex = new PoolIndex(warmPool);
    PoolIndex newIndex = new PoolIndex(newPool);
    for (int x = 0; x < users.length; x++) {
      warmRelevant[x] = drawRelevant(rnd, users[x], warmIndex);
      newRelevant[x] = drawRelevant(rnd, users[x], newIndex);
    }
  }

  /** Scans the world's training stream once and draws pools, users and relevant items. */
  public static Evaluation prepare(SyntheticWorld world, Protocol protocol) {
    return new Evaluation(world, protocol);
  }

  public Protocol protocol() {
    return protocol;
  }

  /** Expected recall@K of a random ranking: K / pool size (both pools have the same size). */
  public double chance() {
    return Math.min(1.0, protocol.k() / (double) Math.max(1, warmPool.length));
  }

  public int[] warmPool() {
    return warmPool.clone();
  }

  public int[] newPool() {
    return newPool.clone();
  }

  public int[] testUsers() {
    return users.clone();
  }

  /** Positives the item had in the training stream. */
  public int trainingPositives(int item) {
    return itemPositives[item];
  }

  /** Whether the user had a positive with the item in the training stream. */
  public boolean seen(int user, int item) {
    return Arrays.binarySearch(seenPairs, pair(user, item)) >= 0;
  }

  public int[] relevantWarm(int testUserIndex) {
    return warmRelevant[testUserIndex].clone();
  }

  public int[] relevantNew(int testUserIndex) {
    return newRelevant[testUserIndex].clone();
  }

  /** Recall@K of a vector model: item vectors are computed once per pool item. */
  public Result recall(VectorModel model) {
    float[][] warmVectors = vectors(model, warmPool);
    float[][] newVectors = vectors(model, newPool);
    return evaluate(user -> {
      float[] u = model.userVector(user);
      return new RankedPools(pos -> score(u, warmVectors[pos]), pos -> score(u, newVectors[pos]));
    });
  }

  /** The protocol's ceiling: rank by each item's true probability of being drawn as relevant. */
  public Result oracle() {
    PoolIndex warmIndex = new PoolIndex(warmPool);
    PoolIndex newIndex = new PoolIndex(newPool);
    return evaluate(user -> new RankedPools(pos -> truthWeight(user, warmPool[pos], warmIndex),
        pos -> truthWeight(user, newPool[pos], newIndex)));
  }

  /** Scores of pool positions for one user. */
  private record RankedPools(IntToDoubleFunction warm, IntToDoubleFunction fresh) {}

  private Result evaluate(IntFunction<RankedPools> scorerForUser) {
    double warmSum = 0;
    double newSum = 0;
    int warmUsers = 0;
    int newUsers = 0;
    for (int x = 0; x < users.length; x++) {
      RankedPools scores = scorerForUser.apply(users[x]);
      if (warmRelevant[x].length > 0) {
        warmSum += recallAtK(users[x], warmPool, scores.warm(), warmRelevant[x]);
        warmUsers++;
      }
      if (newRelevant[x].length > 0) {
        newSum += recallAtK(users[x], newPool, scores.fresh(), newRelevant[x]);
        newUsers++;
      }
    }
    return new Result(warmUsers == 0 ? 0 : warmSum / warmUsers, newUsers == 0 ? 0 : newSum / newUsers, warmUsers,
        newUsers);
  }

  private double truthWeight(int user, int item, PoolIndex index) {
    int t = world.mainTopic(item);
    return world.preference(user, t) * index.drawProbability(item) * world.clickProbability(user, item);
  }

  /** Ranks the pool minus the user's seen items by score (ties by a seeded key) and counts relevant in the top K. */
  private double recallAtK(int user, int[] pool, IntToDoubleFunction scoreOfPosition, int[] relevant) {
    // Bounded insertion into the K best, kept in rank order: O(n·K) worst case, far less in practice.
    int k = protocol.k();
    double[] topScore = new double[k];
    long[] topTie = new long[k];
    int[] topItem = new int[k];
    int size = 0;
    for (int pos = 0; pos < pool.length; pos++) {
      int item = pool[pos];
      if (seen(user, item)) continue;
      double score = scoreOfPosition.applyAsDouble(pos);
      long tie = RowInit.mix(protocol.seed() ^ user, item);
      if (size == k && !ranksBefore(score, tie, topScore[k - 1], topTie[k - 1])) continue;
      int at = size == k ? k - 1 : size++;
      while (at > 0 && ranksBefore(score, tie, topScore[at - 1], topTie[at - 1])) {
        topScore[at] = topScore[at - 1];
        topTie[at] = topTie[at - 1];
        topItem[at] = topItem[at - 1];
        at--;
      }
      topScore[at] = score;
      topTie[at] = tie;
      topItem[at] = item;
    }
    int hits = 0;
    for (int r = 0; r < size; r++) {
      for (int rel : relevant) {
        if (rel == topItem[r]) {
          hits++;
          break;
        }
      }
    }
    return hits / (double) relevant.length;
  }

  private static boolean ranksBefore(double score, long tie, double otherScore, long otherTie) {
    int c = Double.compare(score, otherScore);
    return c > 0 || (c == 0 && tie < otherTie);
  }

  private static double score(float[] u, float[] f) {
    if (f == null) return Double.NEGATIVE_INFINITY;
    if (u == null) return 0; // every item ties: the tie key decides, i.e. a random ranking
    double s = 0;
    for (int i = 0; i < u.length; i++) s += u[i] * f[i];
    return s;
  }

  private static float[][] vectors(VectorModel model, int[] pool) {
    float[][] out = new float[pool.length][];
    for (int i = 0; i < pool.length; i++) out[i] = model.itemVector(pool[i]);
    return out;
  }

  private long[] scanTraining() {
    long[] pairs = new long[1024];
    int n = 0;
    Iterator<SimEvent> it = world.events();
    while (it.hasNext()) {
      SimEvent e = it.next();
      if (!e.type().positive()) continue;
      itemPositives[e.item()]++;
      userPositives[e.user()]++;
      if (n == pairs.length) pairs = Arrays.copyOf(pairs, n * 2);
      pairs[n++] = pair(e.user(), e.item());
    }
    long[] sorted = Arrays.copyOf(pairs, n);
    Arrays.sort(sorted);
    return Arrays.stream(sorted).distinct().toArray();
  }

  private int[] sampleUsers(SplittableRandom rnd) {
    int[] eligible = IntStream.range(0, world.userCount())
        .filter(u -> userPositives[u] >= protocol.minUserPositives()).toArray();
    return sampleWithoutReplacement(rnd, eligible, protocol.testUsers());
  }

  /** A partial Fisher–Yates shuffle: the first {@code n} of a random permutation, sorted for stable output. */
  private static int[] sampleWithoutReplacement(SplittableRandom rnd, int[] from, int n) {
    int[] a = from.clone();
    int take = Math.min(n, a.length);
    for (int i = 0; i < take; i++) {
      int j = i + rnd.nextInt(a.length - i);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    int[] out = Arrays.copyOf(a, take);
    Arrays.sort(out);
    return out;
  }

  private int[] drawRelevant(SplittableRandom rnd, int user, PoolIndex index) {
    List<Integer> picked = new ArrayList<>();
    int want = protocol.relevantPerUser();
    // Bounded: a user whose topics are absent from the pool, or who has seen everything, gets fewer.
    for (int attempt = 0; attempt < 200 * want && picked.size() < want; attempt++) {
      int t = world.sampleTopic(user, rnd.nextDouble());
      int item = index.draw(t, rnd.nextDouble());
      if (item < 0) continue;
      if (picked.contains(item) || seen(user, item)) continue;
      if (rnd.nextDouble() < world.clickProbability(user, item)) picked.add(item);
    }
    return picked.stream().mapToInt(Integer::intValue).toArray();
  }

  private static long pair(int user, int item) {
    return ((long) user << 32) | item;
  }

  /** A pool's items grouped by main topic, with the within-topic draw weights of the protocol. */
  private final class PoolIndex {
    private final List<int[]> byTopic = new ArrayList<>();
    private final List<double[]> cdfByTopic = new ArrayList<>();

    PoolIndex(int[] pool) {
      for (int t = 0; t < world.topicCount(); t++) {
        final int topic = t;
        int[] items = Arrays.stream(pool).filter(i -> world.mainTopic(i) == topic).toArray();
        double[] cdf = new double[items.length];
        double sum = 0;
        for (int j = 0; j < items.length; j++) {
          sum += protocol.relevance() == Relevance.ENGAGEMENT ? world.popularity(items[j]) : 1;
          cdf[j] = sum;
        }
        byTopic.add(items);
        cdfByTopic.add(cdf);
      }
    }

    /** An item of the topic drawn with the protocol's weights ({@code u} uniform), or −1 if there is none. */
    int draw(int topic, double u) {
      int[] items = byTopic.get(topic);
      if (items.length == 0) return -1;
      double[] cdf = cdfByTopic.get(topic);
      int j = Arrays.binarySearch(cdf, u * cdf[cdf.length - 1]);
      j = j >= 0 ? j + 1 : -j - 1; // first cumulative weight above the target
      return items[Math.min(j, items.length - 1)];
    }

    /** Probability that {@link #draw} returns the item, given its topic. */
    double drawProbability(int item) {
      int t = world.mainTopic(item);
      double[] cdf = cdfByTopic.get(t);
      double w = protocol.relevance() == Relevance.ENGAGEMENT ? world.popularity(item) : 1;
      return w / cdf[cdf.length - 1];
    }
  }
}
