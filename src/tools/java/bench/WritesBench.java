package bench;

import service.ExposureWindow;
import service.StreamEffects;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import infra.EmbeddedCassandra;
import infra.FreePorts;
import infra.ServerClasspath;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import storage.HistoryEntry;
import storage.InteractionStore;
import storage.ItemStore;

/**
 * {@code bench writes}: what the interactions consumer asks of Cassandra per record (a history row, and an
 * exposure counter update per item per exposure window), measured as Cassandra's own CPU per record and
 * records/s. Baselines in the same run and on the same data: one request per row with counters per consumer
 * batch (the first design), and replica batches ({@code storage.ReplicaBatches}) with counters per consumer batch
 * (the design before exposure windows). Records as in {@code bench learn}: Zipf items, uniform users, 30 %
 * impressions, in the consumer's batches.
 */
final class WritesBench {

  private final Bench.Writes o;

  WritesBench(Bench.Writes options) {
    this.o = options;
  }

  int run() throws Exception {
    System.out.printf("bench writes on %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name"), System.getProperty("java.version"));
    Path dir = Path.of(o.dir).toAbsolutePath();
    StoreBench.wipe(dir);
    int[] ports = FreePorts.pick(2);
    System.out.printf("starting Cassandra under %s …%n", dir);
    try (EmbeddedCassandra cassandra = EmbeddedCassandra.start(dir.resolve("cassandra"), ports[0], ports[1],
        ServerClasspath.defaultCache());
        CqlSession session = cassandra.newSession()) {
      ItemStore.open(session, "bench_writes", 1, true);
      InteractionStore store = new InteractionStore(session, "bench_writes");
      PerRow perRow = new PerRow(session, "bench_writes");
      // Counters per consumer batch (the design before exposure windows).
      Writer batched = (history, counts, at) -> store.appendHistory(history)
          .thenCompose(done -> store.addCounts(counts, at)).toCompletableFuture().join();
      // The consumer's path: histories per batch, counters summed over an exposure window (StreamEffects).
      Windowed windowed = new Windowed(o.exposureWindow,
          (history, counts, at) -> store.appendHistory(history).toCompletableFuture().join(),
          (counts, at) -> store.addCounts(counts, at).toCompletableFuture().join());
      SplittableRandom random = new SplittableRandom(o.seed);
      // Warm both paths up (JIT in Cassandra and here) before anything is timed.
      phase("warm-up (per row)", o.records / 5, random, perRow::write, cassandra.pid(), 0);
      phase("warm-up (replica batches)", o.records / 5, random, batched, cassandra.pid(), 1);
      phase("warm-up (exposure windows)", o.exposureWindow, random, windowed, cassandra.pid(), 2);
      double[] baseline = phase("one request per row", o.records, random, perRow::write, cassandra.pid(), 3);
      double[] inBatches = phase("replica batches, counters per batch", o.records, random, batched,
          cassandra.pid(), 4);
      double[] consumer = phase("replica batches, counters per window (the consumer's path)", o.records, random,
          windowed, cassandra.pid(), 5);
      // Where the consumer path's cost lies: its two halves alone.
      double[] historyOnly = phase("  of which history rows", o.records, random,
          (history, counts, at) -> store.appendHistory(history).toCompletableFuture().join(), cassandra.pid(), 6);
      double[] countsOnly = phase("  of which exposure counters", o.records, random,
          new Windowed(o.exposureWindow, (history, counts, at) -> {},
              (counts, at) -> store.addCounts(counts, at).toCompletableFuture().join()), cassandra.pid(), 7);
      System.out.printf("Cassandra CPU per record: %.0f µs per row, %.0f µs with counters per batch, %.0f µs with "
          + "counters per window of %,d (%.1fx less than per row); records/s %.0f, %.0f, %.0f%n", baseline[1],
          inBatches[1], consumer[1], o.exposureWindow, baseline[1] / consumer[1], baseline[0], inBatches[0],
          consumer[0]);
      System.out.printf("RESULT writes records_per_s=%.0f cassandra_cpu_us_per_record=%.0f "
          + "baseline_records_per_s=%.0f baseline_cassandra_cpu_us_per_record=%.0f cpu_ratio=%.2f "
          + "per_batch_counters_cassandra_cpu_us_per_record=%.0f history_cpu_us_per_record=%.0f "
          + "counters_cpu_us_per_record=%.0f%n", consumer[0], consumer[1], baseline[0], baseline[1],
          baseline[1] / consumer[1], inBatches[1], historyOnly[1], countsOnly[1]);
    }
    return 0;
  }

  /** Writes one consumer batch of histories and counts. */
  @FunctionalInterface
  private interface Writer {
    void write(List<HistoryEntry> history, Map<String, InteractionStore.CountDelta> counts, Instant at);

    /** Writes what is still held back (end of a phase). */
    default void finish() {}
  }

  /** Histories per batch; counts summed over {@code window} records, then written in one go (ExposureWindow). */
  private static final class Windowed implements Writer {
    private final int window;
    private final Writer histories;
    private final java.util.function.BiConsumer<Map<String, InteractionStore.CountDelta>, Instant> counters;
    private final Map<String, InteractionStore.CountDelta> held = new LinkedHashMap<>();
    private int records;
    private Instant at;

    Windowed(int window, Writer histories,
        java.util.function.BiConsumer<Map<String, InteractionStore.CountDelta>, Instant> counters) {
      this.window = window;
      this.histories = histories;
      this.counters = counters;
    }

    @Override
    public void write(List<HistoryEntry> history, Map<String, InteractionStore.CountDelta> counts, Instant at) {
      histories.write(history, counts, at);
      counts.forEach((item, d) -> held.merge(item, d, InteractionStore.CountDelta::plus));
      records += history.size();
      this.at = at;
      if (records >= window) finish();
    }

    @Override
    public void finish() {
      if (held.isEmpty()) return;
      counters.accept(held, at);
      held.clear();
      records = 0;
    }
  }

  /** Records/s and Cassandra CPU µs per record of {@code records} records through {@code writer}. */
  private double[] phase(String name, long records, SplittableRandom random, Writer writer, long cassandraPid,
      int round) {
    double logN = Math.log(o.items);
    long cpu0 = cpuNanos(cassandraPid);
    long t0 = System.nanoTime();
    long lastPrint = t0;
    for (long done = 0; done < records; done += o.batch) {
      List<HistoryEntry> history = new ArrayList<>(o.batch);
      Map<String, InteractionStore.CountDelta> counts = new LinkedHashMap<>();
      for (int i = 0; i < o.batch; i++) {
        int item = (int) Math.min(o.items - 1, Math.floor(Math.exp(random.nextDouble() * logN)) - 1);
        boolean impression = random.nextInt(10) < 3;
        // Distinct timestamps per round, so every round writes new rows.
        Instant ts = Instant.ofEpochMilli(1_763_000_000_000L + round * 1_000_000_000L + done + i);
        history.add(new HistoryEntry("user-" + random.nextInt(o.users), "item-" + item,
            impression ? "impression" : "click", ts));
        counts.merge("item-" + item, new InteractionStore.CountDelta(impression ? 1 : 0, impression ? 0 : 1),
            InteractionStore.CountDelta::plus);
      }
      writer.write(history, counts, history.get(0).ts());
      if (System.nanoTime() - lastPrint > 5_000_000_000L) {
        System.out.printf("  %s: %,d / %,d records%n", name, done + o.batch, records);
        lastPrint = System.nanoTime();
      }
    }
    writer.finish();
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpuUs = (cpuNanos(cassandraPid) - cpu0) / 1e3 / records;
    System.out.printf("%-58s %,9d records in %5.1f s: %7.0f records/s, Cassandra %4.0f µs CPU per record%n", name,
        records, seconds, records / seconds, cpuUs);
    return new double[] {records / seconds, cpuUs};
  }

  private static long cpuNanos(long pid) {
    return (long) (LearnBench.cpuSeconds(pid) * 1e9);
  }

  /** The baseline: the same rows, one request each, all of a batch in flight at once. */
  private static final class PerRow {
    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement count;

    PerRow(CqlSession session, String keyspace) {
      this.session = session;
      insert = session.prepare("INSERT INTO " + keyspace + ".user_history (user_id, ts, item_id, type) "
          + "VALUES (?, ?, ?, ?)");
      count = session.prepare("UPDATE " + keyspace + ".item_daily_counts SET impressions = impressions + ?, "
          + "positives = positives + ? WHERE item_id = ? AND day = ?");
    }

    void write(List<HistoryEntry> history, Map<String, InteractionStore.CountDelta> counts, Instant at) {
      List<CompletableFuture<?>> writes = new ArrayList<>();
      for (HistoryEntry e : history) {
        writes.add(session.executeAsync(insert.bind(e.userId(), e.ts(), e.itemId(), e.type())).toCompletableFuture());
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
      writes.clear();
      LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
      for (var c : counts.entrySet()) {
        writes.add(session.executeAsync(count.bind(c.getValue().impressions(), c.getValue().positives(), c.getKey(),
            day)).toCompletableFuture());
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
    }
  }
}
