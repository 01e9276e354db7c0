package bench.movielens;

import java.util.List;
import java.util.Set;

/**
 * One row of the results: HR@10 and Recall@50 over warm movies and Recall@10 over the held-out ones, each a mean
 * over the users it was measured on (NaN where the row has no such measure).
 */
public final class Accuracy {

  private final String name;
  private double hits10;
  private double recall50;
  private int warmUsers;
  private double newRecall10;
  private int newUsers;

  public Accuracy(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** A user's warm ranking (best first) against their warm test positives. */
  public void addWarm(List<Integer> ranked, Set<Integer> positives) {
    hits10 += Ranking.hit(ranked, positives, 10);
    recall50 += Ranking.recall(ranked, positives, 50);
    warmUsers++;
  }

  /** A user's ranking of the held-out movies against their likes on them. */
  public void addNew(List<Integer> ranked, Set<Integer> positives) {
    newRecall10 += Ranking.recall(ranked, positives, 10);
    newUsers++;
  }

  public double hr10() {
    return warmUsers == 0 ? Double.NaN : hits10 / warmUsers;
  }

  public double recall50() {
    return warmUsers == 0 ? Double.NaN : recall50 / warmUsers;
  }

  public double newRecall10() {
    return newUsers == 0 ? Double.NaN : newRecall10 / newUsers;
  }

  public int warmUsers() {
    return warmUsers;
  }

  public int newUsers() {
    return newUsers;
  }
}
