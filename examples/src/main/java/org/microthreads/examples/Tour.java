package org.microthreads.examples;

import java.io.PrintStream;
import org.microthreads.internal.JdkInternals;

/**
 * The guided tour that {@code ./mt demo} runs: every capability of microthreads today, one short
 * section each. Each section is a standalone example class with its own {@code main}.
 */
public final class Tour {
    private Tour() {}

    /** One section of the tour. */
    @FunctionalInterface
    interface Section {
        void run(PrintStream out) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        long t0 = System.nanoTime();
        out.println("microthreads: ordinary blocking-style Java code, run as micro-threads on hidden loops.");
        out.println("Each section below is an example class with its own main, in examples/src/main/java/org/microthreads/examples/.");
        out.println();
        section(out, "a", StartAndForget::run);
        section(out, "b", Parallel::run);
        section(out, "c", ManyOnOneCarrier::run);
        section(out, "d", Cancellation::run);
        section(out, "e", Timeouts::run);
        section(out, "f", Deferreds::run);
        section(out, "g", Deadlock::run);
        section(out, "h", Dump::run);
        section(out, "i", Pipes::run);
        section(out, "j", Selects::run);
        section(out, "k", PipeDeadlock::run);
        section(out, "l", Generators::run);
        section(out, "m", Scopes::run);
        section(out, "n", Crawler::run);
        section(out, "o", Limits::run);
        section(out, "p", Pipeline::run);
        section(out, "q", Tickers::run);
        section(out, "r", Futures::run);
        section(out, "s", Simulations::run);
        out.println("Tour finished in " + Parallel.millisSince(t0) + " ms.");
    }

    private static void section(PrintStream out, String letter, Section section) throws Exception {
        out.print("(" + letter + ") ");
        try {
            section.run(out);
        } catch (UnsupportedOperationException e) {
            // Run without the JVM flags (not through ./mt): single-carrier loops are unavailable.
            out.println("  skipped: " + e.getMessage());
        }
        out.println();
    }
}
