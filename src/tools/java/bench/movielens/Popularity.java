package bench.movielens;

import bench.movielens.MovieLensData.Rating;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The popularity baseline: a movie scores its number of training ratings (any rating, not only likes). */
public final class Popularity {

  private final Map<Integer, Integer> ratingsByMovie = new HashMap<>();

  public Popularity(List<Rating> training) {
    for (Rating r : training) ratingsByMovie.merge(r.movieId(), 1, Integer::sum);
  }

  public double score(int movieId) {
    return ratingsByMovie.getOrDefault(movieId, 0);
  }
}
