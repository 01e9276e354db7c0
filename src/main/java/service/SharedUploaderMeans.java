package service;

import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import model.UploaderMeanSource;
import model.UploaderMeans;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import storage.UploaderMeanStore;
import storage.UploaderMeanStore.Stored;

/**
 * The uploader means of the whole cluster, kept in Cassandra ({@link UploaderMeanStore}) instead of each node's
 * memory: every node serves a no-metadata item the same m, and a restarted node has them all.
 *
 * <p><b>Reads</b> come from a node-local cache of stored means ({@link #load} fills it; entries expire after
 * {@code cacheTtl}, so items other nodes folded in show up within it), with this node's adds not yet written
 * folded on top, so the node sees its own items at once.
 *
 * <p><b>Writes</b> are buffered per uploader and written every {@code flushInterval}: read, fold the buffered
 * vectors in order ({@link UploaderMeans#fold}), compare-and-set on the count; a writer that lost the race to
 * another node reads again and refolds. So no node's items are lost to another's write. What a node killed
 * before its next flush had buffered is lost: at most one interval of adds, which a mean of up to {@code window}
 * items barely notices (they are statistics of indexed vectors, not acknowledged data).
 */
public final class SharedUploaderMeans implements UploaderMeanSource, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SharedUploaderMeans.class);
  /** Compare-and-set attempts per flush of one uploader before its adds go back to the buffer. */
  private static final int ATTEMPTS = 5;

  /**
   * @param maxUploaders means cached, at most (least recently used out)
   * @param window past this many items a mean is a moving average with weight 1/window
   * @param maxPending buffered item vectors, at most (beyond, adds are dropped and counted: the store is down)
   */
  public record Settings(int maxUploaders, int window, Duration cacheTtl, Duration flushInterval, int maxPending,
      int writesInFlight) {}

  private final int dim;
  private final Settings settings;
  private final UploaderMeanStore store;
  /** What the store held when last read or written; empty = no row. Absent = not loaded. */
  private final Cache<String, Optional<Stored>> known;
  private final Map<String, List<float[]>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger pendingVectors = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean flushing = new AtomicBoolean();
  private final Cancellable ticks;

  public SharedUploaderMeans(ActorSystem<?> system, UploaderMeanStore store, int dim, Settings settings) {
    if (dim <= 0 || settings.window() <= 0 || settings.maxUploaders() <= 0 || settings.writesInFlight() <= 0) {
      throw new IllegalArgumentException("uploader-means: dim, window, max-uploaders and writes-in-flight must be > 0");
    }
    this.dim = dim;
    this.settings = settings;
    this.store = store;
    this.known = Caffeine.newBuilder().maximumSize(settings.maxUploaders())
        .expireAfterWrite(settings.cacheTtl()).build();
    this.ticks = system.scheduler().scheduleWithFixedDelay(settings.flushInterval(), settings.flushInterval(),
        () -> flush(), system.executionContext());
  }

  @Override
  public int dim() {
    return dim;
  }

  @Override
  public void add(String uploaderId, float[] itemVector) {
    if (uploaderId == null || uploaderId.isBlank()) throw new IllegalArgumentException("uploaderId must not be blank");
    UploaderMeans.check(itemVector, dim);
    if (pendingVectors.incrementAndGet() > settings.maxPending()) {
      pendingVectors.decrementAndGet();
      if (dropped.incrementAndGet() % 10_000 == 1) log.warn("uploader means: {} adds dropped, the store is behind", dropped);
      return;
    }
    pending.compute(uploaderId.strip(), (id, list) -> {
      List<float[]> out = list == null ? new ArrayList<>() : list;
      synchronized (out) {
        out.add(itemVector.clone());
      }
      return out;
    });
  }

  @Override
  public float[] mean(String uploaderId) {
    if (uploaderId == null) return null;
    String id = uploaderId.strip();
    Optional<Stored> stored = known.getIfPresent(id);
    float[] mean = stored != null && stored.isPresent() ? stored.get().mean().clone() : new float[dim];
    long count = stored != null && stored.isPresent() ? stored.get().count() : 0;
    List<float[]> mine = pending.get(id);
    if (mine != null) {
      synchronized (mine) {
        for (float[] v : List.copyOf(mine)) count = UploaderMeans.fold(mean, count, v, settings.window());
      }
    }
    return count == 0 ? null : mean;
  }

  @Override
  public CompletionStage<Void> load(Collection<String> uploaderIds) {
    List<CompletableFuture<Void>> reads = new ArrayList<>();
    for (String raw : uploaderIds) {
      String id = raw.strip();
      if (known.getIfPresent(id) != null) continue;
      reads.add(store.read(id).thenAccept(found -> known.put(id, found)).toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new));
  }

  /** Adds dropped because the buffer was full (the store fell behind). */
  public long dropped() {
    return dropped.get();
  }

  /** Writes every uploader's buffered adds; a flush still running when the next tick comes is left to finish. */
  public CompletionStage<Void> flush() {
    if (!flushing.compareAndSet(false, true)) return CompletableFuture.completedFuture(null);
    List<String> ids = new ArrayList<>(pending.keySet());
    // writesInFlight chains, each writing its share of the uploaders one after another.
    List<CompletableFuture<Void>> chains = new ArrayList<>();
    for (int c = 0; c < settings.writesInFlight(); c++) {
      CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
      for (int i = c; i < ids.size(); i += settings.writesInFlight()) {
        String id = ids.get(i);
        chain = chain.thenCompose(ignored -> flushOne(id));
      }
      chains.add(chain);
    }
    return CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new))
        .whenComplete((ok, failure) -> flushing.set(false));
  }

  private CompletableFuture<Void> flushOne(String id) {
    List<float[]> adds = pending.remove(id);
    if (adds == null || adds.isEmpty()) return CompletableFuture.completedFuture(null);
    List<float[]> copy;
    synchronized (adds) {
      copy = List.copyOf(adds);
    }
    return write(id, copy, 0).<Void>handle((written, failure) -> {
      if (failure != null || !written) {
        if (failure != null) log.warn("uploader means: writing {} failed, retried next flush: {}", id, failure.toString());
        // Back in front of whatever arrived meanwhile, in order.
        pending.compute(id, (k, later) -> {
          List<float[]> out = new ArrayList<>(copy);
          if (later != null) out.addAll(later);
          return out;
        });
      } else {
        pendingVectors.addAndGet(-copy.size());
      }
      return null;
    }).toCompletableFuture();
  }

  /** Read, fold, compare-and-set; again from a fresh read when another node wrote first. */
  private CompletionStage<Boolean> write(String id, List<float[]> adds, int attempt) {
    Optional<Stored> cached = attempt == 0 ? known.getIfPresent(id) : null;
    CompletionStage<Optional<Stored>> base = cached != null ? CompletableFuture.completedFuture(cached) : store.read(id);
    return base.thenCompose(before -> {
      float[] mean = before.map(s -> s.mean().clone()).orElseGet(() -> new float[dim]);
      long count = before.map(Stored::count).orElse(0L);
      for (float[] v : adds) count = UploaderMeans.fold(mean, count, v, settings.window());
      Stored next = new Stored(mean, count);
      return store.replace(id, before.orElse(null), next).thenCompose(applied -> {
        if (applied) {
          known.put(id, Optional.of(next));
          return CompletableFuture.completedFuture(true);
        }
        known.invalidate(id);
        return attempt + 1 < ATTEMPTS ? write(id, adds, attempt + 1) : CompletableFuture.completedFuture(false);
      });
    });
  }

  /** Stops the ticks and writes what is buffered (waiting a few seconds at most). */
  @Override
  public void close() {
    ticks.cancel();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (flushing.get() && System.nanoTime() < deadline) java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      flush().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("uploader means: last flush did not finish: {}", e.toString());
    }
  }
}
