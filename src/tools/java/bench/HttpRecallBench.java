package bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * {@code bench http-recall}: recall over HTTP against a running node, as a client sees it.
 * <ol>
 *   <li>loads {@code --n} items through {@code POST /v1/items:batch} unless {@code --skip-load};
 *   <li>for each concurrency, sends recall requests for {@code --seconds} (users known only by 1–5 recent
 *       items, the personal path) and reports req/s and latency percentiles;
 *   <li>registers new items one by one and measures until each is returned by a recall (ingest → recallable).
 * </ol>
 */
final class HttpRecallBench {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Bench.HttpRecall o;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final SplittableRandom rnd = new SplittableRandom(11);

  HttpRecallBench(Bench.HttpRecall options) {
    this.o = options;
  }

  int run() throws Exception {
    System.out.printf("bench http-recall against %s on %d cores (client and node share the machine)%n", o.url,
        Runtime.getRuntime().availableProcessors());
    if (!o.skipLoad) load();
    double bestRps = 0;
    double p50AtBest = 0;
    double p99AtBest = 0;
    System.out.println("concurrency     req/s    p50 ms    p99 ms   p99.9 ms   errors");
    for (int c : o.concurrency) {
      Histogram h = new Histogram(60_000_000_000L, 3);
      AtomicLong errors = new AtomicLong();
      measure(c, Duration.ofSeconds(Math.max(1, o.seconds / 4)), new Histogram(60_000_000_000L, 3), new AtomicLong());
      long start = System.nanoTime();
      long done = measure(c, Duration.ofSeconds(o.seconds), h, errors);
      double rps = done / ((System.nanoTime() - start) / 1e9);
      double p50 = h.getValueAtPercentile(50) / 1e6;
      double p99 = h.getValueAtPercentile(99) / 1e6;
      System.out.printf("%11d %9.0f %9.2f %9.2f %10.2f %8d%n", c, rps, p50, p99, h.getValueAtPercentile(99.9) / 1e6,
          errors.get());
      // The headline: the highest throughput whose p99 stays within the 10 ms goal (else the best seen).
      if ((p99 <= 10 && (p99AtBest > 10 || rps > bestRps)) || (bestRps == 0)) {
        bestRps = rps;
        p50AtBest = p50;
        p99AtBest = p99;
      }
    }
    Histogram visible = ingestToVisible();
    System.out.printf("ingest → recallable over %d new items: p50 %.1f ms, p99 %.1f ms%n", visible.getTotalCount(),
        visible.getValueAtPercentile(50) / 1e6, visible.getValueAtPercentile(99) / 1e6);
    System.out.printf("RESULT http-recall rps=%.0f p50_ms=%.2f p99_ms=%.2f ingest_visible_p99_ms=%.1f%n", bestRps,
        p50AtBest, p99AtBest, visible.getValueAtPercentile(99) / 1e6);
    return 0;
  }

  private String itemId(long i) {
    return "bench-item-" + i;
  }

  private void load() throws Exception {
    System.out.printf("loading %,d items in batches of 1000 …%n", o.n);
    String[] categories = {"pets", "food", "travel", "music", "sports", "comedy", "news", "games"};
    Semaphore window = new Semaphore(4);
    AtomicLong accepted = new AtomicLong();
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    long start = System.nanoTime();
    long lastPrint = start;
    for (long from = 0; from < o.n; from += 1000) {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode items = body.putArray("items");
      for (long i = from; i < Math.min(o.n, from + 1000); i++) {
        items.addObject().put("itemId", itemId(i)).put("category", categories[(int) (i % categories.length)])
            .put("createdAt", 1_790_000_000_000L + i);
      }
      window.acquire();
      pending.add(post("/v1/items:batch", body.toString()).thenAccept(r -> {
        if (r.statusCode() != 200) throw new IllegalStateException("batch answered " + r.statusCode() + ": " + r.body());
        try {
          accepted.addAndGet(JSON.readTree(r.body()).get("accepted").asLong());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }).whenComplete((v, t) -> window.release()));
      long now = System.nanoTime();
      if (now - lastPrint > 5_000_000_000L) {
        System.out.printf("  %,d items sent, %.0f items/s%n", from, from / ((now - start) / 1e9));
        lastPrint = now;
      }
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    System.out.printf("loaded: %,d accepted in %.0f s%n", accepted.get(), (System.nanoTime() - start) / 1e9);
  }

  private String recallBody(String userId, List<String> recent, int k, boolean excludeSeen) {
    ObjectNode b = JSON.createObjectNode().put("userId", userId).put("k", k).put("excludeSeen", excludeSeen);
    ArrayNode r = b.putArray("recentItemIds");
    recent.forEach(r::add);
    return b.toString();
  }

  private long measure(int concurrency, Duration duration, Histogram h, AtomicLong errors) throws Exception {
    long end = System.nanoTime() + duration.toNanos();
    AtomicLong done = new AtomicLong();
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      SplittableRandom r = rnd.split();
      workers.add(loop(r, end, h, errors, done));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
    return done.get();
  }

  /** One closed-loop client: the next request goes when the last answered. */
  private CompletableFuture<Void> loop(SplittableRandom r, long end, Histogram h, AtomicLong errors, AtomicLong done) {
    if (System.nanoTime() >= end) return CompletableFuture.completedFuture(null);
    List<String> recent = new ArrayList<>();
    int n = 1 + r.nextInt(5);
    for (int i = 0; i < n; i++) recent.add(itemId(r.nextLong(Math.max(1, o.n))));
    long t0 = System.nanoTime();
    return post("/v1/recall", recallBody("bench-user-" + r.nextInt(1_000_000), recent, o.k, true))
        .handle((resp, t) -> {
          long took = System.nanoTime() - t0;
          synchronized (h) {
            h.recordValue(Math.min(took, h.getHighestTrackableValue()));
          }
          if (t != null || resp.statusCode() != 200) errors.incrementAndGet();
          done.incrementAndGet();
          return null;
        })
        .thenCompose(v -> loop(r, end, h, errors, done));
  }

  private Histogram ingestToVisible() throws Exception {
    Histogram h = new Histogram(60_000_000_000L, 3);
    for (int i = 0; i < o.ingestSamples; i++) {
      String id = "bench-fresh-" + System.nanoTime();
      long t0 = System.nanoTime();
      var created = post("/v1/items", JSON.createObjectNode().put("itemId", id).put("category", "fresh").toString()).join();
      if (created.statusCode() / 100 != 2) throw new IllegalStateException("register answered " + created.body());
      // Visible = a recall from this very item finds it (its own nearest neighbour).
      while (true) {
        var r = post("/v1/recall", recallBody("probe", List.of(id), 10, false)).join();
        JsonNode items = JSON.readTree(r.body()).get("items");
        boolean found = false;
        for (JsonNode it : items) found |= it.get("itemId").asText().equals(id);
        if (found) break;
        if (System.nanoTime() - t0 > 30_000_000_000L) throw new IllegalStateException(id + " not recallable in 30 s");
      }
      h.recordValue(System.nanoTime() - t0);
    }
    return h;
  }

  private CompletableFuture<HttpResponse<String>> post(String path, String body) {
    return client.sendAsync(HttpRequest.newBuilder(URI.create(o.url + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
