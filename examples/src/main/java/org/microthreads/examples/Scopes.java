package org.microthreads.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.microthreads.FailedException;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * Scopes: blocks whose micro-threads cannot outlive them. {@code scope} waits for what its body
 * started and stops it all at the first failure; {@code withTimeout} is a scope with a deadline;
 * {@code race} keeps the first success and cancels the rest; a {@code ScopedValue} bound by the
 * starter is seen by the micro-threads it starts.
 */
public final class Scopes {
    private Scopes() {}

    static final ScopedValue<String> REQUEST = ScopedValue.newInstance();

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Scopes: what a block starts ends with it ==");
        try (Loop loop = Loop.singleCarrier("scopes")) {
            loop.run(() -> {
                AtomicInteger stillRunning = new AtomicInteger();
                long t0 = System.nanoTime();
                try {
                    MicroThread.withTimeout(Duration.ofMillis(100), () -> {
                        List<MicroThread<String>> fetches = new ArrayList<>();
                        for (int i = 1; i <= 5; i++) {
                            int page = i;
                            fetches.add(MicroThread.parallel("fetch-" + page, () -> {
                                stillRunning.incrementAndGet();
                                try {
                                    MicroThread.sleep(Duration.ofMillis(page * 40)); // pages 3, 4, 5 are too slow
                                    return "page " + page;
                                } finally {
                                    stillRunning.decrementAndGet();
                                }
                            }));
                        }
                        List<String> pages = new ArrayList<>();
                        for (MicroThread<String> f : fetches) pages.add(f.join());
                        return pages;
                    });
                } catch (TimeoutException e) {
                    out.println("  five fetches under withTimeout(100 ms): " + e.getMessage() + " after "
                            + Parallel.millisSince(t0) + " ms; fetches still running: " + stillRunning.get());
                }

                try {
                    MicroThread.scope(() -> {
                        MicroThread.startAndForget("resize", () -> MicroThread.sleep(Duration.ofSeconds(10)));
                        MicroThread.startAndForget("upload", () -> {
                            MicroThread.sleep(Duration.ofMillis(20));
                            throw new IOException("upload refused");
                        });
                        return null;
                    });
                } catch (FailedException e) {
                    out.println("  a scope whose upload failed: " + e.getMessage());
                    out.println("    (the 10 s resize was cancelled: the scope took " + Parallel.millisSince(t0) + " ms since the start of this section)");
                }

                String fastest = MicroThread.race(List.of(
                        () -> slowMirror("mirror A", 80),
                        () -> {
                            throw new IOException("mirror B is down"); // a failed attempt just loses
                        },
                        () -> slowMirror("mirror C", 30)));
                out.println("  race of three mirrors: " + fastest + " won; the others were cancelled");
                return null;
            });
            String seen = ScopedValue.where(REQUEST, "req-42").call(() ->
                    loop.run(() -> MicroThread.parallel(() -> "child sees " + REQUEST.get()).join()));
            out.println("  ScopedValue bound around run: " + seen);
        }
    }

    private static String slowMirror(String name, int millis) throws InterruptedException {
        MicroThread.sleep(Duration.ofMillis(millis));
        return name;
    }
}
