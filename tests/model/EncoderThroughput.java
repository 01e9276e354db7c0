package model;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;

/**
 * Measures titles/s and ms/title of a text encoder, single-thread and with a 2-thread executor. A program,
 * not a test: figures depend on the machine. Run with the test class path:
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) model.EncoderThroughput [kind] [titles]}.
 */
public final class EncoderThroughput {

  private static final String[] SUBJECTS = {"小猫", "狗狗", "红烧肉", "篮球", "股市", "海边日出", "吉他", "手机评测",
      "旅行", "健身", "油画", "火锅", "编程", "雪山", "婚礼", "足球"};
  private static final String[] VERBS = {"教你", "记录", "分享", "挑战", "看看", "第一次", "最全", "十分钟学会"};
  private static final String[] TAILS = {"太可爱了", "的家常做法", "精彩集锦", "今日大跌", "vlog", "入门教程",
      "全过程", "新手必看", "合集", "真实体验"};

  public static void main(String[] args) throws Exception {
    String kind = args.length > 0 ? args[0] : TextEncoders.BGE_SMALL_ZH;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
    List<String> titles = titles(n, 17);
    long t0 = System.nanoTime();
    try (TextEncoder encoder = TextEncoders.create(kind, HashedNgramEncoder.DEFAULT_DIM,
        Path.of("target", "thermocline-cache"))) {
      System.out.printf("load %s: %.0f ms%n", kind, (System.nanoTime() - t0) / 1e6);
      for (String t : titles(500, 1)) encoder.encode(t); // warm-up: JIT and ONNX allocations

      Histogram latency = new Histogram(3);
      // CPU time too: on a shared 2-core machine wall time mostly measures the neighbours' load.
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long cpuStart = threads.getCurrentThreadCpuTime();
      long processCpuStart = os.getProcessCpuTime();
      long start = System.nanoTime();
      for (String t : titles) {
        long s = System.nanoTime();
        encoder.encode(t);
        latency.recordValue((System.nanoTime() - s) / 1000);
      }
      double single = n / ((System.nanoTime() - start) / 1e9);
      double cpuMs = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6 / n;
      // Process CPU ≈ caller-thread CPU shows that no hidden inference threads ran (or spun) beside it.
      double processCpuMs = (os.getProcessCpuTime() - processCpuStart) / 1e6 / n;
      System.out.printf("single thread: %.0f titles/s, p50 %.2f ms, p99 %.2f ms, mean %.2f ms; "
          + "CPU %.2f ms/title on the caller, %.2f ms/title whole process%n", single,
          latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3, latency.getMean() / 1e3,
          cpuMs, processCpuMs);

      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Histogram pooled = new Histogram(3);
        List<Future<?>> futures = new ArrayList<>(n);
        start = System.nanoTime();
        for (String t : titles) {
          futures.add(pool.submit(() -> {
            long s = System.nanoTime();
            encoder.encode(t);
            synchronized (pooled) {
              pooled.recordValue((System.nanoTime() - s) / 1000);
            }
          }));
        }
        for (Future<?> f : futures) f.get();
        double two = n / ((System.nanoTime() - start) / 1e9);
        System.out.printf("2-thread executor: %.0f titles/s, p50 %.2f ms, p99 %.2f ms per title%n", two,
            pooled.getValueAtPercentile(50) / 1e3, pooled.getValueAtPercentile(99) / 1e3);
      } finally {
        pool.shutdown();
      }
      Runtime rt = Runtime.getRuntime();
      System.out.printf("load average %.2f on %d cores%n",
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), rt.availableProcessors());
      System.out.printf("heap used %.0f MB%n", (rt.totalMemory() - rt.freeMemory()) / 1e6);
    }
  }

  static List<String> titles(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<String> titles = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      titles.add(VERBS[random.nextInt(VERBS.length)] + SUBJECTS[random.nextInt(SUBJECTS.length)]
          + TAILS[random.nextInt(TAILS.length)] + " #" + random.nextInt(1000));
    }
    return titles;
  }
}
