package bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import retrieval.ClusteredVectors;
import retrieval.ExactIndex;
import retrieval.Hit;
import retrieval.IndexParams;
import retrieval.VectorIndex;

/**
 * {@code bench recall}: the HNSW index ({@link VectorIndex}) on clustered unit vectors.
 * <ol>
 *   <li>build rate: {@code --n} upserts from one writer thread;
 *   <li>heap bytes per vector: heap used after GC with the index built, minus before, over n;
 *   <li>ground truth: exact top-100 of every query ({@link ExactIndex}, {@code --threads} threads), optionally
 *       written out in TEXMEX fvecs/ivecs format so that other engines can run the same data;
 *   <li>exact-scan QPS on one thread: the in-run baseline;
 *   <li>recall@10 and recall@50 against the ground truth, and single-thread QPS, at each {@code --ef}.
 * </ol>
 * Item ids are the 0-based base-vector positions as decimal strings, so they match the dumped ground truth.
 */
final class RecallBench {

  private static final int TRUTH_K = 100;
  private static final long PROGRESS_NANOS = 5_000_000_000L;
  // Queries timed for the exact-scan baseline: at 1M vectors a scan takes several milliseconds.
  private static final int EXACT_TIMED_QUERIES = 200;

  private final Bench.Recall o;

  RecallBench(Bench.Recall options) {
    this.o = options;
  }

  int run() throws IOException {
    int[] efs = Arrays.stream(o.ef).distinct().sorted().toArray();
    if (o.n < 1 || o.queries < 1 || o.dim < 2 || o.clusters < 1 || o.threads < 1 || efs.length == 0 || efs[0] < 1) {
      throw new IllegalArgumentException("need --n, --queries, --clusters, --threads, --ef >= 1 and --dim >= 2");
    }
    IndexParams params = IndexParams.defaults(o.dim);
    System.out.printf("bench recall on %d cores, max heap %d MB, %s %s%n", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.name"), System.getProperty("java.version"));
    System.out.printf("index: jvector HNSW, degree %d (upper layers %d), beam %d, alpha %.1f, overflow %.1f; "
        + "cosine on unit vectors%n", params.maxDegree(), params.upperLayerDegree(), params.beamWidth(),
        params.alpha(), params.neighborOverflow());

    long t0 = System.nanoTime();
    ClusteredVectors data = new ClusteredVectors(o.dim, o.clusters, o.seed);
    float[] base = data.drawPacked(o.n, o.seed + 1);
    float[][] queries = data.draw(o.queries, o.seed + 2);
    System.out.printf("data: %,d base + %,d query vectors, d=%d, from %,d Gaussian clusters (seed %d), in %.1f s%n",
        o.n, o.queries, o.dim, o.clusters, o.seed, seconds(t0));

    // ---- build and memory ----
    long heapBefore = StoreBench.usedHeapAfterGc();
    VectorIndex index = new VectorIndex(params);
    double insertsPerS = build(index, base);
    long heapAfter = StoreBench.usedHeapAfterGc();
    double bytesPerVector = (heapAfter - heapBefore) / (double) o.n;
    System.out.printf("heap: the index holds %,d MB = %.1f bytes per vector (its own estimate: %.1f; the raw "
        + "vector alone is %d)%n", (heapAfter - heapBefore) >> 20, bytesPerVector,
        index.heapBytesEstimate() / (double) o.n, 4 * o.dim);

    // ---- ground truth ----
    ExactIndex exact = new ExactIndex(o.dim);
    float[] row = new float[o.dim];
    for (int i = 0; i < o.n; i++) {
      System.arraycopy(base, i * o.dim, row, 0, o.dim);
      exact.upsert(Integer.toString(i), row);
    }
    int truthK = Math.min(TRUTH_K, o.n);
    int[][] truth = groundTruth(exact, queries, truthK);
    if (o.dump != null) dump(base, queries, truth);

    // ---- exact baseline ----
    int timed = Math.min(o.queries, EXACT_TIMED_QUERIES);
    long t = System.nanoTime();
    for (int q = 0; q < timed; q++) exact.search(queries[q], 10, null);
    double exactQps = timed / seconds(t);
    System.out.printf("exact scan: %,.0f QPS on one thread (%d queries, k=10)%n", exactQps, timed);

    // ---- HNSW ----
    double recall10 = 0;
    double recall50 = 0;
    double qps = 0;
    for (int ef : efs) {
      Measured at10 = measure(index, queries, truth, 10, ef);
      Measured at50 = measure(index, queries, truth, 50, ef);
      System.out.printf("ef=%d: recall@10 %.4f, recall@50 %.4f%s; %,.0f QPS at k=10 (%,.0f at k=50) on one thread, "
          + "%.1fx the exact scan%n", ef, at10.recall, at50.recall, ef < 50 ? " (k=50 searched with ef=50)" : "",
          at10.qps, at50.qps, at10.qps / exactQps);
      recall10 = at10.recall;
      recall50 = at50.recall;
      qps = at10.qps;
    }
    index.close();
    System.out.printf("RESULT recall n=%d recall_at_10=%.4f recall_at_50=%.4f qps=%.0f bytes_per_vector=%.1f "
        + "inserts_per_s=%.0f%n", o.n, recall10, recall50, qps, bytesPerVector, insertsPerS);
    return 0;
  }

  private double build(VectorIndex index, float[] base) {
    float[] row = new float[o.dim];
    long start = System.nanoTime();
    long lastPrint = start;
    int lastCount = 0;
    for (int i = 0; i < o.n; i++) {
      System.arraycopy(base, i * o.dim, row, 0, o.dim);
      index.upsert(Integer.toString(i), row);
      long now = System.nanoTime();
      if (now - lastPrint >= PROGRESS_NANOS) {
        System.out.printf("build: %,d / %,d (%.0f%%), %,.0f inserts/s lately%n", i + 1, o.n, 100.0 * (i + 1) / o.n,
            (i + 1 - lastCount) / ((now - lastPrint) / 1e9));
        lastPrint = now;
        lastCount = i + 1;
      }
    }
    double rate = o.n / seconds(start);
    System.out.printf("build: %,d vectors in %.1f s = %,.0f inserts/s (one writer thread)%n", o.n, seconds(start), rate);
    return rate;
  }

  /** Exact top-{@code k} ids per query, in batches so that long runs show progress. */
  private int[][] groundTruth(ExactIndex exact, float[][] queries, int k) {
    long start = System.nanoTime();
    long lastPrint = start;
    int[][] truth = new int[queries.length][];
    int batch = Math.max(o.threads * 8, 32);
    for (int from = 0; from < queries.length; from += batch) {
      float[][] slice = Arrays.copyOfRange(queries, from, Math.min(queries.length, from + batch));
      List<List<Hit>> hits = exact.searchAll(slice, k, o.threads);
      for (int i = 0; i < slice.length; i++) {
        truth[from + i] = hits.get(i).stream().mapToInt(h -> Integer.parseInt(h.itemId())).toArray();
      }
      long now = System.nanoTime();
      if (now - lastPrint >= PROGRESS_NANOS) {
        System.out.printf("ground truth: %,d / %,d queries%n", from + slice.length, queries.length);
        lastPrint = now;
      }
    }
    System.out.printf("ground truth: exact top-%d of %,d queries on %d threads in %.1f s%n", k, queries.length,
        o.threads, seconds(start));
    return truth;
  }

  private record Measured(double recall, double qps) {}

  /** One untimed pass to warm up, then a timed pass whose answers are scored. */
  private static Measured measure(VectorIndex index, float[][] queries, int[][] truth, int k, int ef) {
    int breadth = Math.max(ef, k);
    for (float[] q : queries) index.search(q, k, breadth, null);
    @SuppressWarnings("unchecked")
    List<Hit>[] answers = new List[queries.length];
    long start = System.nanoTime();
    for (int q = 0; q < queries.length; q++) answers[q] = index.search(queries[q], k, breadth, null);
    double qps = queries.length / seconds(start);
    double recall = 0;
    for (int q = 0; q < queries.length; q++) {
      int expected = Math.min(k, truth[q].length);
      Set<Integer> best = new HashSet<>();
      for (int i = 0; i < expected; i++) best.add(truth[q][i]);
      int found = 0;
      for (Hit h : answers[q]) if (best.contains(Integer.parseInt(h.itemId()))) found++;
      recall += found / (double) expected;
    }
    return new Measured(recall / queries.length, qps);
  }

  // ---- TEXMEX fvecs / ivecs: per vector a little-endian int32 dimension, then its components ----

  private void dump(float[] base, float[][] queries, int[][] truth) throws IOException {
    Files.createDirectories(o.dump);
    try (Vecs out = new Vecs(o.dump.resolve("base.fvecs"))) {
      for (int i = 0; i < o.n; i++) {
        out.putInt(o.dim);
        for (int j = 0; j < o.dim; j++) out.putFloat(base[i * o.dim + j]);
      }
    }
    try (Vecs out = new Vecs(o.dump.resolve("query.fvecs"))) {
      for (float[] q : queries) {
        out.putInt(q.length);
        for (float x : q) out.putFloat(x);
      }
    }
    try (Vecs out = new Vecs(o.dump.resolve("groundtruth.ivecs"))) {
      for (int[] ids : truth) {
        out.putInt(ids.length);
        for (int id : ids) out.putInt(id);
      }
    }
    System.out.printf("dump: base.fvecs, query.fvecs, groundtruth.ivecs (top-%d, 0-based) in %s%n",
        truth.length == 0 ? 0 : truth[0].length, o.dump.toAbsolutePath());
  }

  /** Buffered little-endian writer. */
  private static final class Vecs implements AutoCloseable {
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

    Vecs(Path file) throws IOException {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    }

    void putInt(int v) throws IOException {
      if (buffer.remaining() < 4) flush();
      buffer.putInt(v);
    }

    void putFloat(float v) throws IOException {
      if (buffer.remaining() < 4) flush();
      buffer.putFloat(v);
    }

    private void flush() throws IOException {
      buffer.flip();
      while (buffer.hasRemaining()) channel.write(buffer);
      buffer.clear();
    }

    @Override
    public void close() throws IOException {
      try {
        flush();
      } finally {
        channel.close();
      }
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
