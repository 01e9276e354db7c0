package bench.movielens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bench.movielens.MovieLensData.Rating;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Akka-free parts of bench movielens on a tiny dataset this test writes (the real one stays out of the repo). */
class MovieLensProtocolTest {

  /** 20 movies, 5 users × 10 ratings each, the user's ratings at increasing times, some ≥ 4. */
  private static Path tinyData(Path dir) throws Exception {
    StringBuilder movies = new StringBuilder("movieId,title,genres\n");
    movies.append("1,\"American President, The (1995)\",Comedy|Drama|Romance\n");
    movies.append("2,\"Quote \"\"Test\"\" (2001)\",(no genres listed)\n");
    for (int m = 3; m <= 20; m++) movies.append(m).append(",Movie ").append(m).append(" (2000),Action|Thriller\n");
    StringBuilder ratings = new StringBuilder("userId,movieId,rating,timestamp\n");
    for (int u = 1; u <= 5; u++) {
      for (int i = 0; i < 10; i++) {
        int movie = 1 + (u * 3 + i * 7) % 20;
        double rating = (u + i) % 3 == 0 ? 2.5 : 4.5;
        ratings.append(u).append(',').append(movie).append(',').append(rating).append(',')
            .append(1_000_000_000L + u * 100 + i * 1000).append('\n');
      }
    }
    Files.writeString(dir.resolve("movies.csv"), movies);
    Files.writeString(dir.resolve("ratings.csv"), ratings);
    return dir;
  }

  @Test
  void readsQuotedTitlesAndDropsNoGenres(@TempDir Path dir) throws Exception {
    MovieLensData data = MovieLensData.load(tinyData(dir));
    assertEquals(20, data.movies().size());
    assertEquals(50, data.ratings().size());
    assertEquals("American President, The (1995)", data.movies().get(0).title());
    assertEquals(List.of("Comedy", "Drama", "Romance"), data.movies().get(0).genres());
    assertEquals("Quote \"Test\" (2001)", data.movies().get(1).title());
    assertEquals(List.of(), data.movies().get(1).genres());
  }

  @Test
  void aMissingOrWrongFolderSaysWhatIsExpected(@TempDir Path dir) throws Exception {
    var missing = assertThrows(MovieLensData.BadData.class, () -> MovieLensData.load(dir.resolve("nope")));
    assertTrue(missing.getMessage().contains("not a folder"), missing.getMessage());
    var empty = assertThrows(MovieLensData.BadData.class, () -> MovieLensData.load(dir));
    assertTrue(empty.getMessage().contains("no movies.csv"), empty.getMessage());
    Files.writeString(dir.resolve("movies.csv"), "id,name\n1,x\n");
    var header = assertThrows(MovieLensData.BadData.class, () -> MovieLensData.load(dir));
    assertTrue(header.getMessage().contains("header"), header.getMessage());
    assertThrows(MovieLensData.BadData.class, () -> MovieLensData.load(null));
  }

  @Test
  void splitHoldsOutMoviesAndTheLastFifthOfEachUser(@TempDir Path dir) throws Exception {
    MovieLensData data = MovieLensData.load(tinyData(dir));
    HoldOutSplit split = HoldOutSplit.of(data, 1);
    assertEquals(2, split.heldOutMovies().size()); // 10 % of 20
    assertEquals(18, split.warmMovies().size());
    assertEquals(10, split.testRatings()); // 2 of each user's 10
    Set<Integer> heldOut = new HashSet<>(split.heldOutMovies());
    long firstEightOnWarm = 0;
    for (int u = 1; u <= 5; u++) {
      int user = u;
      List<Rating> mine = data.ratings().stream().filter(r -> r.userId() == user).toList();
      List<Rating> firstEight = mine.subList(0, 8); // written in time order
      for (Rating r : firstEight) if (!heldOut.contains(r.movieId())) firstEightOnWarm++;
      // The test's warm positives are the likes among the last two, on warm movies.
      Set<Integer> expected = new HashSet<>();
      for (Rating r : mine.subList(8, 10)) if (r.rating() >= 4 && !heldOut.contains(r.movieId())) expected.add(r.movieId());
      assertEquals(expected, split.warmTestLikes().getOrDefault(u, Set.of()));
    }
    assertEquals(firstEightOnWarm, split.training().size());
    for (Rating r : split.training()) assertFalse(heldOut.contains(r.movieId()), "held-out movie streamed");
    for (int i = 1; i < split.training().size(); i++) {
      assertTrue(split.training().get(i - 1).timestampSeconds() <= split.training().get(i).timestampSeconds());
    }
    // New-movie positives: every like on a held-out movie, before the cut or after it.
    for (var e : split.heldOutLikes().entrySet()) assertTrue(heldOut.containsAll(e.getValue()));
    long heldOutLikes = data.ratings().stream().filter(r -> r.rating() >= 4 && heldOut.contains(r.movieId())).count();
    assertEquals(heldOutLikes, split.heldOutLikes().values().stream().mapToInt(Set::size).sum());
    assertEquals(split.heldOutMovies(), HoldOutSplit.of(data, 1).heldOutMovies(), "seeded");
  }

  @Test
  void hitRateAndRecallOnAHandMadeRanking() {
    List<Integer> ranked = new ArrayList<>();
    for (int i = 1; i <= 60; i++) ranked.add(i);
    assertEquals(1.0, Ranking.hit(ranked, Set.of(10, 99), 10));
    assertEquals(0.0, Ranking.hit(ranked, Set.of(11, 99), 10));
    assertEquals(2 / 3.0, Ranking.recall(ranked, Set.of(5, 50, 51), 50), 1e-12);
    Accuracy row = new Accuracy("hand-made");
    row.addWarm(ranked, Set.of(3));       // hit, recall 1
    row.addWarm(ranked, Set.of(20, 70));  // no hit in 10, recall 1/2
    assertEquals(0.5, row.hr10(), 1e-12);
    assertEquals(0.75, row.recall50(), 1e-12);
    assertTrue(Double.isNaN(row.newRecall10()));
    row.addNew(ranked, Set.of(1, 2, 11, 12));
    assertEquals(0.5, row.newRecall10(), 1e-12);
  }

  @Test
  void topSkipsExcludedAndOrdersByScore() {
    IntToDoubleFunction score = id -> id % 5;
    List<Integer> top = Ranking.top(List.of(1, 2, 3, 4, 5, 9, 14), score, id -> id == 4, 3);
    assertEquals(3, top.size());
    assertEquals(Set.of(9, 14), Set.copyOf(top.subList(0, 2))); // both score 4; 4 is excluded
    assertEquals(3, top.get(2));
  }

  @Test
  void popularityAndItemKnnOnAToyMatrix() {
    // Likes: user 1 {10, 20}, user 2 {10, 20, 30}, user 3 {30, 40}; user 1 also rated 40 low.
    List<Rating> training = List.of(r(1, 10, 5), r(1, 20, 4), r(2, 10, 4), r(2, 20, 5), r(2, 30, 4), r(3, 30, 5),
        r(3, 40, 4.5), r(1, 40, 1));
    Popularity pop = new Popularity(training);
    assertEquals(2, pop.score(10));
    assertEquals(2, pop.score(40)); // every training rating counts, a low one too
    assertEquals(0, pop.score(99));
    IntToDoubleFunction knn = new ItemKnn(training).scoresFor(1);
    // Likers: 10 {1,2}, 20 {1,2}, 30 {2,3}, 40 {3}. User 1 likes 10 and 20.
    // sim(10,30) = sim(20,30) = 1/sqrt(2·2) = 0.5 → 30 scores 1.0; 40 shares no liker with them → 0.
    assertEquals(1.0, knn.applyAsDouble(30), 1e-12);
    assertEquals(0.0, knn.applyAsDouble(40), 1e-12);
    assertEquals(2.0, knn.applyAsDouble(10), 1e-12); // sim(10,10) + sim(20,10) = 1 + 1
    assertEquals(List.of(30, 40), Ranking.top(List.of(10, 20, 30, 40), knn, Set.of(10, 20)::contains, 10));
  }

  @Test
  void genreProfileCountsLikedGenres() {
    var movies = List.of(new MovieLensData.Movie(1, "a", List.of("Drama")),
        new MovieLensData.Movie(2, "b", List.of("Drama", "War")), new MovieLensData.Movie(3, "c", List.of("War")),
        new MovieLensData.Movie(4, "d", List.of("Comedy")));
    IntToDoubleFunction s = new GenreProfile(movies, List.of(r(1, 1, 5), r(1, 2, 4), r(1, 4, 2))).scoresFor(1);
    assertEquals(3, s.applyAsDouble(2)); // Drama 2 + War 1
    assertEquals(1, s.applyAsDouble(3));
    assertEquals(0, s.applyAsDouble(4)); // rated, not liked
  }

  @Test
  void baselinesRunOnTheTinyData(@TempDir Path dir) throws Exception {
    MovieLensData data = MovieLensData.load(tinyData(dir));
    HoldOutSplit split = HoldOutSplit.of(data, 1);
    List<Accuracy> rows = Baselines.run(data, split, 1);
    assertEquals(List.of("popularity", "item-KNN", "random", "genre profile"), rows.stream().map(Accuracy::name).toList());
    for (Accuracy a : rows) assertEquals(split.warmTestLikes().size(), a.warmUsers());
    assertTrue(Double.isNaN(rows.get(0).newRecall10()));
    assertEquals(split.heldOutLikes().size(), rows.get(3).newUsers());
    Map<Integer, Set<Integer>> likes = split.warmTestLikes();
    assertFalse(likes.isEmpty());
  }

  private static Rating r(int user, int movie, double rating) {
    return new Rating(user, movie, rating, 0);
  }
}
