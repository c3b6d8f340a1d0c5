// PidReport.java - prints the PID Java sees and the range of this process's TIDs, in one line.
import java.io.File;

public class PidReport {
    public static void main(String[] args) throws Exception {
        // Start one more thread first: threads made after launch must obey the minimum too.
        Thread t = new Thread(() -> { });
        t.start();
        t.join();
        Thread worker = new Thread(() -> {
            try { Thread.sleep(100000); } catch (InterruptedException e) { }
        });
        worker.setDaemon(true);
        worker.start();
        long min = Long.MAX_VALUE, max = 0;
        int n = 0;
        for (String s : new File("/proc/self/task").list()) {
            long tid = Long.parseLong(s);
            min = Math.min(min, tid);
            max = Math.max(max, tid);
            n++;
        }
        System.out.println("PIDREPORT pid=" + ProcessHandle.current().pid()
                + " tid_min=" + min + " tid_max=" + max + " tids=" + n);
    }
}
