package service;

import actors.RetrievalShard;
import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import com.fasterxml.jackson.databind.JsonNode;
import service.ApiError;
import service.ItemRequests;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import model.InteractionWeights;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import storage.HistoryEntry;
import storage.InteractionStore;
import streams.BadRecord;
import streams.EventType;
import streams.Interaction;
import streams.StrictJson;

/**
 * What consumed records do. Interactions: user histories (written per batch), exposure counters and shard
 * popularity (summed over an {@link ExposureWindow} of batches, written per window). Items topic: the same
 * registration as {@code POST /v1/items}. Both are safe to repeat (the pipeline is at-least-once): history rows
 * and registrations are idempotent; counters may recount the windows written but not yet committed after a crash.
 */
public final class StreamEffects {

  private final ActorSystem<?> system;
  private final InteractionStore interactions;
  private final ItemService items;
  private final ItemRequests itemRequests;
  private final InteractionWeights weights;
  private final Clock clock;
  private final ExposureWindow exposure;
  private final streams.AsyncLimit historyWrites;

  /**
   * {@code thermocline.kafka.consumer.exposure-window}, and {@code interactions-in-flight} (batches whose history
   * writes run at once).
   */
  public record ExposureSettings(int maxRecords, java.time.Duration maxAge, int historyWritesInFlight) {

    /**
     * Consumer batches the interactions pipeline keeps in flight: those whose history writes run, plus enough to
     * fill two exposure windows, so that the next window fills (its histories written) while one is written.
     */
    public int batchesInFlight(int batchSize) {
      return historyWritesInFlight + 2 * ((maxRecords + batchSize - 1) / batchSize);
    }
  }

  public StreamEffects(ActorSystem<?> system, InteractionStore interactions, ItemService items,
      ItemRequests itemRequests, InteractionWeights weights, Clock clock, ExposureSettings exposureSettings) {
    this.system = system;
    this.historyWrites = new streams.AsyncLimit(exposureSettings.historyWritesInFlight());
    this.exposure = new ExposureWindow(exposureSettings.maxRecords(), exposureSettings.maxAge(), this::writeExposure,
        (delay, task) -> system.scheduler().scheduleOnce(delay, task, system.executionContext()));
    this.interactions = interactions;
    this.items = items;
    this.itemRequests = itemRequests;
    this.weights = weights;
    this.clock = clock;
  }

  private volatile ItemHealth health;

  /** Counts new-item health (impressions and clicks by tier and age) into {@code m} from now on. */
  public void countInto(metrics.Metrics m) {
    this.health = new ItemHealth(m, items::recentRecords, clock);
  }

  public CompletionStage<Done> interactions(List<Interaction> batch) {
    Writes w = writes(batch);
    CompletableFuture<Void> counted = exposure.add(w.counts(), w.popularity(), batch.size()).toCompletableFuture();
    ItemHealth h = health;
    if (h != null) {
      // Off the commit path: the figures follow the written exposure; a failed lookup loses only figures.
      counted.thenCompose(ok -> h.count(batch)).exceptionally(failure -> null);
    }
    return historyWrites.submit(() -> interactions.appendHistory(w.history()))
        .whenComplete((ok, failure) -> {
          // This batch fails and every later one is re-delivered: their counts must not be written meanwhile.
          if (failure != null) exposure.abandon(failure);
        })
        .thenCombine(counted, (a, b) -> Done.getInstance());
  }

  /**
   * One interaction on its own, while the pipeline takes apart a batch that failed permanently: its history row,
   * and its counts written at once instead of into the window (which the failure abandoned; every batch of it is
   * taken apart the same way, so nothing is counted twice).
   */
  public CompletionStage<Done> interaction(Interaction event) {
    Writes w = writes(List.of(event));
    return historyWrites.submit(() -> interactions.appendHistory(w.history()))
        .thenCompose(ok -> w.counts().isEmpty() ? CompletableFuture.<Void>completedFuture(null)
            : writeExposure(w.counts(), w.popularity()))
        .thenApply(ok -> Done.getInstance());
  }

  /** What a list of interactions writes: history rows, exposure counts and popularity per item. */
  private record Writes(List<HistoryEntry> history, Map<String, InteractionStore.CountDelta> counts,
      Map<String, Double> popularity) {}

  private Writes writes(List<Interaction> batch) {
    List<HistoryEntry> history = new ArrayList<>(batch.size());
    Map<String, InteractionStore.CountDelta> counts = new LinkedHashMap<>();
    Map<String, Double> popularity = new LinkedHashMap<>();
    for (Interaction e : batch) {
      String type = e.type().wireName();
      history.add(new HistoryEntry(e.userId(), e.itemId(), type, Instant.ofEpochMilli(e.ts())));
      long impressions = e.type() == EventType.IMPRESSION ? 1 : 0;
      double positive = weights.weight(type);
      if (impressions == 0 && positive == 0) continue;
      counts.merge(e.itemId(), new InteractionStore.CountDelta(impressions, positive > 0 ? 1 : 0),
          InteractionStore.CountDelta::plus);
      popularity.merge(e.itemId(), impressions + positive, Double::sum);
    }
    return new Writes(history, counts, popularity);
  }

  /** Writes the open exposure window now and each later one at once: the node is stopping (drains its streams). */
  public void flushExposure() {
    exposure.flushNowAndFromNowOn();
  }

  private CompletionStage<Void> writeExposure(Map<String, InteractionStore.CountDelta> counts,
      Map<String, Double> popularity) {
    return interactions.addCounts(counts, clock.instant()).thenRun(() -> tellPopularity(popularity));
  }

  /** Popularity lives in the shards' memory and is rebuilt from the counters: a lost tell costs nothing durable. */
  private void tellPopularity(Map<String, Double> popularity) {
    Map<Integer, List<String>> ids = new HashMap<>();
    Map<Integer, List<Double>> amounts = new HashMap<>();
    for (var e : popularity.entrySet()) {
      int shard = items.shardOf(e.getKey());
      ids.computeIfAbsent(shard, s -> new ArrayList<>()).add(e.getKey());
      amounts.computeIfAbsent(shard, s -> new ArrayList<>()).add(e.getValue());
    }
    var sharding = ClusterSharding.get(system);
    for (var e : ids.entrySet()) {
      double[] a = amounts.get(e.getKey()).stream().mapToDouble(Double::doubleValue).toArray();
      sharding.entityRefFor(RetrievalShard.TYPE_KEY, Integer.toString(e.getKey()))
          .tell(new RetrievalShard.AddPopularity(e.getValue(), a));
    }
  }

  /** An items-topic record, read with the same rules as {@code POST /v1/items}. */
  public ItemRequests.ItemInput parseItem(ConsumerRecord<byte[], byte[]> record) throws BadRecord {
    if (record.value() == null) throw new BadRecord("", "record has no value");
    JsonNode node = StrictJson.read(record.value());
    try {
      return itemRequests.parse(node, "");
    } catch (ApiError e) {
      throw new BadRecord(e.field(), e.getMessage());
    }
  }

  /**
   * Registers a consumed batch as one registration batch (one persist per bucket range); the stream waits for
   * it, so a slow store slows consumption. Any failure fails the batch, which is then retried from its offsets.
   */
  public CompletionStage<Done> items(List<ItemRequests.ItemInput> batch) {
    // The last record of an id wins, as it would one at a time; repeats would each cost a registration round.
    Map<String, storage.ItemRecord.ItemMetadata> latest = new LinkedHashMap<>();
    for (var in : batch) {
      latest.remove(in.itemId());
      latest.put(in.itemId(), in.metadata());
    }
    return items.registerAll(new ArrayList<>(latest.entrySet())).thenApply(ignored -> Done.getInstance());
  }
}
