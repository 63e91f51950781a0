package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Semantics of every pipe flavour, on a single-carrier loop (deterministic) and across threads. */
@Timeout(60)
class PipeTest {

    static void await(BooleanSupplier condition) {
        while (!condition.getAsBoolean()) Thread.onSpinWait();
    }

    // ---- delivery ---------------------------------------------------------------------------

    @PipeFlavour.AllFlavours
    void itemsArriveInOrderExactlyOnceOrAsThePolicySays(PipeFlavour f) throws Exception {
        int n = 10_000;
        try (Loop loop = Loop.singleCarrier("order")) {
            List<Integer> got = loop.run(() -> {
                Pipe<Integer> p = f.make();
                MicroThread.startAndForget(() -> {
                    for (int i = 0; i < n; i++) {
                        p.put(i);
                        if (i % 7 == 0) MicroThread.yieldNow(); // let the consumer in at odd moments
                    }
                    p.close();
                });
                List<Integer> items = new ArrayList<>();
                for (Integer x : p) items.add(x);
                assertThat(p.droppedCount()).isEqualTo(n - items.size());
                return items;
            });
            if (f.lossless()) {
                assertThat(got).hasSize(n);
                for (int i = 0; i < n; i++) assertThat(got.get(i)).isEqualTo(i);
            } else {
                assertThat(got).isSorted().doesNotHaveDuplicates().isNotEmpty();
                assertThat(got.getLast()).as("the last item survives drop-oldest")
                        .isEqualTo(f.dropsOldest() ? n - 1 : got.getLast());
            }
        }
    }

    @PipeFlavour.AllFlavours
    void aFullPipeBehavesAsItsPolicySays(PipeFlavour f) throws Exception {
        Pipe<Integer> p = f.make();
        int room = f.room();
        for (int i = 0; i < room; i++) assertThat(p.tryPut(i)).isTrue();
        assertThat(p.size()).isEqualTo(room);
        boolean accepted = p.tryPut(999);
        assertThat(accepted).isEqualTo(!f.blocksWhenFull() || f.capacity() > room);
        if (!f.blocksWhenFull() && f.capacity() == room) {
            assertThat(p.droppedCount()).isEqualTo(1);
            List<Integer> rest = new ArrayList<>();
            for (Integer x; (x = p.tryTake()) != null; ) rest.add(x);
            assertThat(rest).hasSize(room).endsWith(f.dropsOldest() ? 999 : room - 1);
        }
    }

    @PipeFlavour.AllFlavours
    void tryTakeOnAnEmptyPipeReturnsNullAndTimedFormsTimeOut(PipeFlavour f) throws Exception {
        Pipe<Integer> p = f.make();
        assertThat(p.tryTake()).isNull();
        assertThat(p.tryTake(Duration.ofMillis(20))).isNull();
        if (f.blocksWhenFull()) {
            for (int i = 0; i < f.room(); i++) p.put(i);
            assertThat(p.tryPut(7, Duration.ofMillis(20))).isFalse();
            assertThat(p.size()).isEqualTo(f.room());
            assertThat(p.waitingPutters()).isZero();
        }
        assertThat(p.waitingTakers()).isZero();
    }

    @PipeFlavour.AllFlavours
    void manyProducersAndConsumersOnPlatformThreadsAndLoopsDeliverEachItemOnce(PipeFlavour f) throws Exception {
        if (!f.lossless()) return; // dropping flavours lose items by design
        int producers = 4, perProducer = 5_000;
        Pipe<Integer> p = f.make();
        List<Integer> got = new CopyOnWriteArrayList<>();
        try (Loop one = Loop.singleCarrier("mix")) {
            List<Thread> threads = new ArrayList<>();
            for (int k = 0; k < producers; k++) {
                int base = k * perProducer;
                Runnable produce = () -> {
                    try {
                        for (int i = 0; i < perProducer; i++) p.put(base + i);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                };
                threads.add(switch (k % 3) {
                    case 0 -> Thread.ofPlatform().start(produce);
                    case 1 -> Thread.ofPlatform().start(() -> runOn(one, produce));
                    default -> Thread.ofPlatform().start(() -> runOn(Loop.shared(), produce));
                });
            }
            List<Thread> consumers = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                Runnable consume = () -> {
                    for (Integer x : p) got.add(x);
                };
                consumers.add(switch (k) {
                    case 0 -> Thread.ofPlatform().start(consume);
                    case 1 -> Thread.ofPlatform().start(() -> runOn(one, consume));
                    default -> Thread.ofPlatform().start(() -> runOn(Loop.shared(), consume));
                });
            }
            for (Thread t : threads) t.join();
            p.close();
            for (Thread t : consumers) t.join();
        }
        assertThat(got).hasSize(producers * perProducer).doesNotHaveDuplicates();
    }

    static void runOn(Loop loop, Runnable r) {
        try {
            loop.run(() -> {
                r.run();
                return null;
            });
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    // ---- closing and failing ----------------------------------------------------------------

    @PipeFlavour.AllFlavours
    void closeLetsTakersDrainThenEnds(PipeFlavour f) throws Exception {
        try (Loop loop = Loop.singleCarrier("close")) {
            List<Integer> got = loop.run(() -> {
                Pipe<Integer> p = f.make();
                int k = Math.max(1, Math.min(f.room(), 3));
                MicroThread.startAndForget(() -> {
                    for (int i = 0; i < k; i++) p.put(i);
                    assertThat(p.close()).isTrue();
                    assertThat(p.close()).as("closing twice does nothing").isFalse();
                    assertThat(p.fail(new RuntimeException())).as("failing after close does nothing").isFalse();
                });
                List<Integer> items = p.stream().collect(Collectors.toList());
                assertThat(p.isClosedForTake()).isTrue();
                assertThat(p.takeOrClosed()).isNull();
                assertThatThrownBy(p::take).isInstanceOf(PipeClosedException.class)
                        .hasMessageContaining("pipe '" + f.name() + "' is closed and drained")
                        .hasCauseInstanceOf(Exception.class);
                assertThatThrownBy(p::tryTake).isInstanceOf(PipeClosedException.class);
                return items;
            });
            assertThat(got).startsWith(0);
        }
    }

    @PipeFlavour.AllFlavours
    void putOnAClosedPipeSaysSoAndWhereItWasClosed(PipeFlavour f) throws Exception {
        Pipe<Integer> p = f.make();
        p.close();
        assertThatThrownBy(() -> p.put(1)).isInstanceOf(PipeClosedException.class)
                .hasMessage("pipe '" + f.name() + "' is closed: cannot put")
                .satisfies(e -> {
                    assertThat(((PipeClosedException) e).pipe()).isSameAs(p);
                    assertThat(e.getCause()).hasMessageContaining("was closed here, by Thread");
                    assertThat(e.getCause().getStackTrace()[0].getMethodName()).isEqualTo("end");
                });
        assertThat(p.putOrClosed(1)).isFalse();
        assertThatThrownBy(() -> p.tryPut(1)).isInstanceOf(PipeClosedException.class);
        assertThatThrownBy(() -> p.tryPut(1, Duration.ofMillis(1))).isInstanceOf(PipeClosedException.class);
        assertThat(p.isClosedForPut()).isTrue();
    }

    @PipeFlavour.AllFlavours
    void failLetsTakersDrainThenThrowsTheCause(PipeFlavour f) throws Exception {
        Pipe<Integer> p = f.make();
        int k = Math.min(f.room(), 2);
        for (int i = 0; i < k; i++) p.put(i);
        IllegalStateException boom = new IllegalStateException("boom");
        assertThat(p.fail(boom)).isTrue();
        assertThat(p.isFailed()).isTrue();
        for (int i = 0; i < k; i++) assertThat(p.take()).isEqualTo(i);
        assertThatThrownBy(p::take).isInstanceOf(FailedException.class).hasCause(boom)
                .hasMessageContaining("pipe '" + f.name() + "' failed");
        assertThatThrownBy(p::takeOrClosed).isInstanceOf(FailedException.class).hasCause(boom);
        assertThatThrownBy(() -> p.iterator().hasNext()).isInstanceOf(FailedException.class);
        assertThatThrownBy(() -> p.put(9)).isInstanceOf(PipeClosedException.class)
                .hasMessageContaining("failed: cannot put").hasCause(boom);
        assertThat(p.close()).isFalse();
    }

    @PipeFlavour.AllFlavours
    void closingWakesEveryWaiter(PipeFlavour f) throws Exception {
        try (Loop loop = Loop.singleCarrier("wake")) {
            List<String> outcomes = loop.run(() -> {
                Pipe<Integer> p = f.make();
                List<String> seen = new CopyOnWriteArrayList<>();
                List<MicroThread<?>> waiters = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    waiters.add(MicroThread.parallel(() -> seen.add("taker:" + p.takeOrClosed())));
                }
                MicroThread.yieldNow();
                assertThat(p.waitingTakers()).isEqualTo(3);
                p.close();
                for (MicroThread<?> w : waiters) w.join();
                if (f.blocksWhenFull()) { // a putter waiting on a full pipe is refused at close
                    Pipe<Integer> q = f.make();
                    for (int i = 0; i < f.room(); i++) q.put(i);
                    MicroThread<Boolean> putter = MicroThread.parallel(() -> q.putOrClosed(42));
                    MicroThread.yieldNow();
                    assertThat(q.waitingPutters()).isEqualTo(1);
                    q.close();
                    seen.add("putter:" + putter.join());
                    List<Integer> left = new ArrayList<>();
                    for (Integer x : q) left.add(x);
                    assertThat(left).doesNotContain(42);
                }
                return seen;
            });
            assertThat(outcomes).contains("taker:null").isSubsetOf("taker:null", "putter:false");
        }
    }

    // ---- cancellation -----------------------------------------------------------------------

    @PipeFlavour.AllFlavours
    void aCancelledTakeConsumesNothing(PipeFlavour f) throws Exception {
        try (Loop loop = Loop.singleCarrier("cancel-take")) {
            loop.run(() -> {
                Pipe<Integer> p = f.make();
                MicroThread<Integer> taker = MicroThread.parallel("taker", p::take);
                MicroThread.yieldNow();
                assertThat(taker.waitingOn()).contains("waiting to take from pipe '" + f.name() + "'");
                taker.cancel();
                assertThatThrownBy(taker::join).isInstanceOf(CancellationException.class);
                assertThat(p.waitingTakers()).isZero();
                MicroThread.startAndForget(() -> p.put(5));
                assertThat(p.take()).isEqualTo(5);
                return null;
            });
        }
    }

    @PipeFlavour.AllFlavours
    void aCancelledPutDeliversNothing(PipeFlavour f) throws Exception {
        if (!f.blocksWhenFull()) return; // these never wait
        try (Loop loop = Loop.singleCarrier("cancel-put")) {
            loop.run(() -> {
                Pipe<Integer> p = f.make();
                for (int i = 0; i < f.room(); i++) p.put(i);
                MicroThread<Void> putter = MicroThread.parallel("putter", () -> {
                    p.put(-1);
                    return null;
                });
                MicroThread.yieldNow();
                assertThat(putter.waitingOn()).contains("waiting to put to pipe '" + f.name() + "'");
                putter.cancel();
                assertThatThrownBy(putter::join).isInstanceOf(CancellationException.class);
                assertThat(p.waitingPutters()).isZero();
                p.close();
                List<Integer> rest = new ArrayList<>();
                for (Integer x : p) rest.add(x);
                assertThat(rest).doesNotContain(-1).hasSize(f.room());
                return null;
            });
        }
    }

    @Test
    void cancellationIsStickyAtEveryPipeOperation() throws Exception {
        try (Loop loop = Loop.singleCarrier("sticky")) {
            loop.run(() -> {
                Pipe<Integer> p = Pipe.unbounded();
                p.put(1);
                MicroThread<String> m = MicroThread.parallel(() -> {
                    try {
                        Pipe.<Integer>rendezvous().take();
                    } catch (InterruptedException swallowed) {
                        // a body that swallows the first one
                    }
                    try {
                        p.take(); // an item is there, but the micro-thread is cancelled
                        return "took";
                    } catch (InterruptedException again) {
                        return "still cancelled";
                    }
                });
                MicroThread.yieldNow();
                m.cancel();
                assertThat(m.join()).isEqualTo("still cancelled");
                assertThat(p.size()).isEqualTo(1);
                return null;
            });
        }
    }

    @Test
    void anInterruptedPlatformThreadTakesNothing() throws Exception {
        Pipe<Integer> p = Pipe.rendezvous();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                p.take();
            } catch (Throwable e) {
                seen.set(e);
            }
        });
        await(() -> p.waitingTakers() == 1);
        t.interrupt();
        t.join();
        assertThat(seen.get()).isInstanceOf(InterruptedException.class);
        assertThat(p.waitingTakers()).isZero();
        assertThat(p.tryPut(1)).as("no taker left behind").isFalse();
    }

    @Test
    void anIteratorInterruptedWhileWaitingThrowsCancellationAndKeepsTheInterrupt() throws Exception {
        Pipe<Integer> p = Pipe.rendezvous();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                for (Integer ignored : p) {
                    // nothing comes
                }
            } catch (Throwable e) {
                seen.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        await(() -> p.waitingTakers() == 1);
        t.interrupt();
        t.join();
        assertThat(seen.get()).isInstanceOf(CancellationException.class).hasCauseInstanceOf(InterruptedException.class);
        assertThat(stillInterrupted.get()).isTrue();
    }

    // ---- ownership ----------------------------------------------------------------------------

    @Test
    void anOwnedPipeClosesWhenItsProducerEndsAndFailsWhenItFails() throws Exception {
        try (Loop loop = Loop.singleCarrier("owned")) {
            List<Integer> got = loop.run(() -> {
                Pipe<Integer> p = Pipe.produce(Pipe.buffered(2), out -> {
                    for (int i = 0; i < 5; i++) out.put(i);
                });
                return p.stream().toList();
            });
            assertThat(got).containsExactly(0, 1, 2, 3, 4);

            IllegalStateException boom = new IllegalStateException("boom");
            List<Integer> before = new ArrayList<>();
            assertThatThrownBy(() -> loop.run(() -> {
                Pipe<Integer> p = Pipe.produce(Pipe.rendezvous(), out -> {
                    out.put(1);
                    throw boom;
                });
                for (Integer x : p) before.add(x);
                return null;
            })).isInstanceOf(FailedException.class).hasRootCause(boom);
            assertThat(before).containsExactly(1);
            assertThat(loop.failureCount()).as("the taker observed it, as a join would").isZero();
        }
    }

    @Test
    void anOwnersFailureNobodyTakesIsReported() throws Exception {
        try (Loop loop = Loop.singleCarrier("unobserved")) {
            List<Throwable> reported = new CopyOnWriteArrayList<>();
            loop.failureHandler((m, t) -> reported.add(t));
            IllegalStateException boom = new IllegalStateException("nobody takes this");
            loop.run(() -> {
                Pipe<Integer> p = Pipe.produce(Pipe.rendezvous(), out -> {
                    throw boom;
                });
                return null;
            });
            assertThat(reported).containsExactly(boom);
        }
    }

    @Test
    void aTakerThatClosesTheProducedPipeEarlyEndsTheProducerNormally() throws Exception {
        try (Loop loop = Loop.singleCarrier("early")) {
            int first = loop.run(() -> {
                Pipe<Integer> p = Pipe.produce(Pipe.rendezvous(), out -> {
                    for (int i = 0; ; i++) out.put(i);
                });
                int x = p.take();
                p.close();
                return x;
            });
            assertThat(first).isZero();
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    void aCancelledOwnerFailsItsPipeWithCancellation() throws Exception {
        try (Loop loop = Loop.singleCarrier("cancelled-owner")) {
            loop.run(() -> {
                Pipe<Integer> p = Pipe.rendezvous();
                MicroThread<Void> owner = MicroThread.parallel("owner", () -> {
                    Pipe.rendezvous().take();
                    return null;
                });
                p.ownedBy(owner);
                assertThatThrownBy(() -> p.ownedBy(owner)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("already owned by micro-thread 'owner'");
                MicroThread.yieldNow();
                owner.cancel();
                assertThatThrownBy(p::take).isInstanceOf(FailedException.class)
                        .hasCauseInstanceOf(CancellationException.class)
                        .cause().hasMessageContaining("'owner', the producer of pipe");
                return null;
            });
        }
    }

    @Test
    void closingAPipesStreamStopsItsProducer() throws Exception {
        try (Loop loop = Loop.singleCarrier("stream-close")) {
            List<Integer> firstThree = loop.run(() -> {
                Pipe<Integer> p = Pipe.produce("counter", Pipe.rendezvous(), out -> {
                    for (int i = 0; ; i++) out.put(i);
                });
                try (var s = p.stream()) {
                    return s.limit(3).toList();
                }
            });
            assertThat(firstThree).containsExactly(0, 1, 2);
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    void aFailingConsumerCancelsItsProducersInsteadOfStrandingThem() throws Exception {
        try (Loop loop = Loop.singleCarrier("failing-consumer")) {
            IllegalStateException boom = new IllegalStateException("consumer gave up");
            AtomicReference<MicroThread<?>> producer = new AtomicReference<>();
            assertThatThrownBy(() -> loop.run(() -> {
                Pipe<Integer> p = Pipe.rendezvous();
                producer.set(MicroThread.parallel("producer", () -> {
                    for (int i = 0; ; i++) p.put(i);
                }));
                p.take();
                throw boom;
            })).isInstanceOf(FailedException.class).hasCause(boom);
            assertThat(producer.get().state()).isEqualTo(MicroThread.State.CANCELLED);
            assertThat(loop.failureCount()).isZero();
        }
    }

    // ---- dump and deadlock --------------------------------------------------------------------

    @Test
    void microThreadsWaitingOnConfinedPipesAreADeadlock() throws Exception {
        try (Loop loop = Loop.singleCarrier("pipes-deadlock")) {
            assertThatThrownBy(() -> loop.run(() -> {
                Pipe<Integer> jobs = Pipe.<Integer>rendezvous().named("jobs").confined();
                Pipe<Integer> results = Pipe.<Integer>buffered(1).named("results").confined();
                MicroThread.startAndForget("worker", () -> results.put(jobs.take() * 2));
                return results.take();
            })).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("'worker' WAITING: waiting to take from pipe 'jobs'")
                    .hasMessageContaining("'main' WAITING: waiting to take from pipe 'results'");
        }
    }

    @Test
    void aPipeMadeOutsideTheLoopCanBeFedFromOutsideWithoutAFalseDeadlock() throws Exception {
        try (Loop loop = Loop.singleCarrier("fed")) {
            Pipe<String> inbox = Pipe.<String>rendezvous().named("inbox");
            Thread feeder = Thread.ofPlatform().start(() -> {
                await(() -> inbox.waitingTakers() == 1);
                await(() -> loop.microThreads().stream().allMatch(m -> m.state() == MicroThread.State.WAITING));
                try {
                    inbox.put("from outside");
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(loop.run(inbox::take)).isEqualTo("from outside");
            feeder.join();
        }
    }

    @Test
    void aPipeMadeInsideTheLoopAndFedFromOutsideIsNeverAFalseDeadlock() throws Exception {
        try (Loop loop = Loop.singleCarrier("fed-from-inside")) {
            for (int round = 0; round < 20; round++) {
                String v = loop.run(() -> {
                    Pipe<String> p = Pipe.rendezvous();
                    Thread feeder = Thread.ofPlatform().start(() -> {
                        await(() -> p.waitingTakers() == 1);
                        try {
                            p.put("late");
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    });
                    String x = p.take();
                    feeder.join();
                    return x;
                });
                assertThat(v).isEqualTo("late");
            }
        }
    }

    @Test
    void aConfinedPipeRefusesEverythingOutsideItsLoop() throws Exception {
        try (Loop loop = Loop.singleCarrier("home"); Loop other = Loop.singleCarrier("other")) {
            Pipe<String> p = loop.run(() -> Pipe.<String>buffered(4).named("local").confined());
            assertThatThrownBy(() -> p.put("x")).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("pipe 'local' is confined to loop 'home' and cannot be used by Thread");
            assertThatThrownBy(p::tryTake).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(p::close).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> Select.select(p.onTake(x -> x), Select.onDefault(() -> "d")))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> other.run(() -> p.tryPut("y"))).isInstanceOf(FailedException.class)
                    .cause().hasMessageContaining("cannot be used by micro-thread 'main' of loop 'other'");
            assertThat(p.size()).as("the counts stay open").isZero();
            assertThat(loop.run(() -> {
                p.put("inside");
                return p.take();
            })).isEqualTo("inside");
            assertThatThrownBy(() -> Pipe.rendezvous().confined()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("can only be confined by a micro-thread of a single-carrier loop");
            assertThatThrownBy(() -> Loop.shared().run(() -> Pipe.rendezvous().confined()))
                    .isInstanceOf(FailedException.class);
        }
    }

    // ---- bad input ----------------------------------------------------------------------------

    @Test
    void badInputIsRefusedAtTheCall() {
        assertThatThrownBy(() -> Pipe.buffered(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capacity must be at least 0, was -1");
        assertThatThrownBy(() -> Pipe.droppingOldest(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capacity must be at least 1, was 0");
        assertThatThrownBy(() -> Pipe.droppingLatest(-3)).isInstanceOf(IllegalArgumentException.class);
        Pipe<String> p = Pipe.buffered(1);
        assertThatThrownBy(() -> p.put(null)).isInstanceOf(NullPointerException.class).hasMessage("item");
        assertThatThrownBy(() -> p.tryPut(null)).isInstanceOf(NullPointerException.class).hasMessage("item");
        assertThatThrownBy(() -> p.putOrClosed(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.fail(null)).isInstanceOf(NullPointerException.class).hasMessage("cause");
        // zero and negative timeouts are no longer refused: the try forms (ADR 0023, ZeroDurationTest)
        assertThatThrownBy(() -> p.tryTake(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThatThrownBy(() -> p.tryPut("x", null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThatThrownBy(() -> p.tryPut(null, Duration.ZERO)).isInstanceOf(NullPointerException.class).hasMessage("item");
        assertThatThrownBy(() -> p.named(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.ownedBy(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Pipe.produce(p, null)).isInstanceOf(NullPointerException.class);
        assertThat(p.size()).as("nothing happened").isZero();
        assertThat(p.isClosedForPut()).isFalse();
        assertThat(Pipe.buffered(0).capacity()).isZero();
        assertThat(Pipe.unbounded().capacity()).isEqualTo(Integer.MAX_VALUE);
        assertThat(Pipe.rendezvous().name()).startsWith("pipe-");
    }
}
