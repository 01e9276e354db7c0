package bench.movielens;

import bench.movielens.MovieLensData.Rating;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import embedding.ItemHasher;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The migration rows of {@code bench movielens}: tier thresholds chosen from the training stream, one tier
 * migration run through the admin API ({@code POST /admin/migrations}), and the tiers before and after it.
 *
 * <p>Exposure counters count impressions per UTC day of the node's clock when they are written (not the event's
 * time), so MovieLens' old timestamps land in today's counter and inside the migration's lookback. Each training
 * rating is streamed as one impression ({@link MovieLensFeed}): a movie's daily exposure is its number of
 * training ratings, and a threshold is the count of the movie at a chosen rank.
 */
public final class MovieLensMigration {

  private MovieLensMigration() {}

  /** min-daily-exposure of the hot and medium tiers, and how many movies reach each. */
  public record Thresholds(long hot, long medium, int hotMovies, int mediumMovies) {}

  /**
   * The hot threshold: the training impressions of the movie at rank {@code hotRank} (1 = most rated); movies tied
   * with it are hot too. The medium threshold: the same at {@code mediumRank}, kept below the hot one and above 0
   * (0 is the cold tier's).
   */
  public static Thresholds thresholds(List<Rating> training, int hotRank, int mediumRank) {
    if (hotRank < 1 || mediumRank <= hotRank) {
      throw new IllegalArgumentException("need 1 <= --hot-movies < --medium-movies, got " + hotRank + ", " + mediumRank);
    }
    Map<Integer, Long> perMovie = new HashMap<>();
    for (Rating r : training) perMovie.merge(r.movieId(), 1L, Long::sum);
    List<Long> counts = new ArrayList<>(perMovie.values());
    counts.sort((a, b) -> Long.compare(b, a));
    if (counts.isEmpty()) throw new IllegalArgumentException("no training ratings");
    long hot = counts.get(Math.min(hotRank, counts.size()) - 1);
    long medium = Math.max(1, Math.min(hot - 1, counts.get(Math.min(mediumRank, counts.size()) - 1)));
    if (hot < 2) throw new IllegalArgumentException("too few ratings per movie for a hot tier (rank " + hotRank
        + " has " + hot + ")");
    int hotMovies = 0;
    int mediumMovies = 0;
    for (long c : counts) {
      if (c >= hot) hotMovies++;
      else if (c >= medium) mediumMovies++;
    }
    return new Thresholds(hot, medium, hotMovies, mediumMovies);
  }

  /**
   * {@code thermocline.store.tiers} of {@code config} with the hot and medium tiers' min-daily-exposure replaced
   * (tiers named otherwise are left as they are).
   */
  public static List<Map<String, Object>> tiers(Config config, Thresholds t) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Config tier : config.getConfigList("thermocline.store.tiers")) {
      Map<String, Object> m = new LinkedHashMap<>(tier.root().unwrapped());
      if ("hot".equals(m.get("name"))) m.put("min-daily-exposure", t.hot());
      if ("medium".equals(m.get("name"))) m.put("min-daily-exposure", t.medium());
      out.add(m);
    }
    return out;
  }

  /** Movies that shared their entry-tier bucket with another movie: all of them, the hot ones, the medium ones. */
  public record Shared(int all, int hot, int medium) {}

  /**
   * Which movies share a bucket in the entry (cold) tier, from the same placement the node uses (the tier's
   * MurmurHash3 seed, {@code bucket(itemId, capacity)}), counted for the movies at or above each threshold.
   */
  public static Shared sharedEntryBuckets(List<MovieLensData.Movie> movies, List<Rating> training, Thresholds t,
      Config config) {
    Config entry = null;
    for (Config tier : config.getConfigList("thermocline.store.tiers")) {
      if (!"hashed".equals(tier.getString("kind"))) continue;
      if (entry == null || tier.getLong("min-daily-exposure") < entry.getLong("min-daily-exposure")) entry = tier;
    }
    if (entry == null) throw new IllegalArgumentException("no hashed tier");
    ItemHasher hasher = new ItemHasher(entry.getInt("seed"));
    int capacity = entry.getInt("capacity");
    Map<Integer, Integer> bucketOf = new HashMap<>();
    Map<Integer, Integer> occupants = new HashMap<>();
    for (MovieLensData.Movie m : movies) {
      int b = hasher.bucket(ThermoclineEval.itemId(m.movieId()), capacity);
      bucketOf.put(m.movieId(), b);
      occupants.merge(b, 1, Integer::sum);
    }
    Map<Integer, Long> perMovie = new HashMap<>();
    for (Rating r : training) perMovie.merge(r.movieId(), 1L, Long::sum);
    int all = 0;
    int hot = 0;
    int medium = 0;
    for (var e : bucketOf.entrySet()) {
      if (occupants.get(e.getValue()) < 2) continue;
      all++;
      long n = perMovie.getOrDefault(e.getKey(), 0L);
      if (n >= t.hot()) hot++;
      else if (n >= t.medium()) medium++;
    }
    return new Shared(all, hot, medium);
  }

  /** The item ids of the movies at or above the hot threshold. */
  public static List<String> hotItemIds(List<Rating> training, Thresholds t) {
    Map<Integer, Long> perMovie = new HashMap<>();
    for (Rating r : training) perMovie.merge(r.movieId(), 1L, Long::sum);
    List<String> out = new ArrayList<>();
    perMovie.forEach((m, n) -> {
      if (n >= t.hot()) out.add(ThermoclineEval.itemId(m));
    });
    return out;
  }

  /**
   * What a move did to the items' vectors: their fusion weight a before and after, and the cosine between the
   * vector served before the move and the new tier's fused vector (what they are served once the blend is over).
   */
  public static String jump(List<JsonNode> before, List<JsonNode> after) {
    double alphaBefore = 0;
    double alphaAfter = 0;
    double cos = 0;
    int n = 0;
    for (int i = 0; i < before.size(); i++) {
      JsonNode b = before.get(i);
      JsonNode a = after.get(i);
      float[] old = floats(b.path("embedding").path("final"));
      float[] fused = floats(a.path("move").isMissingNode() ? a.path("embedding").path("final")
          : a.path("move").path("fused"));
      if (old == null || fused == null) continue;
      alphaBefore += b.path("alpha").asDouble();
      alphaAfter += a.path("alpha").asDouble();
      cos += ThermoclineEval.dot(old, fused)
          / Math.sqrt(ThermoclineEval.dot(old, old) * ThermoclineEval.dot(fused, fused));
      n++;
    }
    return String.format(Locale.ROOT, "over %d hot movies: fusion weight a of the hash row %.3f before, %.3f after; "
        + "cosine of the vector served before the move with the new tier's fused vector %.3f", n, alphaBefore / n,
        alphaAfter / n, cos / n);
  }

  private static float[] floats(JsonNode array) {
    if (array == null || !array.isArray() || array.size() == 0) return null;
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
    return v;
  }

  /** Starts a run and waits until it is done; returns it as the node answered last. */
  public static JsonNode run(ThermoclineHttp admin, Duration timeout) throws IOException, InterruptedException {
    JsonNode run = admin.startMigration();
    String runId = run.path("runId").asText();
    long deadline = System.nanoTime() + timeout.toNanos();
    long printed = System.nanoTime();
    while (!"done".equals(run.path("status").asText())) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("migration " + runId + " not done: " + run);
      Thread.sleep(500);
      run = admin.migration(runId);
      if (System.nanoTime() - printed > 10_000_000_000L) {
        System.out.printf("  migration %s: %s, %,d of %,d moves%n", runId, run.path("status").asText(),
            run.path("doneMoves").asLong(), run.path("plannedMoves").asLong());
        printed = System.nanoTime();
      }
    }
    return run;
  }

  /** "cold→hot 312, cold→medium 1,190" */
  public static String pairs(JsonNode run) {
    List<String> out = new ArrayList<>();
    for (JsonNode p : run.path("pairs")) {
      out.add(String.format(Locale.ROOT, "%s→%s %,d", p.path("from").asText(), p.path("to").asText(),
          p.path("items").asLong()));
    }
    return out.isEmpty() ? "no moves" : String.join(", ", out);
  }

  /** Items moved into {@code tier} by the run. */
  public static long movedInto(JsonNode run, String tier) {
    long n = 0;
    for (JsonNode p : run.path("pairs")) if (tier.equals(p.path("to").asText())) n += p.path("items").asLong();
    return n;
  }

  /** One line per tier: items, buckets and the items sharing a bucket. */
  public static List<String> describe(JsonNode tiers) {
    List<String> out = new ArrayList<>();
    for (JsonNode t : tiers.path("tiers")) {
      long items = t.path("items").asLong();
      double rate = t.path("collisionRate").asDouble();
      out.add(String.format(Locale.ROOT, "%-7s %-9s %,8d items in %,8d buckets, %,6d sharing a bucket "
              + "(collision rate %.4f, expected %.4f)", t.path("tier").asText(), t.path("kind").asText(), items,
          t.path("buckets").asLong(), Math.round(rate * items), rate, t.path("expectedCollisionRate").asDouble()));
    }
    return out;
  }

  /** A tier's figure from {@code GET /admin/tiers} (NaN when the tier is not there). */
  public static double figure(JsonNode tiers, String tier, String field) {
    for (JsonNode t : tiers.path("tiers")) {
      if (tier.equals(t.path("tier").asText())) return t.path(field).asDouble();
    }
    return Double.NaN;
  }
}
