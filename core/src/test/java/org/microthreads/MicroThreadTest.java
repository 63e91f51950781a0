package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** start-and-forget, parallel, parallelAll, join, names and state, on both loop kinds. */
class MicroThreadTest {

    @Test
    void parallelReturnsItsValueThroughJoin() throws Exception {
        MicroThread<Integer> m = MicroThread.parallel(() -> 6 * 7);
        assertThat(m.join()).isEqualTo(42);
        assertThat(m.state()).isEqualTo(MicroThread.State.SUCCEEDED);
        assertThat(m.loop()).isSameAs(Loop.shared());
    }

    @Test
    void joinRethrowsTheBodyFailureWithBothStacks() throws Exception {
        MicroThread<Object> m = MicroThread.parallel("boom", () -> {
            throw new IOException("disk on fire");
        });
        assertThatThrownBy(m::join)
                .isInstanceOf(FailedException.class)
                .hasMessageContaining("'boom'")
                .hasCauseInstanceOf(IOException.class)
                .satisfies(e -> {
                    // the joiner's stack is the wrapper's; the body's is the cause's
                    assertThat(e.getStackTrace()).anySatisfy(f -> assertThat(f.toString()).contains("MicroThread.join"));
                    assertThat(e.getCause().getStackTrace()).anySatisfy(
                            f -> assertThat(f.getMethodName()).contains("lambda"));
                });
        assertThat(m.state()).isEqualTo(MicroThread.State.FAILED);
    }

    @Test
    void joinWithTimeoutTimesOutAndTheMicroThreadKeepsRunning() throws Exception {
        Deferred<String> gate = new Deferred<>();
        MicroThread<String> m = MicroThread.parallel(gate::await);
        assertThatThrownBy(() -> m.join(Duration.ofMillis(20))).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("did not end within");
        assertThat(m.isDone()).isFalse();
        gate.complete("late");
        assertThat(m.join(Duration.ofSeconds(10))).isEqualTo("late");
    }

    @Test
    void joiningItselfIsRejected() throws Exception {
        MicroThread<Object> m = MicroThread.parallel(() -> MicroThread.current().join());
        assertThatThrownBy(m::join).isInstanceOf(FailedException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot join itself");
    }

    @Test
    void badInputGivesClearExceptionsAndStartsNothing() {
        Loop loop = Loop.shared();
        int before = loop.microThreads().size();
        assertThatThrownBy(() -> MicroThread.parallel(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("body");
        assertThatThrownBy(() -> MicroThread.startAndForget((MicroThread.Task) null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("task");
        assertThatThrownBy(() -> MicroThread.parallelAll(null)).isInstanceOf(NullPointerException.class);
        List<MicroThread.Body<Integer>> withNull = new ArrayList<>();
        withNull.add(() -> 1);
        withNull.add(null);
        assertThatThrownBy(() -> MicroThread.parallelAll(withNull)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("bodies[1]");
        // zero and negative durations are no longer bad input: "do not wait" (ADR 0023, ZeroDurationTest)
        assertThatThrownBy(() -> MicroThread.sleep(null)).isInstanceOf(NullPointerException.class).hasMessage("duration");
        assertThatThrownBy(() -> MicroThread.withTimeout(null, () -> 1)).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThatThrownBy(() -> MicroThread.await((java.util.concurrent.Future<?>) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(MicroThread::current).isInstanceOf(IllegalStateException.class).hasMessageContaining("not in a micro-thread");
        assertThat(loop.microThreads().size()).isLessThanOrEqualTo(before);
    }

    @Test
    void parallelAllReturnsValuesInOrder() throws Exception {
        List<Integer> values = MicroThread.parallelAll(List.of(() -> 1, () -> 2, () -> 3));
        assertThat(values).containsExactly(1, 2, 3);
        assertThat(MicroThread.parallelAll(List.<MicroThread.Body<Integer>>of())).isEmpty();
    }

    @Test
    void parallelAllFailsFastCancelsSiblingsAndLeavesNoLiveMicroThread() throws Exception {
        try (Loop loop = Loop.singleCarrier("fail-fast")) {
            List<String> endedSiblings = new CopyOnWriteArrayList<>();
            Deferred<Void> never = new Deferred<>();
            Throwable thrown = loop.run(() -> {
                try {
                    MicroThread.parallelAll(List.of(
                            () -> { try { return never.await(); } finally { endedSiblings.add("a"); } },
                            () -> { throw new IllegalStateException("second fails"); },
                            () -> { try { return never.await(); } finally { endedSiblings.add("c"); } }));
                    return null;
                } catch (FailedException e) {
                    assertThat(MicroThread.current().loop().microThreads()).hasSize(1); // only main is left
                    return e;
                }
            });
            assertThat(thrown).isInstanceOf(FailedException.class).cause().hasMessage("second fails");
            assertThat(endedSiblings).containsExactlyInAnyOrder("a", "c");
            assertThat(loop.failureCount()).isZero(); // reported once, to the caller
        }
    }

    @Test
    void startAndForgetFailureReachesTheHandler() throws Exception {
        try (Loop loop = Loop.singleCarrier("forget")) {
            List<String> seen = new CopyOnWriteArrayList<>();
            loop.failureHandler((m, f) -> seen.add(m.name() + ": " + f.getMessage()));
            loop.run(() -> {
                MicroThread.startAndForget("lost?", () -> {
                    throw new IllegalStateException("not lost");
                });
                return null;
            });
            assertThat(seen).containsExactly("lost?: not lost");
            assertThat(loop.failureCount()).isEqualTo(1);
        }
    }

    @Test
    void unjoinedParallelFailureIsReportedWhenTheRunEnds() throws Exception {
        try (Loop loop = Loop.singleCarrier("unjoined")) {
            List<String> seen = new CopyOnWriteArrayList<>();
            loop.failureHandler((m, f) -> seen.add(m.name()));
            loop.run(() -> {
                MicroThread.parallel("never-joined", () -> {
                    throw new IllegalStateException("x");
                });
                MicroThread<Object> joined = MicroThread.parallel("joined", () -> {
                    throw new IllegalStateException("y");
                });
                assertThatThrownBy(joined::join).isInstanceOf(FailedException.class);
                return null;
            });
            assertThat(seen).containsExactly("never-joined");
        }
    }

    @Test
    void aThrowingFailureHandlerIsLoggedAndCountedNeverPropagated() throws Exception {
        try (Loop loop = Loop.singleCarrier("bad-handler")) {
            loop.failureHandler((m, f) -> {
                throw new RuntimeException("handler broke");
            });
            int v = loop.run(() -> {
                MicroThread.startAndForget(() -> {
                    throw new IllegalStateException("first");
                });
                return 7;
            });
            assertThat(v).isEqualTo(7);
            assertThat(loop.failureCount()).isEqualTo(1);
        }
    }

    @Test
    void mainFailureIsRethrownByRun() throws Exception {
        try (Loop loop = Loop.singleCarrier("main-fails")) {
            assertThatThrownBy(() -> loop.run(() -> {
                throw new IOException("main broke");
            })).isInstanceOf(FailedException.class).hasCauseInstanceOf(IOException.class);
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    void namesStateAndWaitingOn() throws Exception {
        try (Loop loop = Loop.singleCarrier("names")) {
            loop.run(() -> {
                Deferred<Void> gate = new Deferred<>();
                MicroThread<Void> waiter = MicroThread.parallel("waiter", gate::await);
                MicroThread<Object> anon = MicroThread.parallel(() -> null);
                MicroThread.yieldNow(); // both run until they park or end
                assertThat(waiter.name()).isEqualTo("waiter");
                assertThat(anon.name()).startsWith("mt-");
                assertThat(waiter.state()).isEqualTo(MicroThread.State.WAITING);
                assertThat(waiter.waitingOn()).hasValueSatisfying(s -> assertThat(s).contains("awaiting Deferred@"));
                assertThat(MicroThread.current().name()).isEqualTo("main");
                assertThat(MicroThread.current().state()).isEqualTo(MicroThread.State.RUNNING);
                assertThat(MicroThread.current().waitingOn()).isEmpty();
                gate.complete(null);
                waiter.join();
                assertThat(waiter.state()).isEqualTo(MicroThread.State.SUCCEEDED);
                assertThat(waiter.toString()).contains("'waiter'").contains("names");
                return null;
            });
        }
    }

    @Test
    void childrenInheritTheLoopOfTheirStarter() throws Exception {
        try (Loop loop = Loop.singleCarrier("inherit")) {
            List<Loop> loops = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger carriers = new AtomicInteger();
            loop.run(() -> {
                loops.add(Loop.current());
                MicroThread.parallel(() -> loops.add(MicroThread.current().loop())).join();
                MicroThread.startAndForget(() -> loops.add(Loop.current()));
                carriers.incrementAndGet();
                return null;
            });
            assertThat(loops).hasSize(3).allSatisfy(l -> assertThat(l).isSameAs(loop));
            assertThat(Loop.current()).isSameAs(Loop.shared());
            assertThat(MicroThread.inMicroThread()).isFalse();
        }
    }

    @Test
    void cancelledMicroThreadJoinsAsCancellation() throws Exception {
        Deferred<Void> never = new Deferred<>();
        MicroThread<Void> m = MicroThread.parallel(never::await);
        m.cancel();
        assertThatThrownBy(m::join).isInstanceOf(CancellationException.class).hasMessageContaining("cancelled")
                .cause().isInstanceOf(InterruptedException.class);
        assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
        assertThat(m.isCancelled()).isTrue();
        m.cancel(); // idempotent
    }
}
