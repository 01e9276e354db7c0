package bench.movielens;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Thermocline's rows, measured through the public API once the node has learned the training stream: (a) served
 * recall ({@code POST /v1/recall}, k 50, seen items excluded by the node); (b) exact search in the bench, the
 * user vector of {@code GET /v1/users/{id}} dotted with every warm movie's {@code final} vector from
 * {@code GET /v1/items/{id}}, the user's training movies excluded; (c) the same user vector over the held-out
 * movies. Beside them, how close the served top 50 comes to the exact top 50 for the same vector (graph recall).
 */
public final class ThermoclineEval {

  /** What the rows are, and what the answers looked like. */
  public record Outcome(Accuracy served, Accuracy exact, Accuracy newMovies, double graphRecall50, int graphUsers,
      Map<String, Integer> strategies, int partialAnswers, int usersWithoutVector, int usersAsked,
      int servedSlots, int servedTrainingMovies, int servedHeldOutMovies, double meanScoreGap, double shareGapOver001,
      Diagnosis graph) {}

  /**
   * Where graph recall is lost. {@code tieAware}: a served movie counts as a hit when its exact score is at least the
   * exact 50th score (fair when the exact top 50 has ties); {@code usersWithTies}: users whose exact 50th score is
   * shared by a movie ranked below 50; {@code againstIndex}: served top 50 against the exact top 50 over the vectors
   * the shards hold (NaN over HTTP alone), the graph's own recall apart from how far those vectors lag the final
   * ones; {@code indexLagsFinal}: mean over movies of 1 − cos(indexed, final).
   */
  public record Diagnosis(double tieAware, int usersWithTies, double againstIndex, double indexLagsFinal,
      double indexShareBelow0999) {}

  /** The vectors the index holds for item ids (in process only); absent ones left out. */
  public interface IndexVectors {
    Map<String, float[]> of(List<String> itemIds);
  }

  private ThermoclineEval() {}

  public static String userId(int userId) {
    return "u" + userId;
  }

  public static String itemId(int movieId) {
    return "m" + movieId;
  }

  public static Outcome run(ThermoclineHttp api, HoldOutSplit split, int parallel)
      throws IOException, InterruptedException {
    return run(api, split, parallel, null);
  }

  /** @param indexed the shards' own vectors, or null (then {@link Diagnosis#againstIndex} is NaN) */
  public static Outcome run(ThermoclineHttp api, HoldOutSplit split, int parallel, IndexVectors indexed)
      throws IOException, InterruptedException {
    return run(api, split, parallel, indexed, "");
  }

  /** @param label appended to the rows' names (which model state they measure) */
  public static Outcome run(ThermoclineHttp api, HoldOutSplit split, int parallel, IndexVectors indexed, String label)
      throws IOException, InterruptedException {
    List<Integer> movies = new ArrayList<>(split.warmMovies());
    movies.addAll(split.heldOutMovies());
    List<float[]> found = ThermoclineHttp.inParallel(movies, parallel, m -> api.finalVector(itemId(m)));
    Map<Integer, float[]> vectors = new HashMap<>();
    for (int i = 0; i < movies.size(); i++) vectors.put(movies.get(i), found.get(i));
    Map<Integer, float[]> inIndex = new HashMap<>();
    double lagSum = 0;
    int lagBelow = 0;
    if (indexed != null) {
      List<String> ids = new ArrayList<>();
      for (int m : movies) ids.add(itemId(m));
      Map<String, float[]> held = indexed.of(ids);
      for (int m : movies) {
        float[] v = held.get(itemId(m));
        if (v == null) continue;
        inIndex.put(m, v);
        float[] f = vectors.get(m);
        double cos = f == null ? 0 : dot(v, f) / Math.sqrt(dot(f, f) * dot(v, v));
        lagSum += 1 - cos;
        if (cos < 0.999) lagBelow++;
      }
    }

    Set<Integer> users = new TreeSet<>(split.warmTestLikes().keySet());
    users.addAll(split.heldOutLikes().keySet());
    List<Integer> asked = List.copyOf(users);
    List<ThermoclineHttp.User> views = ThermoclineHttp.inParallel(asked, parallel, u -> api.user(userId(u)));
    Map<Integer, ThermoclineHttp.User> byUser = new HashMap<>();
    for (int i = 0; i < asked.size(); i++) byUser.put(asked.get(i), views.get(i));
    List<Integer> warmUsers = List.copyOf(split.warmTestLikes().keySet());
    List<ThermoclineHttp.Recalled> answers = ThermoclineHttp.inParallel(warmUsers, parallel,
        u -> api.recall(userId(u), 50, true));

    Accuracy served = new Accuracy("Thermocline served" + label);
    Accuracy exact = new Accuracy("Thermocline exact (u·final)" + label);
    Accuracy newMovies = new Accuracy("Thermocline new movies" + label);
    Map<String, Integer> strategies = new TreeMap<>();
    int partial = 0;
    int slots = 0;
    int servedTraining = 0;
    int servedHeldOut = 0;
    double graphRecall = 0;
    double tieAware = 0;
    double againstIndex = 0;
    int usersWithTies = 0;
    int graphUsers = 0;
    // A personal answer's score is the cosine with the vector the shard indexed; u·final uses the item's current
    // vector. Their gap says how far the index lags the served vectors (apart from the graph's own recall).
    double gapSum = 0;
    int gapOver = 0;
    int gapItems = 0;
    for (int i = 0; i < warmUsers.size(); i++) {
      int user = warmUsers.get(i);
      Set<Integer> positives = split.warmTestLikes().get(user);
      ThermoclineHttp.Recalled answer = answers.get(i);
      strategies.merge(answer.strategy(), 1, Integer::sum);
      if (answer.partial()) partial++;
      List<Integer> servedRanking = movieIds(answer.itemIds());
      served.addWarm(servedRanking, positives);
      Set<Integer> training = split.trainingMovies(user);
      for (int m : servedRanking) {
        slots++;
        if (training.contains(m)) servedTraining++;
        if (split.isHeldOut(m)) servedHeldOut++;
      }

      float[] u = byUser.get(user).vector();
      if (u == null) {
        exact.addWarm(List.of(), positives); // no vector, no ranking: a miss, so every row counts the same users
        continue;
      }
      exact.addWarm(Ranking.top(split.warmMovies(), m -> dot(u, vectors.get(m)), training::contains, 50), positives);
      if (answer.strategy().equals("personal")) {
        // The graph against exact search over everything the shards index, without what the node excluded: every
        // movie the user saw (each training rating was streamed as an impression; the node's user_seen), not only
        // the newest history GET /v1/users shows.
        Set<Integer> nodeSeen = new HashSet<>(movieIds(byUser.get(user).historyItemIds()));
        nodeSeen.addAll(training);
        List<Integer> best = Ranking.top(movies, m -> dot(u, vectors.get(m)), nodeSeen::contains, 50);
        Set<Integer> overlap = new HashSet<>(best);
        overlap.retainAll(servedRanking);
        double denominator = Math.max(1, Math.min(50, best.size()));
        graphRecall += overlap.size() / denominator;
        if (!best.isEmpty()) {
          double last = dot(u, vectors.get(best.get(best.size() - 1)));
          int atLeast = 0;
          for (int m : servedRanking) if (m >= 0 && vectors.get(m) != null && dot(u, vectors.get(m)) >= last) atLeast++;
          tieAware += Math.min(atLeast, best.size()) / denominator;
          Set<Integer> top = new HashSet<>(best);
          for (int m : movies) {
            if (!top.contains(m) && !nodeSeen.contains(m) && vectors.get(m) != null && dot(u, vectors.get(m)) == last) {
              usersWithTies++;
              break;
            }
          }
        }
        if (!inIndex.isEmpty()) {
          List<Integer> bestIndexed = Ranking.top(movies, m -> inIndex.containsKey(m) ? dot(u, inIndex.get(m))
              : Double.NEGATIVE_INFINITY, nodeSeen::contains, 50);
          Set<Integer> hit = new HashSet<>(bestIndexed);
          hit.retainAll(servedRanking);
          againstIndex += hit.size() / (double) Math.max(1, Math.min(50, bestIndexed.size()));
        }
        graphUsers++;
        for (int r = 0; r < servedRanking.size(); r++) {
          float[] v = vectors.get(servedRanking.get(r));
          if (v == null) continue;
          double gap = Math.abs(answer.scores().get(r) - dot(u, v));
          gapSum += gap;
          if (gap > 0.01) gapOver++;
          gapItems++;
        }
      }
    }
    int withoutVector = 0;
    for (int user : asked) if (byUser.get(user).vector() == null) withoutVector++;
    for (var e : split.heldOutLikes().entrySet()) {
      float[] u = byUser.get(e.getKey()).vector();
      List<Integer> ranking = u == null ? List.of()
          : Ranking.top(split.heldOutMovies(), m -> dot(u, vectors.get(m)), m -> false, 10);
      newMovies.addNew(ranking, e.getValue());
    }
    return new Outcome(served, exact, newMovies, graphUsers == 0 ? Double.NaN : graphRecall / graphUsers, graphUsers,
        strategies, partial, withoutVector, asked.size(), slots, servedTraining, servedHeldOut,
        gapItems == 0 ? Double.NaN : gapSum / gapItems, gapItems == 0 ? Double.NaN : gapOver / (double) gapItems,
        new Diagnosis(graphUsers == 0 ? Double.NaN : tieAware / graphUsers, usersWithTies,
            graphUsers == 0 || inIndex.isEmpty() ? Double.NaN : againstIndex / graphUsers,
            inIndex.isEmpty() ? Double.NaN : lagSum / inIndex.size(),
            inIndex.isEmpty() ? Double.NaN : lagBelow / (double) inIndex.size()));
  }

  /** Movie ids of item ids of the form m123; anything else (another client's item on a shared node) is -1. */
  static List<Integer> movieIds(List<String> itemIds) {
    List<Integer> out = new ArrayList<>(itemIds.size());
    for (String id : itemIds) {
      if (id.length() > 1 && id.charAt(0) == 'm') {
        try {
          out.add(Integer.parseInt(id.substring(1)));
          continue;
        } catch (NumberFormatException notOurs) {
          // below
        }
      }
      out.add(-1); // keeps the ranks of the items after it
    }
    return out;
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }
}
