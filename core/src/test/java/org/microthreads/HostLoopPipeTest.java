package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pipes and selects used by micro-threads of a host loop (continuations on one platform "host"
 * thread), among themselves and with outsiders: a platform thread, micro-threads of the shared
 * loop and of a single-carrier loop. Every item is delivered exactly once; host bodies check they
 * run on the host thread. Sizes scale with {@code -Dmicrothreads.stress.scale=N} (default 1).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostLoopPipeTest {
    private static final int SCALE = Integer.getInteger("microthreads.stress.scale", 1);

    /** Who uses a pipe from outside the host loop. */
    enum Outsider { PLATFORM, SHARED, SINGLE_CARRIER }

    private HostLoopTest.Host host;
    private Loop loop, single;

    @BeforeEach
    void start() {
        host = new HostLoopTest.Host();
        loop = Loop.onHost("host-loop", host);
        single = Loop.singleCarrier("single");
    }

    @AfterEach
    void stop() throws Exception {
        awaitCondition(() -> loop.microThreads().isEmpty() && single.microThreads().isEmpty()); // every test ends all it starts
        loop.close();
        single.close();
        host.close();
        assertThat(host.errors).isEmpty();
        assertThat(host.thread.isInterrupted()).isFalse();
    }

    @Test
    void twoHostMicroThreadsPingPongOverRendezvousPipes() throws Exception {
        int rounds = 10_000 * SCALE;
        Pipe<Integer> ping = rendezvous("ping"), pong = rendezvous("pong");
        int last = loop.run(() -> { // main and echo: two host micro-threads
            MicroThread<Integer> echo = MicroThread.parallel("echo", () -> {
                int n = 0;
                for (Integer x; (x = onHost(ping.takeOrClosed())) != null; n++) pong.put(onHost(x + 1));
                return n;
            });
            int v = 0;
            for (int i = 0; i < rounds; i++) {
                ping.put(onHost(v));
                int back = onHost(pong.take());
                if (back != v + 1) throw new AssertionError("round " + i + ": sent " + v + ", got back " + back);
                v = back;
            }
            ping.close();
            assertThat(echo.join()).isEqualTo(rounds);
            return v;
        });
        assertThat(last).isEqualTo(rounds);
        assertNoWaiters(ping, pong);
    }

    @Test
    void aProducerAndAConsumerOnTheHostPassEveryItemOnceInOrderThroughBuffered4() throws Exception {
        int n = 10_000 * SCALE;
        Pipe<Integer> p = Pipe.<Integer>buffered(4).named("buffered-4");
        List<Integer> got = new ArrayList<>(); // not synchronized: one host thread
        loop.run(() -> {
            MicroThread.startAndForget("producer", () -> {
                for (int i = 0; i < n; i++) {
                    p.put(onHost(i));
                    if (p.size() > 4) throw new AssertionError("buffered " + p.size() + " > 4");
                }
                p.close();
            });
            for (int x : p) got.add(onHost(x));
            return null;
        });
        assertThat(got).isEqualTo(range(n));
        assertNoWaiters(p);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 16})
    void outsidersFeedHostRelaysAndDrainWhatTheyPutExactlyOnce(int capacity) throws Exception {
        int perProducer = 2_000 * SCALE, producers = 6, relays = 3, total = producers * perProducer;
        Outsider[] kinds = Outsider.values();
        Pipe<Integer> toHost = Pipe.<Integer>buffered(capacity).named("to-host");
        Pipe<Integer> fromHost = Pipe.<Integer>buffered(capacity).named("from-host");
        AtomicIntegerArray taken = new AtomicIntegerArray(total);
        List<CompletableFuture<Void>> producing = new ArrayList<>(), consuming = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int base = p * perProducer;
            producing.add(outside(kinds[p % kinds.length], "producer-" + p, () -> {
                for (int i = 0; i < perProducer; i++) toHost.put(base + i);
            }));
            consuming.add(outside(kinds[(p + 1) % kinds.length], "consumer-" + p, () -> {
                for (Integer x; (x = fromHost.takeOrClosed()) != null; ) once(taken, x);
            }));
        }
        List<MicroThread<Integer>> relaying = new ArrayList<>();
        for (int r = 0; r < relays; r++) {
            relaying.add(loop.parallel("relay-" + r, () -> {
                int[] last = new int[producers];
                int n = 0;
                for (Integer x; (x = onHost(toHost.takeOrClosed())) != null; n++) {
                    inOrder(last, x / perProducer, x); // each producer's items arrive in its order
                    fromHost.put(x);
                }
                return onHost(n);
            }));
        }
        awaitAll(producing);
        toHost.close();
        int relayed = 0;
        for (MicroThread<Integer> m : relaying) relayed += m.join();
        assertThat(relayed).isEqualTo(total);
        fromHost.close();
        awaitAll(consuming);
        assertAllOnce(taken);
        assertNoWaiters(toHost, fromHost);
    }

    @Test
    void hostSelectorsTakeFromPipesFedByOutsidersAndPutToAPipeOutsidersDrain() throws Exception {
        int perInput = 2_000 * SCALE, outgoing = 2_000 * SCALE, selectors = 2;
        Outsider[] kinds = Outsider.values();
        List<Pipe<Integer>> inputs = new ArrayList<>();
        List<CompletableFuture<Void>> outsiders = new ArrayList<>();
        AtomicIntegerArray taken = new AtomicIntegerArray(kinds.length * perInput);
        AtomicIntegerArray drained = new AtomicIntegerArray(selectors * outgoing);
        for (int k = 0; k < kinds.length; k++) {
            Pipe<Integer> in = Pipe.<Integer>buffered(k).named("in-" + kinds[k]); // capacities 0, 1, 2
            inputs.add(in);
            int base = k * perInput;
            outsiders.add(outside(kinds[k], "feeder-" + k, () -> {
                for (int i = 0; i < perInput; i++) in.put(base + i);
                in.close();
            }));
        }
        Pipe<Integer> out = rendezvous("out");
        for (Outsider kind : List.of(Outsider.PLATFORM, Outsider.SINGLE_CARRIER)) {
            outsiders.add(outside(kind, "drainer-" + kind, () -> {
                int[] last = new int[selectors];
                for (Integer x; (x = out.takeOrClosed()) != null; once(drained, x)) {
                    inOrder(last, x / outgoing, x); // each selector's puts arrive in its order
                }
            }));
        }
        List<MicroThread<Integer>> selecting = new ArrayList<>();
        for (int s = 0; s < selectors; s++) {
            int base = s * outgoing;
            selecting.add(loop.parallel("selector-" + s, () -> {
                boolean[] open = new boolean[inputs.size()];
                Arrays.fill(open, true);
                int openCount = open.length, sent = 0, got = 0;
                while (openCount > 0 || sent < outgoing) {
                    List<Select.Case<Integer>> cases = new ArrayList<>();
                    for (int k = 0; k < open.length; k++) {
                        int closed = -1 - k;
                        if (open[k]) cases.add(inputs.get(k).onTakeOrClosed(x -> x == null ? closed : once(taken, x)));
                    }
                    if (sent < outgoing) cases.add(out.onPut(base + sent, () -> 1));
                    int r = onHost(Select.select(cases));
                    if (r < 0) open[-1 - r] = false;
                    openCount -= r < 0 ? 1 : 0;
                    sent += r == 1 ? 1 : 0;
                    got += r == 0 ? 1 : 0;
                }
                return got;
            }));
        }
        awaitAll(outsiders.subList(0, kinds.length));
        int got = 0;
        for (MicroThread<Integer> m : selecting) got += m.join();
        assertThat(got).isEqualTo(kinds.length * perInput);
        out.close();
        awaitAll(outsiders);
        assertAllOnce(taken);
        assertAllOnce(drained);
        assertNoWaiters(out, inputs.get(0), inputs.get(1), inputs.get(2));
    }

    @ParameterizedTest
    @EnumSource(Outsider.class)
    void selectsTimingOutOnTheHostLoseNoItemOfAnOutsider(Outsider kind) throws Exception {
        int n = 1_000 * SCALE;
        Pipe<Integer> p = rendezvous("p"), idle = rendezvous("idle");
        CompletableFuture<Void> feeder = outside(kind, "feeder", () -> {
            for (int i = 0; i < n; i++) {
                for (int spin = (i % 7) * 2_000; spin > 0; spin--) Thread.onSpinWait(); // jitter, not synchronisation
                p.put(i);
            }
        });
        int[] timeouts = {0};
        List<Integer> got = loop.run(() -> {
            List<Integer> list = new ArrayList<>();
            while (list.size() < n) {
                Integer x = onHost(Select.select(p.onTake(v -> v), idle.onTake(v -> -1),
                        Select.onTimeout(Duration.ofNanos(5_000 + 5_000 * (list.size() % 5)), () -> null)));
                if (x == null) timeouts[0]++; else list.add(x);
            }
            return list;
        });
        feeder.get(30, TimeUnit.SECONDS);
        assertThat(got).isEqualTo(range(n));
        assertNoWaiters(p, idle);
        System.out.println("selectsTimingOut[" + kind + "]: " + timeouts[0] + " timeouts for " + n + " items");
    }

    @Test
    void aHostSelectThatLosesLeavesNothingRegistered() throws Exception {
        Pipe<Integer> a = rendezvous("a"), b = rendezvous("b"), full = Pipe.<Integer>buffered(1).named("full");
        full.put(0);
        MicroThread<String> m = loop.parallel("selector", () ->
                onHost(Select.select(a.onTake(x -> "a" + x), b.onTake(x -> "b" + x), full.onPut(1, () -> "full"))));
        awaitCondition(() -> a.waitingTakers() == 1 && b.waitingTakers() == 1 && full.waitingPutters() == 1);
        assertThat(m.waitingOn()).contains("selecting to take from pipe 'a' or take from pipe 'b' or put to pipe 'full'");
        outside(Outsider.SHARED, "putter", () -> a.put(7)).get(30, TimeUnit.SECONDS);
        assertThat(m.join()).isEqualTo("a7");
        assertNoWaiters(a, b, full);
        assertThat(full.tryTake()).isZero(); // the losing put delivered nothing
        assertThat(full.tryTake()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Outsider.class)
    void closeAndFailFromOutsideWakeHostMicroThreadsBlockedInTakeAndPut(Outsider kind) throws Exception {
        Pipe<Integer> takeClosed = rendezvous("take-closed"), putClosed = rendezvous("put-closed");
        Pipe<Integer> takeFailed = rendezvous("take-failed"), putFailed = rendezvous("put-failed");
        MicroThread<Exception> t1 = expectingThrow("take-closed", takeClosed::take);
        MicroThread<Exception> p1 = expectingThrow("put-closed", () -> putClosed.put(1));
        MicroThread<Exception> t2 = expectingThrow("take-failed", takeFailed::take);
        MicroThread<Exception> p2 = expectingThrow("put-failed", () -> putFailed.put(2));
        awaitCondition(() -> takeClosed.waitingTakers() == 1 && putClosed.waitingPutters() == 1
                && takeFailed.waitingTakers() == 1 && putFailed.waitingPutters() == 1);
        IOException cause = new IOException("boom");
        outside(kind, "closer", () -> {
            if (!takeClosed.close() || !putClosed.close() || !takeFailed.fail(cause) || !putFailed.fail(cause)) {
                throw new AssertionError("an end did not take");
            }
        }).get(30, TimeUnit.SECONDS);
        assertThat(t1.join()).isInstanceOf(PipeClosedException.class).hasMessageContaining("is closed and drained");
        assertThat(p1.join()).isInstanceOf(PipeClosedException.class).hasMessageContaining("is closed: cannot put");
        assertThat(t2.join()).isInstanceOf(FailedException.class).cause().isSameAs(cause);
        assertThat(p2.join()).isInstanceOf(PipeClosedException.class).cause().isSameAs(cause);
        assertThatThrownBy(putClosed::tryTake).isInstanceOf(PipeClosedException.class); // the put's item was not delivered
        assertThatThrownBy(putFailed::tryTake).isInstanceOf(FailedException.class);
        assertNoWaiters(takeClosed, putClosed, takeFailed, putFailed);
    }

    @Test
    void cancellingAHostMicroThreadBlockedInTakePutOrSelectLosesAndDuplicatesNothing() throws Exception {
        Pipe<Integer> p = rendezvous("p"), q = Pipe.<Integer>buffered(1).named("q");
        MicroThread<Integer> taker = loop.parallel("taker", p::take);
        awaitCondition(() -> p.waitingTakers() == 1);
        cancelAndExpectCancelled(taker, p);
        MicroThread<Integer> other = loop.parallel("other", p::take);
        p.put(5); // from this platform thread: someone else takes it
        assertThat(other.join()).isEqualTo(5);

        q.put(1);
        MicroThread<String> putter = loop.parallel("putter", () -> { q.put(2); return "put"; });
        awaitCondition(() -> q.waitingPutters() == 1);
        cancelAndExpectCancelled(putter, q);
        assertThat(q.take()).isEqualTo(1);
        assertThat(q.tryTake()).as("the cancelled put delivered nothing").isNull();

        q.put(3); // full again: only a taker of p can end the select
        MicroThread<Integer> selector = loop.parallel("selector", () -> Select.select(p.onTake(x -> x), q.onPut(9, () -> -9)));
        awaitCondition(() -> p.waitingTakers() == 1 && q.waitingPutters() == 1);
        cancelAndExpectCancelled(selector, p, q);
        assertThat(q.take()).isEqualTo(3);
        assertThat(q.tryTake()).isNull();
        MicroThread<Integer> again = loop.parallel("again", p::take);
        p.put(4);
        assertThat(again.join()).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(Outsider.class)
    void cancelsRacingAnOutsidersPutOrTakeDeliverEachItemExactlyOnce(Outsider kind) throws Exception {
        int rounds = 300 * SCALE, tookFirst = 0, putFirst = 0;
        for (int i = 0; i < rounds; i++) {
            int item = i;
            Pipe<Integer> p = rendezvous("take-race-" + i);
            MicroThread<Integer> taker = loop.parallel("taker-" + i, p::take);
            if (i % 2 == 0) awaitCondition(() -> p.waitingTakers() == 1); // else the cancel also races the registration
            CompletableFuture<Void> putting = outside(kind, "putter", () -> p.put(item));
            taker.cancel();
            Integer got = valueOrNullIfCancelled(taker);
            if (got == null) { // not taken: the item must still be there, for someone else
                assertThat(loop.parallel("backup-taker", p::take).join()).isEqualTo(item);
            } else {
                assertThat(got).isEqualTo(item);
                tookFirst++;
            }
            putting.get(30, TimeUnit.SECONDS);
            assertNoWaiters(p);

            Pipe<Integer> q = rendezvous("put-race-" + i);
            MicroThread<String> putter = loop.parallel("putter-" + i, () -> { q.put(item); return "put"; });
            if (i % 2 == 0) awaitCondition(() -> q.waitingPutters() == 1);
            CompletableFuture<Integer> taking = outsideGet(kind, "taker", q::take);
            putter.cancel();
            boolean delivered = valueOrNullIfCancelled(putter) != null;
            if (delivered) putFirst++;
            else assertThat(q.tryPut(-1, Duration.ofSeconds(10))).as("the outsider still waits to take").isTrue();
            assertThat(taking.get(30, TimeUnit.SECONDS)).isEqualTo(delivered ? item : -1);
            assertNoWaiters(q);
        }
        System.out.println("cancelRace[" + kind + "]: the take won the cancel in " + tookFirst + "/" + rounds
                + " rounds, the put in " + putFirst + "/" + rounds);
    }

    @Test
    void aPipeConfinedByAHostMicroThreadWorksBetweenThemAndRefusesOutsiders() throws Exception {
        int n = 5_000 * SCALE;
        Pipe<Integer> p = loop.run(() -> Pipe.<Integer>buffered(2).named("confined").confined());
        Pipe<Integer> noPuts = loop.run(() -> rendezvous("no-puts").confined()); // losing select cases
        Pipe<Integer> noTakes = loop.run(() -> rendezvous("no-takes").confined());
        for (Outsider kind : Outsider.values()) {
            int refused = outsideGet(kind, "outsider", () -> {
                List<MicroThread.Task> uses = List.of(() -> p.put(1), () -> p.tryPut(1), p::take, p::tryTake,
                        p::close, () -> p.fail(new IOException()), () -> Select.select(p.onTake(x -> x), Select.onDefault(() -> 0)));
                int count = 0;
                for (MicroThread.Task use : uses) {
                    try {
                        use.run();
                    } catch (IllegalStateException e) {
                        if (e instanceof PipeClosedException || !e.getMessage().contains("is confined to loop 'host-loop'")) throw e;
                        count++;
                    }
                }
                return count + p.size(); // the counts stay open to all
            }).get(30, TimeUnit.SECONDS);
            assertThat(refused).as(kind.toString()).isEqualTo(7);
        }
        List<Integer> got = new ArrayList<>();
        loop.run(() -> {
            MicroThread.startAndForget("producer", () -> {
                for (int i = 0; i < n; i++) {
                    if (i % 2 == 0) p.put(onHost(i)); else Select.select(p.onPut(onHost(i), () -> null), noTakes.onPut(-i, () -> null));
                }
                p.close();
            });
            for (Integer x; (x = Select.select(p.onTakeOrClosed(v -> v), noPuts.onTake(v -> -1))) != null; ) got.add(onHost(x));
            return null;
        });
        assertThat(got).isEqualTo(range(n));
        assertNoWaiters(p, noPuts, noTakes);
        // those pipes' runs have ended: any micro-thread of the loop may use them, and their waits
        // no longer count for the deadlock report (ADR 0019); a pipe confined to the run does
        assertThatThrownBy(() -> loop.run(() -> {
            Pipe<Integer> mine = rendezvous("no-puts-here").confined();
            return MicroThread.parallel("taker", mine::take).join();
        })).isInstanceOf(DeadlockException.class)
                .hasMessageContaining("'taker' WAITING: waiting to take from pipe 'no-puts-here'");
    }

    /** Returns {@code v}, after checking that the caller runs on the host thread. */
    private <T> T onHost(T v) {
        if (Thread.currentThread() != host.thread) throw new AssertionError("not on the host thread: " + Thread.currentThread());
        return v;
    }

    /** A host micro-thread that runs {@code task} and returns what it threw (it must throw). */
    private MicroThread<Exception> expectingThrow(String name, MicroThread.Task task) {
        return loop.parallel(name, () -> {
            try {
                task.run();
            } catch (Exception e) {
                return onHost(e);
            }
            throw new AssertionError(name + " threw nothing");
        });
    }

    private CompletableFuture<Void> outside(Outsider kind, String name, MicroThread.Task task) {
        return outsideGet(kind, name, () -> { task.run(); return null; });
    }

    /** Runs {@code body} on an outsider of {@code kind}; the future has its outcome. */
    private <T> CompletableFuture<T> outsideGet(Outsider kind, String name, MicroThread.Body<T> body) {
        CompletableFuture<T> done = new CompletableFuture<>();
        Runnable run = () -> {
            try {
                if (Thread.currentThread() == host.thread) throw new AssertionError("an outsider on the host thread");
                done.complete(body.run());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        };
        switch (kind) {
            case PLATFORM -> Thread.ofPlatform().name(name).start(run);
            case SHARED -> Loop.shared().startAndForget(name, run::run);
            case SINGLE_CARRIER -> single.startAndForget(name, run::run);
        }
        return done;
    }

    private static void cancelAndExpectCancelled(MicroThread<?> m, Pipe<?>... itsPipes) {
        m.cancel();
        assertThatThrownBy(m::join).isInstanceOf(CancellationException.class);
        assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
        assertNoWaiters(itsPipes);
    }

    private static <T> T valueOrNullIfCancelled(MicroThread<T> m) throws InterruptedException {
        try {
            return m.join();
        } catch (CancellationException e) {
            assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
            return null;
        }
    }

    private static Pipe<Integer> rendezvous(String name) {
        return Pipe.<Integer>rendezvous().named(name);
    }

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    private static void awaitAll(List<CompletableFuture<Void>> futures) throws Exception {
        for (CompletableFuture<Void> f : futures) f.get(30, TimeUnit.SECONDS);
    }

    /** Polls for a state another thread will reach (a wait registered); never a sleep standing in for an event. */
    private static void awaitCondition(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not reached in 10s");
            LockSupport.parkNanos(100_000);
        }
    }

    /** Checks that item {@code x} of {@code group} comes after the last one seen (stored as x + 1). */
    private static void inOrder(int[] last, int group, int x) {
        if (x + 1 <= last[group]) throw new AssertionError("group " + group + ": " + x + " after " + (last[group] - 1));
        last[group] = x + 1;
    }

    /** Counts item {@code x} taken; throws on a second time. Returns 0 (a select's "took an item"). */
    private static int once(AtomicIntegerArray counts, int x) {
        if (counts.incrementAndGet(x) != 1) throw new AssertionError("item " + x + " taken twice");
        return 0;
    }

    private static void assertAllOnce(AtomicIntegerArray counts) {
        for (int i = 0; i < counts.length(); i++) {
            if (counts.get(i) != 1) throw new AssertionError("item " + i + " taken " + counts.get(i) + " times");
        }
    }

    /** Nothing registered: no waiter, and no node of one that gave up or lost. */
    private static void assertNoWaiters(Pipe<?>... pipes) {
        for (Pipe<?> p : pipes) {
            assertThat(p.waitingTakers()).as(p + " waiting takers").isZero();
            assertThat(p.waitingPutters()).as(p + " waiting putters").isZero();
            assertThat(p.queue(false).size() + p.queue(true).size()).as(p + " nodes left, live or dead").isZero();
        }
    }
}
