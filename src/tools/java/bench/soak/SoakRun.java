package bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Mixed load past capacity against a node's public API: item writes (single and in batches of 50), interactions
 * (batches of 10) and recalls, over a fixed catalogue of {@code items} items registered first and {@code users} users, so
 * what the node holds for them is bounded and its heap must stay flat: growth is a leak, not new data (a growing
 * catalogue is what {@code bench writes} measures). First the node's capacity for the mix: a closed-loop ramp of clients,
 * the best rate of accepted (2xx) answers. Then an open loop: requests arrive at {@code load} × that rate (Poisson
 * arrivals, each sent whether or not earlier ones were answered) for a while. Then every accepted write is read back.
 * Counts answers by status, the latency of the accepted ones (from the time each request was due, so a slow node
 * cannot hide its queue; {@code send_lag_p99_ms} tells how much of it is the generator's own lag on a busy machine),
 * the heap after a full collection each minute, and the writes acknowledged but not in the store at the end (lost:
 * an item whose stored title is older than its last acknowledged write, a user's history short of its acknowledged
 * events). A 429 or 503 with Retry-After is the node shedding load; a 5xx other than 503 is a bug.
 */
public final class SoakRun {

  /** How long the read-back waits for the consumers to apply what was accepted. */
  private static final Duration APPLIED_WITHIN = Duration.ofSeconds(180);
  /** Requests the open loop lets wait for an answer at most; past it, arrivals are counted as not sent. */
  private static final int MAX_OUTSTANDING = 4096;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the node listens (the bench runs the node in this JVM, so the heap is its heap). */
  public record Target(int httpPort) {}

  /**
   * @param rampClients closed-loop clients of each step of the capacity ramp
   * @param rampStep how long each step runs
   * @param load offered rate of the open loop, in multiples of the capacity
   * @param duration how long the open loop runs
   * @param items the catalogue: registered before the ramp, then every item write is an update of one of them
   * @param users the users the interactions and recalls are of
   */
  public record Plan(List<Integer> rampClients, Duration rampStep, double load, Duration duration, long seed,
      int items, int users) {}

  /** The node's capacity for the mix: accepted answers per second at the best step of the ramp. */
  public record Capacity(double rps, int clients) {}

  public record Report(double minutes, long requests, long errors5xx, long rejected429, long unavailable503,
      double p50Ms, double p99Ms, double rejectedP99Ms, long heapStartMb, long heapEndMb, long heapMaxMb, long lost,
      Map<Integer, Long> byStatus, double capacityRps, double offeredRps, double acceptedRps, long notSent,
      double sendLagP99Ms, int items) {
    public String resultLine() {
      // errors_5xx leaves out 503 (a dependency away or slow, with Retry-After: shedding, not a bug), counted apart.
      // p50_ms and p99_ms: latency of the accepted (2xx) answers of the open loop, from when each request was due.
      return String.format(java.util.Locale.ROOT, "RESULT soak minutes=%.1f requests=%d errors_5xx=%d "
          + "rejected_429=%d p99_ms=%.1f heap_start_mb=%d heap_end_mb=%d lost=%d unavailable_503=%d "
          + "capacity_rps=%.1f offered_rps=%.1f accepted_rps=%.1f p50_ms=%.1f rejected_p99_ms=%.1f not_sent=%d "
          + "send_lag_p99_ms=%.1f heap_max_mb=%d items=%d", minutes, requests, errors5xx, rejected429, p99Ms,
          heapStartMb, heapEndMb, lost, unavailable503, capacityRps, offeredRps, acceptedRps, p50Ms, rejectedP99Ms,
          notSent, sendLagP99Ms, heapMaxMb, items);
    }
  }

  /** Answers of one phase: by status, and latencies of the accepted and of the refused ones. */
  private static final class Tally {
    final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    final ConcurrentHistogram acceptedMicros = new ConcurrentHistogram(3);
    final ConcurrentHistogram refusedMicros = new ConcurrentHistogram(3);
    /** How late the load generator sent requests (open loop): its own lag, part of every latency above. */
    final ConcurrentHistogram sendLagMicros = new ConcurrentHistogram(3);
    final LongAdder answered = new LongAdder();
    /** Why requests got no answer (status 0), by exception class. */
    final Map<String, LongAdder> noAnswer = new ConcurrentHashMap<>();

    void count(int status, long micros) {
      byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
      answered.increment();
      if (status >= 200 && status < 300) acceptedMicros.recordValue(Math.max(1, micros));
      else if (status == 429 || status == 503) refusedMicros.recordValue(Math.max(1, micros));
    }

    long status(int s) {
      LongAdder n = byStatus.get(s);
      return n == null ? 0 : n.sum();
    }

    Map<Integer, Long> statuses() {
      Map<Integer, Long> out = new java.util.TreeMap<>();
      byStatus.forEach((k, v) -> out.put(k, v.sum()));
      return out;
    }
  }

  /** One request of the mix, and the writes it carries (to read back once accepted): item id → its write's number. */
  private record Call(String path, String body, Map<String, Long> items, List<String> users) {}

  private final Target target;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newFixedThreadPool(4)).build();
  /** Per item, the number of its last acknowledged write (in its title). */
  private final Map<String, Long> acceptedItems = new ConcurrentHashMap<>();
  /** Numbers item writes (titles "soak item <n>"), so the read-back can tell an older write from the last one. */
  private final AtomicLong writes = new AtomicLong();
  /** The next catalogue item to update: writes go round the catalogue, so one item is rarely written twice at once. */
  private final AtomicLong cursor = new AtomicLong();
  private int catalogue = 1;
  private int userCount = 1;
  private final Map<String, AtomicInteger> acceptedEvents = new ConcurrentHashMap<>();
  private final AtomicLong clock = new AtomicLong(System.currentTimeMillis() - 3_600_000); // distinct event times

  public SoakRun(Target target) {
    this.target = target;
  }

  /** Measures the capacity, drives the open loop at {@code plan.load()} × it, then reads back every accepted write. */
  public Report run(Plan plan) throws Exception {
    if (plan.users() < 1) throw new IllegalArgumentException("users must be >= 1, got " + plan.users());
    userCount = plan.users();
    register(plan.items(), plan.seed());
    Capacity capacity = capacity(plan.rampClients(), plan.rampStep(), plan.seed());
    System.out.printf(java.util.Locale.ROOT, "capacity for the mix: %.1f accepted requests/s (at %d clients)%n",
        capacity.rps(), capacity.clients());
    double offered = plan.load() * capacity.rps();
    long heapStart = heapUsedMb();
    System.out.printf(java.util.Locale.ROOT, "open loop: %.1f requests/s (%.1f × capacity) for %.1f minutes …%n",
        offered, plan.load(), plan.duration().toMillis() / 60_000.0);
    Tally t = new Tally();
    List<Long> heap = new java.util.concurrent.CopyOnWriteArrayList<>(List.of(heapStart));
    var sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(() -> heap.add(heapUsedMb()), 1, 1, TimeUnit.MINUTES);
    long notSent;
    try {
      notSent = openLoop(offered, plan.duration(), plan.seed(), t);
    } finally {
      sampler.shutdownNow();
      sampler.awaitTermination(1, TimeUnit.MINUTES);
    }
    long heapEnd = heapUsedMb();
    heap.add(heapEnd);
    System.out.println("heap in use after a full collection, at the start, each minute and at the end (MB): " + heap);
    System.out.printf("load done: %,d requests, by status %s; reading back %,d items and %,d users …%n",
        t.answered.sum(), t.statuses(), acceptedItems.size(), acceptedEvents.size());
    if (!t.noAnswer.isEmpty()) System.out.println("no answer (status 0), by client exception: " + t.noAnswer);
    long lost = readBack();
    Map<Integer, Long> statuses = t.statuses();
    long errors = statuses.entrySet().stream().filter(e -> e.getKey() >= 500 && e.getKey() != 503)
        .mapToLong(Map.Entry::getValue).sum();
    double seconds = plan.duration().toMillis() / 1000.0;
    return new Report(plan.duration().toMillis() / 60_000.0, t.answered.sum(), errors, t.status(429), t.status(503),
        t.acceptedMicros.getValueAtPercentile(50) / 1000.0, t.acceptedMicros.getValueAtPercentile(99) / 1000.0,
        t.refusedMicros.getValueAtPercentile(99) / 1000.0, heapStart, heapEnd,
        heap.stream().mapToLong(Long::longValue).max().orElse(heapEnd), lost, statuses, capacity.rps(), offered,
        t.acceptedMicros.getTotalCount() / seconds, notSent, t.sendLagMicros.getValueAtPercentile(99) / 1000.0,
        plan.items());
  }

  /** Registers the catalogue, 1,000 items a batch, waiting out 429 and 503 as Retry-After asks. */
  private void register(int items, long seed) throws Exception {
    if (items < 1) throw new IllegalArgumentException("items must be >= 1, got " + items);
    catalogue = items;
    SplittableRandom r = new SplittableRandom(seed);
    for (int from = 0; from < items; from += 1000) {
      Map<String, Long> batch = new java.util.LinkedHashMap<>();
      StringBuilder sb = new StringBuilder("{\"items\": [");
      for (int i = from; i < Math.min(items, from + 1000); i++) {
        long n = writes.incrementAndGet();
        batch.put(itemId(i), n);
        sb.append(i == from ? "" : ",").append(item(itemId(i), n, r));
      }
      Call call = new Call("/v1/items:batch", sb.append("]}").toString(), batch, List.of());
      int status = 0;
      for (int attempt = 0; attempt < 30 && (status = sendNow(call)) != 200; attempt++) {
        Thread.sleep(1000); // a bench, not a test: the node asked to come back later
      }
      if (status != 200) throw new IllegalStateException("registering the catalogue: status " + status);
    }
    System.out.printf("catalogue: %,d items registered%n", items);
  }

  private static String itemId(int i) {
    return "soak-item-" + i;
  }

  /**
   * Closed loop: each step runs {@code clients} clients, each sending its next request once the last is answered;
   * the capacity is the best rate of accepted answers over the steps (past saturation more clients only queue or
   * are refused).
   */
  public Capacity capacity(List<Integer> steps, Duration step, long seed) throws Exception {
    Capacity best = new Capacity(0, 0);
    for (int clients : steps) {
      Tally t = new Tally();
      long end = System.nanoTime() + step.toNanos();
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      for (int c = 0; c < clients; c++) {
        int client = c;
        pool.execute(() -> {
          SplittableRandom r = new SplittableRandom(seed * 1_000 + clients * 100L + client);
          while (System.nanoTime() < end) {
            Call call = next(r);
            long start = System.nanoTime();
            int status = sendNow(call);
            t.count(status, (System.nanoTime() - start) / 1000);
          }
        });
      }
      pool.shutdown();
      pool.awaitTermination(step.toMillis() + 120_000, TimeUnit.MILLISECONDS);
      double rps = t.acceptedMicros.getTotalCount() / (step.toMillis() / 1000.0);
      System.out.printf(java.util.Locale.ROOT, "  ramp: %3d clients → %.1f accepted/s, p99 of accepted %.1f ms, "
          + "by status %s%n", clients, rps, t.acceptedMicros.getValueAtPercentile(99) / 1000.0, t.statuses());
      if (rps > best.rps()) best = new Capacity(rps, clients);
    }
    return best;
  }

  /**
   * Open loop: requests arrive at {@code rps} (exponential gaps) for {@code duration}, each sent at its time
   * whatever happened to the ones before; its latency counts from that time. Returns the arrivals not sent because
   * {@link #MAX_OUTSTANDING} requests were already waiting for answers.
   */
  private long openLoop(double rps, Duration duration, long seed, Tally t) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    AtomicInteger outstanding = new AtomicInteger();
    long notSent = 0;
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    double due = start;
    List<CompletableFuture<?>> pending = new ArrayList<>();
    long report = start + 30_000_000_000L;
    for (int n = 0; ; n++) {
      due += -Math.log(1 - r.nextDouble()) / rps * 1e9;
      if (due >= end) break;
      long wait = (long) due - System.nanoTime();
      if (wait > 0) LockSupport.parkNanos(wait);
      if (outstanding.get() >= MAX_OUTSTANDING) {
        notSent++;
        continue;
      }
      long dueAt = (long) due;
      t.sendLagMicros.recordValue(Math.max(1, (System.nanoTime() - dueAt) / 1000));
      Call call = next(r);
      outstanding.incrementAndGet();
      CompletableFuture<?> f = sendAsync(call, t).whenComplete((status, failure) -> {
        outstanding.decrementAndGet();
        t.count(status == null ? 0 : status, (System.nanoTime() - dueAt) / 1000);
      });
      pending.add(f);
      if (pending.size() > 10_000) pending.removeIf(CompletableFuture::isDone);
      if (System.nanoTime() > report) {
        report += 30_000_000_000L;
        System.out.printf("  %,d requests sent, %d waiting for an answer, by status %s%n", n + 1, outstanding.get(),
            t.statuses());
      }
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((v, f) -> v).get(5, TimeUnit.MINUTES);
    return notSent;
  }

  /** The next request of the mix: 25% an item, 5% a batch of 50 items, 40% ten interactions, 30% a recall. */
  private Call next(SplittableRandom r) {
    int kind = r.nextInt(100);
    Map<String, Long> items = new java.util.LinkedHashMap<>();
    List<String> users = new ArrayList<>();
    if (kind < 25) {
      String id = itemId((int) (cursor.getAndIncrement() % catalogue));
      long n = writes.incrementAndGet();
      items.put(id, n);
      return new Call("/v1/items", item(id, n, r), items, users);
    }
    if (kind < 30) {
      StringBuilder sb = new StringBuilder("{\"items\": [");
      long first = cursor.getAndAdd(50);
      for (int i = 0; i < 50; i++) {
        String id = itemId((int) ((first + i) % catalogue));
        long n = writes.incrementAndGet();
        if (items.putIfAbsent(id, n) == null) sb.append(items.size() == 1 ? "" : ",").append(item(id, n, r));
      }
      return new Call("/v1/items:batch", sb.append("]}").toString(), items, users);
    }
    if (kind < 70) {
      StringBuilder sb = new StringBuilder("{\"events\": [");
      String[] types = {"impression", "impression", "click", "like", "finish"};
      for (int i = 0; i < 10; i++) {
        String user = "soak-user-" + r.nextInt(userCount);
        users.add(user);
        sb.append(i == 0 ? "" : ",").append("{\"userId\": \"").append(user).append("\", \"itemId\": \"")
            .append(itemId(r.nextInt(catalogue))).append("\", \"type\": \"").append(types[r.nextInt(types.length)]).append("\", \"ts\": ")
            .append(clock.incrementAndGet()).append('}');
      }
      return new Call("/v1/interactions", sb.append("]}").toString(), items, users);
    }
    return new Call("/v1/recall", "{\"userId\": \"soak-user-" + r.nextInt(userCount) + "\", \"k\": 20}", items, users);
  }

  private HttpRequest request(Call call) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.httpPort() + call.path()))
        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(call.body())).build();
  }

  private int sendNow(Call call) {
    try {
      HttpResponse<String> resp = http.send(request(call), HttpResponse.BodyHandlers.ofString());
      accepted(call, resp.statusCode(), resp.body());
      return resp.statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (Exception e) {
      return 0;
    }
  }

  private CompletableFuture<Integer> sendAsync(Call call, Tally t) {
    return http.sendAsync(request(call), HttpResponse.BodyHandlers.ofString()).handle((resp, failure) -> {
      if (failure != null) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        t.noAnswer.computeIfAbsent(cause.getClass().getSimpleName(), k -> new LongAdder()).increment();
        return 0;
      }
      accepted(call, resp.statusCode(), resp.body());
      return resp.statusCode();
    });
  }

  /** Remembers the writes an answer accepted, to read them back. */
  private void accepted(Call call, int status, String answer) {
    if (status == 201 || status == 200 && call.path().equals("/v1/items")) {
      call.items().forEach((id, n) -> acceptedItems.merge(id, n, Math::max));
    } else if (status == 200 && call.path().equals("/v1/items:batch")) {
      acceptedFromBatch(call, answer);
    } else if (status == 202) {
      call.users().forEach(u -> acceptedEvents.computeIfAbsent(u, x -> new AtomicInteger()).incrementAndGet());
    }
  }

  private void acceptedFromBatch(Call call, String answer) {
    try {
      for (JsonNode r : JSON.readTree(answer).path("results")) {
        String status = r.path("status").asText();
        String id = r.path("itemId").asText();
        Long n = call.items().get(id);
        if ((status.equals("created") || status.equals("updated")) && n != null) acceptedItems.merge(id, n, Math::max);
      }
    } catch (Exception e) {
      // counted by its status only
    }
  }

  private static String item(String id, long write, SplittableRandom r) {
    return "{\"itemId\": \"" + id + "\", \"title\": \"soak item " + write + "\", \"category\": \"c"
        + r.nextInt(20) + "\", \"tags\": [\"t" + r.nextInt(50) + "\"]}";
  }

  /**
   * Every accepted item must read back (GET 200) with its last acknowledged write's title or a later one, and every
   * user's history must hold its accepted events (up to the 200 a history keeps); waits for the consumers up to
   * {@link #APPLIED_WITHIN}. Returns what is still missing.
   */
  private long readBack() throws Exception {
    long deadline = System.nanoTime() + APPLIED_WITHIN.toNanos();
    List<String> items = new ArrayList<>(acceptedItems.keySet());
    List<String> users = new ArrayList<>(acceptedEvents.keySet());
    long missing;
    do {
      ExecutorService readers = Executors.newFixedThreadPool(8);
      LongAdder absent = new LongAdder();
      List<String> stillItems = java.util.Collections.synchronizedList(new ArrayList<>());
      List<String> stillUsers = java.util.Collections.synchronizedList(new ArrayList<>());
      for (String id : items) {
        readers.execute(() -> {
          JsonNode item = get("/v1/items/" + id);
          String title = item == null ? "" : item.path("metadata").path("title").asText();
          long stored = title.startsWith("soak item ") ? Long.parseLong(title.substring(10)) : -1;
          if (stored < acceptedItems.get(id)) {
            absent.increment();
            stillItems.add(id);
          }
        });
      }
      for (String user : users) {
        readers.execute(() -> {
          JsonNode u = get("/v1/users/" + user);
          int expected = Math.min(200, acceptedEvents.get(user).get());
          int have = u == null ? 0 : u.path("history").size();
          if (have < expected) {
            absent.add(expected - have);
            stillUsers.add(user);
          }
        });
      }
      readers.shutdown();
      readers.awaitTermination(10, TimeUnit.MINUTES);
      missing = absent.sum();
      items = new ArrayList<>(stillItems);
      users = new ArrayList<>(stillUsers);
      if (missing > 0) {
        System.out.printf("  read back: %,d writes not there yet (%d items, %d users)%n", missing, items.size(),
            users.size());
        Thread.sleep(2000); // a bench, not a test: polls the node while its consumers catch up
      }
    } while (missing > 0 && System.nanoTime() < deadline);
    return missing;
  }

  private JsonNode get(String path) {
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.httpPort()
            + path)).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return JSON.readTree(r.body());
        if (r.statusCode() == 404) return null;
      } catch (Exception e) {
        // retried
      }
      try {
        Thread.sleep(500L << attempt); // 429/503: back off as Retry-After asks
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  /** The heap in use after a full collection (the node runs in this JVM). */
  private static long heapUsedMb() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }
}
