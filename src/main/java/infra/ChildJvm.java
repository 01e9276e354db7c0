package infra;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

// One file on purpose (over 400 lines): starting a child, its pid file, the shutdown hook and the stale-child
// check are the three layers of one guarantee (no child outlives its parent); they share the pid file's format
// and the termination of a process tree, and are read together when that guarantee is in question.
/**
 * A server started as a child {@code java} process (the same JDK as this process, unless {@code THERMOCLINE_JAVA}
 * or the system property {@code thermocline.java} names another {@code java} binary).
 *
 * <p>In its folder it writes {@code <name>.log} (stdout and stderr; the previous one is kept as
 * {@code <name>.log.1}) and {@code <name>.pid}: the pid on the first line, then {@code main=<class>} and
 * {@code started=<epoch ms>}, which {@link #killStale(Path)} uses to recognise a leftover child.
 *
 * <p>Three layers make sure no child outlives its parent: {@link #close()} (also run by a JVM shutdown hook for
 * every child still open); the child's entry point {@link ParentWatch} exits when its stdin pipe from the parent
 * closes, which also covers a {@code kill -9} of the parent; and {@link #killStale(Path)} at the next start.
 */
public final class ChildJvm implements AutoCloseable {

    /** How long {@link #close()} waits after SIGTERM before it kills the process tree forcibly. */
    public static final Duration GRACEFUL_STOP = Duration.ofSeconds(10);

    private static final Set<ChildJvm> OPEN = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();
    /** What the shutdown hook waits for before it stops the children (see {@link #holdShutdownUntil}). */
    private static final Set<java.util.concurrent.CompletableFuture<?>> HOLDS = ConcurrentHashMap.newKeySet();
    /** The longest the shutdown hook waits for its holds. */
    public static final Duration MAX_HOLD = Duration.ofSeconds(120);

    private final String name;
    private final String mainClass;
    private final Process process;
    private final OutputStream stdin; // held open: the child's ParentWatch exits when it closes
    private final Path logFile;
    private final Path pidFile;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ClassDataSharing.Pending cdsPending; // archive being dumped at exit, or null

    private ChildJvm(String name, String mainClass, Process process, Path logFile, Path pidFile,
                     ClassDataSharing.Pending cdsPending) {
        this.name = name;
        this.cdsPending = cdsPending;
        this.mainClass = mainClass;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.logFile = logFile;
        this.pidFile = pidFile;
    }

    /**
     * Starts {@code java <jvmOptions> infra.ParentWatch <mainClass> <args>} in {@code dir} with the given class
     * path (passed in the {@code CLASSPATH} environment variable, which keeps {@code ps} readable).
     *
     * @param name       base name of the log and pid files in {@code dir}
     * @param dir        working folder of the child (created if missing)
     * @param classpath  class path of the server
     * @param jvmOptions JVM options such as {@code -Xmx256m}
     * @param mainClass  the server's main class
     * @param args       arguments of {@code mainClass.main}
     */
    public static ChildJvm start(String name, Path dir, String classpath, List<String> jvmOptions,
                                 String mainClass, List<String> args) {
        return start(name, dir, classpath, jvmOptions, mainClass, args, null);
    }

    /**
     * As {@link #start(String, Path, String, List, String, List)}, with a dynamic class-data-sharing archive kept
     * in {@code cdsDir} (see {@link ClassDataSharing}; null or {@code -Dthermocline.cds=false} disables it).
     */
    public static ChildJvm start(String name, Path dir, String classpath, List<String> jvmOptions,
                                 String mainClass, List<String> args, Path cdsDir) {
        try {
            Path folder = dir.toAbsolutePath();
            Files.createDirectories(folder);
            // With CDS the launcher jar must sit at a stable path: the archive records the class path.
            Path launcher = installParentWatch(cdsDir != null ? cdsDir.toAbsolutePath() : folder);
            String fullClasspath = launcher + File.pathSeparator + classpath;
            List<String> cmd = new ArrayList<>();
            cmd.add(javaCommand());
            ClassDataSharing.Pending cds = null;
            if (cdsDir != null && ClassDataSharing.enabled()) {
                ClassDataSharing.Plan plan = ClassDataSharing.plan(cdsDir, name, cmd.get(0), fullClasspath, mainClass);
                cmd.addAll(plan.jvmOptions());
                cds = plan.pending();
            }
            cmd.addAll(jvmOptions);
            cmd.add(ParentWatch.class.getName());
            cmd.add(mainClass);
            cmd.addAll(args);

            Path log = folder.resolve(name + ".log");
            if (Files.exists(log)) {
                Files.move(log, folder.resolve(name + ".log.1"), StandardCopyOption.REPLACE_EXISTING);
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(folder.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = pb.environment();
            env.put("CLASSPATH", fullClasspath);
            // A debug agent or similar meant for this JVM must not be inherited by the servers.
            env.remove("JAVA_TOOL_OPTIONS");
            env.remove("JDK_JAVA_OPTIONS");
            env.remove("_JAVA_OPTIONS");

            Process p = pb.start();
            Path pid = folder.resolve(name + ".pid");
            ChildJvm child = new ChildJvm(name, mainClass, p, log, pid, cds);
            OPEN.add(child);
            installShutdownHook();
            writePidFile(pid, p.toHandle(), mainClass);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + " (" + mainClass + ") in " + dir, e);
        }
    }

    public String name() {
        return name;
    }

    public String mainClass() {
        return mainClass;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    public Path pidFile() {
        return pidFile;
    }

    /** The last {@code lines} lines of the child's log. */
    public String logTail(int lines) {
        return ServerClasspath.tail(logFile, lines);
    }

    /** Waits for the child to exit on its own and returns its exit code. */
    public int waitFor(Duration timeout) throws InterruptedException, TimeoutException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException(name + " did not exit within " + timeout);
        }
        return process.exitValue();
    }

    /**
     * Stops the process tree (SIGTERM, then SIGKILL after {@link #GRACEFUL_STOP}, twice that while a
     * class-data-sharing archive is being written) and removes the pid file.
     */
    @Override
    public synchronized void close() { // synchronized: a concurrent caller returns only once the child is gone
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            // Dumping a class-data-sharing archive at exit adds a few seconds once: allow for it.
            Duration grace = cdsPending != null ? GRACEFUL_STOP.multipliedBy(2) : GRACEFUL_STOP;
            boolean graceful = terminate(process.toHandle(), grace);
            if (cdsPending != null) {
                cdsPending.finish(graceful);
            }
        } finally {
            try {
                stdin.close();
            } catch (IOException ignored) {
                // already gone
            }
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
                // best effort
            }
            OPEN.remove(this);
        }
    }

    @Override
    public String toString() {
        return "ChildJvm[" + name + ", pid " + pid() + ", " + mainClass + "]";
    }

    // ------------------------------------------------------------------ stale children

    /**
     * Kills the process named by {@code pidFile} if it is still alive and looks like the child that wrote it
     * (a {@code java} process with the recorded main class on its command line, started at the recorded time);
     * then deletes the pid file. Does nothing if the file does not exist.
     *
     * @return whether a process was killed
     */
    public static boolean killStale(Path pidFile) {
        return killStale(pidFile, null);
    }

    /** As {@link #killStale(Path)}, requiring {@code expectedMainClass} (if not null) on the command line. */
    public static boolean killStale(Path pidFile, String expectedMainClass) {
        if (!Files.isRegularFile(pidFile)) {
            return false;
        }
        long pid;
        String main = expectedMainClass;
        Long started = null;
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                Files.deleteIfExists(pidFile);
                return false;
            }
            pid = Long.parseLong(lines.get(0).trim());
            for (String line : lines.subList(1, lines.size())) {
                if (line.startsWith("main=") && main == null) {
                    main = line.substring(5).trim();
                } else if (line.startsWith("started=")) {
                    started = Long.parseLong(line.substring(8).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            deleteQuietly(pidFile);
            return false;
        }
        boolean killed = false;
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isPresent() && handle.get().isAlive() && pid != ProcessHandle.current().pid()
                && looksLikeOurs(handle.get(), main, started)) {
            terminate(handle.get(), GRACEFUL_STOP);
            killed = true;
        }
        deleteQuietly(pidFile);
        return killed;
    }

    private static boolean looksLikeOurs(ProcessHandle h, String main, Long started) {
        ProcessHandle.Info info = h.info();
        String command = info.command().orElse("");
        String fileName = Path.of(command.isEmpty() ? "x" : command).getFileName().toString();
        if (!fileName.equals("java") && !fileName.equals("java.exe")) {
            return false;
        }
        if (main != null) {
            String[] args = info.arguments().orElse(null);
            boolean found = false;
            if (args != null) {
                for (String a : args) {
                    if (a.equals(main)) {
                        found = true;
                        break;
                    }
                }
            } else {
                found = info.commandLine().map(c -> c.contains(main)).orElse(false);
            }
            if (!found) {
                return false;
            }
        }
        if (started != null && info.startInstant().isPresent()) {
            long diff = Math.abs(info.startInstant().get().toEpochMilli() - started);
            return diff < 2_000; // otherwise the pid was reused by another process
        }
        return true;
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Waits until {@code host:port} accepts TCP connections. Fails fast, with the tail of the child's log,
     * if {@code proc} (may be null) exits meanwhile.
     */
    public static void awaitPort(String host, int port, Duration timeout, ChildJvm proc) {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (true) {
            if (proc != null && !proc.isAlive()) {
                throw new IllegalStateException(proc.name + " exited (code " + proc.process.exitValue()
                        + ") before " + host + ":" + port + " opened; log " + proc.logFile + ":\n"
                        + proc.logTail(60));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 500);
                return;
            } catch (IOException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                String tail = proc == null ? "" : "; log " + proc.logFile + ":\n" + proc.logTail(60);
                throw new IllegalStateException(host + ":" + port + " not open after " + timeout
                        + " (" + last + ")" + tail);
            }
            sleep(100);
        }
    }

    /** The {@code java} binary for children: {@code thermocline.java} / {@code THERMOCLINE_JAVA}, else ours. */
    public static String javaCommand() {
        String override = System.getProperty("thermocline.java");
        if (override == null || override.isBlank()) {
            override = System.getenv("THERMOCLINE_JAVA");
        }
        if (override != null && !override.isBlank()) {
            return override.trim();
        }
        Optional<String> self = ProcessHandle.current().info().command();
        if (self.isPresent() && Files.isExecutable(Path.of(self.get()))
                && Path.of(self.get()).getFileName().toString().startsWith("java")) {
            return self.get();
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Extra JVM options from the system property {@code property}, else from the environment variable named
     * after it ({@code thermocline.kafka.jvm-options} becomes {@code THERMOCLINE_KAFKA_JVM_OPTIONS}); split on
     * whitespace. Empty if neither is set.
     */
    public static List<String> extraOptions(String property) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(property.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        return v == null || v.isBlank() ? List.of() : List.of(v.trim().split("\\s+"));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** SIGTERM to the tree, SIGKILL after {@code grace}; returns whether it ended without SIGKILL. */
    static boolean terminate(ProcessHandle h, Duration grace) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(h);
        h.descendants().forEach(tree::add);
        for (ProcessHandle p : tree) {
            p.destroy();
        }
        if (awaitExit(tree, grace)) {
            return true;
        }
        for (ProcessHandle p : tree) {
            p.destroyForcibly();
        }
        awaitExit(tree, Duration.ofSeconds(5));
        return false;
    }

    private static boolean awaitExit(List<ProcessHandle> tree, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle p : tree) {
            long left = deadline - System.nanoTime();
            try {
                p.onExit().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException e) {
                // cannot happen for onExit
            }
        }
        return true;
    }

    /**
     * Writes {@code <folder>/parent-watch.jar} holding just {@link ParentWatch} (a jar rather than a folder so
     * that class-data sharing archives stay possible: CDS refuses non-empty folders on the class path). The file
     * is only rewritten when its content changes, so its timestamp (which CDS checks) stays put.
     */
    private static Path installParentWatch(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path jar = folder.resolve("parent-watch.jar");
        byte[] bytes;
        try (InputStream in = ParentWatch.class.getResourceAsStream("ParentWatch.class")) {
            if (in == null) {
                throw new IOException("infra/ParentWatch.class not found on the class path");
            }
            bytes = in.readAllBytes();
        }
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(buf)) {
            java.util.jar.JarEntry e = new java.util.jar.JarEntry("infra/ParentWatch.class");
            e.setTime(0); // same bytes every time: the jar is rewritten only when the class changes
            out.putNextEntry(e);
            out.write(bytes);
            out.closeEntry();
        }
        byte[] jarBytes = buf.toByteArray();
        if (!Files.exists(jar) || !java.util.Arrays.equals(Files.readAllBytes(jar), jarBytes)) {
            Path tmp = Files.createTempFile(folder, "parent-watch", ".tmp");
            Files.write(tmp, jarBytes);
            Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        }
        return jar;
    }

    private static void writePidFile(Path pidFile, ProcessHandle h, String mainClass) throws IOException {
        long started = h.info().startInstant().map(Instant::toEpochMilli).orElse(System.currentTimeMillis());
        String text = h.pid() + "\nmain=" + mainClass + "\nstarted=" + started + "\n";
        Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, pidFile, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void installShutdownHook() {
        if (HOOK_INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(ChildJvm::closeAllOpen, "child-jvm-shutdown"));
        }
    }

    /**
     * Makes the JVM's shutdown hook wait (at most {@link #MAX_HOLD}) for {@code done} before it stops the children:
     * a parent that still needs them while it stops (a node draining its streams into Kafka and Cassandra) stops
     * them itself, last, and completes {@code done} then.
     */
    public static void holdShutdownUntil(java.util.concurrent.CompletionStage<?> done) {
        java.util.concurrent.CompletableFuture<?> hold = done.toCompletableFuture();
        HOLDS.add(hold);
        hold.whenComplete((ok, failure) -> HOLDS.remove(hold));
    }

    /** Closes every child still open, in parallel (Cassandra's drain and Kafka's shutdown overlap). */
    static void closeAllOpen() {
        long deadline = System.nanoTime() + MAX_HOLD.toNanos();
        for (java.util.concurrent.CompletableFuture<?> hold : List.copyOf(HOLDS)) {
            try {
                hold.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                // failed or late: stop the children anyway
            }
        }
        List<Thread> closers = new ArrayList<>();
        for (ChildJvm c : List.copyOf(OPEN)) {
            Thread t = new Thread(c::close, "close-" + c.name);
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join(GRACEFUL_STOP.toMillis() * 2 + 10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
