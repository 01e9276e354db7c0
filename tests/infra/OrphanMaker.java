package infra;

import java.nio.file.Path;
import java.util.List;

/**
 * Test helper main: starts a {@link Sleeper} through {@link ChildJvm} in {@code args[0]} with class path
 * {@code args[1]}, prints its pid and then waits to be killed (the test kills it with SIGKILL).
 */
public final class OrphanMaker {
    public static void main(String[] args) throws InterruptedException {
        ChildJvm child = ChildJvm.start("sleeper", Path.of(args[0]), args[1], List.of("-Xmx32m"),
                Sleeper.class.getName(), List.of("120"));
        System.out.println("child-pid=" + child.pid());
        System.out.flush();
        // Idle until the test kills this process.
        new java.util.concurrent.CountDownLatch(1).await(120, java.util.concurrent.TimeUnit.SECONDS);
    }
}
