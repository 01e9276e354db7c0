package infra;

/** A trivial main class for child-process tests: sleeps (default 120 s, or args[0] seconds). */
public final class Sleeper {
    public static void main(String[] args) throws InterruptedException {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 120;
        System.out.println("sleeper " + ProcessHandle.current().pid() + " up");
        Thread.sleep(seconds * 1000);
    }
}
