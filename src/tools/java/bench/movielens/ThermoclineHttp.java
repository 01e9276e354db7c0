package bench.movielens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The node's public API as a client sees it (JSON over HTTP): only the calls the MovieLens bench makes. */
public final class ThermoclineHttp {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final URI base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  public ThermoclineHttp(String baseUrl) {
    this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
  }

  /** What {@code POST /v1/recall} answered. */
  public record Recalled(List<String> itemIds, List<Double> scores, String strategy, boolean partial) {}

  /** What {@code GET /v1/users/{id}} answered: history item ids (newest first) and the vector (null: none). */
  public record User(List<String> historyItemIds, long newestTs, float[] vector) {}

  /**
   * {@code POST /v1/items:batch} (at most 1000). Items the node could not store in time ("not stored, retry")
   * are sent again, a few times with a growing pause, as a client should; any other refusal fails.
   */
  public void registerItems(ArrayNode items) throws IOException, InterruptedException {
    ArrayNode pending = items;
    for (int attempt = 1; ; attempt++) {
      ObjectNode body = JSON.createObjectNode();
      body.set("items", pending);
      JsonNode rejected = send("POST", "v1/items:batch", body, 200).path("rejected");
      if (rejected.size() == 0) return;
      ArrayNode again = JSON.createArrayNode();
      for (JsonNode r : rejected) {
        if (!r.path("error").asText().contains("retry") || attempt == 5) {
          throw new IOException(rejected.size() + " items rejected, e.g. " + r);
        }
        again.add(pending.get(r.path("index").asInt()));
      }
      pending = again;
      Thread.sleep(1000L * attempt);
    }
  }

  /** {@code POST /v1/interactions} (at most 1000 events); fails when the node rejected any event. */
  public void sendInteractions(ArrayNode events) throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode();
    body.set("events", events);
    JsonNode answer = send("POST", "v1/interactions", body, 202, false);
    if (answer.path("rejected").size() > 0) throw new IOException("events rejected: " + answer.get("rejected"));
  }

  public Recalled recall(String userId, int k, boolean excludeSeen) throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("userId", userId).put("k", k).put("excludeSeen", excludeSeen);
    JsonNode answer = send("POST", "v1/recall", body, 200);
    List<String> ids = new ArrayList<>();
    List<Double> scores = new ArrayList<>();
    for (JsonNode item : answer.path("items")) {
      ids.add(item.path("itemId").asText());
      scores.add(item.path("score").asDouble());
    }
    return new Recalled(ids, scores, answer.path("strategy").asText("?"), answer.path("partial").asBoolean(false));
  }

  public User user(String userId) throws IOException, InterruptedException {
    JsonNode answer = send("GET", "v1/users/" + encode(userId), null, 200);
    List<String> history = new ArrayList<>();
    long newest = Long.MIN_VALUE;
    for (JsonNode e : answer.path("history")) {
      history.add(e.path("itemId").asText());
      newest = Math.max(newest, e.path("ts").asLong());
    }
    return new User(history, newest, vector(answer.get("vector")));
  }

  /** {@code GET /v1/items/{itemId}} as answered (tier, alpha, embedding, move while it blends). */
  public JsonNode item(String itemId) throws IOException, InterruptedException {
    return send("GET", "v1/items/" + encode(itemId), null, 200);
  }

  /** The item's served ({@code embedding.final}) vector. */
  public float[] finalVector(String itemId) throws IOException, InterruptedException {
    JsonNode answer = send("GET", "v1/items/" + encode(itemId), null, 200);
    float[] v = vector(answer.path("embedding").get("final"));
    if (v == null) throw new IOException("item " + itemId + " has no embedding.final");
    return v;
  }

  /**
   * Starts a full retraining of {@code epochs} over the window up to now ({@code POST /admin/training/full}); this
   * client's base URL must be the node's admin API. Returns the run's id.
   */
  public JsonNode startTraining(int epochs) throws IOException, InterruptedException {
    return send("POST", "admin/training/full", JSON.createObjectNode().put("epochs", epochs), 202, false);
  }

  /** A training run's progress ({@code GET /admin/training/{runId}}), as the node answers it. */
  public JsonNode training(String runId) throws IOException, InterruptedException {
    return send("GET", "admin/training/" + encode(runId), null, 200);
  }

  /**
   * Starts a tier migration run now ({@code POST /admin/migrations}, admin API); while one runs, the node answers
   * with that one. Returns the run as answered (its {@code runId}, status, counts per tier pair).
   */
  public JsonNode startMigration() throws IOException, InterruptedException {
    return send("POST", "admin/migrations", null, 202, false);
  }

  /** A migration run ({@code GET /admin/migrations/{runId}}, admin API). */
  public JsonNode migration(String runId) throws IOException, InterruptedException {
    return send("GET", "admin/migrations/" + encode(runId), null, 200);
  }

  /** Per tier: items, buckets, collision rates ({@code GET /admin/tiers}, admin API). */
  public JsonNode tiers() throws IOException, InterruptedException {
    return send("GET", "admin/tiers", null, 200);
  }

  /** Calls {@code call} for every input on {@code parallel} threads of their own; answers in input order. */
  public static <I, O> List<O> inParallel(List<I> inputs, int parallel, ThrowingCall<I, O> call)
      throws IOException, InterruptedException {
    ExecutorService threads = Executors.newFixedThreadPool(parallel);
    try {
      List<Future<O>> futures = new ArrayList<>(inputs.size());
      for (I input : inputs) futures.add(threads.submit(() -> call.apply(input)));
      List<O> out = new ArrayList<>(inputs.size());
      for (Future<O> f : futures) out.add(f.get());
      return out;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) throw io;
      throw new IOException(e.getCause());
    } finally {
      threads.shutdownNow();
    }
  }

  @FunctionalInterface
  public interface ThrowingCall<I, O> {
    O apply(I input) throws Exception;
  }

  /** How long a repeatable call keeps retrying 429 and 503. */
  private static final Duration RETRY_FOR = Duration.ofMinutes(2);

  private JsonNode send(String method, String path, JsonNode body, int expected)
      throws IOException, InterruptedException {
    return send(method, path, body, expected, true);
  }

  /**
   * One call; 429 and 503 say "later". A 429 is retried always (nothing was done); a 503 only for a call that may be
   * repeated: not interactions, since a 503 may follow a partly produced batch and a repeat would stream those
   * events twice.
   */
  private JsonNode send(String method, String path, JsonNode body, int expected, boolean mayRepeat)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
        .header("Content-Type", "application/json");
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    long giveUp = System.nanoTime() + RETRY_FOR.toNanos();
    for (int attempt = 1; ; attempt++) {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      // A 429 refused the call before any work (admission, a full producer queue): always safe to repeat.
      boolean later = response.statusCode() == 429 || (mayRepeat && response.statusCode() == 503);
      if (later && System.nanoTime() < giveUp) {
        // As a client should: wait what Retry-After asks (a breaker open on a loaded machine asks for seconds).
        long retryAfterMs = response.headers().firstValueAsLong("Retry-After").orElse(0) * 1000;
        Thread.sleep(Math.max(retryAfterMs, Math.min(5_000L, 200L * attempt)));
        continue;
      }
      if (response.statusCode() != expected) {
        throw new IOException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    }
  }

  private static float[] vector(JsonNode array) {
    if (array == null || !array.isArray()) return null;
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
    return v;
  }

  private static String encode(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
