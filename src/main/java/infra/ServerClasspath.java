package infra;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Resolves the class path of a child server JVM from a tiny Maven pom shipped as a class-path resource
 * ({@code <resourceDir>/pom.xml}), by running {@code mvn dependency:build-classpath} once and caching the result.
 *
 * <p>The cache entry is {@code <cacheDir>/<name>-<sha256 of the pom>/classpath.txt}; it is reused while every
 * jar it lists still exists. The Maven command is {@code mvn} from the PATH unless the environment variable
 * {@code THERMOCLINE_MVN} (or the system property {@code thermocline.mvn}) names another one; its value is split
 * on whitespace, so {@code "mvn -o"} works. Resolution is serialised per entry across threads and processes.
 */
public final class ServerClasspath {

    /** Environment variable naming the Maven command. */
    public static final String MVN_ENV = "THERMOCLINE_MVN";
    /** System property naming the Maven command (wins over the environment variable). */
    public static final String MVN_PROPERTY = "thermocline.mvn";

    private static final long MVN_TIMEOUT_MINUTES = 30;
    private static final int OUTPUT_TAIL_LINES = 40;

    private ServerClasspath() {
    }

    /**
     * @param resourceDir class-path folder holding {@code pom.xml}, e.g. {@code "infra/cassandra"}
     * @param cacheDir    persistent folder for resolved class paths
     * @return the class path (entries joined by {@link File#pathSeparator})
     */
    /**
     * Where resolved class paths are cached unless told otherwise: system property
     * {@code thermocline.classpath.cache}, else environment {@code THERMOCLINE_CLASSPATH_CACHE}, else
     * {@code ~/.cache/thermocline/classpath} (or {@code target/server-classpath} if home is not writable).
     */
    public static Path defaultCache() {
        String p = System.getProperty("thermocline.classpath.cache");
        if (p == null || p.isBlank()) {
            p = System.getenv("THERMOCLINE_CLASSPATH_CACHE");
        }
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        Path home = Path.of(System.getProperty("user.home"), ".cache", "thermocline", "classpath");
        try {
            java.nio.file.Files.createDirectories(home);
            if (java.nio.file.Files.isWritable(home)) {
                return home;
            }
        } catch (IOException ignored) {
            // fall through
        }
        return Path.of("target", "server-classpath").toAbsolutePath();
    }

    public static String resolve(String resourceDir, Path cacheDir) {
        String dir = resourceDir.replaceAll("^/+", "").replaceAll("/+$", "");
        String resource = dir + "/pom.xml";
        byte[] pom = readResource(resource);
        String name = dir.substring(dir.lastIndexOf('/') + 1);
        Path entry = cacheDir.toAbsolutePath().resolve(name + "-" + sha256(pom));
        Path cpFile = entry.resolve("classpath.txt");
        synchronized (ServerClasspath.class) {
            try {
                Files.createDirectories(entry);
                String cached = validCached(cpFile);
                if (cached != null) {
                    return cached;
                }
                try (FileChannel ch = FileChannel.open(entry.resolve(".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = ch.lock()) {
                    cached = validCached(cpFile); // another process may have finished meanwhile
                    if (cached != null) {
                        return cached;
                    }
                    return runMaven(resource, pom, entry, cpFile);
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot resolve the class path of " + resource + " in " + entry, e);
            }
        }
    }

    /** The Maven command line prefix: {@code THERMOCLINE_MVN} / {@code thermocline.mvn}, else {@code mvn}. */
    public static List<String> mavenCommand() {
        String cmd = System.getProperty(MVN_PROPERTY);
        if (cmd == null || cmd.isBlank()) {
            cmd = System.getenv(MVN_ENV);
        }
        if (cmd == null || cmd.isBlank()) {
            cmd = "mvn";
        }
        return new ArrayList<>(Arrays.asList(cmd.trim().split("\\s+")));
    }

    private static String runMaven(String resource, byte[] pom, Path entry, Path cpFile) throws IOException {
        Path pomFile = entry.resolve("pom.xml");
        Files.write(pomFile, pom);
        Path out = entry.resolve("classpath.txt.tmp");
        Files.deleteIfExists(out);
        Path log = entry.resolve("mvn.log");
        List<String> cmd = mavenCommand();
        cmd.addAll(List.of("-q", "-B", "-f", pomFile.toString(), "dependency:build-classpath",
                "-Dmdep.includeScope=runtime", "-Dmdep.outputFile=" + out));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(entry.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run Maven (" + String.join(" ", cmd) + ") to resolve "
                    + resource + ": " + e.getMessage() + ". Put mvn on the PATH or set " + MVN_ENV + ".", e);
        }
        p.getOutputStream().close();
        int rc;
        try {
            if (!p.waitFor(MVN_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("Maven did not finish within " + MVN_TIMEOUT_MINUTES
                        + " min resolving " + resource + "; output tail:\n" + tail(log, OUTPUT_TAIL_LINES));
            }
            rc = p.exitValue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while resolving " + resource, e);
        }
        if (rc != 0 || !Files.isRegularFile(out)) {
            throw new IllegalStateException("Maven failed (exit " + rc + ") resolving " + resource + ": "
                    + String.join(" ", cmd) + "\noutput tail (" + log + "):\n" + tail(log, OUTPUT_TAIL_LINES));
        }
        String cp = Files.readString(out, StandardCharsets.UTF_8).trim();
        if (cp.isEmpty() || missingEntry(cp) != null) {
            throw new IllegalStateException("Maven produced an unusable class path for " + resource
                    + (cp.isEmpty() ? " (empty)" : " (missing " + missingEntry(cp) + ")"));
        }
        try {
            Files.move(out, cpFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(out, cpFile, StandardCopyOption.REPLACE_EXISTING);
        }
        return cp;
    }

    private static String validCached(Path cpFile) throws IOException {
        if (!Files.isRegularFile(cpFile)) {
            return null;
        }
        String cp = Files.readString(cpFile, StandardCharsets.UTF_8).trim();
        return cp.isEmpty() || missingEntry(cp) != null ? null : cp;
    }

    private static String missingEntry(String cp) {
        for (String e : cp.split(File.pathSeparator)) {
            if (!e.isBlank() && !Files.exists(Path.of(e))) {
                return e;
            }
        }
        return null;
    }

    private static byte[] readResource(String resource) {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        InputStream in = cl == null ? null : cl.getResourceAsStream(resource);
        if (in == null) {
            in = ServerClasspath.class.getClassLoader().getResourceAsStream(resource);
        }
        if (in == null) {
            throw new IllegalArgumentException("Class-path resource not found: " + resource);
        }
        try (InputStream s = in) {
            return s.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read class-path resource " + resource, e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The last {@code lines} lines of a (possibly large) text file, for error messages. */
    static String tail(Path file, int lines) {
        if (!Files.exists(file)) {
            return "(" + file + " does not exist)";
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) Math.min(size, 64 * 1024);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(n);
            ch.read(buf, size - n);
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            String[] all = text.split("\r?\n");
            int from = Math.max(all.length > 1 && n < size ? 1 : 0, all.length - lines); // skip a cut first line
            return String.join("\n", Arrays.asList(all).subList(from, all.length));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
