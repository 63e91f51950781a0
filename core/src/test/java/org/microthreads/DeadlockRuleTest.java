package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rule that keeps a deadlock report true while work can still arrive from outside the loop
 * (issue 13, defect 1; ADR 0019): a run's confined pipes are its own while it runs, waits on
 * pipes confined outside any run never count, and a report names only those nothing can wake.
 */
class DeadlockRuleTest {
    private static final int SCALE = Integer.getInteger("microthreads.stress.scale", 1);

    /** The issue's program: an outside thread starts a handler that feeds the run's confined pipe. */
    @Test
    @Timeout(60)
    void aRunsConfinedPipeRefusesAHandlerStartedFromOutsideAndTheReportIsTrue() throws Exception {
        try (Loop loop = Loop.singleCarrier("acceptor-loop")) {
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            loop.failureHandler((m, f) -> failures.add(f));
            CompletableFuture<Pipe<String>> published = new CompletableFuture<>();
            Deferred<Void> keeperGoes = new Deferred<>(); // keeps the run going until the handler has tried
            Thread acceptor = Thread.ofPlatform().name("acceptor").start(() -> {
                try {
                    Pipe<String> requests = published.get(30, TimeUnit.SECONDS);
                    MicroThread<Void> handler = loop.startAndForget("handler", () -> requests.put("GET /"));
                    waitUntil(handler::isDone);
                    keeperGoes.complete(null);
                } catch (Exception e) {
                    keeperGoes.fail(e);
                }
            });
            assertThatThrownBy(() -> loop.run(() -> {
                Pipe<String> requests = Pipe.<String>rendezvous().named("requests").confined();
                MicroThread.startAndForget("keeper", keeperGoes::await);
                published.complete(requests);
                return requests.take();
            })).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("'main' WAITING: waiting to take from pipe 'requests'")
                    .hasMessageNotContaining("'handler'");
            acceptor.join();
            assertThat(failures).hasSize(1);
            assertThat(failures.get(0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("pipe 'requests' is confined to the run of 'main' (#")
                    .hasMessageContaining("cannot be used by micro-thread 'handler' of loop 'acceptor-loop' outside any run");
        }
    }

    /** Two concurrent runs: the second cannot feed the first's confined pipe, and says why. */
    @Test
    @Timeout(60)
    void aConcurrentRunCannotTouchAnotherRunsConfinedPipe() throws Exception {
        try (Loop loop = Loop.singleCarrier("two-runs")) {
            CompletableFuture<Pipe<Integer>> published = new CompletableFuture<>();
            Deferred<Void> keeperGoes = new Deferred<>();
            CompletableFuture<Throwable> second = CompletableFuture.supplyAsync(() -> {
                try {
                    Pipe<Integer> a = published.get(30, TimeUnit.SECONDS);
                    loop.run(() -> a.tryPut(1));
                    return null;
                } catch (Throwable t) {
                    return t;
                } finally {
                    keeperGoes.complete(null);
                }
            }, r -> Thread.ofPlatform().start(r));
            assertThatThrownBy(() -> loop.run(() -> {
                Pipe<Integer> a = Pipe.<Integer>buffered(1).named("a").confined();
                MicroThread.startAndForget("keeper", keeperGoes::await);
                published.complete(a);
                return a.take();
            })).isInstanceOf(DeadlockException.class).hasMessageContaining("waiting to take from pipe 'a'");
            assertThat(second.get(30, TimeUnit.SECONDS)).isInstanceOf(FailedException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is confined to the run of 'main'")
                    .hasMessageContaining("cannot be used by micro-thread 'main' of the run of 'main'");
            // once that run has ended, the loop's other micro-threads may use the pipe (its waits no longer count)
            Pipe<Integer> a = published.get();
            assertThat(loop.run(() -> a.tryPut(2) ? a.take() : -1)).isEqualTo(2);
        }
    }

    /**
     * A pipe confined outside any run, whose waiter the loop holds while idle, fed later by a
     * micro-thread started from outside: never reported (it was, before ADR 0019).
     */
    @Test
    @Timeout(60)
    void aPipeConfinedOutsideAnyRunAndFedByALaterOutsideStartIsNeverReported() throws Exception {
        try (Loop loop = Loop.singleCarrier("outside-any-run"); LogCapture log = LogCapture.start()) {
            CarrierDriver carrier = (CarrierDriver) loop.driver;
            CompletableFuture<Pipe<String>> published = new CompletableFuture<>();
            MicroThread<String> waiter = loop.parallel("waiter", () -> {
                Pipe<String> p = Pipe.<String>rendezvous().named("inbox").confined();
                published.complete(p);
                return p.take();
            });
            Pipe<String> inbox = published.get(30, TimeUnit.SECONDS);
            // the carrier has gone idle (its deadlock check run) with 'waiter' waiting
            waitUntil(() -> waiter.waitingOn().isPresent() && carrier.carrierSleepsForTest());
            loop.startAndForget("feeder", () -> inbox.put("late"));
            assertThat(waiter.join()).isEqualTo("late");
            assertThat(log.messages).noneMatch(m -> m.contains("deadlock"));
        }
    }

    /** A join cycle is reported while another micro-thread of the run waits on something outside. */
    @Test
    @Timeout(60)
    void aPartialDeadlockIsReportedAndNamesOnlyTheStuck() throws Exception {
        try (Loop loop = Loop.singleCarrier("partial")) {
            Deferred<Void> never = new Deferred<>();
            class Pair {
                MicroThread<Void> alice, bob;
            }
            assertThatThrownBy(() -> loop.run(() -> {
                Pair p = new Pair();
                MicroThread<Void> outsideWaiter = MicroThread.parallel("outside-waiter", () -> {
                    never.await();
                    return null;
                });
                p.alice = MicroThread.parallel("alice", () -> {
                    MicroThread.yieldNow();
                    p.bob.join();
                    return null;
                });
                p.bob = MicroThread.parallel("bob", () -> {
                    p.alice.join();
                    return null;
                });
                p.alice.join();
                return outsideWaiter.join();
            })).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("3 of its 4 micro-threads wait for each other")
                    .hasMessageContaining("'alice' WAITING: joining micro-thread 'bob'")
                    .hasMessageContaining("'bob' WAITING: joining micro-thread 'alice'")
                    .hasMessageContaining("'main' WAITING: joining micro-thread 'alice'")
                    .hasMessageNotContaining("'outside-waiter'");
        }
    }

    /** A wait on a run's confined pipe is not stuck while it joins on something outside the run that can still end. */
    @Test
    @Timeout(60)
    void aWaitIsNotReportedWhileWhatCanEndItIsOutsideTheStuckSet() throws Exception {
        try (Loop loop = Loop.singleCarrier("not-stuck")) {
            Deferred<Integer> later = new Deferred<>();
            MicroThread<Integer> outsideRun = loop.parallel("outside-run", later::await);
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return loop.run(() -> {
                        Pipe<Integer> p = Pipe.<Integer>buffered(1).named("p").confined();
                        MicroThread.startAndForget("relay", () -> p.put(outsideRun.join()));
                        return p.take();
                    });
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            CarrierDriver carrier = (CarrierDriver) loop.driver;
            waitUntil(() -> loop.microThreads().size() == 3 && loop.microThreads().stream().allMatch(m -> m.waitingOn().isPresent())
                    && carrier.carrierSleepsForTest());
            later.complete(7);
            assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(7);
        }
    }

    /**
     * A supervisor-style failure handler runs on the failed worker (settled, still running), backs
     * off, then restarts it; the restart feeds the run's confined pipe. The failed one is not
     * listed for users, but the deadlock check sees it running (found by review).
     */
    @Test
    @Timeout(60)
    void aFailureHandlerThatBacksOffThenRestartsIsNotADeadlock() throws Exception {
        try (Loop loop = Loop.singleCarrier("restart")) {
            java.util.concurrent.atomic.AtomicReference<Pipe<String>> out = new java.util.concurrent.atomic.AtomicReference<>();
            loop.failureHandler((m, f) -> {
                if (!m.name().equals("worker-1")) return;
                try {
                    MicroThread.sleep(java.time.Duration.ofMillis(100)); // back-off: main waits meanwhile
                    MicroThread.startAndForget("worker-2", () -> out.get().put("second try"));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            String r = loop.run(() -> {
                Pipe<String> p = Pipe.<String>rendezvous().named("results").confined();
                out.set(p);
                MicroThread.startAndForget("worker-1", () -> {
                    throw new IllegalStateException("first try fails");
                });
                return p.take();
            });
            assertThat(r).isEqualTo("second try");
        }
    }

    /**
     * At the end of a run its last micro-thread hands an unjoined failure to the handler, which
     * starts another micro-thread of the run and feeds it later: the run is still in progress
     * meanwhile, and not a deadlock (found by review).
     */
    @Test
    @Timeout(60)
    void aFailureHandlerAtTheEndOfARunThatStartsMoreOfItIsNotADeadlock() throws Exception {
        try (Loop loop = Loop.singleCarrier("refill")) {
            java.util.concurrent.atomic.AtomicReference<Pipe<String>> box = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicReference<MicroThread<String>> late = new java.util.concurrent.atomic.AtomicReference<>();
            loop.failureHandler((m, f) -> {
                if (!m.name().equals("failing")) return;
                try {
                    late.set(MicroThread.parallel("late", () -> box.get().take()));
                    MicroThread.sleep(java.time.Duration.ofMillis(100));
                    box.get().put("fed");
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            loop.run(() -> {
                box.set(Pipe.<String>buffered(1).named("x").confined());
                MicroThread.parallel("failing", () -> {
                    throw new IllegalStateException("unjoined");
                });
                return null;
            });
            assertThat(late.get().join()).isEqualTo("fed");
        }
    }

    /** A pipe owned by a micro-thread outside the run cannot be confined to it: its owner's end closes it (found by review). */
    @Test
    @Timeout(60)
    void aPipeOwnedOutsideTheRunCannotBeConfinedToIt() throws Exception {
        try (Loop loop = Loop.singleCarrier("owned")) {
            Pipe<Integer> p = Pipe.<Integer>unbounded().named("p");
            Deferred<Void> go = new Deferred<>();
            MicroThread<Void> producer = loop.parallel("producer", () -> {
                go.await();
                p.put(1);
                return null;
            });
            p.ownedBy(producer);
            assertThatThrownBy(() -> loop.run(() -> p.confined())).isInstanceOf(FailedException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("pipe 'p' cannot be confined to the run of 'main'")
                    .hasMessageContaining("it is owned by micro-thread 'producer' of loop 'owned' outside any run, whose end closes it");
            go.complete(null);
            producer.join();
            assertThat(loop.run(() -> p.take())).isEqualTo(1);
            assertThat(p.isClosedForTake()).isTrue();
        }
    }

    /**
     * 1,000 rounds (times the stress scale) of healthy runs, a concurrent healthy run, outside
     * starts feeding pipes confined outside any run, and, in some rounds, a true deadlock: no
     * healthy micro-thread is ever reported, and every true deadlock is.
     */
    @Test
    @Timeout(300)
    void randomOutsideStartsAndConcurrentRunsGiveNoFalseReportAndEveryTrueOne() throws Exception {
        int rounds = 1_000 * SCALE;
        int trueDeadlocks = 0, reported = 0;
        try (Loop loop = Loop.singleCarrier("deadlock-stress"); LogCapture log = LogCapture.start()) {
            for (int round = 0; round < rounds; round++) {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                int k = 1 + rnd.nextInt(4);
                CompletableFuture<Integer> concurrent = rnd.nextBoolean()
                        ? CompletableFuture.supplyAsync(() -> healthyRun(loop, k + 1), r -> Thread.ofPlatform().start(r)) : null;
                CompletableFuture<String> outsideFeed = CompletableFuture.supplyAsync(() -> outsideFeed(loop), r -> Thread.ofPlatform().start(r));
                boolean deadlock = rnd.nextInt(4) == 0;
                CompletableFuture<Throwable> stuck = null;
                if (deadlock) {
                    trueDeadlocks++;
                    boolean cycle = rnd.nextBoolean();
                    stuck = CompletableFuture.supplyAsync(() -> {
                        try {
                            loop.run(() -> cycle ? joinCycle() : Pipe.<Integer>rendezvous().named("nobody-feeds").confined().take());
                            return null;
                        } catch (Throwable t) {
                            return t;
                        }
                    }, r -> Thread.ofPlatform().start(r));
                }
                assertThat(healthyRun(loop, k)).isEqualTo(expected(k));
                if (concurrent != null) assertThat(concurrent.get(30, TimeUnit.SECONDS)).isEqualTo(expected(k + 1));
                assertThat(outsideFeed.get(30, TimeUnit.SECONDS)).isEqualTo("fed");
                if (stuck != null) {
                    assertThat(stuck.get(30, TimeUnit.SECONDS)).isInstanceOf(DeadlockException.class);
                    reported++;
                }
            }
            assertThat(log.messages).as("no micro-thread outside a run was reported").noneMatch(m -> m.contains("deadlock"));
        }
        assertThat(reported).isEqualTo(trueDeadlocks);
        System.out.println("deadlock rule stress: " + rounds + " rounds, " + trueDeadlocks + " true deadlocks, all reported, no false report");
    }

    private static int expected(int k) {
        int sum = 0;
        for (int i = 1; i <= 10 * k; i++) sum += 2 * i;
        return sum;
    }

    /** A run of k workers on confined pipes, with random yields; its value is {@link #expected}. */
    private static int healthyRun(Loop loop, int k) {
        try {
            return loop.run(() -> {
                Pipe<Integer> jobs = Pipe.<Integer>rendezvous().named("jobs").confined();
                Pipe<Integer> results = Pipe.<Integer>buffered(2).named("results").confined();
                for (int w = 0; w < k; w++) {
                    MicroThread.startAndForget("worker-" + w, () -> {
                        for (Integer job; (job = jobs.takeOrClosed()) != null; ) {
                            if (ThreadLocalRandom.current().nextBoolean()) MicroThread.yieldNow();
                            results.put(2 * job);
                        }
                    });
                }
                MicroThread.startAndForget("feeder", () -> {
                    for (int i = 1; i <= 10 * k; i++) jobs.put(i);
                    jobs.close();
                });
                int sum = 0;
                for (int i = 0; i < 10 * k; i++) sum += results.take();
                return sum;
            });
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * From a plain thread: a micro-thread outside any run confines a pipe and takes from it; after
     * a random while another outside start feeds it.
     */
    private static String outsideFeed(Loop loop) {
        try {
            CompletableFuture<Pipe<String>> published = new CompletableFuture<>();
            MicroThread<String> waiter = loop.parallel("outside-waiter", () -> {
                Pipe<String> p = Pipe.<String>rendezvous().named("outside-inbox").confined();
                published.complete(p);
                return p.take();
            });
            Pipe<String> p = published.get(30, TimeUnit.SECONDS);
            for (int spins = ThreadLocalRandom.current().nextInt(50_000); spins > 0; spins--) Thread.onSpinWait();
            loop.startAndForget("outside-feeder", () -> p.put("fed"));
            return waiter.join();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Object joinCycle() throws InterruptedException {
        class Pair {
            MicroThread<Object> a, b;
        }
        Pair p = new Pair();
        p.a = MicroThread.parallel("a", () -> {
            MicroThread.yieldNow();
            return p.b.join();
        });
        p.b = MicroThread.parallel("b", () -> p.a.join());
        return p.a.join();
    }

    /**
     * The rule never counts a micro-thread that has been woken and has not run yet: here the
     * check runs (as the carrier would run it on finding its queue empty) right after 'main' has
     * closed the pipe the taker waits on, which woke it, and parked to join it; the taker is
     * queued behind the observer that runs the check. It found both stuck before
     * {@link MicroThread#parked} (the flake of {@link ConfinedPipeStressTest}, 2026-12-07).
     */
    @Test
    @Timeout(60)
    void aMicroThreadWokenButNotRunYetIsNotStuck() throws Exception {
        try (Loop loop = Loop.singleCarrier("woken")) {
            java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
            CompletableFuture<List<String>> found = new CompletableFuture<>();
            // outside the run: it does not keep the run's waits from counting
            loop.startAndForget("observer", () -> {
                started.set(true);
                while (!closing.get()) MicroThread.yieldNow();
                found.complete(Deadlocks.find(loop.snapshot()).stream().map(MicroThread::name).toList());
            });
            waitUntil(started::get);
            String took = loop.run(() -> {
                Pipe<String> p = Pipe.<String>rendezvous().named("c0").confined();
                MicroThread<String> taker = MicroThread.parallel("taker", () -> String.valueOf(p.takeOrClosed()));
                while (taker.waitingOn().isEmpty()) MicroThread.yieldNow(); // parked in its take
                closing.set(true); // the observer is queued: it runs first once main parks
                p.close();         // wakes the taker: queued behind the observer
                return taker.join();
            });
            assertThat(took).isEqualTo("null");
            assertThat(found.get(30, TimeUnit.SECONDS)).as("stuck while the taker's wake-up was queued").isEmpty();
        }
    }

    /**
     * The same through the JDK, as in the flake: another thread takes the stack of the parked
     * taker (the stall monitor does, a dump does), which suspends its virtual thread; 'main'
     * closes the pipe meanwhile, and the JDK defers the unpark until the stack is taken. The
     * carrier, its queue empty, ran the check in between and reported 'main' and the taker as
     * deadlocked. A deep stack makes the taking last; each round checks that the unpark was
     * deferred indeed (the taker still suspended after the close).
     */
    @Test
    @Timeout(120)
    void aMicroThreadWokenWhileAnotherThreadTakesItsStackIsNotReportedAsDeadlocked() throws Exception {
        int deferredRounds = 0;
        try (Loop loop = Loop.singleCarrier("stack-taken")) {
            for (int round = 0; round < 500 && deferredRounds < 10 * SCALE; round++) {
                boolean deferred = loop.run(() -> {
                    Pipe<String> p = Pipe.<String>rendezvous().named("c0").confined();
                    MicroThread<String> taker = MicroThread.parallel("taker", () -> takeDeep(p, 2_000));
                    while (taker.waitingOn().isEmpty()) MicroThread.yieldNow(); // parked in its take
                    Thread vt = ((ThreadStrand) taker.strand).thread;
                    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                    Thread stackTaker = Thread.ofPlatform().name("stack-taker").start(() -> {
                        while (!stop.get()) vt.getStackTrace();
                    });
                    try {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        while (!suspended(vt) && System.nanoTime() < deadline) MicroThread.yieldNow();
                        p.close(); // wakes the taker
                        boolean wasDeferred = suspended(vt);
                        assertThat(taker.join()).isEqualTo("null");
                        return wasDeferred;
                    } finally {
                        stop.set(true);
                        stackTaker.join();
                    }
                });
                if (deferred) deferredRounds++;
            }
        }
        assertThat(deferredRounds).as("rounds whose wake-up the JDK deferred").isEqualTo(10 * SCALE);
    }

    private static String takeDeep(Pipe<String> p, int depth) throws InterruptedException {
        return depth == 0 ? String.valueOf(p.takeOrClosed()) : takeDeep(p, depth - 1);
    }

    /** Whether another thread holds virtual thread {@code vt} suspended to take its stack (the JDK's state bit). */
    private static boolean suspended(Thread vt) {
        return ((int) VT_STATE.getVolatile(vt) & VT_SUSPENDED) != 0;
    }

    private static final java.lang.invoke.VarHandle VT_STATE;
    private static final int VT_SUSPENDED;

    static {
        try {
            Class<?> vt = Class.forName("java.lang.VirtualThread");
            java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.privateLookupIn(vt, java.lang.invoke.MethodHandles.lookup());
            VT_STATE = l.findVarHandle(vt, "state", int.class);
            VT_SUSPENDED = (int) l.findStaticVarHandle(vt, "SUSPENDED", int.class).get();
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Polls a condition another thread makes true (no sleeping: it yields between looks). */
    static void waitUntil(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not reached in 30 s");
            Thread.yield();
        }
    }
}
