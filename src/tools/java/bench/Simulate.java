package bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import simulation.SimEvent;
import simulation.SyntheticWorld;
import simulation.WireJson;
import simulation.WorldConfig;

/**
 * {@code bin/thermocline simulate}: the synthetic world's items and interactions, as NDJSON files in the
 * docs/API.md shapes ({@code --out}) and/or posted to a running node ({@code --http}). Items are sent before any
 * event that mentions them, in creation order; events in stream order. Seeded: the same options give the same
 * records, so a run's ground truth can be rebuilt from {@code world.json}.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = "Generate the synthetic world's items and interactions: NDJSON files and/or POSTs to a node.")
public final class Simulate implements Callable<Integer> {

  private static final ObjectMapper JSON = WireJson.mapper();
  private static final int MAX_BATCH = 1000; // docs/API.md: items:batch and interactions take at most 1000

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", paramLabel = "DIR",
      description = "write items.ndjson, interactions.ndjson and world.json here")
  Path out;

  @Option(names = "--http", paramLabel = "URL", description = "post to this node (e.g. http://localhost:8080)")
  URI http;

  @Option(names = "--seed", defaultValue = "42", description = "world seed")
  long seed;

  @Option(names = "--items", defaultValue = "100000", description = "items in the world (10 % arrive after the stream)")
  int items;

  @Option(names = "--users", defaultValue = "20000", description = "users in the world")
  int users;

  @Option(names = "--events", defaultValue = "1000000", description = "interaction records in the stream")
  long events;

  @Option(names = "--rate", defaultValue = "0",
      description = "events per second sent over HTTP (0: as fast as the node accepts); files are not paced")
  double rate;

  @Option(names = "--batch", defaultValue = "500", description = "events per POST /v1/interactions (1–1000)")
  int batch;

  @Option(names = "--now", description = "start the world's clock now instead of at 2026-01-01T00:00Z")
  boolean now;

  @Option(names = "--in-flight", defaultValue = "4",
      description = "POST /v1/interactions requests in flight (items always go one at a time, before their events)")
  int inFlight;

  /** With {@code --now}: the clock start to use (the demo rebuilds the same world for its ground truth). */
  Long startMillis;

  @Override
  public Integer call() throws Exception {
    CommandLine cmd = spec.commandLine();
    if (out == null && http == null) throw new CommandLine.ParameterException(cmd, "give --out DIR and/or --http URL");
    if (batch < 1 || batch > MAX_BATCH) throw new CommandLine.ParameterException(cmd, "--batch must be in [1, 1000]");
    if (!(rate >= 0) || Double.isInfinite(rate)) throw new CommandLine.ParameterException(cmd, "--rate must be >= 0");
    if (inFlight < 1) throw new CommandLine.ParameterException(cmd, "--in-flight must be >= 1");
    WorldConfig config;
    try {
      config = WorldConfig.of(seed, items, users, events);
      if (now) config = startingAt(config, startMillis != null ? startMillis : System.currentTimeMillis());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, e.getMessage());
    }
    SyntheticWorld world = new SyntheticWorld(config);
    List<Sink> sinks = new ArrayList<>();
    try {
      if (out != null) sinks.add(new FileSink(out, config));
      if (http != null) sinks.add(new HttpSink(http, inFlight));
      System.out.printf("simulate: seed %d, %,d items (%,d before the stream, %,d during, %,d after), %,d users, "
              + "%,d events%s%s%n", seed, config.items(), config.initialItems(), config.streamItems(),
          config.futureItems(), config.users(), config.events(), out == null ? "" : " → " + out.toAbsolutePath(),
          http == null ? "" : " → " + http);
      Counts counts = run(world, sinks);
      System.out.printf("simulate: done, %,d items and %,d events in %.1f s%s%n", counts.items, counts.events,
          counts.seconds, http == null ? "" : String.format(" (%,d retries after 429/503)", counts.retries(sinks)));
    } finally {
      for (Sink s : sinks) s.close();
    }
    return 0;
  }

  private record Counts(long items, long events, double seconds) {
    long retries(List<Sink> sinks) {
      return sinks.stream().mapToLong(Sink::retries).sum();
    }
  }

  private Counts run(SyntheticWorld world, List<Sink> sinks) throws Exception {
    long start = System.nanoTime();
    long lastPrint = start;
    int nextItem = 0;
    long sent = 0;
    List<ObjectNode> pendingEvents = new ArrayList<>(batch);
    long lastTs = Long.MIN_VALUE;
    Iterator<SimEvent> it = world.events();
    while (it.hasNext()) {
      SimEvent e = it.next();
      pendingEvents.add(WireJson.event(world, e));
      lastTs = e.tsMillis();
      if (pendingEvents.size() == batch || !it.hasNext()) {
        // Items go out before the first batch of events that may mention them.
        nextItem = sendItems(world, sinks, nextItem, lastTs);
        sent += flushEvents(sinks, pendingEvents, sent, start);
      }
      long t = System.nanoTime();
      if (t - lastPrint > 5_000_000_000L) {
        System.out.printf("  %,d events, %,d items sent, %.0f events/s%n", sent, nextItem, sent / ((t - start) / 1e9));
        lastPrint = t;
      }
    }
    nextItem = sendItems(world, sinks, nextItem, Long.MAX_VALUE);
    for (Sink s : sinks) s.flush();
    return new Counts(nextItem, sent, (System.nanoTime() - start) / 1e9);
  }

  /** Sends the items created up to {@code untilMillis}, in batches; returns the next unsent item. */
  private static int sendItems(SyntheticWorld world, List<Sink> sinks, int from, long untilMillis) throws Exception {
    int next = from;
    List<ObjectNode> chunk = new ArrayList<>();
    while (next < world.itemCount() && world.createdAt(next) <= untilMillis) {
      chunk.add(WireJson.item(world.item(next++)));
      if (chunk.size() == MAX_BATCH) {
        for (Sink s : sinks) s.items(chunk);
        chunk.clear();
      }
    }
    if (!chunk.isEmpty()) for (Sink s : sinks) s.items(chunk);
    return next;
  }

  /** Sends and clears the pending events; paces to {@code --rate}. Returns how many were sent. */
  private int flushEvents(List<Sink> sinks, List<ObjectNode> pending, long sentBefore, long startNanos)
      throws Exception {
    if (pending.isEmpty()) return 0;
    int n = pending.size();
    for (Sink s : sinks) s.events(pending);
    pending.clear();
    if (rate > 0 && http != null) {
      long dueNanos = startNanos + (long) ((sentBefore + n) / rate * 1e9);
      long wait = dueNanos - System.nanoTime();
      if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
    return n;
  }

  static WorldConfig startingAt(WorldConfig c, long startMillis) {
    return new WorldConfig(c.seed(), c.topics(), c.initialItems(), c.streamItems(), c.futureItems(), c.users(),
        c.uploaders(), c.events(), c.zipfExponent(), c.userActivityExponent(), c.userTopicConcentration(),
        c.personalizedShare(), c.idiosyncrasy(), c.clickScale(), c.missingMetadataShare(), c.eventIntervalMillis(),
        startMillis);
  }

  /** Where records go. */
  private interface Sink extends AutoCloseable {
    void items(List<ObjectNode> items) throws Exception;

    void events(List<ObjectNode> events) throws Exception;

    /** Returns once everything handed over so far is written or acknowledged. */
    default void flush() throws Exception {}

    default long retries() {
      return 0;
    }

    @Override
    void close() throws IOException;
  }

  /** items.ndjson, interactions.ndjson (one JSON object a line) and world.json (the config, to rebuild truth). */
  private static final class FileSink implements Sink {
    private final BufferedWriter itemsOut;
    private final BufferedWriter eventsOut;

    FileSink(Path dir, WorldConfig config) throws IOException {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("world.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.valueToTree(config)) + "\n");
      itemsOut = Files.newBufferedWriter(dir.resolve("items.ndjson"), StandardCharsets.UTF_8);
      eventsOut = Files.newBufferedWriter(dir.resolve("interactions.ndjson"), StandardCharsets.UTF_8);
    }

    @Override
    public void items(List<ObjectNode> items) throws IOException {
      write(itemsOut, items);
    }

    @Override
    public void events(List<ObjectNode> events) throws IOException {
      write(eventsOut, events);
    }

    private static void write(BufferedWriter w, List<ObjectNode> records) throws IOException {
      for (ObjectNode r : records) {
        w.write(JSON.writeValueAsString(r));
        w.newLine();
      }
    }

    @Override
    public void close() throws IOException {
      try (itemsOut; eventsOut) {
        itemsOut.flush();
        eventsOut.flush();
      }
    }
  }

  /**
   * POST /v1/items:batch (on the caller's thread, so items are registered before any later event batch) and POST
   * /v1/interactions (up to {@code inFlight} at once: batches may reach the node slightly out of order, each event
   * keeps its own ts). 429 and 503 (overloaded, not ready) are retried after a backoff that doubles up to 5 s, or
   * after Retry-After when the node sends one; any other answer stops the run.
   */
  private static final class HttpSink implements Sink {
    private static final int MAX_ATTEMPTS = 50;
    private final URI base;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService senders;
    private final Semaphore window;
    private final int inFlight;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    HttpSink(URI base, int inFlight) {
      this.base = base;
      this.inFlight = inFlight;
      this.window = new Semaphore(inFlight);
      this.senders = Executors.newFixedThreadPool(inFlight, r -> {
        Thread t = new Thread(r, "simulate-http");
        t.setDaemon(true);
        return t;
      });
    }

    @Override
    public void items(List<ObjectNode> items) throws Exception {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode array = body.putArray("items");
      items.forEach(array::add);
      post("/v1/items:batch", body);
    }

    @Override
    public void events(List<ObjectNode> events) throws Exception {
      ObjectNode body = JSON.createObjectNode();
      ArrayNode array = body.putArray("events");
      events.forEach(array::add);
      rethrow();
      window.acquire();
      senders.execute(() -> {
        try {
          post("/v1/interactions", body);
        } catch (Exception e) {
          failure.compareAndSet(null, e);
        } finally {
          window.release();
        }
      });
    }

    @Override
    public void flush() throws Exception {
      window.acquire(inFlight);
      window.release(inFlight);
      rethrow();
    }

    private void rethrow() throws Exception {
      Exception e = failure.get();
      if (e != null) throw e;
    }

    @Override
    public long retries() {
      return retries.get();
    }

    private void post(String path, ObjectNode body) throws Exception {
      HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
      long backoffMillis = 50;
      for (int attempt = 1; ; attempt++) {
        HttpResponse<String> response;
        try {
          response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
          if (attempt >= MAX_ATTEMPTS) throw new IOException("POST " + path + " failed " + attempt + " times", e);
          response = null;
        }
        int status = response == null ? -1 : response.statusCode();
        if (status / 100 == 2) {
          JsonNode answer = JSON.readTree(response.body());
          JsonNode rejectedList = answer.path("rejected");
          if (rejectedList.isArray() && !rejectedList.isEmpty()) {
            if (rejected.addAndGet(rejectedList.size()) <= 10L * rejectedList.size()) {
              System.out.printf("  %s rejected %d records, first: %s%n", path, rejectedList.size(),
                  rejectedList.get(0));
            }
          }
          return;
        }
        if (status != -1 && status != 429 && status != 503) {
          throw new IllegalStateException("POST " + path + " answered " + status + ": " + response.body());
        }
        if (attempt >= MAX_ATTEMPTS) throw new IllegalStateException("POST " + path + " still " + status
            + " after " + attempt + " attempts");
        retries.incrementAndGet();
        long wait = response == null ? backoffMillis : response.headers().firstValue("Retry-After")
            .map(HttpSink::seconds).map(s -> s * 1000).orElse(backoffMillis);
        Thread.sleep(Math.min(wait, 30_000));
        backoffMillis = Math.min(5_000, backoffMillis * 2);
      }
    }

    private static Long seconds(String retryAfter) {
      try {
        return Math.max(0, Long.parseLong(retryAfter.trim()));
      } catch (NumberFormatException e) {
        return 1L; // an HTTP date: do not parse, wait a second
      }
    }

    @Override
    public void close() {
      senders.shutdownNow();
      if (rejected.get() > 0) System.out.printf("  the node rejected %,d records in total%n", rejected.get());
    }
  }
}
