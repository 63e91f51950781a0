package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.microthreads.MicroThread;

/**
 * A timeout around any blocking-style code: when time is up the body is interrupted (in a
 * micro-thread stickily, like a cancellation, yet the micro-thread is not cancelled) and, once
 * it has ended by throwing, {@code withTimeout} throws {@link TimeoutException}.
 */
public final class Timeouts {
    private Timeouts() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Timeouts: withTimeout interrupts a body that takes too long ==");
        String quick = MicroThread.withTimeout(Duration.ofSeconds(1), () -> {
            MicroThread.sleep(Duration.ofMillis(10));
            return "in time";
        });
        out.println("  a 10 ms body under a 1 s timeout returned: " + quick);

        long t0 = System.nanoTime();
        try {
            MicroThread.withTimeout(Duration.ofMillis(100), () -> {
                MicroThread.sleep(Duration.ofSeconds(5));
                return "too late";
            });
        } catch (TimeoutException e) {
            out.println("  a 5 s body under a 100 ms timeout: " + e.getMessage() + " (after "
                    + Parallel.millisSince(t0) + " ms)");
        }
    }
}
