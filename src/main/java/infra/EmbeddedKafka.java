package infra;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A single-node Apache Kafka 3.9.2 in KRaft mode (broker and controller in one child JVM) on 127.0.0.1.
 *
 * <p>Everything lives under {@code dir}: {@code server.properties} and {@code log4j.properties} (rewritten at
 * every start), {@code cluster.id} (generated once, reused so that restarts keep the data), {@code kraft-logs/}
 * (the log dirs), {@code kafka.log}, {@code kafka-format.log} and {@code kafka.pid}.
 *
 * <p>Storage is formatted by {@code kafka.tools.StorageTool format --ignore-formatted} in a short-lived child JVM
 * (never in-process: its main exits the JVM), skipped when {@code kraft-logs/meta.properties} already holds the
 * cluster id.
 */
public final class EmbeddedKafka implements AutoCloseable {

    public static final String MAIN_CLASS = "kafka.Kafka";
    public static final String STORAGE_TOOL = "kafka.tools.StorageTool";
    public static final String POM_RESOURCE_DIR = "infra/kafka";
    public static final int DEFAULT_PARTITIONS = 4;
    public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    /** System property (or the environment variable {@code THERMOCLINE_KAFKA_JVM_OPTIONS}) with extra JVM options. */
    public static final String JVM_OPTIONS_PROPERTY = "thermocline.kafka.jvm-options";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final ChildJvm process;

    private EmbeddedKafka(Path dir, int port, int controllerPort, ChildJvm process) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.process = process;
    }

    /** As {@link #start(Path, int, int, Path, Map)} with {@value #DEFAULT_PARTITIONS} partitions per new topic. */
    public static EmbeddedKafka start(Path dir, int port, int controllerPort, Path classpathCache) {
        return start(dir, port, controllerPort, classpathCache, Map.of());
    }

    /** As {@link #start(Path, int, int, Path)} with {@code num.partitions} set to {@code numPartitions}. */
    public static EmbeddedKafka start(Path dir, int port, int controllerPort, Path classpathCache, int numPartitions) {
        return start(dir, port, controllerPort, classpathCache, Map.of("num.partitions", String.valueOf(numPartitions)));
    }

    /**
     * Formats the storage if needed (a {@code StorageTool} child JVM), starts the broker and returns once an
     * {@link Admin} client can describe the cluster, or fails after {@link #STARTUP_TIMEOUT} with the tail of
     * {@code kafka.log}. A child left running by a killed parent (per {@code dir/kafka.pid}) is killed first.
     *
     * @param overrides entries added to / replacing the generated {@code server.properties}
     */
    public static EmbeddedKafka start(Path dir, int port, int controllerPort, Path classpathCache,
                                      Map<String, String> overrides) {
        long t0 = System.nanoTime();
        Path home = dir.toAbsolutePath();
        String classpath;
        Path props = home.resolve("server.properties");
        Path log4j = home.resolve("log4j.properties");
        String clusterId;
        try {
            Files.createDirectories(home);
            if (ChildJvm.killStale(home.resolve("kafka.pid"), MAIN_CLASS)) {
                log.warn("Killed a stale Kafka left running in {}", home);
            }
            ChildJvm.killStale(home.resolve("kafka-format.pid"), STORAGE_TOOL);
            classpath = ServerClasspath.resolve(POM_RESOURCE_DIR, classpathCache);
            Files.createDirectories(home.resolve("kraft-logs"));
            Files.createDirectories(home.resolve("logs"));
            clusterId = clusterId(home);
            Files.writeString(props, serverProperties(home, port, controllerPort, overrides), StandardCharsets.UTF_8);
            Files.writeString(log4j, LOG4J, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare Kafka in " + home, e);
        }
        List<String> common = List.of(
                "-XX:+UseSerialGC",
                "-Djava.awt.headless=true",
                "-Djava.net.preferIPv4Stack=true",
                "-Dlog4j.configuration=" + log4j.toUri(),
                "-Dkafka.logs.dir=" + home.resolve("logs"));

        if (!formatted(home, clusterId)) {
            format(home, classpath, common, props, clusterId);
        }

        List<String> jvm = new ArrayList<>(List.of("-Xms256m", "-Xmx256m", "-Xss512k",
                "-XX:MaxDirectMemorySize=128m",
                "-XX:+HeapDumpOnOutOfMemoryError", "-XX:HeapDumpPath=" + home.resolve("logs")));
        jvm.addAll(common);
        jvm.addAll(ChildJvm.extraOptions(JVM_OPTIONS_PROPERTY)); // last: may override the heap
        ChildJvm child = ChildJvm.start("kafka", home, classpath, jvm, MAIN_CLASS, List.of(props.toString()));
        try {
            awaitBroker(port, child);
        } catch (RuntimeException e) {
            child.close();
            throw e;
        }
        log.info("Kafka up on 127.0.0.1:{} (pid {}, {}) in {} ms", port, child.pid(), home,
                (System.nanoTime() - t0) / 1_000_000);
        return new EmbeddedKafka(home, port, controllerPort, child);
    }

    /** Whether {@code kraft-logs/meta.properties} already names {@code clusterId} (then formatting is a no-op). */
    private static boolean formatted(Path home, String clusterId) {
        Path meta = home.resolve("kraft-logs").resolve("meta.properties");
        if (!Files.isRegularFile(meta)) {
            return false;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            p.load(in);
        } catch (IOException e) {
            return false;
        }
        return clusterId.equals(p.getProperty("cluster.id"));
    }

    /** Runs {@code StorageTool format --ignore-formatted} in its own JVM (its main exits the JVM). */
    private static void format(Path home, String classpath, List<String> common, Path props, String clusterId) {
        List<String> formatJvm = new ArrayList<>(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"));
        formatJvm.addAll(common);
        try (ChildJvm format = ChildJvm.start("kafka-format", home, classpath, formatJvm, STORAGE_TOOL,
                List.of("format", "--ignore-formatted", "-t", clusterId, "-c", props.toString()))) {
            int rc = format.waitFor(Duration.ofSeconds(60));
            if (rc != 0) {
                throw new IllegalStateException("Kafka StorageTool format failed (exit " + rc + "); log "
                        + format.logFile() + ":\n" + format.logTail(40));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while formatting Kafka storage", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka StorageTool format did not finish in 60 s", e);
        }
    }

    private static void awaitBroker(int port, ChildJvm child) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        ChildJvm.awaitPort("127.0.0.1", port, STARTUP_TIMEOUT, child);
        Map<String, Object> conf = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.CLIENT_ID_CONFIG, "thermocline-infra-readiness");
        Exception last = null;
        try (Admin admin = Admin.create(conf)) {
            while (System.nanoTime() < deadline) {
                if (!child.isAlive()) {
                    throw new IllegalStateException("Kafka exited before it answered; log " + child.logFile()
                            + ":\n" + child.logTail(60));
                }
                try {
                    Collection<Node> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for Kafka", e);
                }
                ChildJvm.sleep(200);
            }
        }
        throw new IllegalStateException("Kafka on 127.0.0.1:" + port + " did not answer describeCluster within "
                + STARTUP_TIMEOUT + " (" + last + "); log " + child.logFile() + ":\n" + child.logTail(60));
    }

    /** The cluster id kept in {@code dir/cluster.id} (or found in an existing {@code meta.properties}). */
    private static String clusterId(Path home) throws IOException {
        Path idFile = home.resolve("cluster.id");
        if (Files.isRegularFile(idFile)) {
            String id = Files.readString(idFile, StandardCharsets.UTF_8).trim();
            if (!id.isEmpty()) {
                return id;
            }
        }
        String id = null;
        Path meta = home.resolve("kraft-logs").resolve("meta.properties");
        if (Files.isRegularFile(meta)) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(meta)) {
                p.load(in);
            }
            id = p.getProperty("cluster.id");
        }
        if (id == null || id.isBlank()) {
            id = Uuid.randomUuid().toString();
        }
        Files.writeString(idFile, id + "\n", StandardCharsets.UTF_8);
        return id;
    }

    static String serverProperties(Path home, int port, int controllerPort, Map<String, String> overrides) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", home.resolve("kraft-logs").toString());
        p.put("num.partitions", String.valueOf(DEFAULT_PARTITIONS));
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "10");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("log.retention.hours", "168");
        p.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        p.putAll(overrides);
        StringBuilder sb = new StringBuilder("# Written by infra.EmbeddedKafka at every start; edits are overwritten.\n");
        p.forEach((k, v) -> sb.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        return sb.toString();
    }

    /** {@code "127.0.0.1:<port>"}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path dir() {
        return dir;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    public Path logFile() {
        return process.logFile();
    }

    /** Stops the broker (SIGTERM: controlled shutdown; forced after {@link ChildJvm#GRACEFUL_STOP}). */
    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers() + ", " + dir + "]";
    }

    private static final String LOG4J = String.join("\n",
            "log4j.rootLogger=INFO, stdout",
            "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
            "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
            "log4j.appender.stdout.layout.ConversionPattern=%d{HH:mm:ss.SSS} %-5p [%c{1}] %m%n",
            "log4j.logger.kafka.log=WARN",
            "log4j.logger.kafka.cluster=WARN",
            "log4j.logger.state.change.logger=WARN",
            "log4j.logger.org.apache.kafka.storage=WARN",
            "log4j.logger.org.apache.kafka.clients=WARN",
            "log4j.logger.org.apache.kafka.common.config=WARN",
            "log4j.logger.kafka.server.ReplicaFetcherManager=WARN",
            "log4j.logger.kafka.server.ReplicaAlterLogDirsManager=WARN",
            "log4j.logger.kafka.coordinator.group=WARN",
            "log4j.logger.org.apache.kafka.coordinator=WARN",
            "log4j.logger.org.apache.kafka.controller=WARN",
            "log4j.logger.org.apache.kafka.metadata=WARN",
            "log4j.logger.org.apache.kafka.image=WARN",
            "log4j.logger.org.apache.kafka.raft=WARN",
            "log4j.logger.kafka.utils.Log4jControllerRegistration$=WARN",
            "");
}
