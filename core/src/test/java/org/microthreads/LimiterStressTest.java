package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.microthreads.DeadlockRuleTest.waitUntil;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The limiter under real carriers and plain threads: a grant racing a cancellation, an
 * interrupt or a timeout settles exactly once (the acquire holds the permit, or it throws /
 * returns false holding nothing and the permit passes on), and the limit holds under random
 * cancellations. Permits are counted at the end. Sizes scale with
 * {@code -Dmicrothreads.stress.scale=N} (default 1).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LimiterStressTest {
    private static final int SCALE = Integer.getInteger("microthreads.stress.scale", 1);

    enum Outcome { GOT, THREW, TIMED_OUT }

    /**
     * Each round: the test thread holds a mutex, acquirer A waits for it (a shared-loop
     * micro-thread or a plain thread; plain or timed acquire) and B waits behind A. Then, at
     * once, the test thread releases and a racer cancels or interrupts A. Whatever A's outcome,
     * B gets the permit, and at the end of the round every permit is free and nobody waits.
     */
    @Test
    void aGrantRacingACancellationInterruptOrTimeoutSettlesExactlyOnce() throws Exception {
        int rounds = 2_000 * SCALE;
        int[] outcomes = new int[Outcome.values().length];
        Limiter l = Limiter.mutex().named("raced");
        for (int round = 0; round < rounds; round++) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            boolean micro = rnd.nextBoolean(), timed = rnd.nextInt(3) == 0;
            l.acquire();
            AtomicReference<Outcome> outcome = new AtomicReference<>();
            MicroThread.Task body = () -> {
                boolean got;
                try {
                    got = timed ? l.tryAcquire(Duration.ofNanos(rnd.nextInt(200_000))) : acquired(l);
                } catch (InterruptedException e) {
                    outcome.set(Outcome.THREW);
                    return;
                }
                outcome.set(got ? Outcome.GOT : Outcome.TIMED_OUT);
                if (got) l.release();
            };
            MicroThread<Void> aMicro = null;
            Thread aPlain = null;
            if (micro) {
                aMicro = Loop.shared().startAndForget("A", body);
            } else {
                aPlain = Thread.ofPlatform().start(() -> {
                    try {
                        body.run();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
            }
            waitUntil(() -> l.waiting() == 1 || outcome.get() != null);
            MicroThread<Boolean> b = Loop.shared().parallel("B", () -> {
                l.acquire();
                l.release();
                return true;
            });
            waitUntil(() -> l.waiting() == 2 || outcome.get() != null);
            int spins = rnd.nextInt(2_000);
            MicroThread<Void> am = aMicro;
            Thread ap = aPlain;
            Thread racer = Thread.ofPlatform().start(() -> {
                for (int i = spins; i > 0; i--) Thread.onSpinWait();
                if (am != null) am.cancel(); else ap.interrupt();
            });
            for (int i = rnd.nextInt(2_000); i > 0; i--) Thread.onSpinWait();
            l.release();
            racer.join();
            assertThat(b.join()).isTrue();
            if (aMicro != null) {
                try {
                    aMicro.join();
                } catch (CancellationException expected) {
                    // cancelled, as intended
                }
            } else {
                aPlain.join();
            }
            waitUntil(() -> outcome.get() != null);
            outcomes[outcome.get().ordinal()]++;
            assertThat(l.available()).as("round %d: %s", round, outcome.get()).isEqualTo(1);
            assertThat(l.waiting()).isZero();
        }
        System.out.println("limiter grant race: " + rounds + " rounds, acquired " + outcomes[0] + ", threw "
                + outcomes[1] + ", timed out " + outcomes[2] + "; every permit accounted for");
        assertThat(outcomes[0] + outcomes[1] + outcomes[2]).isEqualTo(rounds);
    }

    private static boolean acquired(Limiter l) throws InterruptedException {
        l.acquire();
        return true;
    }

    /**
     * Micro-threads of the shared loop and of a single-carrier loop, and plain threads, go through
     * a limit of 3 with every acquire form while some of the micro-threads are cancelled at random:
     * never more than 3 inside, and at the end all 3 permits are free and nobody waits.
     */
    @Test
    void theLimitHoldsUnderRandomCancellationsOnEveryKindOfThread() throws Exception {
        int ops = 2_000 * SCALE;
        Limiter l = Limiter.of(3).named("three");
        AtomicInteger inside = new AtomicInteger(), most = new AtomicInteger(), done = new AtomicInteger();
        try (Loop single = Loop.singleCarrier("stress-single")) {
            MicroThread.Task worker = () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int i = 0; i < ops; i++) {
                    boolean got = switch (rnd.nextInt(4)) {
                        case 0 -> acquired(l);
                        case 1 -> l.tryAcquire();
                        case 2 -> l.tryAcquire(Duration.ofNanos(rnd.nextInt(100_000)));
                        default -> {
                            try (Limiter.Permit p = l.enter()) {
                                inCriticalSection(inside, most);
                            }
                            yield false;
                        }
                    };
                    if (got) {
                        try {
                            inCriticalSection(inside, most);
                        } finally {
                            l.release();
                        }
                    }
                    done.incrementAndGet();
                }
            };
            List<MicroThread<Void>> micro = new ArrayList<>();
            for (int i = 0; i < 6; i++) micro.add(Loop.shared().startAndForget("shared-" + i, worker));
            for (int i = 0; i < 4; i++) micro.add(single.startAndForget("single-" + i, worker));
            List<Thread> plain = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                plain.add(Thread.ofPlatform().start(() -> {
                    try {
                        worker.run();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }));
            }
            int cancelled = 0;
            for (MicroThread<Void> m : micro) {
                if (ThreadLocalRandom.current().nextInt(3) == 0) {
                    for (int i = ThreadLocalRandom.current().nextInt(100_000); i > 0; i--) Thread.onSpinWait();
                    m.cancel();
                    cancelled++;
                }
            }
            for (MicroThread<Void> m : micro) {
                try {
                    m.join();
                } catch (CancellationException expected) {
                    // one of those cancelled
                }
            }
            for (Thread t : plain) t.join();
            assertThat(most.get()).isLessThanOrEqualTo(3);
            assertThat(inside.get()).isZero();
            assertThat(l.available()).isEqualTo(3);
            assertThat(l.waiting()).isZero();
            System.out.println("limiter stress: " + done.get() + " operations, " + cancelled + " of 10 micro-threads cancelled, at most "
                    + most.get() + " inside at once; all permits free at the end");
        }
    }

    /**
     * 500 rounds (times the stress scale): a plain thread hammers a fresh limiter of 2 with
     * tryAcquire/acquire + release while a run confines it. Either confined() refuses (the outsider
     * held a permit) or the outsider is refused from then on; either way no permit is ever lost or
     * doubled: the run can take both permits, and afterwards both are free.
     */
    @Test
    void anOutsiderRacingConfinedNeverLosesNorDoublesAPermit() throws Exception {
        int rounds = 500 * SCALE;
        int confinedCount = 0, refusedCount = 0;
        try (Loop loop = Loop.singleCarrier("confine-race")) {
            for (int round = 0; round < rounds; round++) {
                Limiter l = Limiter.of(2).named("raced-" + round);
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                AtomicReference<Throwable> unexpected = new AtomicReference<>();
                Thread outsider = Thread.ofPlatform().start(() -> {
                    try {
                        while (!stop.get()) {
                            boolean got = ThreadLocalRandom.current().nextBoolean() ? l.tryAcquire() : acquired(l);
                            if (got) l.release(); // never refused: confined() fails while a permit is held
                        }
                    } catch (IllegalStateException refused) {
                        if (!refused.getMessage().contains("is confined to")) unexpected.set(refused);
                    } catch (Throwable t) {
                        unexpected.set(t);
                    }
                });
                for (int i = ThreadLocalRandom.current().nextInt(20_000); i > 0; i--) Thread.onSpinWait();
                boolean confined = loop.run(() -> {
                    try {
                        l.confined();
                    } catch (IllegalStateException held) {
                        assertThat(held).hasMessageContaining("cannot be confined to");
                        return false;
                    }
                    l.acquire();
                    l.acquire(); // both: none was stranded by the outsider
                    l.release();
                    l.release();
                    return true;
                });
                stop.set(true);
                outsider.join();
                assertThat(unexpected.get()).isNull();
                assertThat(l.available()).isEqualTo(2);
                assertThat(l.waiting()).isZero();
                if (confined) confinedCount++; else refusedCount++;
            }
        }
        System.out.println("limiter confinement race: " + rounds + " rounds, confined " + confinedCount + ", refused " + refusedCount
                + "; no permit lost or doubled");
    }

    /**
     * 300 rounds (times the stress scale) on one single-carrier loop: healthy runs whose workers
     * share a confined limiter of 2 and a confined mutex with random yields, while a holder now
     * and then waits for something that can still end (a short sleep, a {@link Deferred} an outside
     * thread completes after a random while), beside a concurrent healthy run; and in some rounds a
     * true deadlock (two mutexes taken in opposite orders, or a mutex taken twice). Every true
     * deadlock is reported, no healthy run ever is.
     */
    @Test
    void theDeadlockRuleForConfinedLimitersGivesNoFalseReportAndEveryTrueOne() throws Exception {
        int rounds = 300 * SCALE;
        int trueDeadlocks = 0, reported = 0;
        try (Loop loop = Loop.singleCarrier("limiter-deadlock-stress"); LogCapture log = LogCapture.start()) {
            for (int round = 0; round < rounds; round++) {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                int k = 2 + rnd.nextInt(4);
                java.util.concurrent.CompletableFuture<Integer> concurrent = rnd.nextBoolean()
                        ? java.util.concurrent.CompletableFuture.supplyAsync(() -> healthyRun(loop, k + 1), r -> Thread.ofPlatform().start(r)) : null;
                java.util.concurrent.CompletableFuture<Throwable> stuck = null;
                if (rnd.nextInt(4) == 0) {
                    trueDeadlocks++;
                    boolean cycle = rnd.nextBoolean();
                    stuck = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            loop.run(() -> cycle ? lockOrderCycle() : reacquire());
                            return null;
                        } catch (Throwable t) {
                            return t;
                        }
                    }, r -> Thread.ofPlatform().start(r));
                }
                assertThat(healthyRun(loop, k)).isEqualTo(k * 10);
                if (concurrent != null) assertThat(concurrent.get(30, TimeUnit.SECONDS)).isEqualTo((k + 1) * 10);
                if (stuck != null) {
                    assertThat(stuck.get(30, TimeUnit.SECONDS)).isInstanceOf(DeadlockException.class)
                            .hasMessageContaining("waiting for a permit of limiter");
                    reported++;
                }
            }
            // the deadlock report's words: the loop is named limiter-deadlock-stress, so a stall report names it too
            assertThat(log.messages).noneMatch(m -> m.contains("deadlock on loop"));
        }
        assertThat(reported).isEqualTo(trueDeadlocks);
        System.out.println("limiter deadlock rule stress: " + rounds + " rounds, " + trueDeadlocks
                + " true deadlocks, all reported, no false report");
    }

    /** k workers, 10 jobs each, through a confined limiter of 2 and a confined mutex; returns the jobs done. */
    private static int healthyRun(Loop loop, int k) {
        try {
            return loop.run(() -> {
                Limiter two = Limiter.of(2).named("two").confined();
                Limiter mutex = Limiter.mutex().named("mutex").confined();
                int[] count = {0};
                List<MicroThread<Void>> workers = new ArrayList<>();
                for (int w = 0; w < k; w++) {
                    workers.add(MicroThread.parallel("worker-" + w, () -> {
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        for (int job = 0; job < 10; job++) {
                            try (Limiter.Permit p = two.enter()) {
                                switch (rnd.nextInt(20)) {
                                    case 0 -> MicroThread.sleep(Duration.ofNanos(1 + rnd.nextInt(200_000)));
                                    case 1 -> {
                                        Deferred<Void> outside = new Deferred<>();
                                        int spins = rnd.nextInt(20_000);
                                        Thread.ofPlatform().start(() -> {
                                            for (int i = spins; i > 0; i--) Thread.onSpinWait();
                                            outside.complete(null);
                                        });
                                        outside.await();
                                    }
                                    default -> {
                                        if (rnd.nextBoolean()) MicroThread.yieldNow();
                                    }
                                }
                                try (Limiter.Permit m = mutex.enter()) {
                                    int c = count[0];
                                    if (rnd.nextBoolean()) MicroThread.yieldNow();
                                    count[0] = c + 1;
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (MicroThread<Void> w : workers) w.join();
                return count[0];
            });
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static Object lockOrderCycle() throws InterruptedException {
        Limiter a = Limiter.mutex().named("a").confined(), b = Limiter.mutex().named("b").confined();
        MicroThread<Void> x = MicroThread.parallel("x", () -> {
            try (Limiter.Permit p = a.enter()) {
                MicroThread.yieldNow();
                b.acquire();
            }
            return null;
        });
        try (Limiter.Permit p = b.enter()) {
            MicroThread.yieldNow();
            a.acquire();
        }
        return x.join();
    }

    private static Object reacquire() throws InterruptedException {
        Limiter m = Limiter.mutex().named("m").confined();
        m.acquire();
        MicroThread.yieldNow();
        m.acquire();
        return null;
    }

    private static void inCriticalSection(AtomicInteger inside, AtomicInteger most) throws InterruptedException {
        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
        try {
            if (ThreadLocalRandom.current().nextInt(8) == 0) MicroThread.yieldNow();
        } finally {
            inside.decrementAndGet();
        }
    }
}
