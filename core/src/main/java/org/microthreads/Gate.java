package org.microthreads;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Lets threads wait until a set of micro-threads is empty: counts the live micro-threads of
 * one {@code run} ({@link Scope}); {@link Registry} reuses the waiting and counts by itself. The exit fast path is one atomic decrement and one volatile read: the waiter list is
 * touched only when someone waits (Dekker: waiters register, then read the count; exits
 * decrement, then read the waiter count; one of them sees the other).
 */
class Gate {
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    /** Lock-free for wakers: carriers wake waiters from outside any micro-thread (see Registry). */
    private final List<Object> waiters = new CopyOnWriteArrayList<>();

    final void enter() {
        live.incrementAndGet();
    }

    final void exit() {
        if (live.decrementAndGet() == 0) {
            try {
                onEmpty();
            } finally {
                wakeAll();
            }
        }
    }

    /** Hook run by the exiting micro-thread that leaves the gate empty, before waiters wake. */
    void onEmpty() {}

    final int live() {
        return live.get();
    }

    /** Whether a waiter may stop waiting for the gate to empty. */
    boolean isEmpty() {
        return live.get() == 0;
    }

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
        Object me = Park.currentWaiter();
        waiting.incrementAndGet();
        waiters.add(me);
        boolean interrupted = false;
        Park.beginWait(self, kind, target, false);
        try {
            while (true) {
                if (isEmpty() || orElse.getAsBoolean()) return true;
                if (Park.expired(deadline)) return false;
                if (interruptible) {
                    Park.checkCancelled(self);
                } else if (Park.interrupted()) {
                    interrupted = true;
                }
                Park.parkUntil(this, deadline);
            }
        } finally {
            Park.endWait(self);
            waiters.remove(me);
            waiting.decrementAndGet();
            if (interrupted) Park.interrupt(me);
        }
    }
}
