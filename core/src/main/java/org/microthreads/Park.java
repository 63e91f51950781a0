package org.microthreads;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * The one park/unpark seam. Every blocking operation of the library waits here, so a loop
 * whose micro-threads are not virtual threads (continuations mounted on a UI thread, a
 * simulated loop) changes only this class and {@link Completion}'s wake-up.
 *
 * <p>Protocol of a wait, always in the waiting strand:
 * <pre>
 *   beginWait(self, kind, target, internal)   // visible to dumps and the deadlock detector
 *   loop { if (ready) break; checkCancelled(self); parkUntil(blocker, deadline); }
 *   endWait(self)                              // in a finally
 * </pre>
 * Wake-ups go through {@link #unpark(Object)}; a park may return spuriously, so every wait
 * re-checks its condition. Waiters are opaque objects obtained from {@link #currentWaiter()};
 * cancellation goes through {@link #interrupt(Thread)}, yielding through {@link #yieldNow()},
 * and deadlines through {@link #now()}.
 *
 * <p>Today every strand is a {@link Thread} (virtual or platform): a waiter is the thread,
 * parking is {@link LockSupport}, the clock is {@link System#nanoTime()}. A continuation-based
 * micro-thread (UI loop, generators) will be a waiter of its own whose park yields its
 * continuation and whose unpark resubmits it to its host loop; a simulated loop will supply
 * virtual time here. Those changes stay inside this class.
 */
final class Park {
    private Park() {}

    /** Deadline value meaning "no deadline". */
    static final long NONE = Long.MIN_VALUE;

    /** Records what {@code self} (may be null: not a micro-thread) is about to wait for. */
    static void beginWait(MicroThread<?> self, WaitKind kind, Object target, boolean internal) {
        if (self != null) {
            self.waitTarget = target;
            // a wait inside withTimeout can be ended by its timer: never internal
            boolean counted = internal && self.timeouts == null;
            self.waitInternal = counted;
            self.waitKind = kind;
            self.loop.onWaitBegin(counted);
        }
    }

    static void endWait(MicroThread<?> self) {
        if (self != null && self.waitKind != null) {
            self.waitKind = null;
            self.waitTarget = null;
            self.loop.onWaitEnd(self.waitInternal);
        }
    }

    /**
     * Throws {@link InterruptedException} if the current thread is interrupted (clearing the
     * status, as the JDK does) or if {@code self} was cancelled or its innermost timeout
     * expired. The latter two are sticky: they throw again at every later blocking point.
     */
    static void checkCancelled(MicroThread<?> self) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException(self != null && self.cancelRequested()
                    ? "micro-thread '" + self.name() + "' was cancelled or timed out" : "interrupted");
        }
        if (self != null && self.cancelRequested()) {
            throw new InterruptedException("micro-thread '" + self.name() + "' was cancelled or timed out");
        }
    }

    /** Parks the current strand once, until unparked, interrupted, or {@code deadline}. */
    static void parkUntil(Object blocker, long deadline) {
        if (deadline == NONE) {
            LockSupport.park(blocker);
        } else {
            long remaining = deadline - now();
            if (remaining > 0) LockSupport.parkNanos(blocker, remaining);
        }
    }

    /** The object that {@link #unpark(Object)} needs to wake the current strand. */
    static Object currentWaiter() {
        return Thread.currentThread();
    }

    static void unpark(Object waiter) {
        LockSupport.unpark((Thread) waiter);
    }

    /** Interrupts a strand (cancellation and timeouts). */
    static void interrupt(Thread thread) {
        thread.interrupt();
    }

    /** Gives the carrier to the next ready micro-thread of the loop. */
    static void yieldNow() {
        Thread.yield();
    }

    /** The clock deadlines are measured on. */
    static long now() {
        return System.nanoTime();
    }

    /** Whether {@code deadline} (not {@link #NONE}) has passed. */
    static boolean expired(long deadline) {
        return deadline != NONE && deadline - now() <= 0;
    }

    /** The deadline {@code d} from now; {@code d} must be positive (named {@code what}). */
    static long deadlineAfter(Duration d, String what) {
        requirePositive(d, what);
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE / 2;
        }
        return now() + Math.min(nanos, Long.MAX_VALUE / 2);
    }

    static void requirePositive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
    }
}
