package org.microthreads;

import java.util.concurrent.Future;

/**
 * One {@link MicroThread#withTimeout} in progress.
 *
 * <p>State: {@code ARMED -> FIRED} (timer: marks expired, interrupts the thread) or
 * {@code ARMED -> DISARMED} (the body ended first). Both transitions happen under the monitor,
 * so once {@link #disarm()} returns, the timer's interrupt has either been delivered or never
 * will be.
 */
final class TimeoutScope {
    private static final int ARMED = 0, FIRED = 1, DISARMED = 2;

    final TimeoutScope outer;
    /** The waiter ({@link Park#currentWaiter()}) of the strand running the body. */
    private final Object thread;
    private int state = ARMED;          // guarded by this
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

    private synchronized void fire() {
        if (state != ARMED) return;
        state = FIRED;
        expired = true;
        Park.interrupt(thread);
    }

    synchronized void disarm() {
        if (state == ARMED) {
            state = DISARMED;
            if (timer != null) timer.cancel(false);
        }
    }

    boolean outerExpired() {
        for (TimeoutScope t = outer; t != null; t = t.outer) {
            if (t.expired) return true;
        }
        return false;
    }
}
