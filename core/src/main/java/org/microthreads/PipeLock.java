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
 * costs microseconds: far more than waiting for the holder. So a loser spins a moment
 * ({@link Thread#onSpinWait()}), then {@linkplain Thread#yield() yields} between tries: a
 * micro-thread lets the other micro-threads of its carrier run (among them, on a single-carrier
 * loop, a holder that is itself waiting in a select for a later pipe's lock, the one way a
 * holder can be unmounted), a platform thread lets the OS run another thread. The lock is held
 * only by code of {@link Pipe} and {@link Select}, which never parks or calls user code while
 * holding it.
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

    /** How many {@link Thread#onSpinWait()}s a loser tries before it yields between tries. */
    private static final int BACKOFFS = 10;

    /** The holder, or null. */
    private volatile Thread owner;

    void lock() {
        Thread me = Thread.currentThread();
        if (!OWNER.compareAndSet(this, null, me)) contended(me);
    }

    private void contended(Thread me) {
        if (owner == me) throw new IllegalStateException("a microthreads bug: a pipe's lock taken twice by " + me);
        for (int tries = 0; ; tries++) {
            if (owner == null && OWNER.compareAndSet(this, null, me)) return;
            if (tries < BACKOFFS) {
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
