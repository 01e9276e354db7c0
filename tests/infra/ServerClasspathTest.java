package infra;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import testkit.TestServers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Caching and error handling of {@link ServerClasspath}, with a fake {@code mvn} script (no network, fast). */
class ServerClasspathTest {

    @AfterEach
    void clearOverride() {
        System.clearProperty(ServerClasspath.MVN_PROPERTY);
    }

    /** A fake mvn that counts its runs in {@code dir/runs} and writes {@code dir/cp-value} as the class path. */
    private static Path fakeMvn(Path dir, Path jar, int exitCode) throws Exception {
        Files.writeString(dir.resolve("cp-value"), jar.toString());
        Path script = dir.resolve("fake-mvn.sh");
        Files.writeString(script, String.join("\n",
                "#!/bin/sh",
                "echo run >> '" + dir.resolve("runs") + "'",
                "echo 'fake maven says: something to show'",
                "for a in \"$@\"; do case \"$a\" in -Dmdep.outputFile=*) out=\"${a#-Dmdep.outputFile=}\";; esac; done",
                "[ " + exitCode + " -eq 0 ] && cat '" + dir.resolve("cp-value") + "' > \"$out\"",
                "exit " + exitCode,
                ""));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static int runs(Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        return Files.exists(runs) ? Files.readAllLines(runs).size() : 0;
    }

    @Test
    void resolvesOnceAndReusesTheCacheWhileTheJarsExist() throws Exception {
        Path dir = TestServers.newDir("cp");
        Path jar = Files.createFile(dir.resolve("server.jar"));
        System.setProperty(ServerClasspath.MVN_PROPERTY, fakeMvn(dir, jar, 0).toString());
        Path cache = dir.resolve("cache");

        assertEquals(jar.toString(), ServerClasspath.resolve("infra/fake", cache));
        assertEquals(jar.toString(), ServerClasspath.resolve("/infra/fake/", cache));
        assertEquals(1, runs(dir), "second call must come from the cache");

        // A listed jar vanished (e.g. ~/.m2 was cleaned): resolve again.
        Files.delete(jar);
        Path other = Files.createFile(dir.resolve("other.jar"));
        Files.writeString(dir.resolve("cp-value"), other.toString());
        assertEquals(other.toString(), ServerClasspath.resolve("infra/fake", cache));
        assertEquals(2, runs(dir));

        // Maven "succeeds" but lists a jar that does not exist: a clear error, not a broken class path.
        Files.delete(other);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ServerClasspath.resolve("infra/fake", cache));
        assertTrue(e.getMessage().contains("missing " + other), e.getMessage());
    }

    @Test
    void reportsAFailingMavenWithItsOutput() throws Exception {
        Path dir = TestServers.newDir("cp");
        System.setProperty(ServerClasspath.MVN_PROPERTY, fakeMvn(dir, dir.resolve("x.jar"), 3).toString());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ServerClasspath.resolve("infra/fake", dir.resolve("cache")));
        assertTrue(e.getMessage().contains("exit 3"), e.getMessage());
        assertTrue(e.getMessage().contains("fake maven says: something to show"), e.getMessage());
    }

    @Test
    void reportsAMissingMavenCommand() throws Exception {
        Path dir = TestServers.newDir("cp");
        System.setProperty(ServerClasspath.MVN_PROPERTY, dir.resolve("no-such-mvn").toString());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ServerClasspath.resolve("infra/fake", dir.resolve("cache")));
        assertTrue(e.getMessage().contains("THERMOCLINE_MVN"), e.getMessage());
    }

    @Test
    void rejectsAMissingPom() {
        assertThrows(IllegalArgumentException.class,
                () -> ServerClasspath.resolve("infra/nothing-here", TestServers.newDir("cp")));
    }
}
