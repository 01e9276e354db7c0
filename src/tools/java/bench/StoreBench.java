package bench;

import app.Settings;
import app.Node;
import actors.BucketRange;
import actors.BucketRanges;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import embedding.DeltaKernel;
import embedding.Occupancy;
import embedding.RowBlock;
import embedding.RowPatch;
import embedding.StoreLayout;
import embedding.StoreSettings;
import embedding.TierSpec;
import infra.EmbeddedCassandra;
import infra.FreePorts;
import infra.ServerClasspath;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code bench store}: the memory and speed of the tiered store.
 * <ol>
 *   <li>heap bytes per bucket: {@code --buckets} fully written buckets (row, accumulator, occupancy);
 *   <li>kernel rows/s: Adagrad + stochastic rounding into patches, applied in memory;
 *   <li>persisted rows/s: ApplyDeltas batches through sharded BucketRange entities into a real Cassandra;
 *   <li>recovery: write {@code --recover-buckets} rows, restart the actor system, time until every range
 *       has recovered, and check the rows are bit-identical.
 * </ol>
 */
final class StoreBench {

  private final Bench.Store o;
  private final Config base = ConfigFactory.load();
  private final StoreSettings defaults = Settings.store(base.getConfig("thermocline.store"));

  StoreBench(Bench.Store options) {
    this.o = options;
  }

  int run() throws Exception {
    System.out.printf("bench store on %d cores, max heap %d MB, %s %s%n", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.name"), System.getProperty("java.version"));
    double bytesPerBucket = bytesPerBucket();
    double kernelRowsPerS = kernelRowsPerSecond();

    Path dir = Path.of(o.dir).toAbsolutePath();
    wipe(dir);
    int[] ports = FreePorts.pick(2);
    System.out.printf("starting Cassandra under %s …%n", dir);
    try (EmbeddedCassandra cassandra = EmbeddedCassandra.start(dir.resolve("cassandra"), ports[0], ports[1],
        ServerClasspath.defaultCache())) {
      Config nodeConfig = nodeConfig(dir, cassandra);
      double persistedRowsPerS;
      long checksum;
      try (Node node = Node.start(nodeConfig)) {
        persistedRowsPerS = persistedRowsPerSecond(node);
        writeAll(node);
        checksum = checksum(node);
      }
      System.out.println("restarting the actor system (Cassandra keeps running) …");
      double recoverSeconds;
      try (Node node = Node.start(nodeConfig)) {
        long t0 = System.nanoTime();
        recoverAll(node);
        recoverSeconds = (System.nanoTime() - t0) / 1e9;
        long after = checksum(node);
        System.out.printf("recovered %,d buckets in %.2f s; rows bit-identical after restart: %s%n",
            o.recoverBuckets, recoverSeconds, after == checksum ? "yes" : "NO");
        if (after != checksum) throw new IllegalStateException("rows differ after recovery");
      }
      double perMillion = recoverSeconds / (o.recoverBuckets / 1e6);
      System.out.printf("RESULT store bytes_per_bucket=%.1f kernel_rows_per_s=%.0f persisted_rows_per_s=%.0f "
          + "recover_s_per_million=%.2f%n", bytesPerBucket, kernelRowsPerS, persistedRowsPerS, perMillion);
    }
    return 0;
  }

  // ---- 1. memory ----

  private double bytesPerBucket() {
    StoreLayout layout = defaults.layout();
    int rowsPerRange = layout.rowsPerRange();
    int ranges = (int) ((o.buckets + rowsPerRange - 1) / rowsPerRange);
    long before = usedHeapAfterGc();
    List<Object> keep = new ArrayList<>(2 * ranges);
    short[] row = new short[layout.dim()];
    Arrays.fill(row, (short) 0x3c00); // 1.0
    long written = 0;
    for (int r = 0; r < ranges; r++) {
      int rows = (int) Math.min(rowsPerRange, o.buckets - (long) r * rowsPerRange);
      RowBlock block = new RowBlock(rows, layout.dim(), 42, (long) r * rowsPerRange, layout.initStd(),
          defaults.initialAccumulator());
      Occupancy occupancy = new Occupancy(rows);
      for (int i = 0; i < rows; i++) {
        block.writeRaw(i, row, 0);
        block.setAccumulator(i, 0.5f);
        occupancy.add(i);
      }
      keep.add(block);
      keep.add(occupancy);
      written += rows;
      if (r % 100 == 0) progress("memory", written, o.buckets);
    }
    long after = usedHeapAfterGc();
    double perBucket = (after - before) / (double) written;
    System.out.printf("%nheap: %,d fully written buckets (d=%d fp16 row + fp32 accumulator + occupancy) take %,d MB "
        + "= %.1f bytes per bucket (payload alone: %d)%n", written, layout.dim(), (after - before) >> 20, perBucket,
        2 * layout.dim() + 4 + 1);
    java.lang.ref.Reference.reachabilityFence(keep);
    return perBucket;
  }

  static long usedHeapAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  // ---- 2. kernel ----

  private double kernelRowsPerSecond() {
    StoreLayout layout = defaults.layout();
    int dim = layout.dim();
    int ranges = 16;
    RowBlock[] blocks = new RowBlock[ranges];
    for (int r = 0; r < ranges; r++) {
      blocks[r] = new RowBlock(layout.rowsPerRange(), dim, 7, (long) r * layout.rowsPerRange(), layout.initStd(),
          defaults.initialAccumulator());
    }
    DeltaKernel kernel = new DeltaKernel(defaults.optimizer(), dim);
    SplittableRandom rnd = new SplittableRandom(1);
    int[] rows = new int[o.batchRows];
    float[] grads = new float[o.batchRows * dim];
    long warmup = Math.min(o.kernelRows / 5, 500_000);
    long done = 0;
    long start = 0;
    for (long batch = 0; done < warmup + o.kernelRows; batch++) {
      if (start == 0 && done >= warmup) start = System.nanoTime();
      RowBlock block = blocks[(int) (batch % ranges)];
      for (int i = 0; i < rows.length; i++) rows[i] = rnd.nextInt(block.rows());
      for (int i = 0; i < grads.length; i++) grads[i] = (float) (rnd.nextDouble() - 0.5) * 0.01f;
      RowPatch patch = kernel.adagrad(block, rows, grads, batch);
      patch.applyTo(block);
      done += rows.length;
    }
    double rate = o.kernelRows / ((System.nanoTime() - start) / 1e9);
    System.out.printf("kernel: %,d rows (batches of %d, Adagrad + stochastic fp16 rounding + apply) at %,.0f rows/s "
        + "on one thread%n", o.kernelRows, o.batchRows, rate);
    return rate;
  }

  // ---- 3. persisted ----

  private double persistedRowsPerSecond(Node node) throws Exception {
    StoreLayout layout = node.settings().store().layout();
    TierSpec cold = layout.entryTier();
    int ranges = layout.rangeCount(cold.name());
    int dim = layout.dim();
    var ranges30s = new BucketRanges(node.system(), layout, Duration.ofSeconds(30));
    long batches = (o.persistedRows + o.batchRows - 1) / o.batchRows;
    Semaphore window = new Semaphore(o.inFlight);
    AtomicLong acked = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    SplittableRandom rnd = new SplittableRandom(2);
    // Warm the entities (recovery is measured separately).
    recoverAll(node);
    long start = System.nanoTime();
    long lastPrint = start;
    for (long b = 0; b < batches && failure.get() == null; b++) {
      int range = (int) (b % ranges);
      int rangeRows = layout.rangeSize(cold.name(), range);
      int[] rows = new int[o.batchRows];
      float[] grads = new float[o.batchRows * dim];
      for (int i = 0; i < rows.length; i++) rows[i] = rnd.nextInt(rangeRows);
      for (int i = 0; i < grads.length; i++) grads[i] = (float) (rnd.nextDouble() - 0.5) * 0.01f;
      String opId = "bench-" + b;
      window.acquire();
      ranges30s.applyDeltas(StoreLayout.entityId(cold.name(), range), opId, rows, grads)
          .whenComplete((ack, t) -> {
            if (t != null) failure.compareAndSet(null, t);
            else if (!ack.persisted()) failure.compareAndSet(null, new IllegalStateException(ack.error()));
            else acked.addAndGet(ack.rows());
            window.release();
          });
      long now = System.nanoTime();
      if (now - lastPrint > 2_000_000_000L) {
        progress("persisted", b * o.batchRows, o.persistedRows);
        lastPrint = now;
      }
    }
    window.acquire(o.inFlight);
    if (failure.get() != null) throw new IllegalStateException("a batch failed", failure.get());
    double rate = acked.get() / ((System.nanoTime() - start) / 1e9);
    System.out.printf("%npersisted: %,d rows in batches of %d, %d in flight, over %d ranges: %,.0f rows/s "
        + "(acknowledged after the Cassandra write)%n", acked.get(), o.batchRows, o.inFlight, ranges, rate);
    return rate;
  }

  // ---- 4. recovery ----

  private void writeAll(Node node) throws Exception {
    StoreLayout layout = node.settings().store().layout();
    TierSpec cold = layout.entryTier();
    int ranges = layout.rangeCount(cold.name());
    int dim = layout.dim();
    int chunk = 4096;
    SplittableRandom rnd = new SplittableRandom(3);
    List<CompletableFuture<BucketRange.Ack>> writes = new ArrayList<>();
    for (int r = 0; r < ranges; r++) {
      int size = layout.rangeSize(cold.name(), r);
      for (int from = 0; from < size; from += chunk) {
        int n = Math.min(chunk, size - from);
        int[] rows = new int[n];
        float[] values = new float[n * dim];
        for (int i = 0; i < n; i++) rows[i] = from + i;
        for (int i = 0; i < values.length; i++) values[i] = (float) rnd.nextGaussian() * 0.1f;
        String opId = "fill-" + r + "-" + from;
        writes.add(BucketRanges.entity(node.system(), StoreLayout.entityId(cold.name(), r))
            .<BucketRange.Ack>ask(reply -> new BucketRange.WriteRows(opId, rows, values, false, reply),
                Duration.ofSeconds(60)).toCompletableFuture());
      }
      if (writes.size() >= 32) {
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        writes.clear();
        progress("write all rows", (long) (r + 1) * layout.rowsPerRange(), o.recoverBuckets);
      }
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
    System.out.printf("%nwrote all %,d rows of tier %s%n", (long) cold.capacity(), cold.name());
  }

  /** Asks every range of the entry tier for its summary: the first message starts and recovers an entity. */
  private static void recoverAll(Node node) {
    StoreLayout layout = node.settings().store().layout();
    TierSpec cold = layout.entryTier();
    int ranges = layout.rangeCount(cold.name());
    List<CompletableFuture<BucketRange.Summary>> asks = new ArrayList<>();
    for (int r = 0; r < ranges; r++) {
      asks.add(node.admin().rangeSummary(StoreLayout.entityId(cold.name(), r)).toCompletableFuture());
    }
    CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).join();
  }

  private static long checksum(Node node) {
    StoreLayout layout = node.settings().store().layout();
    TierSpec cold = layout.entryTier();
    long sum = 17;
    for (int r = 0; r < layout.rangeCount(cold.name()); r++) {
      int size = layout.rangeSize(cold.name(), r);
      int[] rows = new int[size];
      for (int i = 0; i < size; i++) rows[i] = i;
      BucketRange.RowsRead read = BucketRanges.entity(node.system(), StoreLayout.entityId(cold.name(), r))
          .<BucketRange.RowsRead>ask(reply -> new BucketRange.ReadRows(rows, reply), Duration.ofSeconds(60))
          .toCompletableFuture().join();
      sum = sum * 31 + Arrays.hashCode(read.values());
    }
    return sum;
  }

  // ---- helpers ----

  private Config nodeConfig(Path dir, EmbeddedCassandra cassandra) {
    Map<String, Object> o2 = new HashMap<>();
    o2.put("thermocline.data-dir", dir.resolve("node").toString());
    o2.put("thermocline.cassandra.contact-points", List.of(cassandra.contactPoint()));
    o2.put("thermocline.kafka.enabled", false);
    o2.put("thermocline.http.port", 0);
    o2.put("thermocline.admin.port", 0);
    o2.put("thermocline.cluster.management", false);
    o2.put("akka.remote.artery.canonical.port", 0);
    o2.put("akka.loglevel", "WARNING");
    // The entry tier sized to the recovery figure; the other tiers as configured.
    List<Map<String, Object>> tiers = new ArrayList<>();
    for (TierSpec t : defaults.layout().itemTiers()) {
      int capacity = t.name().equals(defaults.layout().entryTier().name()) ? o.recoverBuckets : t.capacity();
      tiers.add(Map.of("name", t.name(), "kind", t.kind().name().toLowerCase(), "capacity", capacity,
          "seed", t.seed(), "alpha", t.initialAlpha(), "min-daily-exposure", t.minDailyExposure()));
    }
    o2.put("thermocline.store.tiers", tiers);
    return ConfigFactory.parseMap(o2).withFallback(base);
  }

  private static void progress(String phase, long done, long total) {
    System.out.printf("\r%s: %,d / %,d (%.0f%%)   ", phase, Math.min(done, total), total, 100.0 * Math.min(done, total) / total);
    System.out.flush();
  }

  /** Deletes a scratch folder and everything in it (benchmarks start from nothing). */
  static void wipe(Path dir) throws Exception {
    if (!Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
