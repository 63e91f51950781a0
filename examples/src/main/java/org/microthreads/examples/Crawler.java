package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.microthreads.Limiter;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * The first of issue 14's three programs: a crawler-like fan-out with a concurrency limit and a
 * deadline, written with no hand-made workaround. Every fetch is a micro-thread of a
 * {@code withTimeout} scope, so none outlives the deadline; a {@link Limiter} lets at most four
 * fetch at once, and its waits read in dumps like any other ("waiting for a permit of 'fetch'").
 */
public final class Crawler {
    private Crawler() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** What the crawl saw; plain fields: one single-carrier loop runs every micro-thread. */
    static final class Stats {
        int fetching, mostAtOnce, fetched, cancelled;
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Crawler: 20 pages, at most 4 at once, all within 250 ms ==");
        Stats s = new Stats();
        List<String> pages = new ArrayList<>();
        try (Loop loop = Loop.singleCarrier("crawler")) {
            loop.run(() -> {
                Limiter fetchers = Limiter.of(4).named("fetch");
                long t0 = System.nanoTime();
                try {
                    MicroThread.withTimeout(Duration.ofMillis(250), () -> {
                        for (int i = 1; i <= 20; i++) {
                            int page = i;
                            MicroThread.startAndForget("page-" + page, () -> {
                                try (Limiter.Permit permit = fetchers.enter()) { // waits while 4 are fetching
                                    pages.add(fetch(page, s));
                                }
                            });
                        }
                        return null;
                    });
                    out.println("  all pages fetched in time");
                } catch (TimeoutException e) {
                    out.println("  " + e.getMessage() + " (after " + Parallel.millisSince(t0) + " ms)");
                }
                return null;
            });
            out.println("  fetched " + s.fetched + " pages, " + s.cancelled + " fetches cancelled at the deadline, at most "
                    + s.mostAtOnce + " at once; still running: " + loop.microThreads().size());
        }
    }

    /** Stands in for an HTTP fetch: page n takes 20 + 5n ms. */
    static String fetch(int page, Stats s) throws InterruptedException {
        s.fetching++;
        s.mostAtOnce = Math.max(s.mostAtOnce, s.fetching);
        try {
            MicroThread.sleep(Duration.ofMillis(20 + 5L * page));
            s.fetched++;
            return "page " + page;
        } catch (InterruptedException e) {
            s.cancelled++;
            throw e;
        } finally {
            s.fetching--;
        }
    }
}
