package app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import embedding.StoreLayout;
import embedding.StoreSettings;
import embedding.TierKind;
import embedding.TierSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import learner.LearnerSettings;
import service.ItemService;
import service.StreamEffects;
import storage.ItemStore;

/** The {@code thermocline} section of the configuration, read once and validated at start. */
public record Settings(
    Path dataDir,
    StoreSettings store,
    int imageVectorDim,
    Cassandra cassandra,
    Kafka kafka,
    Http http,
    Admin admin,
    Retrieval retrieval,
    Recall recall,
    Items items,
    Model model,
    LearnerSettings learner,
    Freshness freshness,
    learner.FullRetraining.Settings training,
    Cluster cluster) {

  /** @param graphUpkeepShare of a core, at most, for the shards' graph rebuilds and compactions */
  /** {@code sweep}: the refresh sweep of every shard's items, or null when {@code refresh-period} is 0. */
  public record Retrieval(int shards, int ef, retrieval.IndexParams params, double graphUpkeepShare,
      actors.RetrievalShard.Sweep sweep) {}

  public record Recall(Duration shardTimeout, Duration historyHalfLife, model.InteractionWeights weights) {}

  public record Cassandra(List<String> contactPoints, String localDatacenter, String keyspace, int replicationFactor,
      boolean createSchema, int embeddedCqlPort, int embeddedStoragePort) {
    public boolean embedded() {
      return contactPoints.isEmpty();
    }
  }

  /**
   * @param restart how a failed consumer stream restarts ({@code consumer.restart})
   * @param exposure the interactions consumer's exposure window ({@code consumer.exposure-window})
   */
  public record Kafka(boolean enabled, String bootstrapServers, int embeddedPort, int embeddedControllerPort,
      akka.stream.RestartSettings restart, StreamEffects.ExposureSettings exposure) {
    public boolean embedded() {
      return enabled && bootstrapServers.isBlank();
    }
  }

  public record Http(String iface, int port, long maxBodyBytes, Duration askTimeout) {}

  public record Admin(String iface, int port, String token) {}

  /** {@code thermocline.items}: the item-record cache and the node's registration queue. */
  public record Items(ItemStore.RecordCache recordCache, ItemService.RegistrationQueue registration) {}

  /** {@code thermocline.model}: the title encoder, the metadata head and the uploaders' mean vectors. */
  public record Model(String textEncoder, int hashedNgramDim, int metaHidden, long metaSeed, int uploaderMeansMax,
      int uploaderMeansWindow, boolean userIdRows) {}

  /** How often items whose vectors the learner changed are re-indexed, and how many may wait. */
  public record Freshness(Duration interval, int maxPending) {}

  /** How the node forms its cluster: Akka Management, Cluster Bootstrap, or the seed nodes (none: alone). */
  public record Cluster(boolean management, boolean bootstrap, List<String> seedNodes) {}

  /**
   * {@code thermocline.migration}: when runs happen and how they move items ({@code coordinator}), by which rules
   * ({@code rules}), and how a moved item's served vector blends from old to new ({@code blend}).
   */
  public record Migration(actors.MigrationCoordinator.Settings coordinator, service.TierMigration.Rules rules,
      model.MoveBlend blend) {}

  /**
   * {@code thermocline.dependencies} (how requests wait on Cassandra and Kafka) and recall's way of answering without
   * the history store; read apart from {@link #from}, as {@link #migration} is.
   */
  public record Resilience(service.Dependency.Settings dependencies, service.RecallService.Degrading recall) {}

  public static Resilience resilience(Config root) {
    Config d = root.getConfig("thermocline.dependencies");
    Config r = root.getConfig("thermocline.recall");
    return new Resilience(
        new service.Dependency.Settings(d.getDuration("call-timeout"), d.getDuration("write-timeout"),
            d.getInt("max-failures"), d.getDuration("reset-timeout"), d.getDuration("probe-interval"),
            d.getDuration("probe-timeout"), d.getInt("probe-failures"), d.getDuration("retry-after")),
        new service.RecallService.Degrading(r.getDuration("history-timeout"), r.getInt("history-cache.max-users"),
            r.getInt("history-cache.per-user")));
  }

  /** {@code thermocline.http.admission}: the public API's limits per route class, read apart from {@link #from}. */
  public static http.Admission.Settings admission(Config root) {
    Config a = root.getConfig("thermocline.http.admission");
    java.util.function.Function<String, http.InFlightLimit.Settings> limit = name -> {
      Config l = a.getConfig(name);
      return new http.InFlightLimit.Settings(l.getInt("max-in-flight"), l.getInt("max-queued"),
          l.getDuration("max-wait"));
    };
    try {
      return new http.Admission.Settings(limit.apply("recall"), limit.apply("items"), limit.apply("interactions"),
          a.getDuration("retry-after"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("thermocline.http.admission: " + e.getMessage(), e);
    }
  }

  /** {@code thermocline.model.uploader-means}, read apart from {@link #from} like {@link #migration}. */
  public static service.SharedUploaderMeans.Settings uploaderMeans(Config root) {
    Config u = root.getConfig("thermocline.model.uploader-means");
    return new service.SharedUploaderMeans.Settings(u.getInt("max-uploaders"), u.getInt("window"),
        u.getDuration("cache-ttl"), u.getDuration("flush-interval"), u.getInt("max-pending"),
        u.getInt("writes-in-flight"));
  }

  /** Read apart from {@link #from} so that its section stays a self-contained addition. */
  /** {@code thermocline.metrics.new-item-age}: items younger than this are "new" in the new-item health series. */
  public static Duration newItemAge(Config root) {
    return root.getDuration("thermocline.metrics.new-item-age");
  }

  /**
   * {@code thermocline.registry} (versions kept, how often nodes read the pointer) and
   * {@code thermocline.training.auto-publish}.
   */
  public record Registry(service.ServedModel.Settings served, boolean autoPublish) {}

  public static Registry registry(Config root) {
    Config t = root.getConfig("thermocline");
    try {
      return new Registry(new service.ServedModel.Settings(t.getInt("registry.keep"),
          t.getDuration("registry.poll-interval")), t.getBoolean("training.auto-publish"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("thermocline: " + e.getMessage(), e);
    }
  }

  /** {@code thermocline.training}: the coordinator's schedule and the triggers. */
  public record Retraining(actors.TrainingCoordinator.Settings coordinator, learner.TrainingWork.Triggers triggers) {}

  public static Retraining retraining(Config root) {
    Config t = root.getConfig("thermocline.training");
    try {
      return new Retraining(new actors.TrainingCoordinator.Settings(t.getDuration("schedule"),
          t.getDuration("check-interval"), t.getDuration("triggers.min-gap"), 20),
          new learner.TrainingWork.Triggers(t.getDouble("triggers.collision-rate"), t.getDouble("triggers.loss-rise")));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("thermocline: " + e.getMessage(), e);
    }
  }

  public static Migration migration(Config root) {
    Config m = root.getConfig("thermocline.migration");
    try {
      return new Migration(
          new actors.MigrationCoordinator.Settings(m.getDuration("interval"), m.getInt("batch-size"),
              m.getInt("max-moves-per-run"), m.getInt("keep-runs"), m.getInt("stop-after-batches")),
          new service.TierMigration.Rules(m.getDouble("demote-share"), m.getInt("lookback-days"),
              m.getDuration("expire-after"), m.getInt("reads-in-flight")),
          new model.MoveBlend(m.getDouble("blend.start-weight"), m.getDuration("blend.window")));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("thermocline: " + e.getMessage(), e);
    }
  }

  public static Settings from(Config root) {
    Config c = root.getConfig("thermocline");
    try {
      return new Settings(
          Path.of(c.getString("data-dir")).toAbsolutePath().normalize(),
          store(c.getConfig("store")),
          c.getInt("items.image-vector-dim"),
          new Cassandra(contactPoints(c), c.getString("cassandra.local-datacenter"),
              c.getString("cassandra.keyspace"), c.getInt("cassandra.replication-factor"),
              c.getBoolean("cassandra.create-schema"),
              c.getInt("cassandra.embedded-cql-port"), c.getInt("cassandra.embedded-storage-port")),
          new Kafka(c.getBoolean("kafka.enabled"), c.getString("kafka.bootstrap-servers"),
              c.getInt("kafka.embedded-port"), c.getInt("kafka.embedded-controller-port"),
              streams.CommittingPipeline.restartSettings(root), exposure(c.getConfig("kafka.consumer"))),
          new Http(c.getString("http.interface"), c.getInt("http.port"), c.getBytes("http.max-body-bytes"),
              c.getDuration("http.ask-timeout")),
          new Admin(c.getString("admin.interface"), c.getInt("admin.port"), c.getString("admin.token")),
          retrieval(c.getConfig("retrieval"), c.getInt("store.dim")),
          recall(c.getConfig("recall")),
          items(c.getConfig("items")),
          new Model(c.getString("model.text-encoder"), c.getInt("model.hashed-ngram-dim"),
              c.getInt("model.meta-hidden"), c.getLong("model.meta-seed"),
              c.getInt("model.uploader-means.max-uploaders"), c.getInt("model.uploader-means.window"),
              c.getBoolean("model.user-id-rows")),
          learner(c),
          new Freshness(c.getDuration("learner.freshness-interval"), c.getInt("learner.freshness-max-pending")),
          new learner.FullRetraining.Settings(c.getDuration("training.window"), c.getInt("training.epochs"),
              c.getInt("training.batch-positives"), c.getInt("training.max-positives"),
              (float) c.getDouble("training.tau"), freshRows(c.getString("training.start-from"))),
          new Cluster(c.getBoolean("cluster.management"), c.getBoolean("cluster.bootstrap"),
              root.getStringList("akka.cluster.seed-nodes")));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.Generic("thermocline: " + e.getMessage(), e);
    }
  }

  private static List<String> contactPoints(Config c) {
    // Accept a list or one comma-separated string (handy for an environment variable).
    if (c.getValue("cassandra.contact-points").valueType() == com.typesafe.config.ConfigValueType.LIST) {
      return c.getStringList("cassandra.contact-points");
    }
    List<String> out = new ArrayList<>();
    for (String s : c.getString("cassandra.contact-points").split(",")) if (!s.isBlank()) out.add(s.trim());
    return out;
  }

  static Retrieval retrieval(Config r, int dim) {
    int shards = r.getInt("shards");
    if (shards < 1) throw new IllegalArgumentException("retrieval.shards must be >= 1");
    return new Retrieval(shards, r.getInt("ef"), new retrieval.IndexParams(dim, r.getInt("max-degree"),
        r.getInt("beam-width"), (float) r.getDouble("alpha"), 1.2f, r.getDouble("compact-deleted-fraction")),
        r.getDouble("graph-upkeep-share"), sweep(r));
  }

  private static actors.RetrievalShard.Sweep sweep(Config r) {
    Duration period = r.getDuration("refresh-period");
    if (period.isZero()) return null;
    Duration tick = r.getDuration("refresh-tick");
    if (period.isNegative() || tick.isNegative() || tick.isZero() || tick.compareTo(period) > 0) {
      throw new IllegalArgumentException("retrieval.refresh-period must be >= 0 and refresh-tick in (0, period]");
    }
    return new actors.RetrievalShard.Sweep(period, tick);
  }

  static StreamEffects.ExposureSettings exposure(Config consumer) {
    Config w = consumer.getConfig("exposure-window");
    return new StreamEffects.ExposureSettings(w.getInt("max-records"), w.getDuration("max-age"),
        consumer.getInt("interactions-in-flight"));
  }

  static Items items(Config i) {
    return new Items(
        new ItemStore.RecordCache(i.getLong("record-cache.max-items"), i.getDuration("record-cache.ttl")),
        new ItemService.RegistrationQueue(i.getInt("register-parallelism"), i.getInt("register-queue"),
            i.getInt("register-batch"), i.getDuration("register-batch-window")));
  }

  /** {@code learner}; the users' histories decay with recall's half-life, so training and serving agree. */
  /** {@code training.start-from}: "fresh" or "current". */
  static boolean freshRows(String startFrom) {
    return switch (startFrom) {
      case "fresh" -> true;
      case "current" -> false;
      default -> throw new IllegalArgumentException("training.start-from must be fresh or current, got " + startFrom);
    };
  }

  static LearnerSettings learner(Config c) {
    Config l = c.getConfig("learner");
    Config h = l.getConfig("history");
    return new LearnerSettings(l.getBoolean("enabled"), l.getString("group"), (float) l.getDouble("tau"),
        l.getInt("batch-size"), l.getInt("batch-positives"), l.getDuration("batch-window"), l.getInt("softmax-batch"),
        l.getInt("extra-negatives"), l.getInt("negative-pool"),
        l.getInt("estimator.depth"), l.getInt("estimator.width"), l.getInt("fail-after-batches"),
        c.getBoolean("model.user-id-rows"), l.getBoolean("history-gradient"), new LearnerSettings.History(h.getInt("per-user"), h.getInt("max-users"), h.getInt("window"),
            c.getDuration("recall.history-half-life")));
  }

  static Recall recall(Config r) {
    java.util.Map<String, Double> weights = new java.util.HashMap<>();
    for (var e : r.getConfig("weights").entrySet()) weights.put(e.getKey(), r.getDouble("weights." + e.getKey()));
    return new Recall(r.getDuration("shard-timeout"), r.getDuration("history-half-life"),
        new model.InteractionWeights(weights));
  }

  public static StoreSettings store(Config s) {
    List<TierSpec> tiers = new ArrayList<>();
    for (Config t : s.getConfigList("tiers")) {
      tiers.add(new TierSpec(
          t.getString("name"),
          TierKind.valueOf(t.getString("kind").toUpperCase(Locale.ROOT)),
          t.getInt("capacity"),
          t.getInt("seed"),
          t.getDouble("alpha"),
          t.getLong("min-daily-exposure")));
    }
    for (Config t : s.getConfigList("auxiliary-tables")) {
      tiers.add(TierSpec.auxiliary(t.getString("name"), t.getInt("capacity"), t.getInt("seed"),
          (float) t.getDouble("init-std")));
    }
    StoreLayout layout = new StoreLayout(s.getInt("dim"), s.getInt("rows-per-range"),
        (float) s.getDouble("init-std"), tiers);
    return new StoreSettings(layout,
        (float) s.getDouble("learning-rate"),
        (float) s.getDouble("adagrad-epsilon"),
        (float) s.getDouble("initial-accumulator"),
        s.getInt("dedup-window"),
        s.getInt("snapshot-every"),
        s.getInt("keep-snapshots"));
  }
}
