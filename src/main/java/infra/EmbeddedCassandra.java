package infra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A single-node Apache Cassandra 5.0.9 in a child JVM, listening on 127.0.0.1.
 *
 * <p>Everything lives under {@code dir}: {@code cassandra.yaml} and {@code logback.xml} (rewritten at every
 * start), {@code data/}, {@code commitlog/}, {@code saved_caches/}, {@code hints/}, {@code cdc_raw/},
 * {@code cassandra.log} and {@code cassandra.pid}. Starting again on the same folder keeps the data.
 */
public final class EmbeddedCassandra implements AutoCloseable {

    public static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";
    public static final String DATACENTER = "datacenter1";
    /** Class-path resource folder of the server's pom. */
    public static final String POM_RESOURCE_DIR = "infra/cassandra";
    public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    /** System property (or the environment variable {@code THERMOCLINE_CASSANDRA_JVM_OPTIONS}) with extra JVM options. */
    public static final String JVM_OPTIONS_PROPERTY = "thermocline.cassandra.jvm-options";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedCassandra.class);

    /** JDK 17 module flags without which Cassandra refuses to start (see shared STACK.md). */
    static final List<String> MODULE_FLAGS = List.of(
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports=java.sql/java.sql=ALL-UNNAMED",
            "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
            "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED");

    private final Path dir;
    private final int cqlPort;
    private final int storagePort;
    private final ChildJvm process;

    private EmbeddedCassandra(Path dir, int cqlPort, int storagePort, ChildJvm process) {
        this.dir = dir;
        this.cqlPort = cqlPort;
        this.storagePort = storagePort;
        this.process = process;
    }

    /**
     * Starts Cassandra on {@code dir} (created if needed; an earlier instance's data is kept) and returns once
     * {@code SELECT release_version FROM system.local} answers, or fails after {@link #STARTUP_TIMEOUT} with the
     * tail of {@code cassandra.log}. A child left running by a killed parent (per {@code dir/cassandra.pid}) is
     * killed first.
     *
     * @param classpathCache folder where {@link ServerClasspath} keeps the resolved server class path
     */
    public static EmbeddedCassandra start(Path dir, int cqlPort, int storagePort, Path classpathCache) {
        long t0 = System.nanoTime();
        Path home = dir.toAbsolutePath();
        String classpath;
        try {
            Files.createDirectories(home);
            if (ChildJvm.killStale(home.resolve("cassandra.pid"), MAIN_CLASS)) {
                log.warn("Killed a stale Cassandra left running in {}", home);
            }
            classpath = ServerClasspath.resolve(POM_RESOURCE_DIR, classpathCache);
            for (String sub : List.of("data", "commitlog", "saved_caches", "hints", "cdc_raw", "logs")) {
                Files.createDirectories(home.resolve(sub));
            }
            Files.writeString(home.resolve("cassandra.yaml"), yaml(home, cqlPort, storagePort), StandardCharsets.UTF_8);
            Files.writeString(home.resolve("logback.xml"), LOGBACK, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare Cassandra in " + home, e);
        }

        List<String> jvm = new ArrayList<>(List.of(
                // 512 MiB heap (~900 MiB RSS; 256 MiB: ~630 MiB). With 256 MiB, learning at full speed (bench learn)
                // spent ~10 % of Cassandra's time in collections of 0.2-2.3 s, and writes timed out behind them.
                // Override with -Dthermocline.cassandra.jvm-options="-Xms256m -Xmx256m".
                "-Xms512m", "-Xmx512m", "-Xss256k", "-XX:MaxDirectMemorySize=256m", "-XX:+UseSerialGC",
                "-XX:+HeapDumpOnOutOfMemoryError", "-XX:HeapDumpPath=" + home.resolve("logs"),
                "-Djava.net.preferIPv4Stack=true",
                "-Djdk.attach.allowAttachSelf=true",
                "-Dio.netty.tryReflectionSetAccessible=true",
                "-Dcassandra.config=" + home.resolve("cassandra.yaml").toUri(),
                "-Dcassandra.storagedir=" + home,
                "-Dcassandra.logdir=" + home.resolve("logs"),
                "-Dlogback.configurationFile=" + home.resolve("logback.xml"),
                "-Dcassandra-foreground=yes",
                "-Dcassandra.skip_wait_for_gossip_to_settle=0",
                "-Dcassandra.ring_delay_ms=100",
                "-Dcassandra.superuser_setup_delay_ms=0",
                // One node, no peers: skip the 2 s shutdown announcement and the 2 s graceful wind-down of
                // internode messaging on every stop (memtables are still drained to disk).
                "-Dcassandra.shutdown_announce_in_ms=0",
                "-Dcassandra.test.messagingService.nonGracefulShutdown=true"));
        jvm.addAll(MODULE_FLAGS);
        jvm.addAll(ChildJvm.extraOptions(JVM_OPTIONS_PROPERTY)); // last: may override the heap

        ChildJvm child = ChildJvm.start("cassandra", home, classpath, jvm, MAIN_CLASS, List.of(),
                classpathCache.resolve("cds"));
        try {
            awaitCql(cqlPort, child);
        } catch (RuntimeException e) {
            child.close();
            throw e;
        }
        log.info("Cassandra up on 127.0.0.1:{} (pid {}, {}) in {} ms", cqlPort, child.pid(), home,
                (System.nanoTime() - t0) / 1_000_000);
        return new EmbeddedCassandra(home, cqlPort, storagePort, child);
    }

    private static void awaitCql(int port, ChildJvm child) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        ChildJvm.awaitPort("127.0.0.1", port, STARTUP_TIMEOUT, child);
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(5))
                // the default 2 s quiet period would make every close() of this probe session 2 s long
                .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
                .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
                .build();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                throw new IllegalStateException("Cassandra exited before CQL answered; log " + child.logFile()
                        + ":\n" + child.logTail(60));
            }
            try (CqlSession session = CqlSession.builder()
                    .addContactPoint(new InetSocketAddress("127.0.0.1", port))
                    .withLocalDatacenter(DATACENTER)
                    .withConfigLoader(config)
                    .build()) {
                Row row = session.execute("SELECT release_version FROM system.local").one();
                if (row != null && row.getString("release_version") != null) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            ChildJvm.sleep(250);
        }
        throw new IllegalStateException("Cassandra CQL on 127.0.0.1:" + port + " did not answer within "
                + STARTUP_TIMEOUT + " (" + last + "); log " + child.logFile() + ":\n" + child.logTail(60));
    }

    public int cqlPort() {
        return cqlPort;
    }

    public int storagePort() {
        return storagePort;
    }

    /** {@code "127.0.0.1:<cqlPort>"}, e.g. for {@code datastax-java-driver.basic.contact-points}. */
    public String contactPoint() {
        return "127.0.0.1:" + cqlPort;
    }

    public InetSocketAddress contactAddress() {
        return new InetSocketAddress("127.0.0.1", cqlPort);
    }

    public String localDatacenter() {
        return DATACENTER;
    }

    /**
     * A new driver session to this node (caller closes it). Its Netty groups shut down without the driver's
     * default 2 s quiet period, which makes it handy for tests and tools.
     */
    public CqlSession newSession() {
        return CqlSession.builder()
                .addContactPoint(contactAddress())
                .withLocalDatacenter(DATACENTER)
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
                        .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
                        .build())
                .build();
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

    /** Stops Cassandra (SIGTERM: it drains memtables to disk; forced after {@link ChildJvm#GRACEFUL_STOP}). */
    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return "EmbeddedCassandra[" + contactPoint() + ", " + dir + "]";
    }

    private static String q(Path p) {
        return "'" + p.toString().replace("'", "''") + "'";
    }

    static String yaml(Path home, int cqlPort, int storagePort) {
        return String.join("\n",
                "# Written by infra.EmbeddedCassandra at every start; edits are overwritten.",
                "cluster_name: 'thermocline'",
                "num_tokens: 1",
                "initial_token: 0",
                "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
                "auto_bootstrap: false",
                "endpoint_snitch: SimpleSnitch",
                "seed_provider:",
                "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
                "    parameters:",
                "      - seeds: '127.0.0.1:" + storagePort + "'",
                "listen_address: 127.0.0.1",
                "rpc_address: 127.0.0.1",
                "storage_port: " + storagePort,
                "native_transport_port: " + cqlPort,
                "start_native_transport: true",
                "authenticator: AllowAllAuthenticator",
                "authorizer: AllowAllAuthorizer",
                "role_manager: CassandraRoleManager",
                "network_authorizer: AllowAllNetworkAuthorizer",
                "data_file_directories:",
                "  - " + q(home.resolve("data")),
                "commitlog_directory: " + q(home.resolve("commitlog")),
                "saved_caches_directory: " + q(home.resolve("saved_caches")),
                "hints_directory: " + q(home.resolve("hints")),
                "cdc_raw_directory: " + q(home.resolve("cdc_raw")),
                "commitlog_sync: periodic",
                "commitlog_sync_period: 10000ms",
                "commitlog_segment_size: 8MiB",
                "commitlog_total_space: 256MiB",
                // Memtable cells off the heap: on it, every young collection copied the memtables' live cells
                // (copy collections of a 70 MB eden took 0.2-0.6 s under bench learn's writes).
                "memtable_allocation_type: offheap_objects",
                "memtable_heap_space: 64MiB",
                "memtable_offheap_space: 128MiB",
                "memtable_flush_writers: 1",
                "key_cache_size: 8MiB",
                "row_cache_size: 0MiB",
                // A counter update reads the current value: from this cache instead of the sstables. With 2 MiB,
                // the exposure counters of a 50k-item catalogue cost Cassandra ~250 µs of CPU per record; 32 MiB, ~170.
                "counter_cache_size: 32MiB",
                // Histories and counters are written in batches of up to 100 rows grouped by replica
                // (storage.ReplicaBatches): by design, so no warning per batch (logging them cost ~30 % of the writes).
                "batch_size_warn_threshold: 64KiB",
                "unlogged_batch_across_partitions_warn_threshold: 1000",
                "file_cache_size: 32MiB",
                "networking_cache_size: 16MiB",
                "index_summary_capacity: 8MiB",
                "prepared_statements_cache_size: 8MiB",
                "concurrent_reads: 8",
                "concurrent_writes: 8",
                "concurrent_counter_writes: 4",
                "concurrent_materialized_view_writes: 4",
                "concurrent_compactors: 1",
                "hinted_handoff_enabled: false",
                "auto_snapshot: false",
                "disk_failure_policy: stop",
                "commit_failure_policy: stop",
                "");
    }

    private static final String LOGBACK = String.join("\n",
            "<configuration>",
            "  <appender name=\"OUT\" class=\"ch.qos.logback.core.ConsoleAppender\">",
            "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern></encoder>",
            "  </appender>",
            "  <logger name=\"org.apache.cassandra\" level=\"INFO\"/>",
            "  <logger name=\"com.datastax\" level=\"WARN\"/>",
            "  <root level=\"WARN\"><appender-ref ref=\"OUT\"/></root>",
            "</configuration>",
            "");
}
