package app;

import actors.BucketRanges;
import learner.LearnerDependencies;
import learner.LearnerSettings;
import learner.OnlineLearner;
import service.FreshnessQueue;
import service.MetricsScrape;
import service.StreamEffects;
import service.StoreAdmin;
import service.MigrationAdmin;
import service.FusionService;
import service.RecallService;
import service.ItemService;
import service.ItemStores;
import actors.BucketRange;
import actors.HotSlotAllocator;
import akka.actor.ExtendedActorSystem;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import akka.management.HealthCheckSettings;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import akka.management.javadsl.AkkaManagement;
import akka.management.javadsl.HealthChecks;
import akka.stream.alpakka.cassandra.javadsl.CassandraSessionRegistry;
import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import http.AdminRoutes;
import http.Errors;
import http.Json;
import http.HealthRoutes;
import http.MetricsRoutes;
import service.ItemRequests;
import http.ItemRoutes;
import http.OpenApiRoutes;
import http.RecallRoutes;
import http.InteractionRoutes;
import actors.RetrievalShard;
import model.UserTower;
import storage.InteractionStore;
import storage.ShardMembership;
import infra.EmbeddedCassandra;
import infra.EmbeddedKafka;
import infra.ServerClasspath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import storage.ItemStore;
import storage.JournalSchema;
import storage.LearnerState;
import streams.KafkaLag;
import streams.KafkaTopics;

/**
 * One Thermocline node: embedded Cassandra and Kafka when no external ones are configured, then a cluster
 * member with the store's sharded entities and the HTTP API. {@link #close()} stops everything it started.
 */
public final class Node implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Node.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

  /** The embedded servers this node started (null when an external one is configured). */
  private record Servers(EmbeddedCassandra cassandra, EmbeddedKafka kafka, CompletableFuture<Void> stopped) {}

  /** What the node runs on its actor system; {@code streams} is null when Kafka is off. */
  private record Services(ItemService items, RecallService recall, StoreAdmin admin, Streams streams,
      FreshnessQueue freshness, LearnerState learnerState, retrieval.DutyCycleExecutor graphWork,
      learner.FullRetraining training) {}

  private record Bindings(ServerBinding api, ServerBinding adminApi) {}

  private final Settings settings;
  private final EmbeddedCassandra cassandra;
  private final EmbeddedKafka kafka;
  private final CompletableFuture<Void> serversStopped;
  private final ActorSystem<Void> system;
  private final ItemService items;
  private final RecallService recall;
  private final StoreAdmin admin;
  private final Streams streams;
  private final FreshnessQueue freshness;
  private final LearnerState learnerState;
  private final ServerBinding api;
  private final ServerBinding adminApi;
  private final retrieval.DutyCycleExecutor graphWork;
  private final learner.FullRetraining training;

  private Node(Settings settings, Servers servers, ActorSystem<Void> system, Services services, Bindings bindings) {
    this.settings = settings;
    this.cassandra = servers.cassandra();
    this.kafka = servers.kafka();
    this.serversStopped = servers.stopped();
    this.system = system;
    this.items = services.items();
    this.recall = services.recall();
    this.admin = services.admin();
    this.streams = services.streams();
    this.freshness = services.freshness();
    this.learnerState = services.learnerState();
    this.graphWork = services.graphWork();
    this.training = services.training();
    this.api = bindings.api();
    this.adminApi = bindings.adminApi();
  }

  /** Starts a node from a fully loaded configuration (application.conf and overlays). */
  public static Node start(Config base) throws Exception {
    Settings settings = Settings.from(base);
    AccessRules.refuseUnprotected(settings, AccessRules.read(base)); // before anything starts: a clear message
    Files.createDirectories(settings.dataDir());
    Path classpathCache = ServerClasspath.defaultCache();
    EmbeddedCassandra cassandra = null;
    EmbeddedKafka kafka = null;
    try {
      // The two servers start in parallel: each takes seconds, mostly waiting.
      CompletableFuture<EmbeddedCassandra> cassandraStart = settings.cassandra().embedded()
          ? CompletableFuture.supplyAsync(() -> startCassandra(settings, classpathCache), ownThread("cassandra-start"))
          : CompletableFuture.completedFuture(null);
      CompletableFuture<EmbeddedKafka> kafkaStart = settings.kafka().embedded()
          ? CompletableFuture.supplyAsync(() -> startKafka(settings, classpathCache), ownThread("kafka-start"))
          : CompletableFuture.completedFuture(null);
      CompletableFuture.allOf(cassandraStart, kafkaStart).handle((ok, failure) -> null).join();
      cassandra = cassandraStart.isCompletedExceptionally() ? null : cassandraStart.join();
      kafka = kafkaStart.isCompletedExceptionally() ? null : kafkaStart.join();
      cassandraStart.join(); // rethrow a start failure; the catch below stops what did start
      kafkaStart.join();

      Config config = wire(base, settings, cassandra, kafka);
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "thermocline", config);
      Servers servers = new Servers(cassandra, kafka, stopServersAfter(system, cassandra, kafka));
      try {
        return startOn(system, Settings.from(config), servers);
      } catch (Exception | Error e) {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        throw e;
      }
    } catch (Exception | Error e) {
      closeQuietly(kafka);
      closeQuietly(cassandra);
      throw e;
    }
  }

  /**
   * The embedded servers stop after the actor system terminated (its streams drained into them first), Kafka then
   * Cassandra; the JVM's shutdown hook that would stop them at once (infra.ChildJvm) waits for that.
   */
  private static CompletableFuture<Void> stopServersAfter(ActorSystem<Void> system, EmbeddedCassandra cassandra,
      EmbeddedKafka kafka) {
    if (cassandra == null && kafka == null) return CompletableFuture.completedFuture(null);
    CompletableFuture<Void> stopped = system.getWhenTerminated().toCompletableFuture().handleAsync((done, failure) -> {
      closeQuietly(kafka);
      closeQuietly(cassandra);
      return null;
    }, runnable -> new Thread(runnable, "thermocline-stop-servers").start());
    infra.ChildJvm.holdShutdownUntil(stopped);
    return stopped;
  }

  private static EmbeddedCassandra startCassandra(Settings s, Path classpathCache) {
    try {
      return EmbeddedCassandra.start(s.dataDir().resolve("cassandra"), s.cassandra().embeddedCqlPort(),
          s.cassandra().embeddedStoragePort(), classpathCache);
    } catch (Exception e) {
      throw new IllegalStateException("embedded Cassandra did not start: " + e.getMessage(), e);
    }
  }

  private static EmbeddedKafka startKafka(Settings s, Path classpathCache) {
    try {
      return EmbeddedKafka.start(s.dataDir().resolve("kafka"), s.kafka().embeddedPort(),
          s.kafka().embeddedControllerPort(), classpathCache);
    } catch (Exception e) {
      throw new IllegalStateException("embedded Kafka did not start: " + e.getMessage(), e);
    }
  }

  /** Points the driver, the journal and Kafka settings at the servers actually in use. */
  static Config wire(Config base, Settings s, EmbeddedCassandra cassandra, EmbeddedKafka kafka) {
    Map<String, Object> o = new HashMap<>();
    List<String> contactPoints = cassandra != null ? List.of(cassandra.contactPoint()) : s.cassandra().contactPoints();
    o.put("datastax-java-driver.basic.contact-points", contactPoints);
    o.put("datastax-java-driver.basic.load-balancing-policy.local-datacenter",
        cassandra != null ? cassandra.localDatacenter() : s.cassandra().localDatacenter());
    o.put("akka.persistence.cassandra.journal.replication-factor", s.cassandra().replicationFactor());
    o.put("akka.persistence.cassandra.snapshot.replication-factor", s.cassandra().replicationFactor());
    if (kafka != null) o.put("thermocline.kafka.bootstrap-servers", kafka.bootstrapServers());
    return ConfigFactory.parseMap(o).withFallback(base);
  }

  private static Node startOn(ActorSystem<Void> system, Settings settings, Servers servers) throws Exception {
    Config config = system.settings().config();
    // Schema first: the journal caches its prepared statements when it starts, and Akka Management's
    // Cassandra readiness check starts it; a statement prepared before its keyspace exists fails forever.
    CqlSession session = CassandraSessionRegistry.get(system).sessionFor("akka.persistence.cassandra")
        .underlying().toCompletableFuture().get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (settings.cassandra().createSchema()) JournalSchema.create(system, session);
    ItemStore store = ItemStore.open(session, settings.cassandra().keyspace(), settings.cassandra().replicationFactor(),
        settings.cassandra().createSchema(), settings.items().recordCache());
    storage.PlacementGuard.check(session, settings.cassandra().keyspace(), placement(settings));
    joinCluster(system, settings.cluster());

    String keyspace = settings.cassandra().keyspace();
    InteractionStore interactions = new InteractionStore(session, keyspace);
    ShardMembership membership = new ShardMembership(session, keyspace);

    var layout = settings.store().layout();
    var clock = Clock.systemUTC();
    Settings.Model m = settings.model();
    model.TextEncoder textEncoder = model.TextEncoders.create(m.textEncoder(), m.hashedNgramDim(), null);
    model.MetaEncoder metaEncoder = new model.MetaEncoder(new model.MetaEncoder.Config(textEncoder.dim(),
        m.metaHidden(), layout.dim(), settings.imageVectorDim(), m.metaSeed()));
    BucketRanges ranges = new BucketRanges(system, layout, settings.http().askTimeout());
    // Shared by the cluster in Cassandra (uploader_means), not node memory: every node serves the same m.
    service.SharedUploaderMeans uploaderMeans = new service.SharedUploaderMeans(system,
        new storage.UploaderMeanStore(session, settings.cassandra().keyspace()), layout.dim(),
        Settings.uploaderMeans(config));
    // Written once more while the Cassandra session is still open (it closes with the actor system).
    akka.actor.CoordinatedShutdown.get(system).addTask(akka.actor.CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "uploader-means-flush", () -> CompletableFuture.supplyAsync(() -> {
          uploaderMeans.close();
          return akka.Done.getInstance();
        }, ownThread("uploader-means-flush")));
    Settings.Migration migration = Settings.migration(config);
    FusionService fusion = new FusionService(layout, ranges, metaEncoder, textEncoder, uploaderMeans,
        migration.blend(), clock);
    ItemService items = new ItemService(system, new ItemStores(store, membership, interactions), fusion, ranges,
        settings.retrieval().shards(), settings.http().askTimeout(), clock);
    items.startQueue(settings.items().registration());
    // The served model version, before anything reads rows: shards rebuild and learners learn from it.
    service.ServedModel servedModel = new service.ServedModel(new storage.ModelRegistry(session, keyspace),
        actors.ModelVersions.get(system), ranges, items, Settings.registry(config).served(), clock).start();
    system.getWhenTerminated().thenRun(servedModel::close);
    BucketRange.init(system, settings.store());
    HotSlotAllocator.init(system, layout);
    var graphWork = new retrieval.DutyCycleExecutor("graph-upkeep", settings.retrieval().graphUpkeepShare());
    system.getWhenTerminated().thenRun(graphWork::close);
    RetrievalShard.init(system, settings.retrieval().shards(), settings.retrieval().params(), items, graphWork,
        settings.retrieval().sweep());
    MigrationAdmin migrations = new MigrationAdmin(system, actors.MigrationCoordinator.init(system,
        migration.coordinator(), new service.TierMigration(system, items, migration.rules(), clock)),
        settings.http().askTimeout());
    // The user-ID row is read within recall's shard timeout, like the rest of a recall.
    BucketRanges recallRows = new BucketRanges(system, layout, settings.recall().shardTimeout());
    RecallService.UserRows userRows = !settings.model().userIdRows()
        ? userId -> java.util.concurrent.CompletableFuture.completedFuture(null) // u is the history mean alone
        : userId -> {
          BucketRanges.Key key = fusion.userRow(userId);
          return recallRows.read(List.of(key)).thenApply(read -> read.get(key));
        };
    Settings.Resilience resilience = Settings.resilience(config);
    // Kafka and Cassandra are probed: /ready and the requests that need one know at once when it is away.
    Probes probes = Probes.create(config, settings.kafka().enabled() ? KafkaTopics.from(config).bootstrapServers() : null,
        resilience.dependencies().probeTimeout());
    system.getWhenTerminated().thenRun(probes::close);
    service.Dependency cassandraDependency = new service.Dependency(system, "cassandra", resilience.dependencies());
    cassandraDependency.startProbe(system, probes.cassandra(resilience.dependencies().probeTimeout()));
    RecallService recall = new RecallService(system, new RecallService.Sources(new RecallService.HistorySource() {
      @Override
      public java.util.concurrent.CompletionStage<List<storage.HistoryEntry>> history(String userId, int limit) {
        return cassandraDependency.call(() -> interactions.history(userId, limit));
      }

      @Override
      public java.util.concurrent.CompletionStage<java.util.Set<String>> seen(String userId) {
        return cassandraDependency.call(() -> interactions.seen(userId));
      }
    }, userRows,
        items.shards()),
        new UserTower(layout.dim(), settings.recall().historyHalfLife()), settings.recall().weights(),
        new RecallService.Limits(settings.retrieval().ef(), settings.recall().shardTimeout(), resilience.recall()), clock);
    StoreAdmin admin = new StoreAdmin(ranges);
    metrics.Metrics metrics = new metrics.Metrics(Settings.newItemAge(config)).withJvm();
    items.countInto(metrics);
    recall.countInto(metrics);
    HealthChecks health = new HealthChecks((ExtendedActorSystem) system.classicSystem(),
        HealthCheckSettings.apply(config.getConfig("akka.management.health-checks")));

    LearnerSettings learning = settings.learner();
    FreshnessQueue freshness = new FreshnessQueue(system, items, settings.freshness().interval(),
        settings.freshness().maxPending());
    LearnerState learnerState = new LearnerState(session, keyspace);
    // The topics are read from the wired configuration: its bootstrap servers are the embedded Kafka's, if any.
    StreamEffects effects = new StreamEffects(system, interactions, items, new ItemRequests(settings.imageVectorDim()),
        settings.recall().weights(), clock, settings.kafka().exposure());
    effects.countInto(metrics);
    Streams streams = settings.kafka().enabled()
        ? Streams.start(system, KafkaTopics.from(config), settings.kafka(), effects,
            !learning.enabled() ? null : (topics, deadLetters) -> new OnlineLearner(system, learning,
                topics.groupPrefix(), settings.kafka().restart(), new LearnerDependencies(learnerState, store, fusion,
                ranges, settings.recall().weights(), deadLetters, freshness, metrics)), metrics)
        : null;
    // Full retraining reads its window back from the interactions topic: it needs Kafka, not the online learner.
    learner.FullRetraining training = streams == null ? null : new learner.FullRetraining(settings.training(),
        learning, new LearnerDependencies(learnerState, store, fusion, ranges, settings.recall().weights(), null,
            freshness),
        new learner.FullRetraining.Source(KafkaTopics.from(config).bootstrapServers(),
            KafkaTopics.from(config).interactions()),
        new learner.FullRetraining.Versioning(servedModel, new storage.ModelRegistry(session, keyspace),
            KafkaTopics.from(config).partitions(), KafkaTopics.from(config).groupPrefix() + "-" + learning.groupSuffix(),
            streams.learner(), Settings.registry(config).autoPublish()), clock);
    if (streams != null && streams.learner() != null) servedModel.onSwitch(streams.learner()::switchTo);
    if (training != null) {
      // Runs are coordinated by a cluster singleton (persisted; schedule and triggers) and carried out on its node.
      Settings.Retraining retraining = Settings.retraining(config);
      training.coordinateWith(new learner.FullRetraining.Coordinator(actors.TrainingCoordinator.init(system,
          retraining.coordinator(), new learner.TrainingWork(training, admin, streams.learner(), retraining.triggers())),
          system, settings.http().askTimeout()));
    }

    MetricsScrape.Lag lag = MetricsScrape.Lag.NONE;
    if (streams != null) {
      KafkaTopics topics = KafkaTopics.from(config);
      KafkaLag kafkaLag = new KafkaLag(topics.bootstrapServers(), settings.http().askTimeout());
      system.getWhenTerminated().thenRun(kafkaLag::close);
      lag = MetricsScrape.kafka(kafkaLag, Streams.pipelineGroups(topics), topics.interactions(), learnerState,
          streams.learner() == null ? null : streams.learner()::stateGroup);
    }
    MetricsScrape scrape = new MetricsScrape(system, metrics,
        new MetricsScrape.Sources(admin, items.shards(), freshness, lag), settings.http().askTimeout());

    List<service.Dependency> dependencies = new java.util.ArrayList<>(List.of(cassandraDependency));
    service.Dependency kafkaDependency = null;
    if (streams != null) {
      kafkaDependency = new service.Dependency(system, "kafka", resilience.dependencies());
      kafkaDependency.startProbe(system, probes.kafka(resilience.dependencies().probeTimeout()));
      dependencies.add(kafkaDependency);
    }
    DependencyReadiness.register(system, dependencies);
    AccessRules.Access access = AccessRules.read(config);
    http.Admission admission = new http.Admission(Settings.admission(config), metrics);
    Route apiRoute = sealed(new http.Access(new http.Access.Tokens(access.writeToken(), access.readToken())).guard(
        Directives.concat(
        new HealthRoutes(health, dependencies).route(),
        new OpenApiRoutes().route(),
        new ItemRoutes(items, new ItemRequests(settings.imageVectorDim()), settings.http().maxBodyBytes(),
            cassandraDependency, admission.items()).route(),
        new RecallRoutes(recall, settings.http().maxBodyBytes(), admission.recall()).route(),
        new InteractionRoutes(streams == null ? null : streams.producer(), settings.http().maxBodyBytes(),
            kafkaDependency, admission.interactions()).route())));
    Route adminRoute = sealed(Directives.concat(
        new HealthRoutes(health, dependencies).route(),
        new MetricsRoutes(scrape).route(),
        new AdminRoutes(admin, settings.admin().token(), training, migrations).with(new http.OperatorRoutes(
            new service.ShardingAdmin(system, ranges, settings.retrieval().shards(), migrations,
                settings.http().askTimeout()),
            new service.StoreTransfer(system, items, ranges, new ItemRequests(settings.imageVectorDim()),
                settings.http().askTimeout()))).route()));

    ServerBinding api = Http.get(system).newServerAt(settings.http().iface(), settings.http().port())
        .bind(apiRoute).toCompletableFuture().get(30, TimeUnit.SECONDS);
    ServerBinding adminApi = Http.get(system).newServerAt(settings.admin().iface(), settings.admin().port())
        .bind(adminRoute).toCompletableFuture().get(30, TimeUnit.SECONDS);
    log.info("Thermocline API on {}, operations on {}", api.localAddress(), adminApi.localAddress());
    stopInOrder(system, List.of(api, adminApi), training, streams, freshness);
    return new Node(settings, servers, system,
        new Services(items, recall, admin, streams, freshness, learnerState, graphWork, training),
        new Bindings(api, adminApi));
  }

  /**
   * The node's stop, in Akka's CoordinatedShutdown phases (run by {@link #close}, by SIGTERM through Akka's JVM
   * shutdown hook, or by the cluster leaving): stop taking requests (service-unbind; the ones in flight get up to
   * {@link #REQUESTS_DONE} to finish), then full retraining, then drain the streams (the learner's last batch,
   * the open exposure window written, in-flight effects finished and their offsets committed) and the freshness
   * queue (service-stop); the actor system terminates after. The embedded Kafka and Cassandra stop last (see
   * {@link #start}).
   */
  private static void stopInOrder(ActorSystem<Void> system, List<ServerBinding> bindings,
      learner.FullRetraining training, Streams streams, FreshnessQueue freshness) {
    for (ServerBinding b : bindings) b.addToCoordinatedShutdown(REQUESTS_DONE, system);
    akka.actor.CoordinatedShutdown shutdown = akka.actor.CoordinatedShutdown.get(system);
    shutdown.addTask(akka.actor.CoordinatedShutdown.PhaseServiceStop(), "drain-streams", () ->
        CompletableFuture.supplyAsync(() -> {
          closeQuietly(training);
          if (streams != null) streams.close(); // blocking: on its own thread, not a dispatcher's
          freshness.close();
          return akka.Done.getInstance();
        }, ownThread("drain")));
  }

  /**
   * Blocking work (a server's start, a last flush) runs on a thread of its own, never on the common pool: that pool
   * has two threads on a 2-core machine (Main.commonPoolOfTwo), and callbacks of Akka's stages need them.
   */
  static java.util.concurrent.Executor ownThread(String name) {
    return runnable -> new Thread(runnable, "thermocline-" + name).start();
  }

  /** How long requests in flight get to finish once the node stops taking new ones. */
  private static final Duration REQUESTS_DONE = Duration.ofSeconds(10);

  /**
   * What decides where items and rows live (see {@link storage.PlacementGuard}): one setting per table, so a
   * table added later (a new auxiliary table) is recorded as new instead of refusing the existing data.
   */
  static java.util.Map<String, String> placement(Settings settings) {
    var layout = settings.store().layout();
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    out.put("retrieval.shards", Integer.toString(settings.retrieval().shards()));
    out.put("store.dim", Integer.toString(layout.dim()));
    out.put("store.rows-per-range", Integer.toString(layout.rowsPerRange()));
    for (var t : layout.tiers()) {
      out.put("store.table." + t.name(), t.kind() + " capacity=" + t.capacity() + " seed=" + t.seed());
      // What never-written rows read as. A range stores whole pages once a row of them is written, so a changed
      // init would leave a table half old init, half new, and change rows across a restart (journal replay).
      // Its own key: stores written before it was recorded take the configured value instead of refusing.
      out.put("store.table." + t.name() + ".init-std", Float.toString(layout.initStd(t.name())));
    }
    return out;
  }

  private static void joinCluster(ActorSystem<Void> system, Settings.Cluster cluster) {
    if (cluster.management()) AkkaManagement.get(system.classicSystem()).start();
    if (cluster.bootstrap()) {
      ClusterBootstrap.get(system.classicSystem()).start();
    } else if (cluster.seedNodes().isEmpty()) {
      // Alone: a one-node cluster.
      Cluster self = Cluster.get(system);
      self.manager().tell(Join.create(self.selfMember().address()));
    }
  }

  private static Route sealed(Route route) {
    // Akka HTTP's request timeout answers text/plain 503 by default: keep the API's error shape there too.
    return Directives.withRequestTimeoutResponse(request -> Errors.retryAfter(Json.error(503,
            "the request took too long; retry later", null), 2),
        () -> Directives.handleExceptions(Errors.exceptionHandler(),
            () -> Directives.handleRejections(Errors.rejectionHandler(), () -> route)));
  }

  public Settings settings() {
    return settings;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public ItemService items() {
    return items;
  }

  public RecallService recall() {
    return recall;
  }

  public StoreAdmin admin() {
    return admin;
  }

  public int httpPort() {
    return api.localAddress().getPort();
  }

  public int adminPort() {
    return adminApi.localAddress().getPort();
  }

  /** CPU the graph rebuilds and compactions of this node's shards used so far. */
  public double graphUpkeepCpuSeconds() {
    return graphWork.busyNanos() / 1e9;
  }

  /** Process ids of the embedded servers this node started (for CPU accounting in benchmarks). */
  public java.util.OptionalLong cassandraPid() {
    return cassandra == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(cassandra.pid());
  }

  public java.util.OptionalLong kafkaPid() {
    return kafka == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(kafka.pid());
  }

  public String kafkaBootstrapServers() {
    return settings.kafka().bootstrapServers();
  }

  /** The online learner of this node, or null when learning (or Kafka) is off. */
  public OnlineLearner learner() {
    return streams == null ? null : streams.learner();
  }

  /** Full retraining on this node, or null without Kafka. */
  public service.Training training() {
    return training;
  }

  public LearnerState learnerState() {
    return learnerState;
  }

  public FreshnessQueue freshness() {
    return freshness;
  }

  /** Stops the node in order (see {@link #stopInOrder}) and waits until its embedded servers are stopped too. */
  @Override
  public void close() {
    akka.actor.CoordinatedShutdown.get(system).run(akka.actor.CoordinatedShutdown.unknownReason());
    try {
      system.getWhenTerminated().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("actor system did not terminate in time: {}", e.toString());
      system.terminate();
    }
    try {
      serversStopped.get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("embedded servers did not stop in time: {}", e.toString());
      closeQuietly(kafka);
      closeQuietly(cassandra);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (Exception e) {
      log.warn("closing {}: {}", c, e.toString());
    }
  }
}
