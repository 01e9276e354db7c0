package bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine;
import simulation.Evaluation;
import simulation.SyntheticWorld;
import simulation.WorldConfig;

/**
 * {@code bin/thermocline run --demo}: the synthetic world flows into the node through its own HTTP API (items,
 * then interactions at a steady rate), and every minute the node's served vectors are scored against the
 * world's ground truth — recall@50 of warm and new items, through {@code GET /v1/users} and
 * {@code GET /v1/items} — so a newcomer sees recall improve as the node learns.
 */
public final class Demo {

  private static final long SEED = 42;
  private static final int ITEMS = 5_000;
  private static final int USERS = 2_000;
  private static final long EVENTS = 300_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private Demo() {}

  public static void start(int httpPort) {
    String url = "http://localhost:" + httpPort;
    long start = System.currentTimeMillis();
    Thread feed = new Thread(() -> {
      Simulate simulate = new Simulate();
      simulate.startMillis = start;
      new CommandLine(simulate).execute("--http", url, "--seed", Long.toString(SEED), "--items", Integer.toString(ITEMS),
          "--users", Integer.toString(USERS), "--events", Long.toString(EVENTS), "--rate", "1000", "--now",
          "--in-flight", "2");
    }, "thermocline-demo-feed");
    feed.setDaemon(true);
    feed.start();
    Thread score = new Thread(() -> scoreEveryMinute(url, start), "thermocline-demo-score");
    score.setDaemon(true);
    score.start();
  }

  private static void scoreEveryMinute(String url, long start) {
    WorldConfig config = Simulate.startingAt(WorldConfig.of(SEED, ITEMS, USERS, EVENTS), start);
    SyntheticWorld world = new SyntheticWorld(config);
    Evaluation evaluation = Evaluation.prepare(world,
        new Evaluation.Protocol(200, 500, 10, 50, 3, SEED, Evaluation.Relevance.AFFINITY));
    HttpClient client = HttpClient.newHttpClient();
    System.out.printf("demo: %,d items, %,d users, %,d events flowing in at 1,000/s; recall@50 every minute "
        + "(random ranking ≈ %.2f)%n", ITEMS, USERS, EVENTS, 50.0 / 500);
    while (true) {
      try {
        Thread.sleep(60_000);
        Evaluation.Result r = evaluation.recall(new Evaluation.VectorModel() {
          @Override
          public float[] userVector(int user) {
            JsonNode body = get(client, url + "/v1/users/" + world.userId(user));
            return body == null ? null : vector(body.get("vector"));
          }

          @Override
          public float[] itemVector(int item) {
            JsonNode body = get(client, url + "/v1/items/" + world.itemId(item));
            return body == null ? null : vector(body.path("embedding").get("final"));
          }
        });
        System.out.printf("demo: after %.0f s: recall@50 warm items %.3f, new items %.3f%n",
            (System.currentTimeMillis() - start) / 1e3, r.warmRecall(), r.newRecall());
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        System.out.println("demo: scoring failed this round: " + e);
      }
    }
  }

  private static JsonNode get(HttpClient client, String url) {
    try {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static float[] vector(JsonNode array) {
    if (array == null || !array.isArray() || array.isEmpty()) return null;
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
    return v;
  }
}
