package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * A single-carrier loop: one platform thread keeps 100,000 micro-threads busy. They run one at a
 * time and switch only when one blocks or yields, so plain (non-atomic) shared state is safe.
 */
public final class ManyOnOneCarrier {
    private ManyOnOneCarrier() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** Plain fields, no atomics, no locks: the micro-threads of one carrier never race. */
    static final class Counters {
        int finished;
        int asleep;
        int mostAsleepAtOnce;
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== One carrier thread, 100,000 micro-threads ==");
        int n = 100_000;
        Counters c = new Counters();
        long t0 = System.nanoTime();
        try (Loop loop = Loop.singleCarrier("busy")) {
            loop.run(() -> {
                for (int i = 0; i < n; i++) {
                    if (i % 1_000 == 999) MicroThread.yieldNow(); // let them run: a loop never switching is starved
                    MicroThread.startAndForget(() -> {
                        c.asleep++;
                        c.mostAsleepAtOnce = Math.max(c.mostAsleepAtOnce, c.asleep);
                        MicroThread.sleep(Duration.ofMillis(10)); // parks this micro-thread only
                        c.asleep--;
                        c.finished++;
                    });
                }
                return null;
            });
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        out.println("  started " + n + " micro-threads that each sleep 10 ms; run() returned after all ended, in " + ms + " ms");
        out.println("  up to " + c.mostAsleepAtOnce + " were asleep at the same time, all on one carrier thread");
        out.println("  a plain int incremented by every one of them reads " + c.finished
                + (c.finished == n ? ": no update was lost, they never raced" : ": UPDATES WERE LOST"));
    }
}
