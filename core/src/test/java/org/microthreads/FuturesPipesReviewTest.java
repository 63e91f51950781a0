package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Review of the future view (ADR 0026), consumeEach / Pipe.failure / FailedException.pipe (ADR 0022),
 * zero durations (ADR 0023) and one FailedException wrapper (ADR 0025).
 *
 * <p>Tests marked FAILS-ON-MAIN prove a finding; the others are regression tests of what was
 * checked and found sound.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FuturesPipesReviewTest {

    // =====================================================================================
    // Future view: failure reporting
    // =====================================================================================

    /**
     * FAILS-ON-MAIN. A micro-thread that joins a cancelled one fails (it was not cancelled itself)
     * with the CancellationException its join threw. The view's get() hands exactly that exception
     * to the caller (CompletableFuture rethrows a CancellationException as is, not inside an
     * ExecutionException), but FutureView.get only claims the report in its ExecutionException
     * branch: the failure the caller received is reported again by the failure handler.
     */
    @Test
    void viewGetOfAFailureThatIsACancellationExceptionCountsAsObserved() throws Exception {
        try (Loop loop = Loop.singleCarrier("cancel-failure")) {
            List<String> reported = new CopyOnWriteArrayList<>();
            loop.failureHandler((m, f) -> reported.add(m.name() + ": " + f));
            loop.run(() -> {
                MicroThread<String> victim = MicroThread.parallel("victim", () -> {
                    MicroThread.sleep(Duration.ofDays(1));
                    return "never";
                });
                victim.cancel();
                assertThatThrownBy(victim::join).isInstanceOf(CancellationException.class);
                MicroThread<String> joiner = MicroThread.parallel("joiner", victim::join); // fails: join threw
                Throwable got = catchThrowable(() -> joiner.toCompletableFuture().get());
                assertThat(joiner.state()).isEqualTo(MicroThread.State.FAILED);
                assertThat(got).as("the caller received the failure (JDK 25's get() wraps it in a new CancellationException 'get')")
                        .isInstanceOf(CancellationException.class).cause().isSameAs(joiner.failure());
                return null;
            });
            assertThat(reported).as("handed to a caller by the view's get(): observed, not reported").isEmpty();
        }
    }

    /**
     * FAILS-ON-MAIN. A body that calls {@code someFuture.join()} fails with a CompletionException.
     * CompletableFuture.join rethrows a stored CompletionException as is, get() unwraps it into an
     * ExecutionException with the inner cause, exceptionNow() returns the inner cause: in all three
     * the Throwable FutureView.observed compares with {@code microThread.failure()} is not it, so
     * none of them claims the report.
     */
    @Test
    void viewJoinGetAndExceptionNowOfACompletionExceptionFailureCountAsObserved() throws Exception {
        try (Loop loop = Loop.singleCarrier("completion-failure")) {
            List<String> reported = new CopyOnWriteArrayList<>();
            loop.failureHandler((m, f) -> reported.add(m.name()));
            loop.run(() -> {
                MicroThread<String> viaJoin = MicroThread.parallel("via-join",
                        () -> CompletableFuture.<String>failedFuture(new IOException("disk")).join());
                MicroThread<String> viaGet = MicroThread.parallel("via-get",
                        () -> CompletableFuture.<String>failedFuture(new IOException("disk")).join());
                MicroThread<String> viaExceptionNow = MicroThread.parallel("via-exceptionNow",
                        () -> CompletableFuture.<String>failedFuture(new IOException("disk")).join());
                CompletionException j = catchThrowableOfType(CompletionException.class, () -> viaJoin.toCompletableFuture().join());
                assertThat(j).as("join hands the failure itself").isSameAs(viaJoin.failure());
                ExecutionException g = catchThrowableOfType(ExecutionException.class, () -> viaGet.toCompletableFuture().get());
                assertThat(g.getCause()).isInstanceOf(IOException.class);
                while (!viaExceptionNow.isDone()) MicroThread.yieldNow(); // its end, without a join
                Throwable x = viaExceptionNow.toCompletableFuture().exceptionNow();
                assertThat(x).isInstanceOf(IOException.class);
                return null;
            });
            assertThat(reported).as("failures handed to a caller by the view's join/get: observed, not reported")
                    .doesNotContain("via-join", "via-get", "via-exceptionNow");
        }
    }

    /**
     * FAILS-ON-MAIN (a contract mismatch rather than a race). The javadoc of toCompletableFuture
     * tells micro-threads to prefer {@code MicroThread.await(view)} to {@code view.get()}; the two
     * hand the caller the same failure, but only get() counts as observing it: await goes through
     * whenComplete, a dependent, and the failure is reported by the handler too.
     */
    @Test
    void awaitOfTheViewCountsAsObservedAsGetDoes() throws Exception {
        try (Loop loop = Loop.singleCarrier("await-view")) {
            List<String> reported = new CopyOnWriteArrayList<>();
            loop.failureHandler((m, f) -> reported.add(m.name() + ": " + f));
            loop.run(() -> {
                IllegalStateException boom = new IllegalStateException("boom");
                MicroThread<String> m = MicroThread.parallel("fails", () -> {
                    throw boom;
                });
                FailedException e = catchThrowableOfType(FailedException.class, () -> MicroThread.await(m.toCompletableFuture()));
                assertThat(e.getCause()).isSameAs(boom);
                return null;
            });
            assertThat(reported).as("the caller of await(view) received it, as get() would have").isEmpty();
        }
    }

    /**
     * Sound: an outside completeExceptionally racing the micro-thread's failing end. Whoever wins,
     * the micro-thread's failure, which nobody joins, is reported exactly once (never lost, never twice).
     */
    @Test
    void anOutsideExceptionalCompletionRacingAFailingEndNeverLosesTheFailure() throws Exception {
        int rounds = 300;
        try (Loop loop = Loop.singleCarrier("race-fail")) {
            AtomicInteger reported = new AtomicInteger();
            loop.failureHandler((m, f) -> reported.incrementAndGet());
            AtomicInteger outsideWon = new AtomicInteger();
            loop.run(() -> {
                for (int i = 0; i < rounds; i++) {
                    CountDownLatch go = new CountDownLatch(1);
                    Deferred<Void> started = new Deferred<>();
                    MicroThread<String> m = MicroThread.parallel("f" + i, () -> {
                        started.complete(null);
                        while (go.getCount() > 0) Thread.onSpinWait(); // no park: the outsider races the end
                        throw new IllegalStateException("boom");
                    });
                    CompletableFuture<String> view = m.toCompletableFuture();
                    Thread outsider = Thread.ofPlatform().start(() -> {
                        go.countDown();
                        if (view.completeExceptionally(new RuntimeException("outside"))) outsideWon.incrementAndGet();
                    });
                    started.await();
                    outsider.join(); // a platform thread that needs nothing of this loop
                    while (!m.isDone()) MicroThread.yieldNow();
                    assertThat(view.isDone()).isTrue();
                }
                return null;
            });
            assertThat(reported.get()).as("each unjoined failure reported exactly once").isEqualTo(rounds);
        }
    }

    /** Sound: the refusals cannot be bypassed through the CompletableFuture methods that make other stages. */
    @Test
    void refusalsAreNotBypassedThroughOtherStages() throws Exception {
        Deferred<String> gate = new Deferred<>();
        MicroThread<String> m = MicroThread.parallel("real", gate::await);
        CompletableFuture<String> view = m.toCompletableFuture();
        assertThat(view.toCompletableFuture()).isSameAs(view);
        assertThatThrownBy(() -> view.toCompletableFuture().complete("fake")).isInstanceOf(UnsupportedOperationException.class);
        CompletableFuture<String> fromMinimal = view.minimalCompletionStage().toCompletableFuture();
        assertThat(fromMinimal).isNotSameAs(view);
        fromMinimal.complete("fake");
        CompletableFuture<String> incomplete = view.newIncompleteFuture();
        assertThat(incomplete).isNotInstanceOf(FutureView.class);
        incomplete.complete("fake");
        CompletableFuture<String> copy = view.copy();
        copy.completeOnTimeout("fake", 1, TimeUnit.NANOSECONDS);
        assertThat(copy.get()).isEqualTo("fake");
        copy.obtrudeValue("fake2");
        view.thenApply(s -> s).orTimeout(1, TimeUnit.NANOSECONDS); // times out a dependent, not the view
        assertThat(view.isDone()).isFalse();
        assertThat(m.isCancelled()).as("nothing done to other stages reaches the micro-thread").isFalse();
        gate.complete("genuine");
        assertThat(view.get()).isEqualTo("genuine");
        assertThat(m.join()).isEqualTo("genuine");
    }

    /** Sound: many threads asking for the first view at once get one view. */
    @Test
    void manyFirstCallsRacingGetOneView() throws Exception {
        for (int round = 0; round < 200; round++) {
            Deferred<Integer> gate = new Deferred<>();
            MicroThread<Integer> m = MicroThread.parallel(gate::await);
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Integer>> views = new CopyOnWriteArrayList<>();
            List<Thread> askers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                askers.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    views.add(m.toCompletableFuture());
                }));
            }
            go.countDown();
            for (Thread t : askers) t.join();
            assertThat(views).hasSize(4);
            assertThat(views.stream().distinct().count()).isEqualTo(1);
            gate.complete(round);
            assertThat(views.get(0).get()).isEqualTo(round);
        }
    }

    // =====================================================================================
    // Pipes: consumeEach, failure(), FailedException.pipe()
    // =====================================================================================

    /**
     * FAILS-ON-MAIN. FailedException.pipe() says "Its Pipe#failure() is this exception's cause."
     * In a two-stage pipeline whose first producer fails, the take on the second pipe throws a
     * FailedException whose cause is the original failure (ADR 0025 unwrapped the hop), but the
     * second pipe's failure() is the stage's failure, the intermediate FailedException hop.
     */
    @Test
    void theFailedPipesFailureIsTheCauseOfTheTakersException() throws Exception {
        try (Loop loop = Loop.singleCarrier("two-stages")) {
            loop.run(() -> {
                Pipe<String> lines = Pipe.<String>rendezvous().named("lines");
                Pipe<Integer> numbers = Pipe.<Integer>rendezvous().named("numbers");
                Pipe.produce(lines, sink -> {
                    sink.put("1");
                    sink.put(String.valueOf(Integer.parseInt("x"))); // the first producer fails
                });
                Pipe.produce(numbers, sink -> lines.consumeEach(s -> sink.put(Integer.parseInt(s))));
                List<Integer> got = new ArrayList<>();
                FailedException e = catchThrowableOfType(FailedException.class, () -> numbers.consumeEach(got::add));
                assertThat(got).containsExactly(1);
                assertThat(e.getCause()).isInstanceOf(NumberFormatException.class);
                assertThat(e.pipe()).containsSame(numbers);
                assertThat(lines.failure()).containsSame(e.getCause());
                assertThat(e.pipe().orElseThrow().failure()).as("FailedException.pipe(): 'Its Pipe.failure() is this exception's cause'")
                        .containsSame(e.getCause());
                return null;
            });
        }
    }

    /** Sound: an action that throws closes the pipe (not fails it), is rethrown as is, and leaves buffered items. */
    @Test
    void consumeEachWhoseActionThrowsClosesThePipeAndRethrows() throws Exception {
        Pipe<Integer> p = Pipe.buffered(4);
        for (int i = 1; i <= 4; i++) p.put(i);
        IOException bad = new IOException("bad 2");
        List<Integer> got = new ArrayList<>();
        Throwable t = catchThrowable(() -> p.consumeEach(n -> {
            got.add(n);
            if (n == 2) throw bad;
        }));
        assertThat(t).isSameAs(bad);
        assertThat(got).containsExactly(1, 2);
        assertThat(p.isClosedForPut()).isTrue();
        assertThat(p.failure()).as("closed, not failed").isEmpty();
        assertThat(p.take()).as("buffered items stay for other takers").isEqualTo(3);
        assertThat(p.take()).isEqualTo(4);
        assertThatThrownBy(p::take).isInstanceOf(PipeClosedException.class);
    }

    /** Sound: a failed pipe is drained, then consumeEach throws the failure naming it; its close does not mask the failure. */
    @Test
    void consumeEachOfAFailedPipeDrainsThenThrowsItsFailure() throws Exception {
        Pipe<Integer> p = Pipe.buffered(4);
        p.put(1);
        p.put(2);
        IllegalStateException cause = new IllegalStateException("upstream");
        p.fail(cause);
        List<Integer> got = new ArrayList<>();
        FailedException e = catchThrowableOfType(FailedException.class, () -> p.consumeEach(got::add));
        assertThat(got).containsExactly(1, 2);
        assertThat(e.getCause()).isSameAs(cause);
        assertThat(e.pipe()).containsSame(p);
        assertThat(p.failure()).containsSame(cause);
        assertThat(p.isFailed()).isTrue();
    }

    /** Sound (bounded stress): items put while consumeEach takes, then fail/close from another thread: none lost, the end seen once. */
    @Test
    void consumeEachRacingAnEndFromAnotherThreadLosesNoItemAndNoFailure() throws Exception {
        for (int round = 0; round < 300; round++) {
            boolean fail = round % 2 == 0;
            Pipe<Integer> p = round % 3 == 0 ? Pipe.rendezvous() : Pipe.buffered(round % 5 + 1);
            int n = 50;
            IllegalStateException cause = new IllegalStateException("end " + round);
            Thread producer = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < n; i++) p.put(i);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                if (fail) p.fail(cause); else p.close();
            });
            List<Integer> got = new ArrayList<>();
            MicroThread<Throwable> consumer = MicroThread.parallel(() -> {
                try {
                    p.consumeEach(got::add);
                    return null;
                } catch (FailedException e) {
                    return e;
                }
            });
            Throwable end = consumer.join();
            producer.join();
            assertThat(got).hasSize(n);
            for (int i = 0; i < n; i++) assertThat(got.get(i)).isEqualTo(i);
            if (fail) {
                assertThat(end).isInstanceOf(FailedException.class).cause().isSameAs(cause);
            } else {
                assertThat(end).isNull();
            }
        }
    }

    /** Sound: cancelling a stage waiting in consumeEach closes its input, so a putter waiting on it is released. */
    @Test
    void cancellingAConsumerWaitingInConsumeEachClosesItsInput() throws Exception {
        try (Loop loop = Loop.singleCarrier("cancel-consumer")) {
            loop.run(() -> {
                Pipe<Integer> in = Pipe.rendezvous();
                Deferred<Void> tookOne = new Deferred<>();
                MicroThread<Void> stage = MicroThread.parallel("stage", () -> {
                    in.consumeEach(x -> {
                        tookOne.complete(null);
                        MicroThread.sleep(Duration.ofDays(1)); // cancelled here, mid-action
                    });
                    return null;
                });
                in.put(1);
                tookOne.await();
                MicroThread<Boolean> putter = MicroThread.parallel("putter", () -> in.putOrClosed(2));
                MicroThread.yieldNow(); // the putter waits
                stage.cancel();
                assertThatThrownBy(stage::join).isInstanceOf(CancellationException.class);
                assertThat(putter.join()).as("the waiting putter sees the close").isFalse();
                assertThat(in.failure()).isEmpty();
                return null;
            });
        }
    }

    // =====================================================================================
    // Zero durations
    // =====================================================================================

    /**
     * Sound (bounded stress): select with onTimeout(0) against a putter on another thread that
     * uses tryPut(item, 0) and put: every item a putter delivered is received by exactly one select,
     * and a select that ran its timeout action left no node behind (a later tryPut finds no taker).
     */
    @Test
    void selectWithATimeoutOfZeroNeverLosesAnItem() throws Exception {
        for (int round = 0; round < 20; round++) {
            Pipe<Integer> p = Pipe.rendezvous();
            int n = 300;
            AtomicInteger delivered = new AtomicInteger();
            Thread putter = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        if (i % 2 == 0) {
                            if (p.tryPut(i, Duration.ZERO)) delivered.incrementAndGet();
                        } else if (p.tryPut(i, Duration.ofMillis(1))) {
                            delivered.incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                p.close();
            });
            AtomicInteger received = new AtomicInteger();
            AtomicInteger timeouts = new AtomicInteger();
            MicroThread<Void> taker = MicroThread.parallel(() -> {
                while (true) {
                    Boolean more = Select.select(p.onTakeOrClosed(x -> {
                                if (x == null) return false;
                                received.incrementAndGet();
                                return true;
                            }),
                            Select.onTimeout(Duration.ZERO, () -> {
                                timeouts.incrementAndGet();
                                return true;
                            }));
                    if (!more) return null;
                    MicroThread.yieldNow();
                }
            });
            taker.join();
            putter.join();
            assertThat(received.get()).isEqualTo(delivered.get());
        }
        // after a select whose onTimeout(0) ran: nothing registered on the pipe
        Pipe<Integer> q = Pipe.rendezvous();
        assertThat(Select.<String>select(q.onTake(x -> "took"), Select.onTimeout(Duration.ofNanos(-5), () -> "timeout")))
                .isEqualTo("timeout");
        assertThat(q.tryPut(1)).as("no taker left behind").isFalse();
    }

    /** Sound: zero and negative durations from a cancelled micro-thread never park; the settled outcome wins. */
    @Test
    void zeroAndNegativeDurationsNeverWaitEvenWhenNothingWillEverHappen() throws Exception {
        try (Loop loop = Loop.singleCarrier("zero")) {
            loop.run(() -> {
                Deferred<String> never = new Deferred<>();
                MicroThread<String> pending = MicroThread.parallel(never::await);
                Pipe<Integer> p = Pipe.rendezvous();
                for (Duration d : List.of(Duration.ZERO, Duration.ofNanos(-1), Duration.ofDays(-3650))) {
                    assertThatThrownBy(() -> pending.join(d)).isInstanceOf(java.util.concurrent.TimeoutException.class);
                    assertThatThrownBy(() -> never.await(d)).isInstanceOf(java.util.concurrent.TimeoutException.class);
                    assertThat(p.tryTake(d)).isNull();
                    assertThat(p.tryPut(1, d)).isFalse();
                    MicroThread.sleep(d);
                }
                pending.cancel();
                return null;
            });
        }
    }

    // =====================================================================================
    // One FailedException wrapper
    // =====================================================================================

    /**
     * FAILS-ON-MAIN (low severity). FailedException.of unwraps a hop only if its cause is
     * non-null; the suppressed copy it makes of each hop has no cause, so a body that rethrows that
     * copy (e.g. to keep the inner hop's stack) yields a FailedException whose cause is a
     * FailedException, against the class's stated invariant.
     */
    @Test
    void aFailedExceptionsCauseIsNeverAFailedException() throws Exception {
        try (Loop loop = Loop.singleCarrier("wrap")) {
            loop.run(() -> {
                MicroThread<Integer> a = MicroThread.parallel("a", () -> Integer.parseInt("x"));
                MicroThread<Integer> b = MicroThread.parallel("b", a::join);
                FailedException viaB = catchThrowableOfType(FailedException.class, b::join);
                AtomicReference<Throwable> hop = new AtomicReference<>(viaB.getSuppressed()[0]);
                MicroThread<Integer> c = MicroThread.parallel("c", () -> {
                    throw (RuntimeException) hop.get(); // rethrows the inner hop it was handed
                });
                FailedException viaC = catchThrowableOfType(FailedException.class, c::join);
                assertThat(viaC.getCause() instanceof FailedException).as("never a FailedException (ADR 0025)").isFalse();
                assertThat(viaC.getSuppressed()).isNotEmpty(); // the rethrown hop's stack is kept
                return null;
            });
        }
    }
}
