package retrieval;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One background thread that spends at most {@code share} of one core on its tasks: after a task used c
 * seconds of CPU, the thread rests c·(1 − share)/share before the next. Graph rebuilds and compactions of all
 * retrieval shards of a node run here, so under heavy online learning (when every shard wants to rebuild
 * again as soon as it finished) graph upkeep takes a bounded slice of the node instead of a core that
 * learning and Cassandra need. The price is a slower catch-up of the graphs, which is measured by
 * {@code bench learn}. Written here because no executor in the JDK or Akka bounds its CPU share.
 */
public final class DutyCycleExecutor implements Executor, AutoCloseable {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final double share;
  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final Thread worker;
  private final AtomicLong busyNanos = new AtomicLong();
  private final AtomicLong restNanos = new AtomicLong();
  private volatile boolean closed;

  /** @param share of one core, in (0, 1]; 1 runs tasks back to back */
  public DutyCycleExecutor(String name, double share) {
    if (!(share > 0 && share <= 1)) throw new IllegalArgumentException("share must be in (0, 1]: " + share);
    this.share = share;
    worker = new Thread(this::work, name);
    worker.setDaemon(true);
    worker.start();
  }

  @Override
  public void execute(Runnable task) {
    if (closed) throw new RejectedExecutionException("closed");
    tasks.add(task);
  }

  /** CPU time the tasks used so far. */
  public long busyNanos() {
    return busyNanos.get();
  }

  /** Time the worker rested between tasks so far. */
  public long restNanos() {
    return restNanos.get();
  }

  private void work() {
    boolean cpuTime = THREADS.isCurrentThreadCpuTimeSupported();
    try {
      while (!closed) {
        Runnable task = tasks.poll(1, TimeUnit.SECONDS);
        if (task == null) continue;
        long start = cpuTime ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
        try {
          task.run();
        } catch (RuntimeException e) {
          // The task's own future reports it (CompletableFuture.runAsync and friends); the worker goes on.
        }
        long used = (cpuTime ? THREADS.getCurrentThreadCpuTime() : System.nanoTime()) - start;
        busyNanos.addAndGet(used);
        long rest = (long) (used * (1 - share) / share);
        if (rest > 0) {
          restNanos.addAndGet(rest);
          TimeUnit.NANOSECONDS.sleep(rest);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops taking tasks; queued ones are dropped (their futures never complete: callers are closing too). */
  @Override
  public void close() {
    closed = true;
    worker.interrupt();
  }
}
