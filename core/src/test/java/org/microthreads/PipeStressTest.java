package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many producers and consumers on a single-carrier loop, the shared loop and platform threads,
 * with random cancellations mid-operation, closes and failures racing them, and selects over
 * several pipes racing plain operations and each other.
 *
 * <p>Every item has its own flags: whether the operation that offered it returned normally with
 * it delivered (a put, or the chosen put case of a select), or ended without delivering it
 * (interrupted, cancelled, closed, timed out, or another case of its select was chosen); and how
 * many times it was taken. At the end of a round: a delivered item was taken exactly once (by a
 * consumer, or from what was left in the pipe); an undelivered one never; and no pipe has a waiter
 * left in its queues, live or dead. Nothing waits on a sleep: the main thread waits until every
 * producer or every consumer has ended, then closes the pipes, which ends the rest.
 *
 * <p>Sizes scale with {@code -Dmicrothreads.stress.scale=N} (default 1: a few seconds).
 */
@Tag("stress")
class PipeStressTest {
    private static final int SCALE = Integer.getInteger("microthreads.stress.scale", 1);
    private static final Duration SHORT = Duration.ofNanos(300_000);

    static Stream<PipeFlavour> losslessFlavours() {
        return PipeFlavour.all().filter(PipeFlavour::lossless);
    }

    // =========================================================================================
    // The harness
    // =========================================================================================

    /** What an actor does; it may throw InterruptedException when cancelled. */
    @FunctionalInterface
    interface Body {
        void run(SplittableRandom rnd) throws Exception;
    }

    /** A producer or consumer: a micro-thread of a loop, or a platform thread. */
    static final class Actor {
        final String name;
        MicroThread<Void> micro;
        Thread thread;

        Actor(String name) {
            this.name = name;
        }

        void cancel() {
            if (micro != null) micro.cancel();
            else thread.interrupt();
        }

        void join() throws InterruptedException {
            if (micro != null) {
                try {
                    micro.join();
                } catch (CancellationException cancelledBeforeOrWhileRunning) {
                    // its body caught what it expected; a cancelled one may also never have started
                }
            } else {
                thread.join();
            }
        }
    }

    /** One round's actors, their groups, their cancellations and the failures they did not expect. */
    static final class Round implements AutoCloseable {
        final Loop carrier;
        final List<Actor> actors = new ArrayList<>();
        volatile Actor[] published = new Actor[0];
        final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        final AtomicInteger cancellations = new AtomicInteger();
        /** Completed when every producer, or every consumer, has ended. */
        final CompletableFuture<String> oneGroupEnded = new CompletableFuture<>();
        final AtomicInteger producersLeft = new AtomicInteger(), consumersLeft = new AtomicInteger();
        final long seed;
        /** Chance, after each operation of an actor, that it cancels a random actor. */
        final double cancelChance;

        Round(Loop carrier, long seed, double cancelChance) {
            this.carrier = carrier;
            this.seed = seed;
            this.cancelChance = cancelChance;
        }

        void producer(Body body) {
            producersLeft.incrementAndGet();
            start("producer", producersLeft, body);
        }

        void consumer(Body body) {
            consumersLeft.incrementAndGet();
            start("consumer", consumersLeft, body);
        }

        private void start(String kind, AtomicInteger left, Body body) {
            int index = actors.size();
            Actor a = new Actor(kind + "-" + index);
            SplittableRandom rnd = new SplittableRandom(seed * 1_000 + index);
            Runnable ended = () -> {
                if (left.decrementAndGet() == 0) oneGroupEnded.complete(kind + "s");
            };
            MicroThread.Task task = () -> {
                try {
                    body.run(rnd);
                } catch (InterruptedException cancelled) {
                    // ends the actor
                } catch (Throwable t) {
                    unexpected.add(new AssertionError(a.name + " failed", t));
                }
            };
            switch (index % 3) { // where it runs: the single-carrier loop, the shared loop, a platform thread
                case 0 -> a.micro = carrier.startAndForget(a.name, task);
                case 1 -> a.micro = Loop.shared().startAndForget(a.name, task);
                default -> a.thread = Thread.ofPlatform().name(a.name).start(() -> {
                    try {
                        task.run();
                    } catch (Exception impossible) {
                        unexpected.add(impossible);
                    } finally {
                        ended.run();
                    }
                });
            }
            if (a.micro != null) a.micro.onDone(ended); // also when cancelled before its body started
            actors.add(a);
            published = actors.toArray(new Actor[0]);
        }

        /** Called by actors between operations: now and then, cancel a random actor (maybe itself). */
        void chaos(SplittableRandom rnd) {
            if (rnd.nextDouble() < cancelChance) {
                Actor[] all = published;
                if (all.length > 0) {
                    all[rnd.nextInt(all.length)].cancel();
                    cancellations.incrementAndGet();
                }
            }
        }

        /** Waits until all producers or all consumers have ended, runs {@code end}, then joins everyone. */
        void finish(Runnable end) throws Exception {
            if (producersLeft.get() == 0) oneGroupEnded.complete("producers"); // none were started
            oneGroupEnded.get();
            end.run();
            for (Actor a : actors) a.join();
        }

        @Override
        public void close() {
            assertThat(unexpected).as("failures the actors did not expect").isEmpty();
        }
    }

    /** Per-item flags of a round. */
    static final class Items {
        static final int UNTOUCHED = 0, DELIVERED = 1, NOT_DELIVERED = 2;
        final AtomicIntegerArray offered, taken;
        final AtomicInteger next = new AtomicInteger();

        Items(int max) {
            offered = new AtomicIntegerArray(max);
            taken = new AtomicIntegerArray(max);
        }

        int fresh() {
            return next.getAndIncrement();
        }

        void delivered(int id) {
            assertThat(offered.compareAndExchange(id, UNTOUCHED, DELIVERED)).as("item %d settled once", id).isZero();
        }

        void notDelivered(int id) {
            assertThat(offered.compareAndExchange(id, UNTOUCHED, NOT_DELIVERED)).as("item %d settled once", id).isZero();
        }

        void took(int id) {
            taken.incrementAndGet(id);
        }

        /** Takes what is left in {@code pipe} (closed by now) as taken. */
        void drain(Pipe<Integer> pipe) {
            while (true) {
                Integer x;
                try {
                    x = pipe.tryTake();
                } catch (PipeClosedException | FailedException end) {
                    return;
                }
                assertThat(x).as("a closed pipe is never just empty").isNotNull();
                took(x);
            }
        }

        /** Every delivered item taken exactly once, every other never; returns how many were delivered. */
        int check() {
            int delivered = 0;
            for (int id = 0; id < next.get(); id++) {
                int o = offered.get(id), t = taken.get(id);
                assertThat(o).as("item %d settled", id).isNotEqualTo(UNTOUCHED);
                if (o == DELIVERED) {
                    delivered++;
                    assertThat(t).as("delivered item %d taken exactly once", id).isEqualTo(1);
                } else {
                    assertThat(t).as("undelivered item %d never taken", id).isZero();
                }
            }
            return delivered;
        }
    }

    /** No waiter left in the pipe's queues: none live ({@code waiting*()}), none dead (the queues themselves). */
    static void noRegistrationLeft(Pipe<?> p) {
        assertThat(p.waitingTakers()).as("waiting takers of %s", p).isZero();
        assertThat(p.waitingPutters()).as("waiting putters of %s", p).isZero();
        p.lock.lock();
        try {
            assertThat(p.queue(false).size()).as("taker nodes left in %s", p).isZero();
            assertThat(p.queue(true).size()).as("putter nodes left in %s", p).isZero();
        } finally {
            p.lock.unlock();
        }
    }

    /** How the pipes of a round end: closed after the fact, or closed/failed by a consumer mid-way. */
    enum Ending { CLOSE_AFTER, CLOSE_RACING, FAIL_RACING }

    // =========================================================================================
    // Plain puts and takes
    // =========================================================================================

    @ParameterizedTest(name = "{0}")
    @MethodSource("losslessFlavours")
    @Timeout(120)
    void everyItemPutIsTakenExactlyOnceDespiteCancellationsClosesAndFailures(PipeFlavour f) throws Exception {
        int rounds = 30 * SCALE, producers = 6, consumers = 6, perProducer = 1_000;
        int cancelled = 0, delivered = 0;
        try (Loop carrier = Loop.singleCarrier("pipe-stress")) {
            for (int round = 0; round < rounds; round++) {
                Ending ending = Ending.values()[round % 3];
                Pipe<Integer> p = f.make();
                Items items = new Items(producers * perProducer);
                RuntimeException boom = new IllegalStateException("boom");
                int endAfter = new SplittableRandom(round).nextInt(1, producers * perProducer / 2);
                AtomicInteger takes = new AtomicInteger();
                try (Round r = new Round(carrier, round, 1.0 / (2 * perProducer))) {
                    for (int i = 0; i < producers; i++) {
                        r.producer(rnd -> {
                            for (int k = 0; k < perProducer; k++) {
                                int id = items.fresh();
                                try {
                                    if (rnd.nextInt(4) == 0) {
                                        if (p.tryPut(id, SHORT)) items.delivered(id);
                                        else items.notDelivered(id);
                                    } else {
                                        p.put(id);
                                        items.delivered(id);
                                    }
                                } catch (InterruptedException | PipeClosedException e) {
                                    items.notDelivered(id);
                                    return;
                                }
                                r.chaos(rnd);
                            }
                        });
                    }
                    for (int i = 0; i < consumers; i++) {
                        r.consumer(rnd -> {
                            while (true) {
                                Integer x;
                                try {
                                    x = rnd.nextInt(4) == 0 ? p.tryTake(SHORT) : p.take();
                                } catch (PipeClosedException | FailedException end) {
                                    return;
                                }
                                if (x != null) {
                                    items.took(x);
                                    if (takes.incrementAndGet() == endAfter) { // one consumer ends the pipe mid-way
                                        if (ending == Ending.CLOSE_RACING) p.close();
                                        if (ending == Ending.FAIL_RACING) p.fail(boom);
                                    }
                                }
                                r.chaos(rnd);
                            }
                        });
                    }
                    r.finish(p::close);
                    cancelled += r.cancellations.get();
                }
                items.drain(p);
                delivered += items.check();
                noRegistrationLeft(p);
                assertThat(p.isClosedForTake()).isTrue();
            }
            while (!carrier.microThreads().isEmpty()) Thread.onSpinWait(); // a joined one unlists itself just after
        }
        assertThat(cancelled).as("cancellations happened").isPositive();
        assertThat(delivered).as("items got through").isPositive();
    }

    // =========================================================================================
    // Selects over several pipes, racing plain operations and each other
    // =========================================================================================

    @Test
    @Timeout(120)
    void selectsRacingPlainOperationsAndEachOtherDeliverExactlyOnceAndLeaveNoRegistration() throws Exception {
        List<Supplier<Pipe<Integer>>> kinds = List.of(Pipe::rendezvous, () -> Pipe.buffered(1), () -> Pipe.buffered(4),
                Pipe::unbounded);
        int rounds = 150 * SCALE, opsPerProducer = 200;
        int cancelled = 0, delivered = 0;
        try (Loop carrier = Loop.singleCarrier("select-stress")) {
            for (int round = 0; round < rounds; round++) {
                SplittableRandom setup = new SplittableRandom(round);
                Ending ending = Ending.values()[round % 3];
                int n = 2 + setup.nextInt(2); // 2 or 3 pipes
                List<Pipe<Integer>> pipes = new ArrayList<>();
                for (int i = 0; i < n; i++) pipes.add(kinds.get(setup.nextInt(kinds.size())).get().named("p" + i));
                int producers = 6, consumers = 6;
                Items items = new Items(producers * opsPerProducer * 3);
                int endAfter = setup.nextInt(1, producers * opsPerProducer / 2);
                AtomicInteger takes = new AtomicInteger();
                try (Round r = new Round(carrier, round, 1.0 / opsPerProducer)) {
                    for (int i = 0; i < producers; i++) {
                        int kind = i % 3;
                        r.producer(rnd -> {
                            for (int k = 0; k < opsPerProducer; k++) {
                                boolean goOn = switch (kind) {
                                    case 0 -> plainPut(pipes.get(rnd.nextInt(n)), items, rnd);
                                    case 1 -> selectPut(pipes, items, rnd);
                                    default -> selectTakeOrPut(pipes, items, rnd);
                                };
                                if (!goOn) return;
                                r.chaos(rnd);
                            }
                        });
                    }
                    for (int i = 0; i < consumers; i++) {
                        boolean selecting = i % 4 != 3;
                        r.consumer(rnd -> {
                            for (int turn = 0; ; turn++) {
                                Integer x;
                                try {
                                    x = selecting ? selectTake(pipes, rnd) : pipes.get(turn % n).tryTake(SHORT);
                                } catch (PipeClosedException | FailedException end) {
                                    return;
                                }
                                if (x != null) {
                                    items.took(x);
                                    if (takes.incrementAndGet() == endAfter) { // one pipe ends mid-way
                                        if (ending == Ending.CLOSE_RACING) pipes.getFirst().close();
                                        if (ending == Ending.FAIL_RACING) pipes.getFirst().fail(new IllegalStateException("boom"));
                                    }
                                }
                                r.chaos(rnd);
                            }
                        });
                    }
                    r.finish(() -> pipes.forEach(Pipe::close));
                    cancelled += r.cancellations.get();
                }
                for (Pipe<Integer> p : pipes) items.drain(p);
                delivered += items.check();
                for (Pipe<Integer> p : pipes) noRegistrationLeft(p);
            }
            while (!carrier.microThreads().isEmpty()) Thread.onSpinWait(); // a joined one unlists itself just after
        }
        assertThat(cancelled).as("cancellations happened").isPositive();
        assertThat(delivered).as("items got through").isPositive();
    }

    /** A blocking or timed put; false when the actor should stop. */
    private static boolean plainPut(Pipe<Integer> p, Items items, SplittableRandom rnd) throws InterruptedException {
        int id = items.fresh();
        try {
            if (rnd.nextBoolean()) {
                p.put(id);
                items.delivered(id);
            } else if (p.tryPut(id, SHORT)) {
                items.delivered(id);
            } else {
                items.notDelivered(id);
            }
            return true;
        } catch (InterruptedException | PipeClosedException e) {
            items.notDelivered(id);
            if (e instanceof InterruptedException ie) throw ie;
            return false;
        }
    }

    /** A select over put cases on 2 or 3 pipes (maybe one twice), sometimes with a timeout or a default. */
    private static boolean selectPut(List<Pipe<Integer>> pipes, Items items, SplittableRandom rnd)
            throws InterruptedException {
        int cases = 2 + rnd.nextInt(2);
        int[] ids = new int[cases];
        List<Select.Case<Integer>> cs = new ArrayList<>();
        for (int c = 0; c < cases; c++) {
            int id = ids[c] = items.fresh();
            cs.add(pipes.get(rnd.nextInt(pipes.size())).onPut(id, () -> id));
        }
        addTimeoutOrDefault(cs, rnd);
        Integer chosen;
        try {
            chosen = select(cs, rnd);
        } catch (InterruptedException | PipeClosedException e) {
            for (int id : ids) items.notDelivered(id);
            if (e instanceof InterruptedException ie) throw ie;
            return false;
        }
        for (int id : ids) {
            if (chosen != null && id == chosen) items.delivered(id);
            else items.notDelivered(id);
        }
        return true;
    }

    /** A select with one take case and one or two put cases, sometimes with a timeout or a default. */
    private static boolean selectTakeOrPut(List<Pipe<Integer>> pipes, Items items, SplittableRandom rnd)
            throws InterruptedException {
        int puts = 1 + rnd.nextInt(2);
        int[] ids = new int[puts];
        List<Select.Case<Integer>> cs = new ArrayList<>();
        cs.add(pipes.get(rnd.nextInt(pipes.size())).onTake(x -> {
            items.took(x);
            return -1;
        }));
        for (int c = 0; c < puts; c++) {
            int id = ids[c] = items.fresh();
            cs.add(pipes.get(rnd.nextInt(pipes.size())).onPut(id, () -> id));
        }
        addTimeoutOrDefault(cs, rnd);
        Integer chosen;
        try {
            chosen = select(cs, rnd);
        } catch (InterruptedException | PipeClosedException | FailedException e) {
            for (int id : ids) items.notDelivered(id);
            if (e instanceof InterruptedException ie) throw ie;
            return false;
        }
        for (int id : ids) {
            if (chosen != null && id == chosen) items.delivered(id);
            else items.notDelivered(id);
        }
        return true;
    }

    /** A select over take cases of every pipe (in a random order; sometimes with a timeout); null if none. */
    private static Integer selectTake(List<Pipe<Integer>> pipes, SplittableRandom rnd) throws InterruptedException {
        List<Select.Case<Integer>> cs = new ArrayList<>();
        int first = rnd.nextInt(pipes.size());
        for (int i = 0; i < pipes.size(); i++) cs.add(pipes.get((first + i) % pipes.size()).onTake(x -> x));
        if (rnd.nextInt(4) == 0) cs.add(Select.onTimeout(SHORT, () -> null));
        return select(cs, rnd);
    }

    private static void addTimeoutOrDefault(List<Select.Case<Integer>> cs, SplittableRandom rnd) {
        switch (rnd.nextInt(6)) {
            case 0 -> cs.add(Select.onTimeout(SHORT, () -> null));
            case 1 -> cs.add(Select.onDefault(() -> null));
            default -> { }
        }
    }

    private static Integer select(List<Select.Case<Integer>> cs, SplittableRandom rnd) throws InterruptedException {
        @SuppressWarnings("unchecked")
        Select.Case<Integer>[] array = cs.toArray(new Select.Case[0]);
        return rnd.nextBoolean() ? Select.select(array) : Select.selectFirst(array);
    }
}
