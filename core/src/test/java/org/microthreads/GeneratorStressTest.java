package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

/**
 * Many generators at once on the shared loop (two carriers here), on a single-carrier loop and on
 * platform threads, each consumed part-way or to the end, closed, abandoned inside its run, or
 * with its consumer cancelled at a random moment by another micro-thread; bodies that yield and
 * sleep between emits, so that the consumer and the body of a micro-thread generator often meet
 * on different carriers.
 *
 * <p>Checked for every generator: the consumer saw exactly 0, 1, 2, ... in order (never a gap, a
 * repeat or a stray item), and the body's {@code finally} ran exactly once, by the time its run
 * returned (or its close returned, for a plain-thread consumer); every failure is one the test
 * threw. Sizes scale with {@code -Dmicrothreads.stress.scale=N} (default 1: a few seconds).
 */
@Tag("stress")
class GeneratorStressTest {
    private static final int SCALE = Integer.getInteger("microthreads.stress.scale", 1);

    /** What each consumer does with its generator. */
    enum Ending { DRAIN, CLOSE_EARLY, ABANDON, CANCELLED, BODY_FAILS }

    private static final class Seen {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger finallies = new AtomicInteger();
        /** Continuation bodies left suspended by an abandoning consumer: their finally waits for the cleaner. */
        final AtomicInteger abandonedStarted = new AtomicInteger();
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    }

    private static Generator<Integer> generator(GeneratorKind k, int n, boolean fails, Seen seen, long seed) {
        return k.of(out -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            seen.started.incrementAndGet();
            try {
                for (int i = 0; i < n; i++) {
                    int r = rnd.nextInt(16);
                    if (r == 0) MicroThread.yieldNow();
                    else if (r == 1) MicroThread.sleep(java.time.Duration.ofNanos(50_000));
                    out.emit(i);
                }
                if (fails) throw new IllegalStateException("planned failure");
            } finally {
                seen.finallies.incrementAndGet();
            }
        });
    }

    /** Consumes as {@code ending} says; returns normally or by an expected exception. */
    private static void consume(Generator<Integer> g, Ending ending, int n, int stopAt, Seen seen) {
        int expected = 0;
        try {
            switch (ending) {
                case DRAIN, CANCELLED, BODY_FAILS -> {
                    try (g) {
                        for (int x : g) {
                            if (x != expected) seen.problems.add("saw " + x + ", expected " + expected);
                            expected++;
                        }
                    }
                    if (ending != Ending.CANCELLED && expected != n) seen.problems.add("drained " + expected + " of " + n);
                    if (ending == Ending.BODY_FAILS) seen.problems.add("the planned failure did not arrive");
                }
                case CLOSE_EARLY, ABANDON -> {
                    while (expected < stopAt && g.hasNext()) {
                        int x = g.next();
                        if (x != expected) seen.problems.add("saw " + x + ", expected " + expected);
                        expected++;
                    }
                    if (ending == Ending.CLOSE_EARLY) g.close();
                    else if (stopAt > 0 && !g.isDone()) seen.abandonedStarted.incrementAndGet();
                }
            }
        } catch (FailedException e) {
            boolean planned = e.getCause() instanceof IllegalStateException ise && "planned failure".equals(ise.getMessage());
            boolean cancelled = ending == Ending.CANCELLED && causedByCancellation(e);
            if (!planned && !cancelled) seen.problems.add("unexpected failure " + e + " / " + e.getCause());
            if (planned && expected != n) seen.problems.add("failure after " + expected + " of " + n);
        } catch (CancellationException e) {
            if (ending != Ending.CANCELLED) seen.problems.add("unexpected " + e);
        }
    }

    private static boolean causedByCancellation(Throwable t) {
        for (; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof CancellationException) return true;
        }
        return false;
    }

    /** One round on {@code loop}: {@code count} consumers, each a micro-thread of one run. */
    private static void roundOnLoop(Loop loop, GeneratorKind k, int count, long seed) throws Exception {
        Seen seen = new Seen();
        SplittableRandom rnd = new SplittableRandom(seed);
        try {
            loop.run(() -> {
                List<MicroThread<Void>> consumers = new ArrayList<>();
                for (int c = 0; c < count; c++) {
                    Ending ending = Ending.values()[rnd.nextInt(Ending.values().length)];
                    int n = rnd.nextInt(1, 60);
                    int stopAt = rnd.nextInt(n + 1);
                    long s = rnd.nextLong();
                    MicroThread<Void> m = MicroThread.parallel("consumer-" + c, () -> {
                        consume(generator(k, n, ending == Ending.BODY_FAILS, seen, s), ending, n, stopAt, seen);
                        return null;
                    });
                    consumers.add(m);
                    if (ending == Ending.CANCELLED) {
                        int delay = rnd.nextInt(4);
                        MicroThread.startAndForget(() -> {
                            for (int i = 0; i < delay; i++) MicroThread.yieldNow();
                            m.cancel();
                        });
                    }
                }
                for (MicroThread<Void> m : consumers) {
                    try {
                        m.join();
                    } catch (CancellationException expected) {
                        // a consumer cancelled before or while consuming
                    }
                }
                return null;
            });
        } catch (DeadlockException e) {
            seen.problems.add("deadlock: " + e.getMessage());
        }
        // run returned: every body of a micro-thread generator has ended; a continuation body that
        // was abandoned or never started may have no finally to run
        assertThat(seen.problems).as(k + " on " + loop.name()).isEmpty();
        checkFinallies(k, seen);
    }

    /**
     * Every body that started ran its finally exactly once by now, but for continuation bodies an
     * abandoning consumer left suspended (the cleaner may or may not have closed them yet). A
     * micro-thread body is closed when its starter ends, so none of those is left.
     */
    private static void checkFinallies(GeneratorKind k, Seen seen) {
        int started = seen.started.get(), finallies = seen.finallies.get();
        if (k.continuation()) {
            assertThat(finallies).as("finallies of " + started + " started bodies")
                    .isBetween(started - seen.abandonedStarted.get(), started);
        } else {
            assertThat(finallies).as("finallies of started bodies").isEqualTo(started);
        }
    }

    @GeneratorKind.AllKinds
    @Timeout(120)
    void manyGeneratorsOnTheSharedLoop(GeneratorKind k) throws Exception {
        SplittableRandom seeds = new SplittableRandom(42);
        for (int round = 0; round < 20 * SCALE; round++) roundOnLoop(Loop.shared(), k, 40, seeds.nextLong());
    }

    @GeneratorKind.AllKinds
    @Timeout(120)
    void manyGeneratorsOnASingleCarrierLoop(GeneratorKind k) throws Exception {
        SplittableRandom seeds = new SplittableRandom(7);
        try (Loop loop = Loop.singleCarrier("gen-stress")) {
            for (int round = 0; round < 20 * SCALE; round++) roundOnLoop(loop, k, 40, seeds.nextLong());
        }
    }

    @GeneratorKind.AllKinds
    @Timeout(120)
    void platformThreadConsumersDrainOrClose(GeneratorKind k) throws Exception {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 5 * SCALE; round++) {
            Seen seen = new Seen();
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                Ending ending = rnd.nextBoolean() ? Ending.DRAIN : Ending.CLOSE_EARLY;
                int n = rnd.nextInt(1, 40);
                int stopAt = rnd.nextInt(n + 1);
                long s = rnd.nextLong();
                threads.add(Thread.ofPlatform().start(() -> consume(generator(k, n, false, seen, s), ending, n, stopAt, seen)));
            }
            for (Thread t : threads) t.join();
            assertThat(seen.problems).as(k.toString()).isEmpty();
            assertThat(seen.finallies.get()).as("drained or closed: every body that started ran its finally")
                    .isEqualTo(seen.started.get());
        }
    }
}
