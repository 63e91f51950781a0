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
 * <p>Two kinds of strand. A {@link Thread} (virtual or platform): the waiter is the thread,
 * parking is {@link LockSupport}, interruption is the thread's. A micro-thread of a
 * {@link HostLoop} runs as a continuation on the host thread: its waiter is its
 * {@link ContinuationStrand}, whose park yields the continuation and whose unpark resubmits it
 * to the host; its interrupt flag is its own, not the host thread's. The clock is
 * {@link System#nanoTime()}; a simulated loop will supply virtual time here.
 *
 * <p>Which strand runs the caller: a virtual thread is always itself (the fast path, one
 * {@code isVirtual()} test); on a platform thread, {@link ContinuationStrand#current()} says
 * whether a host loop's continuation is mounted on it (a ThreadLocal read, and only once a
 * host loop exists).
 */
final class Park {
    private Park() {}

    /** Deadline value meaning "no deadline". */
    static final long NONE = Long.MIN_VALUE;

    /** Records what {@code self} (may be null: not a micro-thread) is about to wait for. */
    static void beginWait(MicroThread<?> self, WaitKind kind, Object target, boolean internal) {
        if (self != null) {
            // a wait inside withTimeout can be ended by its timer: never internal
            BlockScope b = self.blocks;
            boolean counted = internal && (b == null || !b.timed);
            self.waitInternal = counted;
            self.setWait(kind, target);
            self.loop.onWaitBegin(counted);
        }
    }

    static void endWait(MicroThread<?> self) {
        if (self != null && self.waitKind != null) {
            self.setWait(null, null);
            self.loop.onWaitEnd(self.waitInternal);
        }
    }

    /**
     * Throws {@link InterruptedException} if the current thread is interrupted (clearing the
     * status, as the JDK does) or if {@code self} was cancelled or its innermost timeout
     * expired. The latter two are sticky: they throw again at every later blocking point.
     */
    static void checkCancelled(MicroThread<?> self) throws InterruptedException {
        if (interrupted()) {
            throw new InterruptedException(self != null && self.cancelRequested()
                    ? "micro-thread '" + self.name() + "' was cancelled or timed out" : "interrupted");
        }
        if (self != null && self.cancelRequested()) {
            self.cancellationIgnored();
            throw new InterruptedException("micro-thread '" + self.name() + "' was cancelled or timed out");
        }
    }

    /**
     * Parks the current strand for {@code nanos}, whatever wakes it meanwhile (unparks, interrupts:
     * its interrupt status is cleared). For a micro-thread that ignores its cancellation.
     */
    static void pause(long nanos) {
        long deadline = now() + nanos;
        try {
            while (!expired(deadline)) {
                interrupted();
                parkUntil(Park.class, deadline);
            }
        } catch (IllegalStateException cannotPark) {
            // a host loop's micro-thread inside synchronized: it cannot yield, so no pause
        }
        interrupted();
    }

    /** Parks the current strand once, until unparked, interrupted, or {@code deadline}. */
    static void parkUntil(Object blocker, long deadline) {
        ContinuationStrand s = currentStrand();
        if (s != null) {
            if (deadline == NONE) s.park(); else s.parkNanos(deadline - now());
        } else if (deadline == NONE) {
            LockSupport.park(blocker);
        } else {
            long remaining = deadline - now();
            if (remaining > 0) LockSupport.parkNanos(blocker, remaining);
        }
    }

    /** The object that {@link #unpark(Object)} needs to wake the current strand. */
    static Object currentWaiter() {
        Thread t = Thread.currentThread();
        if (t.isVirtual()) return t;
        ContinuationStrand s = ContinuationStrand.current();
        return s != null ? s : t;
    }

    /** The continuation strand running the caller, or null when the caller is a thread's own code. */
    private static ContinuationStrand currentStrand() {
        return Thread.currentThread().isVirtual() ? null : ContinuationStrand.current();
    }

    static void unpark(Object waiter) {
        if (waiter instanceof Thread t) {
            LockSupport.unpark(t);
        } else {
            ((ContinuationStrand) waiter).unpark();
        }
    }

    /** Interrupts a strand (cancellation and timeouts); {@code waiter} as {@link #currentWaiter()} gives. */
    static void interrupt(Object waiter) {
        if (waiter instanceof Thread t) {
            t.interrupt();
        } else {
            ((ContinuationStrand) waiter).interrupt();
        }
    }

    /** Sets the current strand's interrupt status again (an interrupt that lost a race keeps for later). */
    static void selfInterrupt() {
        interrupt(currentWaiter());
    }

    /** Tests and clears the current strand's interrupt status, as {@link Thread#interrupted()}. */
    static boolean interrupted() {
        ContinuationStrand s = currentStrand();
        return s != null ? s.clearInterrupt() : Thread.interrupted();
    }

    /**
     * Throws {@link IllegalStateException} if the current strand could not park now (a host loop's
     * micro-thread inside {@code synchronized}); a thread can always park.
     */
    static void checkCanPark() {
        ContinuationStrand s = currentStrand();
        if (s != null) s.checkCanPark();
    }

    /** Gives the carrier (or the host thread) to the next ready micro-thread of the loop. */
    static void yieldNow() {
        ContinuationStrand s = currentStrand();
        if (s != null) s.yieldNow(); else Thread.yield();
    }

    /** The clock deadlines are measured on. */
    static long now() {
        return System.nanoTime();
    }

    /** Whether {@code deadline} (not {@link #NONE}) has passed. */
    static boolean expired(long deadline) {
        return deadline != NONE && deadline - now() <= 0;
    }

    /**
     * The deadline {@code d} from now on {@link #now()}. A {@code d} of zero or less gives a deadline
     * that has already {@linkplain #expired passed}: "already expired, do not wait", as the JDK's
     * {@code Thread.join(Duration)} and {@code Thread.sleep(Duration)}, Go and Kotlin read it (ADR 0023).
     * A wait on such a deadline makes its attempt once and never parks. Durations too long to
     * represent are clamped to {@code Long.MAX_VALUE / 2} nanoseconds (about 146 years).
     *
     * @throws NullPointerException if {@code d} is null (the message is {@code what})
     */
    static long deadlineAfter(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (!d.isPositive()) return now(); // expired already: expired(now()) is true from now on
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE / 2;
        }
        return now() + Math.min(nanos, Long.MAX_VALUE / 2);
    }

    /**
     * For a <em>period</em> (the one kind of duration that must be positive; a timeout of zero or
     * less means "do not wait", see {@link #deadlineAfter}).
     */
    static void requirePositive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
    }
}
