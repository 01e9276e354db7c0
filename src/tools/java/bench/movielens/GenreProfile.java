package bench.movielens;

import bench.movielens.MovieLensData.Movie;
import bench.movielens.MovieLensData.Rating;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * The genre-profile baseline, which needs no interactions on the movie it scores: a movie's score is the sum over
 * its genres of how many training movies of that genre the user liked.
 */
public final class GenreProfile {

  private final Map<Integer, List<String>> genresByMovie = new HashMap<>();
  private final Map<Integer, Map<String, Integer>> likedGenresByUser = new HashMap<>();

  public GenreProfile(List<Movie> movies, List<Rating> training) {
    for (Movie m : movies) genresByMovie.put(m.movieId(), m.genres());
    for (Rating r : training) {
      if (r.rating() < HoldOutSplit.LIKE) continue;
      Map<String, Integer> counts = likedGenresByUser.computeIfAbsent(r.userId(), u -> new HashMap<>());
      for (String g : genresByMovie.getOrDefault(r.movieId(), List.of())) counts.merge(g, 1, Integer::sum);
    }
  }

  public IntToDoubleFunction scoresFor(int userId) {
    Map<String, Integer> counts = likedGenresByUser.getOrDefault(userId, Map.of());
    return movieId -> {
      double s = 0;
      for (String g : genresByMovie.getOrDefault(movieId, List.of())) s += counts.getOrDefault(g, 0);
      return s;
    };
  }
}
