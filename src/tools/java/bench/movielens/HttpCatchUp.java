package bench.movielens;

import bench.movielens.MovieLensData.Rating;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Waiting for a node reached only over HTTP (--url) to have taken in the stream: the users of the last
 * training events are polled with {@code GET /v1/users/{id}} until each one's history holds their last event and
 * their vectors stop changing over {@code settle} (the learner and the re-indexing are done with them; the
 * stream is learned in order, so the rest is too). No offsets are visible over the public API.
 */
public final class HttpCatchUp {

  private static final int SAMPLE_USERS = 20;
  private static final Duration POLL = Duration.ofSeconds(3);

  private HttpCatchUp() {}

  public static void await(ThermoclineHttp api, List<Rating> training, Duration settle, Duration timeout)
      throws IOException, InterruptedException {
    Map<Integer, Long> lastTsByUser = new LinkedHashMap<>();
    for (int i = training.size() - 1; i >= 0 && lastTsByUser.size() < SAMPLE_USERS; i--) {
      lastTsByUser.putIfAbsent(training.get(i).userId(), training.get(i).timestampSeconds() * 1000);
    }
    List<Integer> sample = new ArrayList<>(lastTsByUser.keySet());
    Map<Integer, float[]> previous = new HashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    long stableSince = -1;
    while (System.nanoTime() < deadline) {
      boolean allIn = true;
      boolean unchanged = true;
      for (int user : sample) {
        ThermoclineHttp.User view = api.user(ThermoclineEval.userId(user));
        if (view.newestTs() < lastTsByUser.get(user)) allIn = false;
        if (!Arrays.equals(view.vector(), previous.get(user))) unchanged = false;
        previous.put(user, view.vector());
      }
      if (allIn && unchanged) {
        if (stableSince < 0) stableSince = System.nanoTime();
        if (System.nanoTime() - stableSince >= settle.toNanos()) return;
      } else {
        stableSince = -1;
      }
      Thread.sleep(POLL.toMillis());
    }
    throw new IOException("the node did not settle within " + timeout + ": the sampled users' histories or "
        + "vectors kept changing");
  }
}
