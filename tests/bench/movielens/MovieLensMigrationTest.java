package bench.movielens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import bench.movielens.MovieLensData.Movie;
import bench.movielens.MovieLensData.Rating;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import embedding.ItemHasher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MovieLensMigrationTest {

  /** Movie m has 10 − m ratings (m = 0…9): 10, 9, …, 1. */
  private static List<Rating> ratings() {
    List<Rating> out = new ArrayList<>();
    for (int m = 0; m < 10; m++) for (int u = 0; u < 10 - m; u++) out.add(new Rating(u, m, 4, 0));
    return out;
  }

  @Test
  void thresholdsAreTheCountsAtTheRanksTiesIncluded() {
    List<Rating> r = new ArrayList<>(ratings());
    r.add(new Rating(99, 3, 4, 0)); // movie 3 now ties movie 2 (8 ratings each)
    MovieLensMigration.Thresholds t = MovieLensMigration.thresholds(r, 3, 6);
    assertEquals(8, t.hot());
    assertEquals(4, t.hotMovies(), "10, 9 and both 8s");
    assertEquals(5, t.medium(), "the 6th count");
    assertEquals(2, t.mediumMovies(), "6 and 5 (movie 3 moved up from 7)");
    assertThrows(IllegalArgumentException.class, () -> MovieLensMigration.thresholds(r, 5, 5));
  }

  @Test
  void mediumStaysBelowHotAndAboveTheColdTier() {
    List<Rating> flat = new ArrayList<>();
    for (int m = 0; m < 5; m++) for (int u = 0; u < 3; u++) flat.add(new Rating(u, m, 4, 0));
    MovieLensMigration.Thresholds t = MovieLensMigration.thresholds(flat, 1, 4);
    assertEquals(3, t.hot());
    assertEquals(2, t.medium(), "all movies tie: medium one below hot, so it is never the higher tier");
  }

  @Test
  void tiersGetTheThresholdsAndSharingIsCountedWithTheNodesPlacement() {
    Config base = ConfigFactory.load();
    MovieLensMigration.Thresholds t = new MovieLensMigration.Thresholds(9, 5, 2, 4);
    List<Map<String, Object>> tiers = MovieLensMigration.tiers(base, t);
    assertEquals(9L, ((Number) tiers.get(0).get("min-daily-exposure")).longValue());
    assertEquals(5L, ((Number) tiers.get(1).get("min-daily-exposure")).longValue());
    assertEquals(0L, ((Number) tiers.get(2).get("min-daily-exposure")).longValue());

    // A cold tier of 2 buckets: at least two of three movies share one.
    List<Map<String, Object>> tiny = new ArrayList<>(tiers);
    tiny.set(2, new java.util.LinkedHashMap<>(tiers.get(2)));
    tiny.get(2).put("capacity", 2);
    Config config = base.withValue("thermocline.store.tiers", ConfigValueFactory.fromIterable(tiny));
    List<Movie> movies = List.of(new Movie(0, "a", List.of()), new Movie(1, "b", List.of()),
        new Movie(2, "c", List.of()));
    ItemHasher cold = new ItemHasher(((Number) tiers.get(2).get("seed")).intValue());
    int[] bucket = new int[3];
    for (int m = 0; m < 3; m++) bucket[m] = cold.bucket(ThermoclineEval.itemId(m), 2);
    boolean[] sharing = new boolean[3];
    for (int m = 0; m < 3; m++) {
      for (int other = 0; other < 3; other++) sharing[m] |= other != m && bucket[other] == bucket[m];
    }
    MovieLensMigration.Shared shared = MovieLensMigration.sharedEntryBuckets(movies, ratings(), t, config);
    assertEquals((sharing[0] ? 1 : 0) + (sharing[1] ? 1 : 0) + (sharing[2] ? 1 : 0), shared.all());
    assertEquals((sharing[0] ? 1 : 0) + (sharing[1] ? 1 : 0), shared.hot(), "movies 0 and 1 (10, 9 ratings) are hot");
    assertEquals(sharing[2] ? 1 : 0, shared.medium(), "movie 2 (8 ratings) is medium");
    assertEquals(true, shared.all() >= 2, "three movies in two buckets");
  }
}
