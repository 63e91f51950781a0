package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Regressions: every failure reported exactly once, never twice, never lost; no false deadlocks. */
class FailureReportingTest {

    @Test
    @Timeout(30)
    void aJoinedFailureOutsideAnyRunIsNotAlsoReportedToTheHandler() throws Exception {
        try (Loop loop = Loop.singleCarrier("joined-outside-run")) {
            List<String> seen = new CopyOnWriteArrayList<>();
            loop.failureHandler((mt, f) -> seen.add(mt.name()));
            MicroThread<Object> joined = loop.parallel("joined", () -> {
                throw new IOException("x");
            });
            assertThatThrownBy(joined::join).isInstanceOf(FailedException.class);
            MicroThread<Object> sentinel = loop.parallel("sentinel", () -> {
                throw new IOException("y");
            });
            while (!sentinel.isDone()) Thread.onSpinWait();
            joined = null;
            sentinel = null;
            while (seen.isEmpty()) { // both handles became unreachable together; wait for the cleaner
                System.gc();
                Thread.onSpinWait();
            }
            System.gc();
            assertThat(seen).containsExactly("sentinel");
        }
    }

    @Test
    @Timeout(30)
    void anUnjoinedFailureOutsideAnyRunIsReportedWhenItsHandleIsDropped() throws Exception {
        try (Loop loop = Loop.singleCarrier("dropped")) {
            List<String> seen = new CopyOnWriteArrayList<>();
            loop.failureHandler((mt, f) -> seen.add(mt.name() + " " + mt.state() + " " + f.getMessage()));
            MicroThread<Object> m = loop.parallel("dropped-handle", () -> {
                throw new IOException("nobody joined me");
            });
            while (!m.isDone()) Thread.onSpinWait();
            m = null;
            while (seen.isEmpty()) {
                System.gc();
                Thread.onSpinWait();
            }
            assertThat(seen).containsExactly("dropped-handle FAILED nobody joined me");
        }
    }

    @Test
    @Timeout(30)
    void aHandlerThatRethrowsTheFailureItWasGivenDoesNotHangRun() throws Exception {
        try (Loop loop = Loop.singleCarrier("rethrowing-handler")) {
            loop.failureHandler((m, f) -> {
                throw (RuntimeException) f;
            });
            loop.run(() -> {
                MicroThread.startAndForget(() -> {
                    throw new IllegalStateException("rethrown by the handler");
                });
                return null;
            });
            assertThat(loop.failureCount()).isEqualTo(1);
        }
    }

    @Test
    void anUnrelatedBugAfterACancelIsAFailureNotACancellation() throws Exception {
        try (Loop loop = Loop.singleCarrier("bug-after-cancel")) {
            List<String> seen = new CopyOnWriteArrayList<>();
            loop.failureHandler((m, f) -> seen.add(f.getMessage()));
            loop.run(() -> {
                MicroThread<Void> m = MicroThread.startAndForget(() -> {
                    try {
                        new Deferred<Void>().await();
                    } finally {
                        throw new IllegalStateException("bug in cleanup");
                    }
                });
                MicroThread.yieldNow();
                m.cancel();
                assertThatThrownBy(m::join).isInstanceOf(FailedException.class);
                assertThat(m.state()).isEqualTo(MicroThread.State.FAILED);
                return null;
            });
            assertThat(seen).containsExactly("bug in cleanup");
        }
    }

    @Test
    void aJoinUnderATimeoutIsNeverADeadlock() throws Exception {
        try (Loop loop = Loop.singleCarrier("timed-join")) {
            String v = loop.run(() -> {
                MicroThread<?> main = MicroThread.current();
                MicroThread<Object> other = MicroThread.parallel("other", main::join);
                try {
                    return MicroThread.withTimeout(Duration.ofMillis(50), other::join).toString();
                } catch (TimeoutException e) {
                    other.cancel();
                    return "timed out";
                }
            });
            assertThat(v).isEqualTo("timed out");
        }
    }

    @Test
    void parallelAllThrowsTheFirstFailureInTimeWithOthersSuppressed() throws Exception {
        try (Loop loop = Loop.singleCarrier("first-in-time")) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            loop.run(() -> {
                Deferred<Void> secondMayFail = new Deferred<>();
                try {
                    MicroThread.parallelAll(List.of(
                            () -> {
                                secondMayFail.await();
                                throw new IOException("later, listed first");
                            },
                            () -> {
                                try {
                                    throw new IOException("first in time");
                                } finally {
                                    secondMayFail.complete(null);
                                }
                            }));
                } catch (FailedException e) {
                    thrown.set(e);
                }
                return null;
            });
            assertThat(thrown.get()).isInstanceOf(FailedException.class).cause().hasMessage("first in time");
            assertThat(thrown.get().getSuppressed()).singleElement().satisfies(
                    s -> assertThat(s).hasMessage("later, listed first"));
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    @Timeout(30)
    void aLongLivedChildDoesNotKeepItsStartersUnobservedFailureSilent() throws Exception {
        try (Loop loop = Loop.singleCarrier("long-lived-child")) {
            List<String> seen = new CopyOnWriteArrayList<>();
            loop.failureHandler((mt, f) -> seen.add(mt.name() + ": " + f.getMessage()));
            Deferred<Void> childRunning = new Deferred<>();
            Deferred<Void> release = new Deferred<>();
            MicroThread<Object> starter = loop.parallel("starter", () -> {
                MicroThread.startAndForget("heartbeat", () -> {
                    childRunning.complete(null);
                    release.await(); // lives on after its starter failed
                });
                childRunning.await();
                throw new IOException("starter failed");
            });
            while (!starter.isDone()) Thread.onSpinWait();
            starter = null;
            while (seen.isEmpty()) {
                System.gc();
                Thread.onSpinWait();
            }
            assertThat(seen).containsExactly("starter: starter failed");
            release.complete(null);
        }
    }
}
