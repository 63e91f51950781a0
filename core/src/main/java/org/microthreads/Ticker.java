package org.microthreads;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.Future;

/**
 * The timer behind a {@linkplain Pipe#ticker(Duration) ticker pipe}: puts tick {@code n} into the
 * pipe at {@code start + n * period} on its loop's clock ({@link Loop#now()},
 * {@link Loop#schedule}), never reading the wall clock itself, so that a loop with virtual time
 * can drive it.
 *
 * <p>Life cycle, every step under this object's monitor:
 * <pre>
 *   SCHEDULED -> SCHEDULED   // fire(): put the tick, schedule the next one
 *   SCHEDULED -> STOPPED     // stop(): the pipe ended (close/fail), its run ended, its loop closed,
 *                            //         or fire() found the pipe unreachable or ended
 * </pre>
 * Once stopped, no schedule of it is pending and none is made again: {@link #stop} cancels the
 * pending one, and a {@link #fire} already running checks {@code stopped} under the monitor before
 * it schedules. The timer holds the pipe only weakly: a ticker nobody refers to any more stops at
 * its next tick instead of ticking forever.
 */
final class Ticker {
    /** The longest period honoured; longer ones tick at this period (about 36 years). */
    static final long MAX_PERIOD = Long.MAX_VALUE / 4;

    private final Loop loop;
    private final long period;
    /** Where it belongs (a run, or a closable loop's root scope), or null: see {@link Pipe#ticker}. */
    private final Scope scope;
    private WeakReference<Pipe<Long>> pipe;
    private long start;
    /** The last tick put (0: none yet). Guarded by this. */
    private long last;
    /** The pending firing, or null. Guarded by this. */
    private Future<?> next;
    /** Guarded by this. */
    private boolean stopped;

    Ticker(Loop loop, long period, Scope scope) {
        this.loop = loop;
        this.period = period;
        this.scope = scope;
    }

    /** Starts ticking into {@code p}, the pipe made for this ticker; once. */
    void start(Pipe<Long> p) {
        synchronized (this) {
            pipe = new WeakReference<>(p);
            start = loop.now();
            next = loop.schedule(period, this::fire);
        }
        if (scope != null && !scope.addTicker(this)) p.close(); // its run or loop has already ended
    }

    private void fire() {
        Pipe<Long> p = pipe.get();
        synchronized (this) {
            next = null;
            if (stopped) return;
            if (p != null) {
                long elapsed = loop.now() - start;
                long n = Math.max(last + 1, elapsed / period); // the latest tick due; a late timer skips some
                last = n;
                try {
                    p.tryPut(n); // a conflated pipe: replaces a tick nobody took yet
                } catch (PipeClosedException ended) { // closed meanwhile; its close() waits for us to stop
                    p = null;
                }
                if (p != null) {
                    next = loop.schedule((n + 1 - elapsed / period) * period - elapsed % period, this::fire);
                    return;
                }
            }
            stopped = true;
        }
        if (scope != null) scope.removeTicker(this);
    }

    /** Stops the timer: no firing is pending afterwards, and none is scheduled again. Idempotent. */
    void stop() {
        synchronized (this) {
            if (stopped) return;
            stopped = true;
            if (next != null) next.cancel(false);
            next = null;
        }
        if (scope != null) scope.removeTicker(this);
    }

    /** Closes its pipe (if still reachable) and stops: its run ended or its loop closed. */
    void closePipe() {
        Pipe<Long> p = pipe.get();
        if (p != null) p.close();
        stop();
    }

    /** Whether a firing is scheduled now (for tests). */
    synchronized boolean pending() {
        return next != null && !next.isDone();
    }

    /** The last tick put so far (for tests). */
    synchronized long last() {
        return last;
    }

    static long periodNanos(Duration period) {
        java.util.Objects.requireNonNull(period, "period");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, was " + period);
        }
        try {
            return Math.min(period.toNanos(), MAX_PERIOD);
        } catch (ArithmeticException tooLong) {
            return MAX_PERIOD;
        }
    }
}
