package service;

import actors.BucketRange;
import actors.BucketRanges;
import actors.HotSlotAllocator;
import actors.MigrationCoordinator;
import actors.RetrievalShard;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.sharding.ShardRegion;
import akka.cluster.sharding.typed.GetClusterShardingStats;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.cluster.typed.Cluster;
import embedding.StoreLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Operator views of the cluster's entities: where Cluster Sharding placed the shards of every entity type (per
 * node, with entity counts), and one entity's own summary, by type and id ({@code /admin/shards},
 * {@code /admin/entities/{type}/{id}}).
 */
public final class ShardingAdmin {

  /** The sharded entity types, by the name the admin API uses. */
  public static final Map<String, EntityTypeKey<?>> SHARDED = orderedTypes();

  /** The tier migration coordinator is a cluster singleton: its one id. */
  public static final String MIGRATION_COORDINATOR = "migration-coordinator";
  public static final String SINGLETON_ID = "singleton";

  /** One node's part of an entity type: entities per shard, and shards that did not answer in time. */
  public record NodeShards(String node, boolean self, Map<String, Integer> entitiesPerShard, int entities,
      List<String> failedShards) {}

  public record TypeShards(String type, String typeKey, int shards, int entities, List<NodeShards> nodes) {}

  private final ActorSystem<?> system;
  private final BucketRanges ranges;
  private final int retrievalShards;
  private final MigrationAdmin migrations;
  private final Duration timeout;

  /** @param migrations null when the node offers no tier migration (its entity is then unknown) */
  public ShardingAdmin(ActorSystem<?> system, BucketRanges ranges, int retrievalShards, MigrationAdmin migrations,
      Duration timeout) {
    this.system = system;
    this.ranges = ranges;
    this.retrievalShards = retrievalShards;
    this.migrations = migrations;
    this.timeout = timeout;
  }

  private static Map<String, EntityTypeKey<?>> orderedTypes() {
    Map<String, EntityTypeKey<?>> m = new LinkedHashMap<>();
    m.put("bucket-range", BucketRange.TYPE_KEY);
    m.put("retrieval-shard", RetrievalShard.TYPE_KEY);
    m.put("hot-slot-allocator", HotSlotAllocator.TYPE_KEY);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The entity types {@link #entity} knows, for error messages and docs. */
  public List<String> entityTypes() {
    List<String> out = new ArrayList<>(SHARDED.keySet());
    if (migrations != null) out.add(MIGRATION_COORDINATOR);
    return out;
  }

  /** Every sharded type's shards per node, from Cluster Sharding's statistics (each region asked). */
  public CompletionStage<List<TypeShards>> shards() {
    List<CompletableFuture<TypeShards>> all = new ArrayList<>();
    SHARDED.forEach((name, key) -> all.add(shards(name, key).toCompletableFuture()));
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(done -> all.stream().map(CompletableFuture::join).toList());
  }

  private CompletionStage<TypeShards> shards(String name, EntityTypeKey<?> key) {
    var self = Cluster.get(system).selfMember().address();
    return AskPattern.<akka.cluster.sharding.typed.ClusterShardingQuery, ShardRegion.ClusterShardingStats>ask(
        ClusterSharding.get(system).shardState(),
        replyTo -> new GetClusterShardingStats(key, timeout, replyTo), timeout.plusSeconds(1), system.scheduler())
        .thenApply(stats -> {
          List<NodeShards> nodes = new ArrayList<>();
          int shards = 0;
          int entities = 0;
          for (var region : new TreeMap<>(toStrings(stats.getRegions())).entrySet()) {
            ShardRegion.ShardRegionStats s = region.getValue();
            Map<String, Integer> perShard = new TreeMap<>();
            s.getStats().forEach((shard, count) -> perShard.put(shard, ((Number) count).intValue()));
            int n = perShard.values().stream().mapToInt(Integer::intValue).sum();
            nodes.add(new NodeShards(region.getKey(), region.getKey().equals(self.toString()), perShard, n,
                s.getFailed().stream().sorted().toList()));
            shards += perShard.size();
            entities += n;
          }
          return new TypeShards(name, key.name(), shards, entities, nodes);
        });
  }

  private static Map<String, ShardRegion.ShardRegionStats> toStrings(
      Map<akka.actor.Address, ShardRegion.ShardRegionStats> regions) {
    Map<String, ShardRegion.ShardRegionStats> out = new LinkedHashMap<>();
    regions.forEach((address, stats) -> out.put(address.toString(), stats));
    return out;
  }

  /**
   * The summary of one entity, by type and id; an unknown type or an id the type does not have fails with a 404
   * {@link ApiError} naming it. Asking starts the entity if it was not running (entities here are always wanted).
   */
  public CompletionStage<Object> entity(String type, String id) {
    try {
      return switch (type) {
        case "bucket-range" -> {
          bucketRangeId(id);
          yield ranges.summary(id).thenApply(s -> (Object) s);
        }
        case "retrieval-shard" -> {
          int shard = number(type, id, retrievalShards);
          yield AskPattern.<RetrievalShard.Command, RetrievalShard.Summary>ask(
              ClusterSharding.get(system).entityRefFor(RetrievalShard.TYPE_KEY, Integer.toString(shard)),
              RetrievalShard.GetSummary::new, timeout, system.scheduler()).thenApply(s -> (Object) s);
        }
        case "hot-slot-allocator" -> {
          StoreLayout layout = ranges.layout();
          int range = number(type, id, layout.rangeCount(layout.hotTier().name()));
          yield AskPattern.<HotSlotAllocator.Command, HotSlotAllocator.Summary>ask(
              ClusterSharding.get(system).entityRefFor(HotSlotAllocator.TYPE_KEY, Integer.toString(range)),
              HotSlotAllocator.GetSummary::new, timeout, system.scheduler()).thenApply(s -> (Object) s);
        }
        case MIGRATION_COORDINATOR -> {
          if (migrations == null) throw unknownType(type);
          if (!SINGLETON_ID.equals(id)) {
            throw ApiError.notFound(type + " is a cluster singleton: its one id is " + SINGLETON_ID + ", not " + id);
          }
          yield migrations.overview().thenApply(o -> (Object) o);
        }
        default -> throw unknownType(type);
      };
    } catch (ApiError e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private ApiError unknownType(String type) {
    return ApiError.notFound("no entity type " + type + "; known types: " + String.join(", ", entityTypes()));
  }

  private void bucketRangeId(String id) {
    try {
      String tier = StoreLayout.tierOfEntity(id);
      int range = StoreLayout.rangeOfEntity(id);
      StoreLayout.versionOfEntity(id); // "@v<n>" names a model version's copy; "@v0" and "@vx" are not ids
      int count = ranges.layout().rangeCount(tier);
      if (range >= count) throw ApiError.notFound("table " + tier + " has ranges 0–" + (count - 1) + ", not " + range);
    } catch (IllegalArgumentException e) {
      throw ApiError.notFound("no bucket-range " + id + ": " + e.getMessage());
    }
  }

  private static int number(String type, String id, int count) {
    try {
      int n = Integer.parseInt(id);
      if (n >= 0 && n < count) return n;
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw ApiError.notFound("no " + type + " " + id + ": ids are 0–" + (count - 1));
  }
}
