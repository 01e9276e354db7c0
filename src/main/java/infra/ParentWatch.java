package infra;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of every {@link ChildJvm}: {@code ParentWatch <mainClass> <args...>} watches its standard input
 * (a pipe held open by the parent) and exits the JVM when it reaches end of file, i.e. when the parent is gone
 * even after a {@code kill -9}; then it runs {@code mainClass.main(args)}.
 *
 * <p>Deliberately a single class without lambdas or nested classes: {@link ChildJvm} copies just this
 * {@code .class} file onto the child's class path, so the server's class path stays untouched otherwise.
 */
public final class ParentWatch implements Runnable {

    /** Grace period for the server's shutdown hooks (Cassandra drains) before the JVM is halted. */
    static final long HALT_AFTER_MILLIS = 30_000;

    private final boolean halter;

    private ParentWatch(boolean halter) {
        this.halter = halter;
    }

    public static void main(String[] args) throws Throwable {
        if (args.length == 0) {
            System.err.println("usage: infra.ParentWatch <mainClass> [args...]");
            System.exit(2);
        }
        // Ctrl-C in a terminal signals the whole process group, the servers with their parent: the parent stops
        // them itself, after it drained what it still writes to them (app.Node's shutdown order).
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
        Thread watch = new Thread(new ParentWatch(false), "parent-watch");
        watch.setDaemon(true);
        watch.start();
        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public void run() {
        if (halter) {
            try {
                Thread.sleep(HALT_AFTER_MILLIS);
            } catch (InterruptedException ignored) {
                // halt anyway
            }
            System.err.println("[parent-watch] shutdown hooks still running after "
                    + HALT_AFTER_MILLIS + " ms; halting");
            Runtime.getRuntime().halt(1);
            return;
        }
        InputStream in = System.in;
        byte[] buf = new byte[256];
        try {
            while (in.read(buf) >= 0) {
                // the parent never writes; we only wait for end of file
            }
        } catch (IOException ignored) {
            // treat as end of file
        }
        System.err.println("[parent-watch] parent process gone (stdin closed); exiting");
        Thread halt = new Thread(new ParentWatch(true), "parent-watch-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(0);
    }
}
