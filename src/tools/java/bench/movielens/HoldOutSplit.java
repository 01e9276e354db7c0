package bench.movielens;

import bench.movielens.MovieLensData.Movie;
import bench.movielens.MovieLensData.Rating;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The protocol of issue 13, seeded: a share of the movies is held out as brand-new (registered, never streamed);
 * each user's ratings sorted by time, the last share is the test; training = every other rating not on a
 * held-out movie, in global time order.
 */
public final class HoldOutSplit {

  public static final double HELD_OUT_SHARE = 0.10;
  public static final double TEST_SHARE = 0.20;
  /** A rating at or above this is a like: a positive in the stream and in the test. */
  public static final double LIKE = 4.0;

  private final List<Integer> warmMovies;
  private final List<Integer> heldOutMovies;
  private final Set<Integer> heldOut;
  private final List<Rating> training;
  private final Map<Integer, Set<Integer>> trainingMoviesByUser = new TreeMap<>();
  private final Map<Integer, Set<Integer>> warmTestLikesByUser = new TreeMap<>();
  private final Map<Integer, Set<Integer>> heldOutLikesByUser = new TreeMap<>();
  private final int testRatings;

  private HoldOutSplit(List<Integer> warmMovies, List<Integer> heldOutMovies, List<Rating> training, int testRatings) {
    this.warmMovies = List.copyOf(warmMovies);
    this.heldOutMovies = List.copyOf(heldOutMovies);
    this.heldOut = Set.copyOf(heldOutMovies);
    this.training = List.copyOf(training);
    this.testRatings = testRatings;
  }

  public static HoldOutSplit of(MovieLensData data, long seed) {
    List<Integer> ids = new ArrayList<>(data.movies().stream().map(Movie::movieId).sorted().toList());
    Collections.shuffle(ids, new Random(seed));
    int heldOutCount = (int) Math.round(HELD_OUT_SHARE * ids.size());
    List<Integer> heldOut = ids.subList(0, heldOutCount).stream().sorted().toList();
    List<Integer> warm = ids.subList(heldOutCount, ids.size()).stream().sorted().toList();
    Set<Integer> heldOutSet = Set.copyOf(heldOut);

    Map<Integer, List<Rating>> byUser = new TreeMap<>();
    for (Rating r : data.ratings()) byUser.computeIfAbsent(r.userId(), u -> new ArrayList<>()).add(r);
    Comparator<Rating> byTime = Comparator.comparingLong(Rating::timestampSeconds).thenComparingInt(Rating::movieId);
    List<Rating> training = new ArrayList<>();
    Map<Integer, List<Rating>> testByUser = new HashMap<>();
    int testRatings = 0;
    for (var e : byUser.entrySet()) {
      List<Rating> ratings = new ArrayList<>(e.getValue());
      ratings.sort(byTime);
      int trainCount = trainCount(ratings.size());
      for (Rating r : ratings.subList(0, trainCount)) if (!heldOutSet.contains(r.movieId())) training.add(r);
      testByUser.put(e.getKey(), ratings.subList(trainCount, ratings.size()));
      testRatings += ratings.size() - trainCount;
    }
    training.sort(Comparator.comparingLong(Rating::timestampSeconds).thenComparingInt(Rating::userId)
        .thenComparingInt(Rating::movieId));

    HoldOutSplit split = new HoldOutSplit(warm, heldOut, training, testRatings);
    for (Rating r : training) split.trainingMoviesByUser.computeIfAbsent(r.userId(), u -> new HashSet<>()).add(r.movieId());
    for (var e : testByUser.entrySet()) {
      for (Rating r : e.getValue()) {
        if (r.rating() >= LIKE && !heldOutSet.contains(r.movieId())) {
          split.warmTestLikesByUser.computeIfAbsent(e.getKey(), u -> new HashSet<>()).add(r.movieId());
        }
      }
    }
    // New-movie positives: any of the user's likes on a held-out movie, before or after the cut (none was streamed).
    for (Rating r : data.ratings()) {
      if (r.rating() >= LIKE && heldOutSet.contains(r.movieId())) {
        split.heldOutLikesByUser.computeIfAbsent(r.userId(), u -> new HashSet<>()).add(r.movieId());
      }
    }
    return split;
  }

  /** The first 80 % of a user's ratings (rounded down, so at least 20 % test) train; the rest test. */
  static int trainCount(int ratings) {
    return (int) Math.floor((1 - TEST_SHARE) * ratings);
  }

  public List<Integer> warmMovies() {
    return warmMovies;
  }

  public List<Integer> heldOutMovies() {
    return heldOutMovies;
  }

  public boolean isHeldOut(int movieId) {
    return heldOut.contains(movieId);
  }

  /** Training ratings in global time order (ties: user, then movie): the order they are streamed in. */
  public List<Rating> training() {
    return training;
  }

  /** Ratings in the users' test shares (on warm and held-out movies). */
  public int testRatings() {
    return testRatings;
  }

  /** Movies the user rated in the training stream (excluded from the user's warm ranking). */
  public Set<Integer> trainingMovies(int userId) {
    return trainingMoviesByUser.getOrDefault(userId, Set.of());
  }

  /** Users with at least one warm test positive, ascending, with those positives. */
  public Map<Integer, Set<Integer>> warmTestLikes() {
    return Collections.unmodifiableMap(warmTestLikesByUser);
  }

  /** Users with at least one like on a held-out movie, ascending, with those movies. */
  public Map<Integer, Set<Integer>> heldOutLikes() {
    return Collections.unmodifiableMap(heldOutLikesByUser);
  }
}
