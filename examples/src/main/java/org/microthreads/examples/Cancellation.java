package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import org.microthreads.MicroThread;

/**
 * Cancellation is sticky: a body that catches and swallows the {@link InterruptedException} gets
 * another one at the library's next blocking point, so it cannot keep running by accident.
 */
public final class Cancellation {
    private Cancellation() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Cancellation: sticky, even for a body that swallows it ==");
        long t0 = System.nanoTime();
        MicroThread<String> stubborn = MicroThread.parallel("stubborn", () -> {
            try {
                MicroThread.sleep(Duration.ofSeconds(10));
            } catch (InterruptedException swallowed) {
                out.println("  stubborn: caught the cancellation and ignored it; going back to sleep for 10 s");
            }
            MicroThread.sleep(Duration.ofSeconds(10)); // sticky: throws InterruptedException at once
            return "never reached";
        });
        Thread.sleep(50);
        stubborn.cancel();
        try {
            stubborn.join();
        } catch (CancellationException e) {
            out.println("  join: " + e.getMessage() + " (state " + stubborn.state() + "); its second sleep threw at once: "
                    + Parallel.millisSince(t0) + " ms in all, not 10 s");
        }
    }
}
