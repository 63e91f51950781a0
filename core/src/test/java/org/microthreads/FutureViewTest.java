package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link MicroThread#toCompletableFuture()}: a micro-thread as a future (ADR 0026). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FutureViewTest {

    @Test
    void theViewCompletesWithTheValueAndIsOnePerMicroThread() throws Exception {
        Deferred<Integer> gate = new Deferred<>();
        MicroThread<Integer> m = MicroThread.parallel("answer", gate::await);
        CompletableFuture<Integer> view = m.toCompletableFuture();
        assertThat(m.toCompletableFuture()).as("one view while it runs").isSameAs(view);
        CompletableFuture<Integer> plusOne = view.thenApply(v -> v + 1);
        assertThat(view.isDone()).isFalse();
        assertThat(view.toString()).startsWith("future view of micro-thread 'answer'[Not completed");
        gate.complete(41);
        assertThat(view.get()).isEqualTo(41);
        assertThat(plusOne.get()).isEqualTo(42);
        assertThat(plusOne.getClass()).as("dependents are plain futures").isEqualTo(CompletableFuture.class);
        assertThat(view.toString()).isEqualTo("future view of micro-thread 'answer'[Completed normally]");
        CompletableFuture<Integer> later = m.toCompletableFuture();
        assertThat(later.isDone()).as("asked after the end: complete, with the same outcome").isTrue();
        assertThat(later.get()).isEqualTo(41);
    }

    @Test
    void theViewOfAnEndedMicroThreadIsCompleteAtOnce() throws Exception {
        MicroThread<String> ok = MicroThread.parallel(() -> "done");
        ok.join();
        assertThat(ok.toCompletableFuture().getNow("absent")).isEqualTo("done");
        MicroThread<String> bad = MicroThread.parallel(() -> {
            throw new IllegalStateException("early");
        });
        assertThatThrownBy(bad::join).isInstanceOf(FailedException.class);
        assertThat(bad.toCompletableFuture().isCompletedExceptionally()).isTrue();
        assertThat(bad.toCompletableFuture().exceptionNow()).isSameAs(bad.failure());
    }

    @Test
    void aFailureCompletesTheViewWithWhatTheBodyThrew() throws Exception {
        try (Loop loop = Loop.singleCarrier("failure")) {
            loop.run(() -> {
                IllegalStateException boom = new IllegalStateException("boom");
                MicroThread<String> m = MicroThread.parallel("fails", () -> {
                    throw boom;
                });
                CompletableFuture<String> view = m.toCompletableFuture();
                assertThatThrownBy(view::get).isInstanceOf(ExecutionException.class).cause().isSameAs(boom);
                assertThatThrownBy(view::join).isInstanceOf(CompletionException.class).cause().isSameAs(boom);
                assertThatThrownBy(m::join).isInstanceOf(FailedException.class).cause().isSameAs(boom);
                assertThat(view.isCancelled()).isFalse();
                assertThatThrownBy(() -> MicroThread.await(view)).isInstanceOf(FailedException.class).cause().isSameAs(boom);
                return null;
            });
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    void aFailureHandedToACallerByGetCountsAsObserved() throws Exception {
        try (Loop loop = Loop.singleCarrier("observed")) {
            loop.run(() -> {
                MicroThread<String> m = MicroThread.parallel("fails", () -> {
                    throw new IllegalStateException("seen through get");
                });
                try {
                    m.toCompletableFuture().get(); // no join: the view's get observed it
                } catch (ExecutionException expected) {
                    // handled here
                }
                return null;
            });
            assertThat(loop.failureCount()).as("observed through the view: not reported again").isZero();
        }
    }

    @Test
    void aFailureThatOnlyPassedIntoADependentStageIsStillReported() throws Exception {
        try (Loop loop = Loop.singleCarrier("dependent")) {
            List<Throwable> handled = new CopyOnWriteArrayList<>();
            List<Throwable> reported = new CopyOnWriteArrayList<>();
            loop.failureHandler((m, f) -> reported.add(f));
            loop.run(() -> {
                MicroThread<String> m = MicroThread.parallel("fails", () -> {
                    throw new IllegalStateException("into a callback");
                });
                m.toCompletableFuture().exceptionally(e -> {
                    handled.add(e);
                    return "fallback";
                });
                m.toCompletableFuture().thenApply(String::length); // dropped unread: must not hide it
                return null;
            });
            assertThat(handled).singleElement().extracting(Throwable::getMessage).isEqualTo("into a callback");
            assertThat(reported).as("never silently lost: the failure handler has it too").containsExactlyElementsOf(handled);
        }
    }

    @Test
    void cancellingTheViewCancelsTheMicroThreadAndWhatItStarted() throws Exception {
        try (Loop loop = Loop.singleCarrier("cancel-view")) {
            loop.run(() -> {
                Deferred<String> never = new Deferred<>();
                AtomicReference<MicroThread<String>> child = new AtomicReference<>();
                MicroThread<String> m = MicroThread.parallel("waiter", () -> {
                    child.set(MicroThread.parallel("child", never::await));
                    return never.await();
                });
                CompletableFuture<String> view = m.toCompletableFuture();
                MicroThread.yieldNow(); // it waits now, and so does its child
                assertThat(view.cancel(false)).as("mayInterruptIfRunning does not matter").isTrue();
                assertThat(view.isCancelled()).isTrue();
                assertThatThrownBy(view::get).isInstanceOf(CancellationException.class);
                assertThatThrownBy(m::join).isInstanceOf(CancellationException.class).hasMessageContaining("'waiter'");
                assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
                assertThatThrownBy(() -> child.get().join()).isInstanceOf(CancellationException.class);
                assertThat(view.cancel(true)).as("still cancelled").isTrue();
                return null;
            });
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    void cancellingTheMicroThreadCompletesTheViewAsCancelled() throws Exception {
        try (Loop loop = Loop.singleCarrier("cancel-mt")) {
            loop.run(() -> {
                MicroThread<String> m = MicroThread.parallel("sleeper", () -> {
                    MicroThread.sleep(Duration.ofDays(1));
                    return "woke";
                });
                CompletableFuture<String> view = m.toCompletableFuture();
                CompletableFuture<String> dependent = view.thenApply(s -> s + "!");
                MicroThread.yieldNow();
                m.cancel();
                assertThatThrownBy(view::get).isInstanceOf(CancellationException.class);
                assertThat(view.handle((v, e) -> e).join()).as("what the view holds").isInstanceOf(CancellationException.class)
                        .hasMessage("micro-thread 'sleeper' was cancelled").cause().isInstanceOf(InterruptedException.class);
                assertThat(view.isCancelled()).isTrue();
                assertThat(dependent.isCompletedExceptionally()).isTrue();
                assertThatThrownBy(dependent::join).isInstanceOf(CompletionException.class) // as for any CompletableFuture's dependent
                        .cause().isInstanceOf(CancellationException.class);
                return null;
            });
        }
    }

    @Test
    void aValueFromOutsideIsRefusedAndChangesNothing() throws Exception {
        Deferred<String> gate = new Deferred<>();
        MicroThread<String> m = MicroThread.parallel("real", gate::await);
        CompletableFuture<String> view = m.toCompletableFuture();
        assertThatThrownBy(() -> view.complete("fake")).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageStartingWith("complete(value) on the future view of micro-thread 'real'");
        assertThatThrownBy(() -> view.completeAsync(() -> "fake")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> view.completeAsync(() -> "fake", Runnable::run)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> view.completeOnTimeout("fake", 1, TimeUnit.MILLISECONDS))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> view.obtrudeValue("fake")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> view.obtrudeException(new RuntimeException())).isInstanceOf(UnsupportedOperationException.class);
        assertThat(view.isDone()).isFalse();
        assertThat(m.isCancelled()).isFalse();
        CompletableFuture<String> copy = view.copy();
        assertThat(copy.complete("mine")).as("a dependent is an ordinary future").isTrue();
        gate.complete("genuine");
        assertThat(view.get()).isEqualTo("genuine");
        assertThatThrownBy(() -> view.obtrudeValue("fake")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(view.get()).isEqualTo("genuine");
    }

    @Test
    void anExceptionalCompletionFromOutsideCancelsTheMicroThread() throws Exception {
        Deferred<String> never = new Deferred<>();
        MicroThread<String> m = MicroThread.parallel("stopped", never::await);
        CompletableFuture<String> view = m.toCompletableFuture();
        IllegalStateException why = new IllegalStateException("shutting down");
        assertThat(view.completeExceptionally(why)).isTrue();
        assertThatThrownBy(view::get).cause().isSameAs(why);
        assertThatThrownBy(m::join).isInstanceOf(CancellationException.class);
        assertThat(view.completeExceptionally(new RuntimeException("late"))).isFalse();
        assertThatThrownBy(() -> view.completeExceptionally(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void orTimeoutOnTheViewTimesItOutAndCancelsTheMicroThread() throws Exception {
        Deferred<String> never = new Deferred<>();
        MicroThread<String> m = MicroThread.parallel("slow", never::await);
        CompletableFuture<String> view = m.toCompletableFuture();
        assertThat(view.orTimeout(20, TimeUnit.MILLISECONDS)).isSameAs(view);
        assertThatThrownBy(view::get).isInstanceOf(ExecutionException.class).cause().isInstanceOf(TimeoutException.class);
        assertThatThrownBy(m::join).isInstanceOf(CancellationException.class);
        assertThat(m.toCompletableFuture().isCancelled()).as("a view asked now shows the micro-thread's own outcome").isTrue();
        MicroThread<String> fast = MicroThread.parallel(() -> "fast");
        assertThat(fast.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).get()).isEqualTo("fast");
    }

    @Test
    void allOfWaitsForSeveralMicroThreads() throws Exception {
        try (Loop loop = Loop.singleCarrier("all-of")) {
            int sum = loop.run(() -> {
                List<MicroThread<Integer>> parts = new ArrayList<>();
                for (int i = 1; i <= 3; i++) {
                    int n = i;
                    parts.add(MicroThread.parallel("part-" + n, () -> {
                        MicroThread.yieldNow();
                        return n * 10;
                    }));
                }
                CompletableFuture<Integer> total = CompletableFuture
                        .allOf(parts.stream().map(MicroThread::toCompletableFuture).toArray(CompletableFuture[]::new))
                        .thenApply(ignored -> parts.stream().mapToInt(p -> p.toCompletableFuture().join()).sum());
                return MicroThread.await(total);
            });
            assertThat(sum).isEqualTo(60);
        }
    }

    /** Races: the view's cancel against the micro-thread's end, and the first calls against each other. */
    @Test
    void cancellingTheViewWhileTheMicroThreadEndsDecidesOnce() throws Exception {
        Loop loop = Loop.shared();
        long failuresBefore = loop.failureCount();
        int rounds = 1_000;
        int valueWon = 0, cancelWon = 0;
        for (int i = 0; i < rounds; i++) {
            CountDownLatch go = new CountDownLatch(1);
            MicroThread<Integer> m = loop.parallel(() -> {
                go.await();
                return 7;
            });
            List<CompletableFuture<Integer>> views = new CopyOnWriteArrayList<>();
            Thread asker = Thread.ofVirtual().start(() -> views.add(m.toCompletableFuture()));
            CompletableFuture<Integer> view = m.toCompletableFuture();
            asker.join();
            assertThat(views).as("two first calls racing while it runs: one view").singleElement().isSameAs(view);
            go.countDown();
            boolean cancelled = view.cancel(true);
            if (cancelled) {
                cancelWon++;
                assertThat(view.isCancelled()).isTrue();
                // the micro-thread either saw the cancel (CANCELLED) or had already returned its value
                try {
                    assertThat(m.join()).isEqualTo(7);
                } catch (CancellationException expected) {
                    assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
                }
            } else {
                valueWon++;
                assertThat(view.get()).isEqualTo(7);
                assertThat(m.join()).isEqualTo(7);
            }
        }
        assertThat(valueWon + cancelWon).isEqualTo(rounds);
        assertThat(loop.failureCount()).as("no failure out of a race").isEqualTo(failuresBefore);
    }
}
