// Ticker.java - a JVM for the real-CRIU suite: worker threads count, the main thread shows the counts.
// Usage: java -cp DIR Ticker STATUS_FILE. Rewrites STATUS_FILE (one fixed-width line, at offset 0)
// every 10 ms with "tick N" and each worker's count, so a reader sees that the JVM runs on.
import java.io.RandomAccessFile;
import java.util.concurrent.atomic.AtomicLongArray;

public class Ticker {
    static final int WORKERS = 2;

    public static void main(String[] args) throws Exception {
        AtomicLongArray counts = new AtomicLongArray(WORKERS);
        for (int i = 0; i < WORKERS; i++) {
            final int slot = i;
            Thread t = new Thread(() -> {
                for (;;) {
                    counts.incrementAndGet(slot);
                    try { Thread.sleep(5); } catch (InterruptedException e) { return; }
                }
            });
            t.setDaemon(true);
            t.start();
        }
        try (RandomAccessFile f = new RandomAccessFile(args[0], "rw")) {
            for (long tick = 1;; tick++) {
                StringBuilder line = new StringBuilder("tick " + tick);
                for (int i = 0; i < WORKERS; i++)
                    line.append(' ').append(counts.get(i));
                while (line.length() < 255)
                    line.append(' ');
                line.append('\n');
                f.seek(0);
                f.write(line.toString().getBytes());
                Thread.sleep(10);
            }
        }
    }
}
