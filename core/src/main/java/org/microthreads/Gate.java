package org.microthreads;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Lets threads wait until a set of micro-threads is empty; the subclass says what empty is
 * ({@link Scope}: the micro-threads of one {@code run}; {@link Registry}: all of a loop's).
 * Waking is touched only when someone waits (Dekker: waiters register, then read emptiness;
 * the micro-thread that empties the set changes it, then reads the waiter count; one of them
 * sees the other).
 */
abstract class Gate {
    private final AtomicInteger waiting = new AtomicInteger();
    /** Lock-free for wakers: carriers wake waiters from outside any micro-thread (see Registry). */
    private final List<Object> waiters = new CopyOnWriteArrayList<>();

    /** Whether a waiter may stop waiting for the gate to empty. */
    abstract boolean isEmpty();

    final boolean hasWaiters() {
        return waiting.get() != 0;
    }

    final void wakeAll() {
        if (waiting.get() == 0) return;
        for (Object w : waiters) {
            try {
                Park.unpark(w);
            } catch (Throwable bug) { // a host executor that refused: wake the others anyway
                Loop.LOG.log(System.Logger.Level.ERROR, "waking a waiter failed", bug);
            }
        }
    }

    /**
     * Waits until the gate is empty or {@code orElse} holds, or {@code deadline} passes.
     *
     * @param interruptible whether interruption ends the wait with {@link InterruptedException};
     *                      if not, the interrupt status is restored on return
     * @return whether the gate is empty or {@code orElse} holds
     */
    final boolean await(MicroThread<?> self, WaitKind kind, Object target, long deadline,
                        boolean interruptible, BooleanSupplier orElse) throws InterruptedException {
        return await(self, kind, target, deadline, false, interruptible, orElse);
    }

    /**
     * As above; {@code wallClock}: {@code deadline} is a {@link System#nanoTime()} instant, whatever the
     * caller's loop's clock is (a framework timeout, such as {@code close()}'s grace period).
     */
    final boolean await(MicroThread<?> self, WaitKind kind, Object target, long deadline, boolean wallClock,
                        boolean interruptible, BooleanSupplier orElse) throws InterruptedException {
        Object me = Park.currentWaiter();
        waiting.incrementAndGet();
        waiters.add(me);
        boolean interrupted = false;
        Park.beginWait(self, kind, target, false);
        try {
            while (true) {
                if (isEmpty() || orElse.getAsBoolean()) return true;
                if (wallClock ? deadline - System.nanoTime() <= 0 : Park.expired(deadline)) return false;
                if (interruptible) {
                    Park.checkCancelled(self);
                } else if (Park.interrupted()) {
                    interrupted = true;
                }
                if (wallClock) Park.parkUntilWall(this, deadline); else Park.parkUntil(this, deadline);
            }
        } finally {
            Park.endWait(self);
            waiters.remove(me);
            waiting.decrementAndGet();
            if (interrupted) Park.interrupt(me);
        }
    }
}
