package learner;

import actors.BucketRanges;
import service.FusionService;
import static org.junit.jupiter.api.Assertions.*;

import embedding.StoreLayout;
import embedding.TierKind;
import embedding.TierSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import model.Fusion;
import model.HashedNgramEncoder;
import model.MetaEncoder;
import model.RecentPositives;
import model.UserTower;
import org.junit.jupiter.api.Test;
import storage.ItemRecord;

/** The learner's history means: the served-vector math of recall, over the rows of the batch's one read. */
class BatchHistoriesTest {

  private static final int DIM = 8;
  private static final long HOUR = 3_600_000L;
  private final StoreLayout layout = new StoreLayout(DIM, 16, 0.05f, List.of(
      new TierSpec("hot", TierKind.EXCLUSIVE, 16, 0, 0.8, 100),
      new TierSpec("cold", TierKind.HASHED, 64, 7, 0.3, 0),
      TierSpec.auxiliary(FusionService.USERS, 64, 11, 0f),
      TierSpec.auxiliary(FusionService.FEATURES, 64, 13, 0f),
      TierSpec.auxiliary(FusionService.PARAMS, 16, 17, 0f)));
  private final FusionService fusion = new FusionService(layout, null,
      new MetaEncoder(new MetaEncoder.Config(16, 8, DIM, 4, 1)), new HashedNgramEncoder(16, 3),
      new model.UploaderMeans(DIM, 16, 10));
  private final UserTower tower = new UserTower(DIM, Duration.ofHours(1));

  private ItemRecord item(String id, String tier, int bucket, int slot) {
    var meta = new ItemRecord.ItemMetadata("title of " + id, List.of("tag-" + id), "category", "uploader", Instant.EPOCH,
        null);
    return new ItemRecord(id, meta, tier, bucket, slot, false, Instant.EPOCH, Instant.EPOCH, fusion.textHead(meta.title()));
  }

  @Test
  void theMeanOfAUsersEarlierPositivesInTheWindowFromTheBatchRows() {
    RecentPositives recent = new RecentPositives(10, 100, 100);
    long now = 10 * HOUR;
    recent.add("u", "too-old", 1, now - 5 * HOUR, 3); // before the batch's window
    recent.add("u", "hot-item", 2, now - HOUR, 200);
    recent.add("v", "cold-item", 1, now, 201);
    recent.add("u", "cold-item", 3, now - 2 * HOUR, 202);
    recent.add("u", "unknown", 1, now, 203);
    long first = 250;
    Positive uFirst = positive("u", "cold-item", 1, now, 250);
    Positive wFirst = positive("w", "hot-item", 2, now, 251);
    Positive uSecond = positive("u", "hot-item", 2, now + HOUR, 252);
    BatchHistories batch = new BatchHistories(fusion, tower, recent, recent.windowStart(first),
        List.of(uFirst, wFirst, uSecond));
    assertEquals(Set.of("hot-item", "cold-item", "unknown"), batch.itemIds(),
        "u's items in the window (w has none) and the batch's own");

    ItemRecord hot = item("hot-item", "hot", 0, 5);
    ItemRecord cold = item("cold-item", "cold", 9, -1);
    Set<BucketRanges.Key> keys = new HashSet<>();
    batch.addRows(Map.of("hot-item", hot, "cold-item", cold), keys);
    assertTrue(keys.contains(FusionService.thetaRow()));
    assertTrue(keys.contains(fusion.hashRow(hot)) && keys.contains(fusion.hashRow(cold)));
    FusionService.MetaInputs hotMeta = fusion.metaInputs(hot.metadata());
    FusionService.MetaInputs coldMeta = fusion.metaInputs(cold.metadata());
    assertTrue(keys.containsAll(hotMeta.rows()) && keys.containsAll(coldMeta.rows()), "feature rows for m");

    SplittableRandom random = new SplittableRandom(1);
    Map<BucketRanges.Key, float[]> fetched = new java.util.HashMap<>();
    for (BucketRanges.Key k : keys) {
      float[] row = new float[DIM];
      for (int i = 0; i < DIM; i++) row[i] = (float) random.nextGaussian() * 0.1f;
      fetched.put(k, row);
    }
    double[] theta = {0.7, -0.4};

    // As recall computes it: each item's served vector f, weighted by type and decayed by age.
    float[] fHot = Fusion.forward(fetched.get(fusion.hashRow(hot)), fusion.meta(hot, hotMeta, fetched), theta[0]).vector();
    float[] fCold = Fusion.forward(fetched.get(fusion.hashRow(cold)), fusion.meta(cold, coldMeta, fetched), theta[1])
        .vector();
    float[] expected = tower.historyVector(List.of(new UserTower.Signal(fHot, 2, now - HOUR),
        new UserTower.Signal(fCold, 3, now - 2 * HOUR)), now);
    assertArrayEquals(expected, batch.mean(uFirst, fetched, theta), 1e-7f);
    // u's second positive of the batch also has the first one in its history (a sitting inside one batch).
    float[] second = tower.historyVector(List.of(new UserTower.Signal(fHot, 2, now - HOUR),
        new UserTower.Signal(fCold, 3, now - 2 * HOUR), new UserTower.Signal(fCold, 1, now)), now + HOUR);
    assertArrayEquals(second, batch.mean(uSecond, fetched, theta), 1e-7f);
    // The tier's θ matters: the same rows under another θ give another mean.
    BatchHistories other = new BatchHistories(fusion, tower, recent, recent.windowStart(first), List.of(uFirst));
    other.addRows(Map.of("hot-item", hot, "cold-item", cold), new HashSet<>());
    float[] otherTheta = other.mean(uFirst, fetched, new double[] {0.7, 2.0});
    assertNotNull(otherTheta);
    assertFalse(java.util.Arrays.equals(expected, otherTheta));

    assertNull(batch.mean(wFirst, fetched, theta), "no earlier positives: no history mean");
  }

  /**
   * Full retraining's history: the user's other positives of the window, later ones included, decayed from the
   * user's newest (what recall serves at the window's end), never the example's own positive.
   */
  @Test
  void aWindowHistoryIsTheUsersOtherPositivesDecayedFromTheNewest() {
    long now = 10 * HOUR;
    Positive p1 = positive("u", "hot-item", 2, now - 2 * HOUR, 7);
    Positive p2 = positive("u", "cold-item", 3, now - HOUR, 3);
    Positive p3 = positive("u", "hot-item", 1, now, 9);
    Positive lone = positive("w", "cold-item", 1, now, 4);
    BatchHistories.Source source = FullRetraining.windowHistories(Map.of("u", List.of(p1, p2, p3), "w", List.of(lone)));
    BatchHistories batch = new BatchHistories(fusion, tower, 10, source, List.of(p2, lone));
    assertEquals(Set.of("hot-item", "cold-item"), batch.itemIds());
    ItemRecord hot = item("hot-item", "hot", 0, 5);
    ItemRecord cold = item("cold-item", "cold", 9, -1);
    Set<BucketRanges.Key> keys = new HashSet<>();
    batch.addRows(Map.of("hot-item", hot, "cold-item", cold), keys);
    Map<BucketRanges.Key, float[]> fetched = randomRows(keys, new SplittableRandom(3), 0.1f);
    double[] theta = {0.7, -0.4};
    float[] fHot = Fusion.forward(fetched.get(fusion.hashRow(hot)), fusion.meta(hot, fusion.metaInputs(hot.metadata()),
        fetched), theta[0]).vector();
    float[] expected = tower.historyVector(List.of(new UserTower.Signal(fHot, 2, now - 2 * HOUR),
        new UserTower.Signal(fHot, 1, now)), UserTower.NEWEST);
    assertArrayEquals(expected, batch.mean(p2, fetched, theta), 1e-7f);
    assertNull(batch.mean(lone, fetched, theta), "a user's only positive has no history");
  }

  /**
   * The gradient into the history mean reaches each history item's rows as their share of the mean says:
   * checked against finite differences of {@code c·historyMean} in every row the mean reads.
   */
  @Test
  void theHistoryMeansGradientReachesItsItemsRows() {
    RecentPositives recent = new RecentPositives(10, 100, 100);
    long now = 10 * HOUR;
    recent.add("u", "hot-item", 2, now - HOUR, 200);
    recent.add("u", "cold-item", 3, now - 2 * HOUR, 202);
    Positive p = positive("u", "next", 2, now, 250);
    BatchHistories batch = new BatchHistories(fusion, tower, recent, recent.windowStart(250), List.of(p));
    ItemRecord hot = item("hot-item", "hot", 0, 5);
    ItemRecord cold = item("cold-item", "cold", 9, -1);
    Set<BucketRanges.Key> keys = new HashSet<>();
    batch.addRows(Map.of("hot-item", hot, "cold-item", cold), keys);
    SplittableRandom random = new SplittableRandom(3);
    Map<BucketRanges.Key, float[]> fetched = randomRows(keys, random, 0.3f);
    double[] theta = {0.7, -0.4};
    float[] c = new float[DIM];
    for (int i = 0; i < DIM; i++) c[i] = (float) random.nextGaussian();

    BatchHistories.History history = batch.history(p, fetched, theta);
    assertEquals(List.of("hot-item", "cold-item"), history.itemIds());
    batch.addGradient(history, c);
    Map<BucketRanges.Key, float[]> sums = new java.util.LinkedHashMap<>();
    double[] thetaGrad = new double[2];
    assertEquals(List.of("hot-item", "cold-item"), batch.rowGradients(fetched, theta, sums, thetaGrad));

    java.util.function.Supplier<Double> loss = () -> {
      BatchHistories fresh = new BatchHistories(fusion, tower, recent, recent.windowStart(250), List.of(p));
      fresh.addRows(Map.of("hot-item", hot, "cold-item", cold), new HashSet<>());
      float[] m = fresh.mean(p, fetched, theta);
      double l = 0;
      for (int i = 0; i < DIM; i++) l += c[i] * m[i];
      return l;
    };
    double h = 1e-3;
    for (BucketRanges.Key key : fetched.keySet()) { // every row the mean reads: one without a gradient must not move it
      float[] row = fetched.get(key);
      float[] grad = sums.getOrDefault(key, new float[DIM]);
      for (int i = 0; i < DIM; i++) {
        float keep = row[i];
        row[i] = (float) (keep + h);
        double up = loss.get();
        row[i] = (float) (keep - h);
        double down = loss.get();
        row[i] = keep;
        assertEquals((up - down) / (2 * h), grad[i], 2e-3, key + "[" + i + "]");
      }
    }
    assertTrue(sums.containsKey(fusion.hashRow(hot)) && sums.containsKey(fusion.hashRow(cold)));
    for (int t = 0; t < 2; t++) {
      double keep = theta[t];
      theta[t] = keep + h;
      double up = loss.get();
      theta[t] = keep - h;
      double down = loss.get();
      theta[t] = keep;
      assertEquals((up - down) / (2 * h), thetaGrad[t], 2e-3, "θ[" + t + "]");
    }
  }

  /** Only the newest perUser positives make a history, the batch's own included. */
  @Test
  void aHistoryKeepsTheNewestPerUserPositives() {
    RecentPositives recent = new RecentPositives(2, 100, 100);
    long now = 10 * HOUR;
    recent.add("u", "a", 1, now - 3 * HOUR, 10);
    recent.add("u", "b", 1, now - 2 * HOUR, 11);
    Positive c = positive("u", "c", 1, now - HOUR, 20);
    Positive d = positive("u", "d", 1, now, 21);
    BatchHistories batch = new BatchHistories(fusion, tower, recent, recent.windowStart(20), List.of(c, d));
    Map<String, ItemRecord> found = new java.util.HashMap<>();
    for (String id : List.of("a", "b", "c", "d")) found.put(id, item(id, "cold", id.charAt(0) % 64, -1));
    Set<BucketRanges.Key> keys = new HashSet<>();
    batch.addRows(found, keys);
    Map<BucketRanges.Key, float[]> fetched = new java.util.HashMap<>();
    SplittableRandom random = new SplittableRandom(2);
    for (BucketRanges.Key k : keys) {
      float[] row = new float[DIM];
      for (int i = 0; i < DIM; i++) row[i] = (float) random.nextGaussian() * 0.1f;
      fetched.put(k, row);
    }
    double[] theta = {0.7, -0.4};
    java.util.function.Function<String, float[]> f = id -> Fusion.forward(fetched.get(fusion.hashRow(found.get(id))),
        fusion.meta(found.get(id), fusion.metaInputs(found.get(id).metadata()), fetched), theta[1]).vector();
    float[] expected = tower.historyVector(List.of(new UserTower.Signal(f.apply("b"), 1, now - 2 * HOUR),
        new UserTower.Signal(f.apply("c"), 1, now - HOUR)), now);
    assertArrayEquals(expected, batch.mean(d, fetched, theta), 1e-7f, "b and c: a fell out");
  }

  /** A row of N(0, std²) values for every key: the rows a batch's read would bring. */
  private static Map<BucketRanges.Key, float[]> randomRows(Set<BucketRanges.Key> keys, SplittableRandom random,
      float std) {
    Map<BucketRanges.Key, float[]> rows = new java.util.HashMap<>();
    for (BucketRanges.Key k : keys) {
      float[] row = new float[DIM];
      for (int i = 0; i < DIM; i++) row[i] = (float) random.nextGaussian() * std;
      rows.put(k, row);
    }
    return rows;
  }

  private static Positive positive(String user, String item, double weight, long ts, long offset) {
    return new Positive(new streams.Interaction(user, item, weight >= 2 ? streams.EventType.LIKE : streams.EventType.CLICK, ts), weight, offset);
  }
}
