package bench.movielens;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;

/**
 * The reference rows, from the training stream only: popularity and item-KNN on warm movies; a random ranking
 * and the genre profile on warm and on held-out movies (popularity and item-KNN know nothing of a held-out movie).
 */
public final class Baselines {

  private Baselines() {}

  public static List<Accuracy> run(MovieLensData data, HoldOutSplit split, long seed) {
    Popularity popularity = new Popularity(split.training());
    ItemKnn knn = new ItemKnn(split.training());
    GenreProfile genres = new GenreProfile(data.movies(), split.training());
    Accuracy pop = new Accuracy("popularity");
    Accuracy itemKnn = new Accuracy("item-KNN");
    Accuracy random = new Accuracy("random");
    Accuracy genre = new Accuracy("genre profile");
    for (var e : split.warmTestLikes().entrySet()) {
      int user = e.getKey();
      Set<Integer> seen = split.trainingMovies(user);
      pop.addWarm(Ranking.top(split.warmMovies(), popularity::score, seen::contains, 50), e.getValue());
      itemKnn.addWarm(Ranking.top(split.warmMovies(), knn.scoresFor(user), seen::contains, 50), e.getValue());
      random.addWarm(Ranking.top(split.warmMovies(), randomScores(seed, user), seen::contains, 50), e.getValue());
      genre.addWarm(Ranking.top(split.warmMovies(), genres.scoresFor(user), seen::contains, 50), e.getValue());
    }
    for (Map.Entry<Integer, Set<Integer>> e : split.heldOutLikes().entrySet()) {
      int user = e.getKey();
      random.addNew(Ranking.top(split.heldOutMovies(), randomScores(seed, user), m -> false, 10), e.getValue());
      genre.addNew(Ranking.top(split.heldOutMovies(), genres.scoresFor(user), m -> false, 10), e.getValue());
    }
    return List.of(pop, itemKnn, random, genre);
  }

  /** A seeded random score per (user, movie): the same ranking on every run with the same seed. */
  static IntToDoubleFunction randomScores(long seed, int userId) {
    return movieId -> new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ ((long) userId << 32 | movieId)).nextDouble();
  }
}
