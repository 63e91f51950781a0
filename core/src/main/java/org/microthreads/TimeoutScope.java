package org.microthreads;

import java.util.concurrent.Future;

/**
 * One {@link MicroThread#withTimeout} in progress.
 *
 * <p>State: {@code ARMED -> FIRING -> FIRED} (timer: marks expired, interrupts the strand) or
 * {@code ARMED -> DISARMED} (the body ended first). The decision is taken under the monitor and
 * the interrupt is delivered outside it (for a host loop it goes through the host executor,
 * which must not run under a lock the host thread may want); {@link #disarm()} waits out a
 * {@code FIRING} in progress, so once it returns the timer's interrupt has either been
 * delivered or never will be.
 */
final class TimeoutScope {
    private static final int ARMED = 0, FIRING = 1, FIRED = 2, DISARMED = 3;

    final TimeoutScope outer;
    /** The waiter ({@link Park#currentWaiter()}) of the strand running the body. */
    private final Object thread;
    private volatile int state = ARMED; // changed under the monitor
    volatile boolean expired;
    private Future<?> timer;            // guarded by this

    TimeoutScope(TimeoutScope outer, Object thread) {
        this.outer = outer;
        this.thread = thread;
    }

    void arm(Loop loop, long deadline) {
        Future<?> f = loop.schedule(deadline - Park.now(), this::fire);
        synchronized (this) {
            if (state == ARMED) timer = f;
        }
    }

    private void fire() {
        synchronized (this) {
            if (state != ARMED) return;
            state = FIRING;
            expired = true;
        }
        try {
            Park.interrupt(thread);
        } finally {
            synchronized (this) {
                state = FIRED;
            }
        }
    }

    void disarm() {
        synchronized (this) {
            if (state == ARMED) {
                state = DISARMED;
                if (timer != null) timer.cancel(false);
                return;
            }
        }
        while (state == FIRING) Thread.onSpinWait(); // the timer is delivering its interrupt: brief
    }

    boolean outerExpired() {
        for (TimeoutScope t = outer; t != null; t = t.outer) {
            if (t.expired) return true;
        }
        return false;
    }
}
