package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.microthreads.Limiter;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * A concurrency limit: 20 fetches started at once, at most 3 of them fetching at any moment,
 * each holding a permit of a {@link Limiter} in a try-with-resources block; and what a
 * micro-thread waiting for a permit looks like in a dump.
 */
public final class Limits {
    private Limits() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Limits: at most 3 of 20 fetches at once, with a Limiter ==");
        long t0 = System.nanoTime();
        int peak = Loop.shared().run(() -> {
            Limiter fetches = Limiter.of(3).named("fetch");
            AtomicInteger fetching = new AtomicInteger(), most = new AtomicInteger();
            List<MicroThread<String>> pages = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                String url = "https://example.org/page/" + i;
                pages.add(MicroThread.parallel("fetch-" + i, () -> {
                    try (Limiter.Permit p = fetches.enter()) { // waits while 3 others fetch
                        most.accumulateAndGet(fetching.incrementAndGet(), Math::max);
                        MicroThread.sleep(Duration.ofMillis(20)); // stands in for the fetch
                        fetching.decrementAndGet();
                        return url;
                    }
                }));
            }
            for (MicroThread<String> page : pages) page.join();
            return most.get();
        });
        out.println("  20 fetches of 20 ms each, at most " + peak + " at once, took " + Parallel.millisSince(t0)
                + " ms (7 rounds of 3)");

        String seen = Loop.shared().run(() -> {
            Limiter db = Limiter.mutex().named("db"); // a mutex is the one-permit case
            try (Limiter.Permit p = db.enter()) {
                MicroThread<Void> second = MicroThread.parallel("second", () -> {
                    db.enter().close();
                    return null;
                });
                while (second.waitingOn().isEmpty()) MicroThread.yieldNow();
                String waiting = "'" + second.name() + "' " + second.waitingOn().get();
                p.close(); // the permit goes straight to 'second'
                second.join();
                return waiting;
            }
        });
        out.println("  a dump shows: " + seen);
    }
}
