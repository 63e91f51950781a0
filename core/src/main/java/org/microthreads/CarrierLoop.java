package org.microthreads;

import java.util.List;
import java.util.concurrent.ThreadFactory;
import org.microthreads.internal.JdkInternals;

/**
 * A single-carrier loop: virtual threads whose continuations all run on one platform thread
 * (a {@link CarrierExecutor}), one at a time, in FIFO order.
 *
 * <p>Deadlock detection: {@link Loop#internalWaits} counts micro-threads in a wait that only
 * another micro-thread of this loop can end (a join without timeout). Both it and the carrier's
 * idle check run on the carrier thread only. When the carrier is idle (no task queued) and
 * every live micro-thread is in such a wait, nothing can wake any of them: no timer, no outside
 * event. That is a deadlock; the report names each micro-thread and what it waits on.
 */
final class CarrierLoop extends Loop {
    private final CarrierExecutor carrier;
    private final ThreadFactory factory;

    CarrierLoop(String name) {
        super(name, 1);
        this.carrier = new CarrierExecutor(name, this::onIdle);
        this.factory = JdkInternals.virtualThreadBuilder(carrier).factory(); // throws without the flag
        carrier.start();
    }

    /** Whether the carrier sleeps, its idle check run after its last task (for tests). */
    boolean carrierSleepsForTest() {
        return carrier.sleeping();
    }

    @Override
    ThreadFactory factory() {
        return factory;
    }

    @Override
    boolean oneCarrier() {
        return true;
    }

    @Override
    String kind() {
        return "single carrier";
    }


    /**
     * Runs on the carrier thread, outside any micro-thread, when no task is queued. It must
     * never block: a carrier waiting for a lock can wait for one of its own micro-threads.
     */
    private boolean onIdle() {
        return checkDeadlock(internalWaits);
    }

    @Override
    void afterClose(boolean allEnded) {
        carrier.stop();
    }
}
