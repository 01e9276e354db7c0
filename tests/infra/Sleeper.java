package infra;

/** A trivial main class for child-process tests: idles until killed (at most 120 s, or args[0] seconds). */
public final class Sleeper {
    public static void main(String[] args) throws InterruptedException {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 120;
        System.out.println("sleeper " + ProcessHandle.current().pid() + " up");
        new java.util.concurrent.CountDownLatch(1).await(seconds, java.util.concurrent.TimeUnit.SECONDS);
    }
}
