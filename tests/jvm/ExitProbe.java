// ExitProbe.java - main that throws, calls System.exit(n), or waits for a signal (check-jvm).
public class ExitProbe {
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        if (mode.equals("throw"))
            throw new IllegalStateException("ExitProbe boom");
        if (mode.equals("exit"))
            System.exit(Integer.parseInt(args[1]));
        if (mode.equals("sleep")) {
            // Proves the JVM itself got SIGTERM (not just the launcher dying of it).
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("hook")));
            // The test signals us after "ready"; a bounded sleep so a lost signal fails, not hangs.
            System.out.println("ready pid=" + ProcessHandle.current().pid());
            System.out.flush();
            Thread.sleep(30000);
            System.out.println("slept");
        }
    }
}
