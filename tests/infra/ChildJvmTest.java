package infra;

import org.junit.jupiter.api.Test;
import testkit.TestServers;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChildJvmTest {

    private static String testClasses() throws Exception {
        return Path.of(Sleeper.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static String mainClasses() throws Exception {
        return Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static void awaitGone(ProcessHandle h, Duration timeout) throws Exception {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            h.destroyForcibly();
            throw new AssertionError("process " + h.pid() + " still alive after " + timeout);
        }
    }

    @Test
    void closeStopsTheChildAndRemovesThePidFile() throws Exception {
        Path dir = TestServers.newDir("child");
        ChildJvm child = ChildJvm.start("sleeper", dir, testClasses(), List.of("-Xmx32m"),
                Sleeper.class.getName(), List.of("120"));
        try {
            assertTrue(child.isAlive());
            List<String> pid = Files.readAllLines(dir.resolve("sleeper.pid"));
            assertEquals(String.valueOf(child.pid()), pid.get(0));
            assertTrue(pid.contains("main=" + Sleeper.class.getName()));
        } finally {
            child.close();
        }
        assertFalse(child.isAlive());
        assertFalse(Files.exists(dir.resolve("sleeper.pid")));
        assertTrue(Files.readString(child.logFile()).contains("sleeper " + child.pid() + " up")
                || Files.exists(child.logFile()));
    }

    @Test
    void killStaleKillsALeftoverChild() throws Exception {
        Path dir = TestServers.newDir("stale");
        // Started directly (not through ChildJvm): it stands for the child of a parent that was kill -9'd.
        Process p = new ProcessBuilder(ChildJvm.javaCommand(), "-Xmx32m", "-cp", testClasses(),
                Sleeper.class.getName(), "120").redirectErrorStream(true)
                .redirectOutput(dir.resolve("sleeper.log").toFile()).start();
        try {
            Path pidFile = dir.resolve("sleeper.pid");
            Files.writeString(pidFile, p.pid() + "\nmain=" + Sleeper.class.getName() + "\n");
            assertTrue(ChildJvm.killStale(pidFile));
            awaitGone(p.toHandle(), Duration.ofSeconds(5));
            assertFalse(p.isAlive());
            assertFalse(Files.exists(pidFile));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void killStaleSparesProcessesThatAreNotOurs() throws Exception {
        Path dir = TestServers.newDir("stale");
        Process p = new ProcessBuilder(ChildJvm.javaCommand(), "-Xmx32m", "-cp", testClasses(),
                Sleeper.class.getName(), "120").start();
        try {
            Path pidFile = dir.resolve("other.pid");
            // Right pid, wrong main class: a reused pid must not be killed.
            Files.writeString(pidFile, p.pid() + "\nmain=org.example.SomethingElse\n");
            assertFalse(ChildJvm.killStale(pidFile));
            assertTrue(p.isAlive());
            assertFalse(Files.exists(pidFile));
            // Right main class, wrong start time: also a reused pid.
            Files.writeString(pidFile, p.pid() + "\nmain=" + Sleeper.class.getName() + "\nstarted=1000\n");
            assertFalse(ChildJvm.killStale(pidFile));
            assertTrue(p.isAlive());
            // Missing pid file: nothing to do.
            assertFalse(ChildJvm.killStale(dir.resolve("missing.pid")));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void childExitsWhenItsParentIsKilledWithSigkill() throws Exception {
        Path dir = TestServers.newDir("orphan");
        String cp = mainClasses() + java.io.File.pathSeparator + testClasses();
        Process parent = new ProcessBuilder(ChildJvm.javaCommand(), "-Xmx64m", "-cp", cp,
                OrphanMaker.class.getName(), dir.toString(), testClasses()).redirectErrorStream(true).start();
        ProcessHandle child = null;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("child-pid=")) {
                // skip
            }
            assertTrue(line != null, "OrphanMaker printed no child pid");
            long pid = Long.parseLong(line.substring("child-pid=".length()));
            assertNotEquals(parent.pid(), pid);
            child = ProcessHandle.of(pid).orElseThrow();
            assertTrue(child.isAlive());
            parent.destroyForcibly(); // SIGKILL: no shutdown hook runs in the parent
            parent.waitFor(10, TimeUnit.SECONDS);
            awaitGone(child, Duration.ofSeconds(10)); // ParentWatch sees stdin close and exits
            // The pid file is left behind; killStale handles it as a no-op now.
            assertFalse(ChildJvm.killStale(dir.resolve("sleeper.pid")));
        } finally {
            parent.destroyForcibly();
            if (child != null) {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void freePortsAreDistinct() {
        int[] ports = FreePorts.pick(5);
        assertEquals(5, java.util.Arrays.stream(ports).distinct().count());
        for (int port : ports) {
            assertTrue(port > 0 && port < 65536);
        }
    }
}
