package service;

import actors.BucketRanges;
import actors.ModelVersions;
import embedding.StoreLayout;
import embedding.TierSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import storage.ModelRegistry;

/**
 * The served model version (docs/design.md, "Model versions"): the registry's pointer, this node's copy of it
 * ({@link ModelVersions}), and what changes with it.
 *
 * <p><b>Why versions are copies of the range entities.</b> A version's rows live in their own bucket-range entities
 * ({@code <tier>-<range>@v<N>}), each seeded from the same range of its parent: the event-sourced ranges, their
 * dedupe by operation id and their snapshots work for a shadow exactly as for the served rows, a shadow is trained
 * while serving and online learning go on against the served one, and publishing is switching which entity ids the
 * node reads (one pointer), not copying rows. Every parameter is in those tables (hash rows, user-ID rows, the
 * metadata encoder's feature rows, the per-tier fusion logits in {@code params}; the encoder's head is frozen), so
 * a version is the whole model. Memory: the served version, the shadow in training and the kept versions
 * ({@code keep}) each hold their touched pages; older ones are retired and their journals deleted.
 *
 * <p><b>Publishing</b> writes the pointer, switches this node (its reads, then its learner through the
 * {@link #onSwitch} listeners) and re-indexes every retrieval shard from the new rows (refreshes: shards answer
 * throughout). Other nodes see the pointer within {@code poll-interval} and switch their reads and learners.
 * <b>Rollback</b> points back at the newest kept version older than the served one and retires the served one.
 *
 * <p>Registry calls block; they run on the training run's thread or on this class's own executor.
 */
public final class ServedModel implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServedModel.class);

  /** {@code thermocline.registry}: versions kept for rollback (the served one included), how often nodes look. */
  public record Settings(int keep, Duration pollInterval) {
    public Settings {
      if (keep < 1) throw new IllegalArgumentException("registry.keep must be >= 1, got " + keep);
      if (pollInterval.isNegative() || pollInterval.isZero()) {
        throw new IllegalArgumentException("registry.poll-interval must be > 0");
      }
    }
  }

  private final ModelRegistry registry;
  private final ModelVersions versions;
  private final BucketRanges ranges;
  private final ItemService items;
  private final Settings settings;
  private final Clock clock;
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "model-registry");
    t.setDaemon(true);
    return t;
  });

  public ServedModel(ModelRegistry registry, ModelVersions versions, BucketRanges ranges, ItemService items,
      Settings settings, Clock clock) {
    this.registry = registry;
    this.versions = versions;
    this.ranges = ranges;
    this.items = items;
    this.settings = settings;
    this.clock = clock;
  }

  /** Reads the pointer (registering version 0 on a new store) and looks again every poll interval. */
  public ServedModel start() {
    refresh();
    long every = settings.pollInterval().toMillis();
    executor.scheduleWithFixedDelay(() -> {
      try {
        refresh();
      } catch (RuntimeException e) {
        log.warn("reading the model registry failed: {}", e.toString());
      }
    }, every, every, TimeUnit.MILLISECONDS);
    log.info("serving model version {}", versions.served());
    return this;
  }

  /** Called with the new version each time this node switches (its learner follows). */
  public void onSwitch(LongConsumer listener) {
    listeners.add(listener);
  }

  public long served() {
    return versions.served();
  }

  public Settings settings() {
    return settings;
  }

  /** Every registered version, newest first (on the registry's executor). */
  public CompletionStage<List<ModelRegistry.Version>> list() {
    return CompletableFuture.supplyAsync(registry::versions, executor);
  }

  /** The pointer and the versions that keep occupancy, as the registry has them now, applied to this node. */
  private synchronized void refresh() {
    long served = registry.served(clock.instant());
    Set<Long> counted = new TreeSet<>();
    for (ModelRegistry.Version v : registry.versions()) {
      if (Set.of(ModelRegistry.TRAINING, ModelRegistry.SHADOW, ModelRegistry.PUBLISHED).contains(v.status())) {
        counted.add(v.id());
      }
    }
    long before = versions.served();
    versions.set(served, counted);
    if (before != served) {
      log.info("model version {} is served now (was {})", served, before);
      for (LongConsumer l : listeners) {
        try {
          l.accept(served);
        } catch (RuntimeException e) {
          log.error("switching to model version {} failed in a listener", served, e);
        }
      }
    }
  }

  // ---- the shadow's life (called by the training run, on its own thread) ----

  /** Registers a new version trained from the served one; from now on occupancy changes go to it too. */
  public long createShadow(String runId) {
    long parent = versions.served();
    long id = registry.create(parent, runId, clock.instant());
    refresh();
    log.info("model version {} registered (parent {}, run {})", id, parent, runId);
    return id;
  }

  /**
   * Waits two poll intervals after a shadow was registered, so that every node counts occupancy into it before its
   * ranges are copied: a change made after a range's copy then reaches the copy through the node that makes it.
   */
  public void awaitNodes() throws InterruptedException {
    Thread.sleep(settings.pollInterval().toMillis() * 2);
  }

  /**
   * Copies every range of {@code parent} into {@code version}, a few ranges at a time: occupancy and dedupe windows,
   * and the rows with their optimizer state if {@code copyRows} (else the new version's rows start fresh).
   */
  public void seed(long version, long parent, boolean copyRows) {
    StoreLayout layout = ranges.layout();
    List<String[]> pairs = new ArrayList<>();
    for (TierSpec tier : layout.tiers()) {
      for (int r = 0; r < layout.rangeCount(tier.name()); r++) {
        pairs.add(new String[] {StoreLayout.entityId(tier.name(), r, version),
            StoreLayout.entityId(tier.name(), r, parent)});
      }
    }
    int parallel = 4;
    for (int from = 0; from < pairs.size(); from += parallel) {
      List<CompletableFuture<actors.BucketRange.Ack>> acks = new ArrayList<>();
      for (String[] p : pairs.subList(from, Math.min(pairs.size(), from + parallel))) {
        acks.add(ranges.seed(p[0], p[1], copyRows).toCompletableFuture());
      }
      for (CompletableFuture<actors.BucketRange.Ack> a : acks) {
        actors.BucketRange.Ack ack = a.join();
        if (!ack.persisted()) throw new IllegalStateException("seeding failed: " + ack.error());
      }
    }
    log.info("model version {}: {} ranges copied from version {}{}", version, pairs.size(), parent,
        copyRows ? "" : " (occupancy only: fresh rows)");
  }

  /** A run ended without a version to publish: it is marked failed and its copy freed. */
  public void failed(long version) {
    registry.status(version, ModelRegistry.FAILED);
    refresh();
    free(version);
  }

  /**
   * Serves {@code version} (a shadow): pointer, this node's reads and learner, the index re-built from the new rows;
   * versions beyond {@code keep} are retired. Blocking; returns when this node serves and has re-indexed.
   */
  public synchronized void publish(long version) {
    ModelRegistry.Version v = registry.version(version)
        .orElseThrow(() -> ApiError.notFound("no model version " + version));
    if (!ModelRegistry.SHADOW.equals(v.status())) {
      throw new ApiError(409, null, "model version " + version + " is " + v.status() + ", only a shadow is published");
    }
    registry.publish(version, clock.instant());
    refresh();
    long reindexed = items.reindexAll().toCompletableFuture().join();
    log.info("model version {} published: {} items re-indexed", version, reindexed);
    retireBeyondKeep();
  }

  /** Serves the newest kept version older than the served one again and retires the served one; 409 if none. */
  public CompletionStage<ModelRegistry.Version> rollback() {
    return CompletableFuture.supplyAsync(this::rollbackNow, executor);
  }

  private synchronized ModelRegistry.Version rollbackNow() {
    long served = versions.served();
    ModelRegistry.Version previous = registry.versions().stream()
        .filter(v -> v.id() < served && ModelRegistry.PUBLISHED.equals(v.status()))
        .max(Comparator.comparingLong(ModelRegistry.Version::id))
        .orElseThrow(() -> new ApiError(409, null, "no earlier published version to roll back to from " + served));
    registry.serve(previous.id(), clock.instant());
    registry.retired(served, clock.instant());
    refresh();
    long reindexed = items.reindexAll().toCompletableFuture().join();
    free(served);
    log.info("rolled back from model version {} to {}: {} items re-indexed", served, previous.id(), reindexed);
    return registry.version(previous.id()).orElse(previous);
  }

  private void retireBeyondKeep() {
    long served = versions.served();
    List<ModelRegistry.Version> published = registry.versions().stream()
        .filter(v -> ModelRegistry.PUBLISHED.equals(v.status()) && v.id() != served).toList();
    for (int i = settings.keep() - 1; i < published.size(); i++) {
      long id = published.get(i).id();
      registry.retired(id, clock.instant());
      refresh();
      free(id);
      log.info("model version {} retired", id);
    }
  }

  /** Stops the version's ranges and deletes their journals. */
  private void free(long version) {
    StoreLayout layout = ranges.layout();
    List<CompletableFuture<Void>> deletes = new ArrayList<>();
    for (TierSpec tier : layout.tiers()) {
      for (int r = 0; r < layout.rangeCount(tier.name()); r++) {
        deletes.add(ranges.forget(StoreLayout.entityId(tier.name(), r, version)).toCompletableFuture());
      }
    }
    try {
      CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).join();
    } catch (RuntimeException e) {
      log.warn("freeing model version {} failed (its journal rows stay): {}", version, e.toString());
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
