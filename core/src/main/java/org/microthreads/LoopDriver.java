package org.microthreads;

import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.microthreads.internal.JdkInternals;

/**
 * What differs between loop kinds: a {@link Loop} is one class composed with one driver, chosen by
 * its factory ({@link SharedDriver}, {@link CarrierDriver}, {@link HostDriver}, {@link SimDriver}).
 * The driver owns how the loop's micro-threads are made and started (a typed {@link Strand}), the
 * loop's clock and timers, its source of randomness, and what happens when it goes idle.
 *
 * <p>What it is never asked: an untimed park, an unpark or a yield of a thread strand, or any
 * per-item step of a pipe. Those stay on {@link Park}'s static fast path, so a driver costs the
 * single-carrier fast path nothing. The properties read on hot paths ({@link #oneCarrier()},
 * {@link #virtualTime()}, {@link #seededRandom()}) are read once, into final fields of the loop.
 *
 * <p>See docs/ARCHITECTURE.md ("The loop seam") and ADR 0027.
 */
abstract class LoopDriver {
    /** The loop this driver drives; set once, by the loop's constructor, before any micro-thread exists. */
    Loop loop;

    /**
     * Called once by the loop's constructor. Drivers that start threads or register cleaners do
     * it here, once nothing can fail any more; the constructor of a driver only checks and prepares.
     */
    void attach(Loop loop) {
        this.loop = loop;
    }

    /**
     * Makes (without starting) what will run {@code m}'s body; {@code name} may be null. By default a
     * virtual thread of {@link #threadFactory()} (a {@link #threadStrand}).
     */
    Strand newStrand(MicroThread<?> m, String name) {
        return threadStrand(threadFactory(), m, name);
    }

    /** Starts a strand made by {@link #newStrand}; may throw, and then the loop undoes the start. */
    void start(Strand s) {
        ((ThreadStrand) s).thread.start();
    }

    /** The factory of the loop's virtual threads, for the default {@link #newStrand}. */
    ThreadFactory threadFactory() {
        throw new UnsupportedOperationException(kind() + " loops make their strands themselves");
    }

    /** Whether the loop runs its micro-threads one at a time on one thread (deadlock rules, spinning). */
    abstract boolean oneCarrier();

    /** The selector its carrier polls (an I/O loop's), or null. */
    IoPoller ioPoller() {
        return null;
    }

    /** For dumps and {@code toString}: "shared, multi-core", "single carrier", ... */
    abstract String kind();

    /** The loop's clock, in nanoseconds (an origin of its own, as {@link System#nanoTime()}). */
    long now() {
        return System.nanoTime();
    }

    /** Runs {@code action} after {@code delayNanos} on the loop's clock; the future cancels it. */
    Future<?> schedule(long delayNanos, Runnable action) {
        return Timers.schedule(delayNanos, action);
    }

    /**
     * Whether the clock is not the wall clock: then {@link Park} reads time through {@link #now()}
     * and ends a virtual thread's timed park with {@link #schedule} instead of the JDK's timer.
     */
    boolean virtualTime() {
        return false;
    }

    /** The loop's one source of randomness ({@code select}), or null: each thread's {@code ThreadLocalRandom}. */
    RandomGenerator seededRandom() {
        return null;
    }

    /**
     * The caller of {@link Loop#run} or {@link Loop#close} (not a micro-thread of this loop) waits
     * until {@code done}. Real loops run by themselves: nothing to do here, the caller then parks as
     * usual. A simulated loop runs its micro-threads on the caller's thread, here, bounded by its own
     * limits.
     */
    void driveUntil(BooleanSupplier done) {}

    /** Whether {@link Loop#close()} closes the loop (false: the shared loop, which is never closed). */
    boolean closeable() {
        return true;
    }

    /** Checks that the caller may close the loop (a host loop refuses its host thread). */
    void beforeClose() {}

    /** Releases the driver's resources once the loop is closed; {@code allEnded}: nothing is left running. */
    void afterClose(boolean allEnded) {}

    /** Whether {@code m} holds the loop's one carrier now (racy; for reports); false on multi-core loops. */
    boolean holdsCarrier(MicroThread<?> m) {
        return false;
    }

    /** For the report of a close that left micro-threads running: what becomes of the loop's thread. */
    String afterCloseNote(MicroThread<?> holder) {
        return "";
    }

    /**
     * A micro-thread's strand as a virtual thread of {@code factory}: the strand is the thread's task
     * and its uncaught-exception handler (how {@link MicroThread#currentOrNull()} finds it), and the
     * thread starts with its starter's scoped-value bindings (ADR 0024).
     */
    static ThreadStrand threadStrand(ThreadFactory factory, MicroThread<?> m, String name) {
        ThreadStrand s = new ThreadStrand(m, null);
        Thread t = factory.newThread(s);
        s.thread = t;
        Object bindings = JdkInternals.scopedValueBindings(); // the starter's, as of the start (ADR 0024)
        if (bindings != null) JdkInternals.inheritScopedValueBindings(t, bindings);
        t.setUncaughtExceptionHandler(s);
        if (name != null) t.setName(name);
        return s;
    }

}
