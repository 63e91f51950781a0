package org.microthreads;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The lock of a {@link Pipe} (ADR 0017): a test-and-test-and-set spin lock owned by a thread,
 * not reentrant.
 *
 * <p>Why not {@link java.util.concurrent.locks.ReentrantLock}: a pipe's critical sections are a
 * few dozen nanoseconds and never block, but a contended {@code ReentrantLock} soon queues the
 * loser and parks it, and parking a virtual thread (then unparking it through the scheduler)
 * costs microseconds: far more than waiting for the holder. So a loser backs off with
 * {@link Thread#onSpinWait()}, then {@linkplain Thread#yield() yields} between tries.
 *
 * <p>Who can hold it, and for how long: only code of {@link Pipe} and {@link Select}, which never
 * parks, waits or runs anyone else's code inside (a waiter it chooses is woken after it leaves:
 * {@link Pipe#takeWoken}). One thing takes time inside: a select takes its pipes' locks one after
 * the other. So on a single-carrier loop a holder can be unmounted on the loser's own carrier
 * in one case: a select that holds its first pipes and waits for a later pipe's lock. A
 * micro-thread of a one-carrier loop therefore backs off only briefly before it yields (its
 * yield lets the holder run); elsewhere the holder runs on another core and a loser backs off
 * longer. On a host loop every strand is the host thread: the lock's owner is that thread, a
 * yield here yields the host thread to the OS (not to another strand), and no strand is ever
 * suspended while it holds a pipe's lock, so a strand that finds one held waits for another
 * thread, as it did on the {@code ReentrantLock}.
 */
final class PipeLock {
    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(PipeLock.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Rounds of back-off (1, 2, 4 ... {@link Thread#onSpinWait()}s) before a loser yields between
     * tries: 10 (1,023 spins) where the holder runs on another core (measured, ADR 0017), 3
     * (7 spins) for a micro-thread of a one-carrier loop, whose holder may be waiting on its carrier.
     */
    private static final int BACKOFFS = 10, BACKOFFS_ONE_CARRIER = 3;

    /** The holder, or null. */
    private volatile Thread owner;

    void lock() {
        Thread me = Thread.currentThread();
        if (!OWNER.compareAndSet(this, null, me)) contended(me);
    }

    private void contended(Thread me) {
        if (owner == me) throw new IllegalStateException("a microthreads bug: a pipe's lock taken twice by " + me);
        MicroThread<?> self = MicroThread.currentOrNull();
        int backoffs = self != null && self.loop.oneCarrier() ? BACKOFFS_ONE_CARRIER : BACKOFFS;
        for (int tries = 0; ; tries++) {
            if (owner == null && OWNER.compareAndSet(this, null, me)) return;
            if (tries < backoffs) {
                for (int i = 1 << tries; i > 0; i--) Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    void unlock() {
        OWNER.setRelease(this, null);
    }

    boolean isLocked() {
        return owner != null;
    }

    boolean isHeldByCurrentThread() {
        return owner == Thread.currentThread();
    }
}
