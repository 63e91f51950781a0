package org.microthreads.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import org.microthreads.FailedException;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * Parallel: start micro-threads, collect only their final values with {@code join}. Several at
 * once with {@code parallelAll}, which fails fast: the first failure cancels the others.
 * This example runs on the shared loop (the JDK's virtual threads on all cores; no JVM flag needed).
 */
public final class Parallel {
    private Parallel() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Parallel: start now, collect the value later ==");
        Loop.shared().run(() -> {
            joinTwo(out);
            failFast(out);
            return null;
        });
    }

    static void joinTwo(PrintStream out) throws InterruptedException {
        long t0 = System.nanoTime();
        MicroThread<String> name = MicroThread.parallel("name", () -> {
            MicroThread.sleep(Duration.ofMillis(100)); // stands in for a slow lookup
            return "teapot";
        });
        MicroThread<Integer> price = MicroThread.parallel("price", () -> {
            MicroThread.sleep(Duration.ofMillis(100));
            return 42;
        });
        out.println("  " + name.join() + " costs " + price.join() + " (two 100 ms lookups took "
                + millisSince(t0) + " ms together)");
    }

    static void failFast(PrintStream out) throws InterruptedException {
        long t0 = System.nanoTime();
        try {
            MicroThread.parallelAll(List.of(
                    () -> {
                        try {
                            MicroThread.sleep(Duration.ofSeconds(10));
                            return "slow answer";
                        } catch (InterruptedException e) {
                            out.println("  slow sibling: cancelled, after " + millisSince(t0) + " ms instead of 10 s");
                            throw e;
                        }
                    },
                    () -> {
                        MicroThread.sleep(Duration.ofMillis(50));
                        throw new IOException("connection reset");
                    }));
        } catch (FailedException e) {
            out.println("  parallelAll failed fast with " + e.getCause() + " after " + millisSince(t0) + " ms");
        }
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
