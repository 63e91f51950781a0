package org.microthreads;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Review of the simulated loop (issue 15, part 2): each test states what the contract of
 * {@link Simulation} promises and fails where the implementation does something else.
 */
class SimulationReviewTest {

    /** Whether {@code e} or one of its causes is a {@code type} whose message contains {@code text}. */
    private static boolean chainHas(Throwable e, Class<? extends Throwable> type, String text) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t) && String.valueOf(t.getMessage()).contains(text)) return true;
        }
        return false;
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    // ---- waits that something outside the simulation ends are not deadlocks ----

    /**
     * A Deferred that a plain thread completes is the outside world ("a plain thread's signal"):
     * with outsideWait the simulation must wait for it in real time. It throws DeadlockException
     * ("nothing can wake any of them") at virtual time 0 instead, because SimDriver.idle() calls
     * every live library wait a deadlock.
     */
    @Test
    @Timeout(30)
    void aDeferredCompletedByAPlainThreadIsWaitedForWithOutsideWait() throws Exception {
        CountDownLatch parked = new CountDownLatch(1);
        Deferred<Integer> d = new Deferred<>();
        Thread plain = Thread.ofPlatform().start(() -> {
            try {
                parked.await();
                Thread.sleep(50); // late on purpose: the simulation is idle by then; the value is 7 whatever the timing
            } catch (InterruptedException e) {
                return;
            }
            d.complete(7);
        });
        try {
            int v = Simulation.withSeed(0).outsideWait(Duration.ofSeconds(10)).run(() -> {
                parked.countDown();
                return d.await();
            });
            assertEquals(7, v);
        } finally {
            plain.interrupt();
            plain.join();
        }
    }

    /** As above, for MicroThread.await of a CompletableFuture completed on the common pool. */
    @Test
    @Timeout(30)
    void awaitingAFutureCompletedOutsideIsWaitedForWithOutsideWait() throws Exception {
        int v = Simulation.withSeed(0).outsideWait(Duration.ofSeconds(10)).run(() ->
                MicroThread.await(CompletableFuture.supplyAsync(() -> {
                    try {
                        Thread.sleep(50); // late on purpose; the value is 8 whatever the timing
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return 8;
                })));
        assertEquals(8, v);
    }

    /**
     * A simulated micro-thread that runs something on a real loop waits for a thread outside the
     * simulation (the real loop's carrier): not a deadlock. DeadlockException today.
     */
    @Test
    @Timeout(30)
    void runningARealLoopFromASimulatedMicroThreadIsNotADeadlock() throws Exception {
        int v = Simulation.withSeed(0).outsideWait(Duration.ofSeconds(10)).run(() -> {
            try (Loop real = Loop.singleCarrier("real-inside-simulation")) {
                return real.run(() -> 5);
            }
        });
        assertEquals(5, v);
    }

    /**
     * A virtual thread started with Thread.ofVirtual() inside a simulated micro-thread inherits the
     * simulation's scheduler but is not a micro-thread: its MicroThread.sleep runs on the wall clock
     * (the JDK's timer) and the simulation does not count it as live, so a micro-thread waiting for
     * it is reported as a deadlock at virtual time 0. Either make it part of the simulation or
     * refuse it clearly at its start; a DeadlockException is neither.
     */
    @Test
    @Timeout(30)
    void aVirtualThreadStartedInsideIsNotReportedAsADeadlock() {
        Throwable thrown = null;
        Integer v = null;
        try {
            v = Simulation.withSeed(0).outsideWait(Duration.ofSeconds(10)).run(() -> {
                Pipe<Integer> p = Pipe.rendezvous();
                Thread.ofVirtual().start(() -> {
                    try {
                        MicroThread.sleep(Duration.ofMillis(20));
                        p.put(3);
                    } catch (InterruptedException e) {
                        // the run ended
                    }
                });
                return p.take();
            });
        } catch (Throwable e) {
            thrown = e;
        }
        Throwable t = thrown;
        assertFalse(t instanceof DeadlockException, () -> "a false deadlock: " + describe(t));
        if (t == null) assertEquals(3, v);
    }

    // ---- locks held inside the simulation across a virtual wait are not the outside world ----

    /**
     * ADR 0028: "a java.util.concurrent lock between two simulated micro-threads joins the schedule
     * for free". Not when its holder waits on the virtual clock: 'b' blocks in lock() while 'a'
     * sleeps 1 s holding it, and the run fails "'b' blocked on something outside the simulation ...
     * that nothing inside the simulation ended", although 'a' (inside) releases it at +1 s. The
     * outside check runs before the timers (SimDriver.idle) and treats every JDK park as outside.
     */
    @Test
    @Timeout(30)
    void aJucLockHeldAcrossAVirtualSleepIsNotTheOutsideWorld() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        Simulation sim = Simulation.withSeed(0);
        int v = sim.run(() -> {
            Deferred<Void> held = new Deferred<>();
            var a = MicroThread.parallel("a", () -> {
                lock.lock();
                try {
                    held.complete(null);
                    MicroThread.sleep(Duration.ofSeconds(1));
                } finally {
                    lock.unlock();
                }
                return 1;
            });
            var b = MicroThread.parallel("b", () -> {
                held.await(); // 'a' holds the lock now
                lock.lock();
                lock.unlock();
                return 2;
            });
            return a.join() + b.join();
        });
        assertEquals(3, v);
        assertEquals(Duration.ofSeconds(1), sim.elapsed());
    }

    /**
     * The same with synchronized: 'b' waits for the monitor while 'a' sleeps 1 s (virtual) in it.
     * Today the owner waits the 1 s monitor grace in real time, then fails "not handed over within
     * 1s (held outside the simulation, or a lock-order deadlock)" or, depending on the JDK's
     * unblocker thread, "abandoned": neither is true, the monitor is held inside.
     */
    @Test
    @Timeout(30)
    void aMonitorHeldAcrossAVirtualSleepIsNotTheOutsideWorld() throws Exception {
        Object lock = new Object();
        Simulation sim = Simulation.withSeed(0);
        int v = sim.run(() -> {
            Deferred<Void> held = new Deferred<>();
            var a = MicroThread.parallel("a", () -> {
                synchronized (lock) {
                    held.complete(null);
                    MicroThread.sleep(Duration.ofSeconds(1));
                }
                return 1;
            });
            var b = MicroThread.parallel("b", () -> {
                held.await(); // 'a' holds the monitor now
                synchronized (lock) {
                    return 2;
                }
            });
            return a.join() + b.join();
        });
        assertEquals(3, v);
        assertEquals(Duration.ofSeconds(1), sim.elapsed());
    }

    // ---- a failure that cannot be cancelled still says what it was ----

    /**
     * Simulation's contract for the outside world: the run fails with SimulationException
     * "micro-thread 'x' blocked on something outside the simulation: ...". When the blocked call
     * ignores interruption (ReentrantLock.lock(), held by a plain thread), the cancellation cannot
     * end it and the run is abandoned: what is thrown then says only "abandoned", and the outside
     * report (which micro-thread, on what) is lost.
     */
    @Test
    @Timeout(30)
    void anUncancellableOutsideWaitIsStillReportedAsOutside() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        CountDownLatch held = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            lock.lock();
            try {
                held.countDown();
                release.await();
            } catch (InterruptedException e) {
                // end
            } finally {
                lock.unlock();
            }
        });
        held.await();
        try {
            SimulationException e = assertThrows(SimulationException.class, () -> Simulation.withSeed(0).run(() -> {
                lock.lock();
                lock.unlock();
                return 1;
            }));
            assertTrue(chainHas(e, SimulationException.class, "micro-thread 'main' blocked on something outside the simulation"),
                    () -> "the outside report is lost: " + describe(e));
        } finally {
            release.countDown();
            holder.join();
        }
    }

    /**
     * A deadlock whose micro-thread swallows its cancellation and waits again: the run is
     * abandoned (bounded by the wall limit, good), but what it throws no longer says it was a
     * deadlock, nor on what: the DeadlockException and its report are dropped for "abandoned".
     */
    @Test
    @Timeout(60)
    void anAbandonedDeadlockStillReportsTheDeadlock() {
        long wall = System.nanoTime();
        RuntimeException e = assertThrows(RuntimeException.class, () -> Simulation.withSeed(0).wallLimit(Duration.ofSeconds(2)).run(() -> {
            Pipe<Integer> p = Pipe.rendezvous();
            MicroThread.parallel("stubborn", () -> {
                while (true) {
                    try {
                        p.take();
                    } catch (InterruptedException swallowed) {
                        // ignores its cancellation
                    }
                }
            });
            return p.take();
        }));
        assertTrue(System.nanoTime() - wall < Duration.ofSeconds(20).toNanos(), "bounded by the wall limit");
        assertTrue(chainHas(e, DeadlockException.class, "deadlock in the simulation"),
                () -> "the deadlock report is lost: " + describe(e));
    }
}
