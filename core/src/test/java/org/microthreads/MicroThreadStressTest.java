package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real carriers, random cancellations, and closes racing with starts: every micro-thread that
 * was started ends exactly once, in exactly one way, and none outlives its loop.
 * Sizes scale with {@code -Dmicrothreads.stress.scale=N} (default 1: a short run for every build).
 */
@Tag("stress")
class MicroThreadStressTest {
    private static final int SCALE = Integer.getInteger("microthreads.stress.scale", 1);

    @Test
    @Timeout(120)
    void randomCancellationsAcrossLoopsAndPlatformThreadsLoseNothing() throws Exception {
        int rounds = 20 * SCALE;
        try (Loop a = Loop.singleCarrier("stress-a"); Loop b = Loop.singleCarrier("stress-b")) {
            List<Loop> loops = List.of(a, b, Loop.shared());
            for (int round = 0; round < rounds; round++) {
                SplittableRandom rnd = new SplittableRandom(round);
                ConcurrentLinkedQueue<MicroThread<Integer>> all = new ConcurrentLinkedQueue<>();
                AtomicInteger bodiesEnded = new AtomicInteger();
                int n = 200;
                Deferred<Void> release = new Deferred<>();
                for (int i = 0; i < n; i++) {
                    Loop loop = loops.get(rnd.nextInt(loops.size()));
                    int kind = rnd.nextInt(3);
                    all.add(loop.parallel(() -> {
                        try {
                            if (kind == 0) return 1;
                            if (kind == 1) {
                                release.await();
                                return 1;
                            }
                            MicroThread.yieldNow();
                            throw new IllegalStateException("planned");
                        } finally {
                            bodiesEnded.incrementAndGet();
                        }
                    }));
                }
                // cancel a random third from two platform threads while others complete
                List<MicroThread<Integer>> snapshot = new ArrayList<>(all);
                Thread c1 = Thread.ofPlatform().start(() -> cancelSome(snapshot, new SplittableRandom(1)));
                Thread c2 = Thread.ofPlatform().start(() -> cancelSome(snapshot, new SplittableRandom(2)));
                release.complete(null);
                c1.join();
                c2.join();
                int succeeded = 0, failed = 0, cancelled = 0;
                for (MicroThread<Integer> m : snapshot) {
                    try {
                        succeeded += m.join();
                    } catch (FailedException e) {
                        assertThat(e).cause().hasMessage("planned");
                        failed++;
                    } catch (CancellationException e) {
                        cancelled++;
                    }
                }
                assertThat(succeeded + failed + cancelled).isEqualTo(n);
                assertThat(bodiesEnded.get()).isEqualTo(n);
            }
            // a joined micro-thread unlists itself just after its value is published
            for (Loop l : List.of(a, b)) {
                while (!l.microThreads().isEmpty()) Thread.onSpinWait();
            }
        }
    }

    private static void cancelSome(List<MicroThread<Integer>> list, SplittableRandom rnd) {
        for (MicroThread<Integer> m : list) {
            if (rnd.nextInt(3) == 0) m.cancel();
        }
    }

    @Test
    @Timeout(120)
    void closeRacingWithStartsLeavesNothingHalfStartedOrAlive() throws Exception {
        for (int round = 0; round < 20 * SCALE; round++) {
            Loop loop = Loop.singleCarrier("closing-" + round);
            ConcurrentLinkedQueue<MicroThread<Void>> accepted = new ConcurrentLinkedQueue<>();
            AtomicInteger rejected = new AtomicInteger();
            AtomicInteger bodiesStarted = new AtomicInteger();
            AtomicInteger bodiesEnded = new AtomicInteger();
            Deferred<Void> never = new Deferred<>();
            List<Thread> starters = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                starters.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 500; i++) {
                        try {
                            accepted.add(loop.startAndForget(() -> {
                                bodiesStarted.incrementAndGet();
                                try {
                                    never.await();
                                } finally {
                                    bodiesEnded.incrementAndGet();
                                }
                            }));
                        } catch (IllegalStateException closed) {
                            rejected.incrementAndGet();
                        }
                    }
                }));
            }
            while (accepted.size() < 10) Thread.onSpinWait();
            loop.close();
            for (Thread t : starters) t.join();
            assertThat(accepted.size() + rejected.get()).isEqualTo(1000);
            for (MicroThread<Void> m : accepted) {
                assertThat(m.isDone()).as("accepted micro-thread ended").isTrue();
            }
            // a body either never started (cancelled before its first step) or ran its finally
            assertThat(bodiesEnded.get()).isEqualTo(bodiesStarted.get());
            assertThat(loop.microThreads()).isEmpty();
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    @Timeout(120)
    void joinersFromEverywhereSeeTheSameOutcome() throws Exception {
        try (Loop a = Loop.singleCarrier("joiners")) {
            for (int round = 0; round < 50 * SCALE; round++) {
                Deferred<Integer> gate = new Deferred<>();
                MicroThread<Integer> target = Loop.shared().parallel(gate::await);
                List<MicroThread<Integer>> joiners = new ArrayList<>();
                for (int i = 0; i < 20; i++) joiners.add((i % 2 == 0 ? a : Loop.shared()).parallel(target::join));
                gate.complete(round);
                for (MicroThread<Integer> j : joiners) assertThat(j.join()).isEqualTo(round);
            }
        }
    }

    @Test
    @Timeout(120)
    void dumpsFromOtherThreadsNeverWedgeTheCarrier() throws Exception {
        // Regression: the carrier's idle check once blocked on a registry monitor for which a
        // micro-thread of its own loop was queued (JDK 24+ unmounts virtual threads on monitors).
        try (Loop loop = Loop.singleCarrier("inspected")) {
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread inspector = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    loop.microThreads();
                    loop.dump();
                }
            });
            try {
                for (int round = 0; round < 20 * SCALE; round++) {
                    loop.run(() -> {
                        for (int i = 0; i < 2_000; i++) {
                            MicroThread.startAndForget(() -> {
                                MicroThread.yieldNow();
                                if ((System.nanoTime() & 7) == 0) MicroThread.sleep(java.time.Duration.ofMillis(1));
                            });
                        }
                        return null;
                    });
                }
            } finally {
                stop.set(true);
                inspector.join();
            }
            assertThat(loop.microThreads()).isEmpty();
        }
    }
}
