package infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Dynamic AppCDS archives for child server JVMs (JDK 13+): the first start of a given JDK + class path + main
 * class runs with {@code -XX:ArchiveClassesAtExit}, and the archive written at its (graceful) exit is used by
 * later starts through {@code -XX:SharedArchiveFile}. Measured on Cassandra 5.0.9 here: start to CQL ready
 * about 2.5 s faster. An unusable archive only costs a warning (the JVM runs with {@code -Xshare:auto}).
 *
 * <p>Disable with {@code -Dthermocline.cds=false} or {@code THERMOCLINE_CDS=false}.
 */
final class ClassDataSharing {

    record Plan(List<String> jvmOptions, Pending pending) {
    }

    /** An archive being dumped by a running child; {@link #finish} publishes it once the child is gone. */
    record Pending(Path tmp, Path archive, String prefix) {
        void finish(boolean graceful) {
            try {
                if (graceful && Files.isRegularFile(tmp) && Files.size(tmp) > 0) {
                    try {
                        Files.move(tmp, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(tmp, archive, StandardCopyOption.REPLACE_EXISTING);
                    }
                    deleteOthers(archive, prefix);
                } else {
                    Files.deleteIfExists(tmp); // possibly cut short by SIGKILL
                }
            } catch (IOException ignored) {
                // the next start simply dumps again
            }
        }
    }

    private ClassDataSharing() {
    }

    static boolean enabled() {
        String v = System.getProperty("thermocline.cds");
        if (v == null) {
            v = System.getenv("THERMOCLINE_CDS");
        }
        return v == null || !v.trim().equalsIgnoreCase("false");
    }

    static Plan plan(Path cdsDir, String name, String java, String classpath, String mainClass) throws IOException {
        Path dir = cdsDir.toAbsolutePath();
        Files.createDirectories(dir);
        String javaId = java;
        try {
            Path real = Path.of(java).toRealPath();
            Path modules = real.getParent().getParent().resolve("lib").resolve("modules");
            javaId = real + "|" + Files.size(real) + "|" + Files.getLastModifiedTime(real).toMillis()
                    + (Files.exists(modules) ? "|" + Files.getLastModifiedTime(modules).toMillis() : "");
        } catch (IOException | RuntimeException ignored) {
            // keyed by the command alone; the JVM still rejects an archive of another JDK build
        }
        String prefix = name + "-";
        Path archive = dir.resolve(prefix + sha256(javaId + "\n" + classpath + "\n" + mainClass).substring(0, 20) + ".jsa");
        sweepOldTemps(dir);
        if (Files.isRegularFile(archive) && Files.size(archive) > 0) {
            return new Plan(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto"), null);
        }
        Path tmp = dir.resolve(archive.getFileName() + "." + ProcessHandle.current().pid() + "-" + System.nanoTime()
                + ".tmp");
        return new Plan(List.of("-XX:ArchiveClassesAtExit=" + tmp), new Pending(tmp, archive, prefix));
    }

    private static void deleteOthers(Path archive, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(archive.getParent())) {
            files.filter(f -> {
                String n = f.getFileName().toString();
                return n.matches(java.util.regex.Pattern.quote(prefix) + "[0-9a-f]{20}\\.jsa") && !f.equals(archive);
            }).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        }
    }

    private static void sweepOldTemps(Path dir) throws IOException {
        Instant cutoff = Instant.now().minus(Duration.ofHours(6));
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> f.getFileName().toString().endsWith(".tmp")).forEach(f -> {
                try {
                    if (Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
                        Files.deleteIfExists(f);
                    }
                } catch (IOException ignored) {
                    // best effort
                }
            });
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
