package bench.movielens;

import bench.movielens.MovieLensData.Rating;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * The item-KNN baseline on the binary user × movie like matrix of the training stream: sim(i, j) = cosine of the
 * two movies' columns = |likers(i) ∩ likers(j)| / sqrt(|likers(i)|·|likers(j)|); a user's score for j is the sum
 * of sim(i, j) over the movies i they liked in training.
 */
public final class ItemKnn {

  private final Map<Integer, List<Integer>> likesByUser = new HashMap<>();
  private final Map<Integer, List<Integer>> likersByMovie = new HashMap<>();

  public ItemKnn(List<Rating> training) {
    for (Rating r : training) {
      if (r.rating() < HoldOutSplit.LIKE) continue;
      likesByUser.computeIfAbsent(r.userId(), u -> new ArrayList<>()).add(r.movieId());
      likersByMovie.computeIfAbsent(r.movieId(), m -> new ArrayList<>()).add(r.userId());
    }
  }

  /**
   * Every movie's score for the user, without the movie × movie matrix: Σ_i Σ_{v likes i and j} 1/sqrt(n_i n_j)
   * = Σ_v w_v / sqrt(n_j) over the users v who like j, with w_v = Σ over movies both u and v like of 1/sqrt(n_i).
   */
  public IntToDoubleFunction scoresFor(int userId) {
    Map<Integer, Double> overlap = new HashMap<>();
    for (int i : likesByUser.getOrDefault(userId, List.of())) {
      List<Integer> likers = likersByMovie.get(i);
      double w = 1 / Math.sqrt(likers.size());
      for (int v : likers) overlap.merge(v, w, Double::sum);
    }
    Map<Integer, Double> scores = new HashMap<>();
    for (var e : overlap.entrySet()) {
      for (int j : likesByUser.get(e.getKey())) {
        scores.merge(j, e.getValue() / Math.sqrt(likersByMovie.get(j).size()), Double::sum);
      }
    }
    return movieId -> scores.getOrDefault(movieId, 0.0);
  }
}
