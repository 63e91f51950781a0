package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import org.microthreads.PipeStressTest.Items;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

/**
 * {@linkplain Pipe#confined() Confined} pipes, whose own loop's micro-threads enter the critical
 * section without the lock (a flag instead: one carrier runs them one at a time), for every flavour:
 * <ol>
 *   <li>many producers and consumers of the loop with every form of put, take and select over several
 *       confined pipes and an unconfined one fed and drained by a platform thread and a shared-loop
 *       micro-thread, random cancellations, pipes closed or failed mid-way;</li>
 *   <li>outsiders (platform threads, shared-loop micro-threads, a micro-thread of another
 *       single-carrier loop) hammering the confined pipes all along: refused every time, never
 *       corrupting them, their counts always readable;</li>
 *   <li>a pipe confined while platform threads, which got it before, are using it.</li>
 * </ol>
 * Each item is accounted for as in {@link PipeStressTest}: delivered items are taken exactly once,
 * undelivered ones never (dropping flavours: taken at most once, only if delivered, and the
 * delivered ones not taken are exactly the pipes' dropped counts); nothing stays registered; every
 * {@code loop.run} returns. Nothing waits on a sleep: the main micro-thread joins the producers,
 * closes the pipes, which ends the consumers, then drains what is left.
 *
 * <p>Sizes scale with {@code -Dmicrothreads.stress.scale=N} (default 1: a few seconds).
 */
@Tag("stress")
class ConfinedPipeStressTest {
    private static final int SCALE = Integer.getInteger("microthreads.stress.scale", 1);
    private static final Duration SHORT = Duration.ofNanos(300_000);

    // =========================================================================================
    // The in-loop crew: producers, consumers and a sweeper, all micro-threads of the loop
    // =========================================================================================

    /** What a worker does; it may throw InterruptedException when cancelled. */
    @FunctionalInterface
    interface Body {
        void run(SplittableRandom rnd) throws Exception;
    }

    /** How the pipes of a round end: closed by the main micro-thread after the producers, or closed/failed by a consumer mid-way. */
    enum Ending { CLOSE_AFTER, CLOSE_RACING, FAIL_RACING }

    /**
     * Producers and consumers on the loop, plus a sweeper that is never cancelled and takes from every
     * pipe until all are closed and drained: whatever the cancellations, a waiting producer is served,
     * so the producers end, and then the main micro-thread closes the pipes, which ends the rest.
     * Made and used only by micro-threads of the loop (one carrier), except {@link #unexpected}.
     */
    static final class Crew {
        final List<Pipe<Integer>> pipes;
        final Items items;
        final long seed;
        final ConcurrentLinkedQueue<Throwable> unexpected;
        /** Chance, after each operation of a producer or consumer, that it cancels one of them at random. */
        double cancelChance;
        /** Ops of each producer: at least {@code minOps}, then until {@link #enough}, at most {@code maxOps}. */
        int minOps, maxOps = Integer.MAX_VALUE;
        final AtomicBoolean enough = new AtomicBoolean(true);
        /**
         * If set, how many ops a producer may have done so far while not {@link #enough}: beyond, it
         * just yields; it never reaches {@code maxOps} (and so never ends) before {@link #enough}.
         */
        LongSupplier allowance;
        Ending ending = Ending.CLOSE_AFTER;
        int endAfter;
        final AtomicInteger takes = new AtomicInteger();
        final List<MicroThread<Void>> producers = new ArrayList<>(), consumers = new ArrayList<>();
        final List<MicroThread<Void>> cancellable = new ArrayList<>();
        int cancellations;
        private final AtomicBoolean dumped = new AtomicBoolean();

        Crew(List<Pipe<Integer>> pipes, Items items, long seed, ConcurrentLinkedQueue<Throwable> unexpected) {
            this.pipes = pipes;
            this.items = items;
            this.seed = seed;
            this.unexpected = unexpected;
        }

        private MicroThread<Void> start(String name, Body body) {
            SplittableRandom rnd = new SplittableRandom(seed * 1_000 + producers.size() + consumers.size());
            return MicroThread.startAndForget(name, () -> {
                try {
                    body.run(rnd);
                } catch (InterruptedException cancelled) {
                    // ends the worker
                } catch (Throwable t) { // the first one shows where everyone was: a stuck one may explain it
                    String dump = dumped.compareAndSet(false, true) ? "; the loop then:\n" + MicroThread.current().loop().dump() : "";
                    unexpected.add(new AssertionError(name + " failed" + dump, t));
                }
            });
        }

        /** Starts the workers; call from the loop's main micro-thread (they run when it blocks). */
        void start(int nProducers, int nConsumers) {
            for (int i = 0; i < nProducers; i++) {
                MicroThread<Void> m = start("producer-" + i, rnd -> {
                    List<Pipe<Integer>> live = new ArrayList<>(pipes); // those it may still put to
                    for (int k = 0; k < maxOps && (k < minOps || !enough.get()); ) {
                        if (allowance != null && k >= minOps && !enough.get() && k >= Math.min(allowance.getAsLong(), maxOps - 1)) {
                            MicroThread.yieldNow(); // ahead of the outsiders (or out of items): wait, staying busy
                            continue;
                        }
                        if (!produceOnce(rnd, live)) {
                            live.removeIf(Pipe::isClosedForPut);
                            if (live.isEmpty()) return;
                        }
                        chaos(rnd);
                        k++;
                    }
                });
                producers.add(m);
                cancellable.add(m);
            }
            for (int i = 0; i < nConsumers; i++) {
                MicroThread<Void> m = start("consumer-" + i, rnd -> {
                    List<Pipe<Integer>> live = new ArrayList<>(pipes); // those it may still take from
                    while (true) {
                        if (!consumeOnce(rnd, live)) {
                            live.removeIf(Pipe::isClosedForTake);
                            if (live.isEmpty()) return;
                        }
                        chaos(rnd);
                    }
                });
                consumers.add(m);
                cancellable.add(m);
            }
            consumers.add(start("sweeper", rnd -> sweep()));
        }

        /** Joins the producers, closes every pipe, joins the consumers, takes what is left. */
        void finish() throws InterruptedException {
            joinAll(producers);
            for (Pipe<Integer> p : pipes) p.close();
            joinAll(consumers);
            for (Pipe<Integer> p : pipes) items.drain(p);
            for (Pipe<Integer> p : pipes) {
                assertThat(p.waitingTakers()).as("waiting takers of %s", p).isZero();
                assertThat(p.waitingPutters()).as("waiting putters of %s", p).isZero();
                assertThat(p.size()).as("size of drained %s", p).isZero();
            }
        }

        private static void joinAll(List<MicroThread<Void>> ms) throws InterruptedException {
            for (MicroThread<Void> m : ms) {
                try {
                    m.join();
                } catch (CancellationException cancelledBeforeItStarted) {
                    // its body never ran
                }
            }
        }

        private void chaos(SplittableRandom rnd) {
            if (cancelChance > 0 && rnd.nextDouble() < cancelChance) {
                cancellable.get(rnd.nextInt(cancellable.size())).cancel(); // maybe itself
                cancellations++;
            }
        }

        private static Pipe<Integer> any(List<Pipe<Integer>> live, SplittableRandom rnd) {
            return live.get(rnd.nextInt(live.size()));
        }

        /** One put-side operation on the {@code live} pipes; false if it found one of them closed. */
        private boolean produceOnce(SplittableRandom rnd, List<Pipe<Integer>> live) throws InterruptedException {
            int op = rnd.nextInt(8);
            if (op == 6) return selectPut(rnd, live);
            if (op == 7) return selectTakeOrPut(rnd, live);
            Pipe<Integer> p = any(live, rnd);
            int id = items.fresh();
            boolean delivered;
            try {
                delivered = switch (op) {
                    case 0, 1 -> {
                        p.put(id);
                        yield true;
                    }
                    case 2 -> p.tryPut(id);
                    case 3 -> p.tryPut(id, SHORT);
                    default -> p.putOrClosed(id); // false: closed
                };
            } catch (InterruptedException | PipeClosedException e) {
                items.notDelivered(id);
                if (e instanceof InterruptedException ie) throw ie;
                return false;
            }
            if (delivered) {
                items.delivered(id);
                return true;
            }
            items.notDelivered(id);
            if (op >= 4) return false; // putOrClosed: closed
            if (op == 2) MicroThread.yieldNow(); // no room: let the others run (one carrier)
            return true;
        }

        /** A select over put cases on 2 or 3 pipes (maybe one twice), sometimes with a timeout or a default. */
        private boolean selectPut(SplittableRandom rnd, List<Pipe<Integer>> live) throws InterruptedException {
            int cases = 2 + rnd.nextInt(2);
            int[] ids = new int[cases];
            List<Select.Case<Integer>> cs = new ArrayList<>();
            for (int c = 0; c < cases; c++) {
                int id = ids[c] = items.fresh();
                cs.add(any(live, rnd).onPut(id, () -> id));
            }
            boolean dflt = addTimeoutOrDefault(cs, rnd);
            Integer chosen;
            try {
                chosen = select(cs, rnd);
            } catch (InterruptedException | PipeClosedException e) {
                for (int id : ids) items.notDelivered(id);
                if (e instanceof InterruptedException ie) throw ie;
                return false;
            }
            settle(ids, chosen, dflt);
            return true;
        }

        /** Accounts a select's put cases: the chosen one delivered, the others not; after a default, lets others run. */
        private void settle(int[] ids, Integer chosen, boolean dflt) throws InterruptedException {
            for (int id : ids) {
                if (chosen != null && id == chosen) items.delivered(id);
                else items.notDelivered(id);
            }
            if (chosen == null && dflt) MicroThread.yieldNow();
        }

        /** A select with one take case and one or two put cases, sometimes with a timeout or a default. */
        private boolean selectTakeOrPut(SplittableRandom rnd, List<Pipe<Integer>> live) throws InterruptedException {
            int puts = 1 + rnd.nextInt(2);
            int[] ids = new int[puts];
            List<Select.Case<Integer>> cs = new ArrayList<>();
            cs.add(any(live, rnd).onTake(x -> {
                took(x);
                return -1;
            }));
            for (int c = 0; c < puts; c++) {
                int id = ids[c] = items.fresh();
                cs.add(any(live, rnd).onPut(id, () -> id));
            }
            boolean dflt = addTimeoutOrDefault(cs, rnd);
            Integer chosen;
            try {
                chosen = select(cs, rnd);
            } catch (InterruptedException | PipeClosedException | FailedException e) {
                for (int id : ids) items.notDelivered(id);
                if (e instanceof InterruptedException ie) throw ie;
                return false;
            }
            settle(ids, chosen, dflt);
            return true;
        }

        /** One take-side operation on the {@code live} pipes; false if it found one of them closed and drained. */
        private boolean consumeOnce(SplittableRandom rnd, List<Pipe<Integer>> live) throws InterruptedException {
            int op = rnd.nextInt(6);
            Pipe<Integer> p = any(live, rnd);
            Integer x;
            try {
                x = switch (op) {
                    case 0 -> p.take();
                    case 1 -> p.tryTake();
                    case 2 -> p.tryTake(SHORT);
                    case 3 -> p.takeOrClosed();
                    default -> selectTake(rnd, live);
                };
            } catch (PipeClosedException | FailedException end) {
                return false;
            }
            if (x != null) {
                took(x);
            } else if (op == 3) {
                return false; // closed and drained
            } else if (op != 2) {
                MicroThread.yieldNow(); // nothing there now: let the others run (one carrier)
            }
            return true;
        }

        /** A select over take cases of every live pipe, in a random order, sometimes with a timeout or a default. */
        private Integer selectTake(SplittableRandom rnd, List<Pipe<Integer>> live) throws InterruptedException {
            List<Select.Case<Integer>> cs = new ArrayList<>();
            int first = rnd.nextInt(live.size());
            for (int i = 0; i < live.size(); i++) cs.add(live.get((first + i) % live.size()).onTake(x -> x));
            addTimeoutOrDefault(cs, rnd);
            return select(cs, rnd);
        }

        /** Takes from every pipe still open for take until none is: so a waiting producer is always served. */
        private void sweep() throws InterruptedException {
            while (true) {
                List<Select.Case<Integer>> cs = new ArrayList<>();
                for (Pipe<Integer> p : pipes) if (!p.isClosedForTake()) cs.add(p.onTakeOrClosed(x -> x));
                if (cs.isEmpty()) return;
                Integer x;
                try {
                    x = Select.select(cs);
                } catch (FailedException failedAndDrained) {
                    continue; // that pipe drops out of the next select
                }
                if (x != null) took(x);
            }
        }

        /** Counts a take by a crew member; the one that makes {@link #endAfter} ends a pipe mid-way. */
        private void took(int x) {
            items.took(x);
            if (takes.incrementAndGet() == endAfter && ending != Ending.CLOSE_AFTER) {
                Pipe<Integer> p = pipes.get(x % pipes.size());
                if (ending == Ending.CLOSE_RACING) p.close();
                else p.fail(new IllegalStateException("boom"));
            }
        }
    }

    /** Adds a timeout (1 in 6) or a default (1 in 6); returns whether it added a default. */
    private static boolean addTimeoutOrDefault(List<Select.Case<Integer>> cs, SplittableRandom rnd) {
        switch (rnd.nextInt(6)) {
            case 0 -> cs.add(Select.onTimeout(SHORT, () -> null));
            case 1 -> {
                cs.add(Select.onDefault(() -> null));
                return true;
            }
            default -> { }
        }
        return false;
    }

    private static Integer select(List<Select.Case<Integer>> cs, SplittableRandom rnd) throws InterruptedException {
        return rnd.nextBoolean() ? Select.select(cs) : Select.selectFirst(cs);
    }

    /** Waits, in a micro-thread, until every one of {@code futures} is complete. */
    private static void awaitAll(List<CompletableFuture<Void>> futures) throws InterruptedException {
        MicroThread.await(CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])));
    }

    /**
     * After the pipes are closed and drained: lossless flavours, every delivered item taken exactly once
     * and every other never; dropping ones, items taken at most once and only if delivered, and the
     * delivered ones never taken are exactly the dropped ones. Returns how many were taken.
     */
    static int checkAccounting(PipeFlavour f, Items items, List<Pipe<Integer>> pipes) {
        if (f.lossless()) return items.check();
        long dropped = 0;
        for (Pipe<Integer> p : pipes) dropped += p.droppedCount();
        int delivered = 0, taken = 0;
        for (int id = 0; id < items.next.get(); id++) {
            int o = items.offered.get(id), t = items.taken.get(id);
            assertThat(o).as("item %d settled", id).isNotEqualTo(Items.UNTOUCHED);
            assertThat(t).as("item %d taken at most once", id).isLessThanOrEqualTo(1);
            if (t == 1) assertThat(o).as("taken item %d was delivered", id).isEqualTo(Items.DELIVERED);
            if (o == Items.DELIVERED) delivered++;
            taken += t;
        }
        assertThat((long) delivered).as("delivered items = taken + dropped (%d dropped)", dropped).isEqualTo(taken + dropped);
        return taken;
    }

    /** No failure the workers or the outsiders did not expect; the message has their whole stack traces. */
    static void assertNoneUnexpected(ConcurrentLinkedQueue<Throwable> unexpected) {
        if (unexpected.isEmpty()) return;
        StringWriter w = new StringWriter();
        PrintWriter pw = new PrintWriter(w);
        pw.println(unexpected.size() + " unexpected failures:");
        for (Throwable t : unexpected) t.printStackTrace(pw);
        pw.flush();
        throw new AssertionError(w.toString());
    }

    /** After the run (the loop quiescent): no waiter left in the queues, live or dead. */
    static void noRegistrationLeft(List<Pipe<Integer>> pipes) {
        for (Pipe<Integer> p : pipes) PipeStressTest.noRegistrationLeft(p);
    }

    // =========================================================================================
    // 1. Many producers and consumers of the loop, selects mixing confined and unconfined pipes
    // =========================================================================================

    @PipeFlavour.AllFlavours
    @Timeout(120)
    void inLoopUsersSeeExactlyOnceDeliveryDespiteCancellationsClosesAndFailures(PipeFlavour f) throws Exception {
        int rounds = 100 * SCALE, producers = 6, consumers = 5, opsPerProducer = 300, outsidePuts = 500;
        int cancelled = 0, taken = 0;
        try (Loop loop = Loop.singleCarrier("confined-stress")) {
            for (int round = 0; round < rounds; round++) {
                SplittableRandom setup = new SplittableRandom(round);
                Ending ending = Ending.values()[round % 3];
                Items items = new Items(producers * opsPerProducer * 3 + outsidePuts);
                ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
                int r = round;
                List<Pipe<Integer>> pipes = new ArrayList<>();
                Crew crew = loop.run(() -> {
                    // u, unconfined, has its other side outside too; a select enters its pipes in the
                    // order they were made: u first in odd rounds, last in even ones
                    Pipe<Integer> early = r % 2 == 1 ? f.make().named("u") : null;
                    for (int i = 0; i < 3; i++) pipes.add(f.make().named("c" + i).confined());
                    Pipe<Integer> u = early != null ? early : f.make().named("u");
                    pipes.add(u);
                    Crew c = new Crew(pipes, items, r, unexpected);
                    c.cancelChance = 1.0 / (2 * opsPerProducer);
                    c.minOps = c.maxOps = opsPerProducer;
                    c.ending = ending;
                    c.endAfter = setup.nextInt(1, producers * opsPerProducer / 2);
                    CompletableFuture<Void> outsideProducer = new CompletableFuture<>();
                    Thread.ofPlatform().name("outside-producer").start(() -> {
                        SplittableRandom rnd = new SplittableRandom(r);
                        try {
                            for (int k = 0; k < outsidePuts; k++) {
                                int id = items.fresh();
                                try {
                                    boolean ok = rnd.nextInt(3) == 0 ? u.tryPut(id, SHORT) : u.putOrClosed(id);
                                    if (ok) {
                                        items.delivered(id);
                                    } else {
                                        items.notDelivered(id);
                                        if (u.isClosedForPut()) return;
                                    }
                                } catch (PipeClosedException closed) {
                                    items.notDelivered(id);
                                    return;
                                }
                            }
                        } catch (Throwable t) {
                            unexpected.add(new AssertionError("outside producer failed", t));
                        } finally {
                            outsideProducer.complete(null);
                        }
                    });
                    MicroThread<Void> outsideConsumer = Loop.shared().startAndForget("outside-consumer", () -> {
                        SplittableRandom rnd = new SplittableRandom(-r);
                        try {
                            while (true) {
                                Integer x = rnd.nextBoolean() ? u.tryTake(SHORT) : u.take();
                                if (x != null) items.took(x);
                            }
                        } catch (PipeClosedException | FailedException end) {
                            // done
                        } catch (Throwable t) {
                            unexpected.add(new AssertionError("outside consumer failed", t));
                        }
                    });
                    c.start(producers, consumers);
                    c.finish(); // closes u too: the outsiders end
                    MicroThread.await(outsideProducer);
                    outsideConsumer.join();
                    items.drain(u);
                    return c;
                });
                assertNoneUnexpected(unexpected);
                taken += checkAccounting(f, items, pipes);
                noRegistrationLeft(pipes);
                cancelled += crew.cancellations;
            }
            while (!loop.microThreads().isEmpty()) Thread.onSpinWait(); // a joined one unlists itself just after
        }
        assertThat(cancelled).as("cancellations happened").isPositive();
        assertThat(taken).as("items got through").isPositive();
    }

    // =========================================================================================
    // 2. Outsiders hammering confined pipes while the loop's micro-threads use them
    // =========================================================================================

    /** What the outsiders did: every use refused, every count readable. */
    static final class Hammering {
        final AtomicLong uses = new AtomicLong(), refused = new AtomicLong(), reads = new AtomicLong();
        final ConcurrentLinkedQueue<Throwable> unexpected;
        final AtomicBoolean stop = new AtomicBoolean();

        Hammering(ConcurrentLinkedQueue<Throwable> unexpected) {
            this.unexpected = unexpected;
        }

        /** Hammers until {@link #stop}; completes {@code warm} after a first batch, {@code done} at the end. */
        void hammer(String who, List<Pipe<Integer>> pipes, int bound, long seed, CompletableFuture<Void> warm,
                    CompletableFuture<Void> done) {
            SplittableRandom rnd = new SplittableRandom(seed);
            Pipe<Integer> side = Pipe.<Integer>unbounded().named(who + "-side");
            try {
                side.put(-1);
                for (long n = 0; !stop.get(); n++) {
                    Pipe<Integer> p = pipes.get(rnd.nextInt(pipes.size()));
                    useOnce(who, p, side, rnd);
                    readOnce(p, bound);
                    if (n == 50) warm.complete(null);
                    if (MicroThread.inMicroThread()) MicroThread.yieldNow();
                    else Thread.yield();
                }
            } catch (Throwable t) {
                unexpected.add(new AssertionError(who + " failed", t));
            } finally {
                warm.complete(null);
                done.complete(null);
            }
        }

        private void useOnce(String who, Pipe<Integer> p, Pipe<Integer> side, SplittableRandom rnd) throws Exception {
            int op = rnd.nextInt(MicroThread.inMicroThread() ? 16 : 14);
            uses.incrementAndGet();
            Object got;
            try {
                got = switch (op) {
                    case 0 -> {
                        p.put(-2);
                        yield "put";
                    }
                    case 1 -> p.tryPut(-2);
                    case 2 -> p.tryPut(-2, SHORT);
                    case 3 -> p.putOrClosed(-2);
                    case 4 -> p.take();
                    case 5 -> p.tryTake();
                    case 6 -> p.tryTake(SHORT);
                    case 7 -> p.takeOrClosed();
                    case 8 -> p.close();
                    case 9 -> p.fail(new IllegalStateException("outsider"));
                    case 10 -> Select.select(side.onTake(x -> x), p.onTake(x -> x));
                    case 11 -> Select.selectFirst(side.onPut(-3, () -> -3), p.onPut(-2, () -> -2), Select.onDefault(() -> 0));
                    case 12 -> Select.select(p.onTakeOrClosed(x -> x), Select.onTimeout(SHORT, () -> 0));
                    case 13 -> p.iterator().hasNext();
                    case 14 -> p.confined(); // a micro-thread of the shared loop or of another loop
                    default -> p.ownedBy(MicroThread.current());
                };
            } catch (IllegalStateException e) {
                assertThat(e).as("%s refused by %s", who, p).hasMessageContaining("confined");
                refused.incrementAndGet();
                assertThat(side.size()).as("%s's own pipe left as it was", who).isEqualTo(1);
                assertThat(side.waitingTakers() + side.waitingPutters()).as("%s's own pipe has no registration", who).isZero();
                return;
            }
            throw new AssertionError(who + ": operation " + op + " on confined " + p + " was not refused: " + got);
        }

        private void readOnce(Pipe<Integer> p, int bound) {
            assertThat(p.size()).as("size of %s read from outside", p).isBetween(0, bound);
            assertThat(p.waitingTakers()).isNotNegative();
            assertThat(p.waitingPutters()).isNotNegative();
            assertThat(p.droppedCount()).isNotNegative();
            p.isClosedForTake();
            p.isClosedForPut();
            p.isFailed();
            assertThat(p.toString()).contains(p.name());
            reads.incrementAndGet();
        }
    }

    @PipeFlavour.AllFlavours
    @Timeout(120)
    void outsidersHammeringConfinedPipesAreAlwaysRefusedAndCorruptNothing(PipeFlavour f) throws Exception {
        int rounds = 4 * SCALE, producers = 4, consumers = 3, opsPerProducer = 500;
        int taken = 0;
        long uses = 0, reads = 0;
        try (Loop loop = Loop.singleCarrier("confined-hammered"); Loop other = Loop.singleCarrier("outsider-loop")) {
            for (int round = 0; round < rounds; round++) {
                SplittableRandom setup = new SplittableRandom(round);
                Items items = new Items(producers * opsPerProducer * 3);
                ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
                Hammering h = new Hammering(unexpected);
                int bound = Math.min(f.capacity(), items.offered.length());
                int r = round;
                List<Pipe<Integer>> pipes = new ArrayList<>();
                loop.run(() -> {
                    pipes.add(f.make().named("a").confined());
                    pipes.add(f.make().named("b").confined());
                    List<CompletableFuture<Void>> warm = new ArrayList<>(), done = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        CompletableFuture<Void> w = new CompletableFuture<>(), d = new CompletableFuture<>();
                        warm.add(w);
                        done.add(d);
                        String who = switch (i) {
                            case 0, 1 -> "platform-" + i;
                            case 2, 3 -> "shared-" + i;
                            default -> "other-loop-" + i;
                        };
                        long seed = r * 10L + i;
                        Runnable body = () -> h.hammer(who, pipes, bound, seed, w, d);
                        switch (i) {
                            case 0, 1 -> Thread.ofPlatform().name(who).start(body);
                            case 2, 3 -> Loop.shared().startAndForget(who, body::run);
                            default -> other.startAndForget(who, body::run);
                        }
                    }
                    awaitAll(warm);
                    Crew c = new Crew(pipes, items, r, unexpected); // the outsiders hammer all along
                    c.minOps = c.maxOps = opsPerProducer;
                    c.ending = Ending.values()[r % 3];
                    c.endAfter = setup.nextInt(1, producers * opsPerProducer / 2);
                    c.start(producers, consumers);
                    c.finish();
                    h.stop.set(true);
                    awaitAll(done);
                    return null;
                });
                assertNoneUnexpected(unexpected);
                assertThat(h.refused.get()).as("every use by an outsider refused").isEqualTo(h.uses.get());
                taken += checkAccounting(f, items, pipes);
                noRegistrationLeft(pipes);
                uses += h.uses.get();
                reads += h.reads.get();
            }
            while (!loop.microThreads().isEmpty() || !other.microThreads().isEmpty()) Thread.onSpinWait();
        }
        assertThat(uses).as("outsiders tried").isGreaterThanOrEqualTo(5L * 50 * rounds);
        assertThat(reads).as("outsiders read the counts").isPositive();
        assertThat(taken).as("items got through").isPositive();
    }

    // =========================================================================================
    // 3. A pipe confined while platform threads that got it before are using it
    // =========================================================================================

    @PipeFlavour.AllFlavours
    @Timeout(120)
    void outsidersOfAPipeConfinedUnderThemAreRefusedFromThenOnAndLoseNothing(PipeFlavour f) throws Exception {
        int rounds = 6 * SCALE, producers = 3, consumers = 2, outsiders = 2, maxOps = 20_000, outsidePuts = 20_000;
        int refusalsEach = 20, taken = 0;
        long outsideSuccesses = 0;
        try (Loop loop = Loop.singleCarrier("confined-window")) {
            for (int round = 0; round < rounds; round++) {
                Items items = new Items(producers * maxOps * 3 + outsiders * outsidePuts);
                ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
                AtomicBoolean confined = new AtomicBoolean();
                AtomicLong successes = new AtomicLong();
                AtomicLongArray outsideOps = new AtomicLongArray(outsiders);
                int r = round;
                List<Pipe<Integer>> pipes = new ArrayList<>();
                loop.run(() -> {
                    Pipe<Integer> p = f.make().named("window"); // not confined yet
                    pipes.add(p);
                    Crew c = new Crew(pipes, items, r, unexpected);
                    c.minOps = 200;
                    c.maxOps = maxOps;
                    c.enough.set(false); // the producers go on until the outsiders are done,
                    c.allowance = () -> { // at the pace of the slowest (the lock is not fair to them)
                        long slowest = Long.MAX_VALUE;
                        for (int i = 0; i < outsiders; i++) slowest = Math.min(slowest, outsideOps.get(i));
                        return 200 + 10 * slowest;
                    };
                    c.start(producers, consumers);
                    List<CompletableFuture<Void>> warm = new ArrayList<>(), done = new ArrayList<>();
                    for (int i = 0; i < outsiders; i++) {
                        CompletableFuture<Void> w = new CompletableFuture<>(), d = new CompletableFuture<>();
                        warm.add(w);
                        done.add(d);
                        String who = "outsider-" + i;
                        int index = i;
                        SplittableRandom rnd = new SplittableRandom(r * 10L + i);
                        Thread.ofPlatform().name(who).start(() -> {
                            int refusals = 0, puts = 0;
                            try {
                                for (long n = 0; refusals < refusalsEach; n++) {
                                    outsideOps.incrementAndGet(index);
                                    if (n == 50) w.complete(null);
                                    boolean after = confined.get(); // read before the operation starts
                                    boolean put = rnd.nextBoolean() && puts < outsidePuts;
                                    int id = put ? items.fresh() : -1;
                                    if (put) puts++;
                                    boolean ok;
                                    try {
                                        if (put) {
                                            ok = p.tryPut(id);
                                            if (ok) items.delivered(id); else items.notDelivered(id);
                                        } else {
                                            Integer x = p.tryTake();
                                            ok = x != null;
                                            if (ok) items.took(x);
                                        }
                                    } catch (IllegalStateException refused) {
                                        if (put) items.notDelivered(id);
                                        assertThat(refused).hasMessageContaining("is confined to loop 'confined-window'");
                                        refusals++;
                                        continue;
                                    }
                                    assertThat(p.size()).isBetween(0, Math.min(f.capacity(), items.offered.length()));
                                    if (ok) {
                                        successes.incrementAndGet();
                                        assertThat(after).as("%s succeeded though it started after the confinement", who).isFalse();
                                        assertThat(refusals).as("%s succeeded after a refusal", who).isZero();
                                    }
                                    Thread.yield();
                                }
                            } catch (Throwable t) {
                                unexpected.add(new AssertionError(who + " failed", t));
                            } finally {
                                w.complete(null);
                                d.complete(null);
                            }
                        });
                    }
                    awaitAll(warm);
                    p.confined(); // while the outsiders are at it, and the crew too
                    confined.set(true);
                    assertThat(c.producers).as("producers still at work at the confinement").noneMatch(MicroThread::isDone);
                    awaitAll(done);
                    c.enough.set(true);
                    c.finish();
                    return null;
                });
                assertNoneUnexpected(unexpected);
                taken += checkAccounting(f, items, pipes);
                noRegistrationLeft(pipes);
                outsideSuccesses += successes.get();
            }
            while (!loop.microThreads().isEmpty()) Thread.onSpinWait();
        }
        assertThat(taken).as("items got through").isPositive();
        assertThat(outsideSuccesses).as("the outsiders got items through before the confinement").isPositive();
    }
}
