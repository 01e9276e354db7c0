package testkit;

import infra.ChildJvm;
import infra.EmbeddedCassandra;
import infra.EmbeddedKafka;
import infra.FreePorts;
import infra.ServerClasspath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One real Cassandra and one real Kafka per test JVM, each started lazily on free ports in a fresh folder
 * ({@code target/test-servers/run-<pid>/}, or under {@code java.io.tmpdir} when there is no {@code target/}).
 * A shutdown hook stops them and deletes the folder; folders of earlier test JVMs that died without cleaning up
 * are swept (their children killed) the first time a server is needed.
 *
 * <p>The resolved server class paths are cached across runs in {@link #classpathCache()}.
 */
public final class TestServers {

    private static EmbeddedCassandra cassandra;
    private static EmbeddedKafka kafka;
    private static Path runDir;
    private static final List<AutoCloseable> extra = new ArrayList<>();

    private TestServers() {
    }

    /** The shared Cassandra of this test JVM (started on first use). */
    public static synchronized EmbeddedCassandra cassandra() {
        if (cassandra == null) {
            int[] ports = FreePorts.pick(2);
            cassandra = EmbeddedCassandra.start(newDir("cassandra"), ports[0], ports[1], classpathCache());
        }
        return cassandra;
    }

    /** The shared Kafka of this test JVM (started on first use). */
    public static synchronized EmbeddedKafka kafka() {
        if (kafka == null) {
            int[] ports = FreePorts.pick(2);
            kafka = EmbeddedKafka.start(newDir("kafka"), ports[0], ports[1], classpathCache());
        }
        return kafka;
    }

    /** Persistent cache of the servers' resolved class paths, shared with the node and the benchmarks. */
    public static Path classpathCache() {
        return ServerClasspath.defaultCache();
    }

    /** A fresh, empty folder inside this test JVM's run folder (deleted at JVM exit). */
    public static synchronized Path newDir(String prefix) {
        try {
            return Files.createTempDirectory(runDir(), prefix + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes {@code resource} at JVM exit, before the run folder is deleted (for servers tests start themselves). */
    public static synchronized void closeAtExit(AutoCloseable resource) {
        runDir();
        extra.add(resource);
    }

    private static synchronized Path runDir() {
        if (runDir == null) {
            Path root = Files.isDirectory(Path.of("target"))
                    ? Path.of("target", "test-servers").toAbsolutePath()
                    : Path.of(System.getProperty("java.io.tmpdir"), "thermocline-test-servers");
            try {
                Files.createDirectories(root);
                sweepStale(root);
                runDir = Files.createDirectories(root.resolve("run-" + ProcessHandle.current().pid()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(TestServers::shutdown, "test-servers-shutdown"));
        }
        return runDir;
    }

    private static void shutdown() {
        List<AutoCloseable> all = new ArrayList<>();
        synchronized (TestServers.class) {
            if (kafka != null) {
                all.add(kafka);
            }
            if (cassandra != null) {
                all.add(cassandra);
            }
            all.addAll(extra);
        }
        List<Thread> closers = new ArrayList<>();
        for (AutoCloseable c : all) {
            Thread t = new Thread(() -> {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("TestServers: closing " + c + " failed: " + e);
                }
            }, "test-servers-close");
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join(40_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteRecursively(runDir);
    }

    /** Kills children of dead earlier test JVMs (by their pid files) and deletes their run folders. */
    private static void sweepStale(Path root) throws IOException {
        try (Stream<Path> runs = Files.list(root)) {
            for (Path run : (Iterable<Path>) runs::iterator) {
                String name = run.getFileName().toString();
                if (!name.startsWith("run-")) {
                    continue;
                }
                long owner;
                try {
                    owner = Long.parseLong(name.substring(4));
                } catch (NumberFormatException e) {
                    continue;
                }
                Optional<ProcessHandle> h = ProcessHandle.of(owner);
                if (owner == ProcessHandle.current().pid() || (h.isPresent() && h.get().isAlive())) {
                    continue; // another test JVM still running (or a reused pid: leave it)
                }
                try (Stream<Path> files = Files.walk(run)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".pid")).forEach(ChildJvm::killStale);
                }
                deleteRecursively(run);
            }
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
