package org.microthreads;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;

/**
 * The one park/unpark seam. Every blocking operation of the library waits here; what differs
 * between loop kinds is behind the typed {@link Strand} (how to park and wake) and the loop's
 * {@link LoopDriver} (its clock, timers and randomness), never in the waits themselves.
 *
 * <p>Protocol of a wait, always in the waiting strand:
 * <pre>
 *   beginWait(self, kind, target, internal)   // visible to dumps and the deadlock detector
 *   loop { if (ready) break; checkCancelled(self); parkUntil(blocker, deadline); }
 *   endWait(self)                              // in a finally
 * </pre>
 * Wake-ups go through {@link #unpark(Object)}; a park may return spuriously, so every wait
 * re-checks its condition. Waiters are the {@link Strand}s {@link #currentWaiter()} gives, held
 * as opaque objects by the waits; cancellation goes through {@link #interrupt(Object)}, yielding
 * through {@link #yieldNow()}, deadlines through {@link #now()}, randomness through {@link #random}.
 *
 * <p>Two kinds of strand. A {@link ThreadStrand} (a virtual thread, or a plain thread while it
 * waits): parking is {@link LockSupport}, interruption is the thread's. A micro-thread of a host
 * loop runs as a continuation on the host thread: its strand is a {@link ContinuationStrand}, whose
 * park yields the continuation and whose unpark resubmits it to the host; its interrupt flag is its
 * own, not the host thread's.
 *
 * <p>Time. The clock is {@link System#nanoTime()} unless the caller is a micro-thread of a loop with
 * virtual time (a simulated loop): then it is that loop's clock, and a timed park is ended by the
 * loop's timer instead of the JDK's. Until such a loop exists ({@link #anyVirtualTime}), reading
 * the clock costs what {@code System.nanoTime()} costs.
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

    /**
     * Parks the current strand once, until unparked, interrupted, or {@code deadline}. A
     * micro-thread is {@linkplain MicroThread#parked parked} meanwhile, unless woken first.
     */
    static void parkUntil(Object blocker, long deadline) {
        ContinuationStrand s = currentStrand();
        MicroThread<?> self = s != null ? s.microThread : MicroThread.currentOrNull();
        if (self != null && !self.loop.oneCarrier()) self = null; // only a one-carrier loop checks for deadlocks
        if (self != null) self.parked = true;
        try {
            if (s != null) {
                if (deadline == NONE) s.park(); else s.parkNanos(deadline - now());
            } else {
                if (ContinuationStrand.anyHostLoop) HostDriver.refuseUiThread(); // it would freeze the window
                if (deadline == NONE) LockSupport.park(blocker); else parkThreadUntil(blocker, deadline);
            }
        } finally {
            if (self != null) self.parked = false;
        }
    }

    /** Parks the current strand once, until unparked, interrupted, or the {@link System#nanoTime()} instant {@code wallDeadline}. */
    static void parkUntilWall(Object blocker, long wallDeadline) {
        long remaining = wallDeadline - System.nanoTime();
        ContinuationStrand s = currentStrand();
        if (s != null) {
            s.parkNanos(remaining); // a host loop's timer is the wall clock's
        } else if (remaining > 0) {
            LockSupport.parkNanos(blocker, remaining);
        }
    }

    /** A thread's timed park: the JDK's timer ends it, unless its loop has virtual time. */
    private static void parkThreadUntil(Object blocker, long deadline) {
        MicroThread<?> m = anyVirtualTime ? MicroThread.currentOrNull() : null;
        if (m == null || !m.loop.virtualTime) {
            long remaining = deadline - System.nanoTime();
            if (remaining > 0) LockSupport.parkNanos(blocker, remaining);
            return;
        }
        long remaining = deadline - m.loop.now();
        if (remaining <= 0) return;
        Future<?> timer = m.loop.schedule(remaining, m.strand::unpark);
        m.parkedOnLoopClock = true;
        try {
            LockSupport.park(blocker);
        } finally {
            m.parkedOnLoopClock = false;
            timer.cancel(false);
        }
    }

    /** The strand that {@link #unpark(Object)} needs to wake the caller; the same object for every wait of a strand. */
    static Strand currentWaiter() { // kept under 35 bytes of bytecode: inlined at every call site
        Thread t = Thread.currentThread();
        Strand s = t.isVirtual() ? ThreadStrand.of(t) : ContinuationStrand.current();
        return s != null ? s : ThreadStrand.plain();
    }

    /** The continuation strand running the caller, or null when the caller is a thread's own code. */
    private static ContinuationStrand currentStrand() {
        return Thread.currentThread().isVirtual() ? null : ContinuationStrand.current();
    }

    /** Wakes a strand; {@code waiter} as {@link #currentWaiter()} gave it (held as an opaque object by the waits). */
    static void unpark(Object waiter) {
        if (waiter instanceof ThreadStrand t) {
            t.waking();
            LockSupport.unpark(t.thread); // the common case, one inlining level less (ping-pong wakes here)
        } else {
            ((Strand) waiter).unpark();
        }
    }

    /** Interrupts a strand (cancellation and timeouts); {@code waiter} as {@link #currentWaiter()} gives. */
    static void interrupt(Object waiter) {
        ((Strand) waiter).interrupt();
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

    /** Set once a loop with virtual time exists; until then {@link #now()} is {@link System#nanoTime()}. */
    static volatile boolean anyVirtualTime;

    /** The clock deadlines are measured on: the caller's loop's (see the class comment). */
    static long now() {
        if (!anyVirtualTime) return System.nanoTime();
        MicroThread<?> m = MicroThread.currentOrNull();
        return m == null ? System.nanoTime() : m.loop.now();
    }

    /**
     * The source of randomness for {@code self} (the caller's micro-thread, or null): its loop's
     * seeded one on a simulated loop, else the thread's {@code ThreadLocalRandom}.
     */
    static RandomGenerator random(MicroThread<?> self) {
        RandomGenerator r = self == null ? null : self.loop.seededRandom;
        return r != null ? r : ThreadLocalRandom.current();
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
