package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The hidden Deferred: Deferred and awaiting futures. */
class DeferredTest {

    @Test
    void aCallbackFromAnotherThreadCompletesWhatAMicroThreadAwaits() throws Exception {
        try (Loop loop = Loop.singleCarrier("deferred"); var pool = Executors.newSingleThreadExecutor()) {
            String v = loop.run(() -> {
                Deferred<String> reply = new Deferred<>();
                pool.execute(() -> reply.complete("from a callback"));
                return reply.await();
            });
            assertThat(v).isEqualTo("from a callback");
        }
    }

    @Test
    void completesOnceAndFailuresArriveWrapped() throws Exception {
        Deferred<String> d = new Deferred<>();
        assertThat(d.fail(new IllegalStateException("nope"))).isTrue();
        assertThat(d.complete("late")).isFalse();
        assertThat(d.isDone()).isTrue();
        assertThatThrownBy(d::await).isInstanceOf(FailedException.class).cause().hasMessage("nope");
        assertThatThrownBy(() -> d.fail(null)).isInstanceOf(NullPointerException.class);
        Deferred<String> viaCallback = new Deferred<>();
        viaCallback.asCallback().accept("ok", null);
        assertThat(viaCallback.await()).isEqualTo("ok");
        Deferred<String> nullable = new Deferred<>();
        nullable.complete(null);
        assertThat(nullable.await()).isNull();
    }

    @Test
    void awaitWithTimeout() throws Exception {
        Deferred<String> d = new Deferred<>();
        assertThatThrownBy(() -> d.await(Duration.ofMillis(10))).isInstanceOf(TimeoutException.class);
        assertThatThrownBy(() -> d.await(Duration.ZERO)).isInstanceOf(TimeoutException.class) // does not wait (ADR 0023)
                .hasMessageContaining("at once");
        assertThatThrownBy(() -> d.await(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        d.complete("x");
        assertThat(d.await(Duration.ofMillis(10))).isEqualTo("x");
    }

    @Test
    void awaitingCompletionStagesAndFutures() throws Exception {
        try (var pool = Executors.newSingleThreadExecutor()) {
            assertThat(MicroThread.parallel(() -> MicroThread.await(CompletableFuture.supplyAsync(() -> 5, pool))).join())
                    .isEqualTo(5);
            assertThat(MicroThread.parallel(() -> MicroThread.await(pool.submit(() -> 6))).join()).isEqualTo(6);
            CompletableFuture<Integer> failed = CompletableFuture.failedFuture(new IllegalStateException("f"));
            assertThatThrownBy(() -> MicroThread.await(failed)).isInstanceOf(FailedException.class).cause().hasMessage("f");
            assertThatThrownBy(() -> MicroThread.await(pool.submit(() -> {
                throw new IllegalStateException("g");
            }))).isInstanceOf(FailedException.class).cause().hasMessage("g");
            CompletableFuture<Integer> cancelled = new CompletableFuture<>();
            cancelled.cancel(false);
            assertThatThrownBy(() -> MicroThread.await(cancelled)).isInstanceOf(CancellationException.class);
            // a stage that completes via thenApply chains
            assertThat((int) MicroThread.await(CompletableFuture.completedFuture(2).thenApply(x -> x * 21))).isEqualTo(42);
        }
    }

    @Test
    void awaitingACancelledFutureStageOrFailedDeferredSaysWhatWasAwaited() throws Exception {
        FutureTask<String> task = new FutureTask<>(() -> "never run");
        task.cancel(false);
        Throwable inMicroThread = MicroThread.parallel(() -> {
            try {
                MicroThread.await(task);
                return null;
            } catch (CancellationException e) {
                return e;
            }
        }).join();
        assertThat(inMicroThread).isInstanceOf(CancellationException.class)
                .hasMessageContaining("the awaited future").hasMessageContaining("FutureTask@").hasMessageContaining("cancelled")
                .cause().as("the future's own exception").isInstanceOf(CancellationException.class);
        assertThatThrownBy(() -> MicroThread.await(task)).as("from a plain thread").isInstanceOf(CancellationException.class)
                .hasMessageContaining("FutureTask@").hasMessageContaining("cancelled");

        CompletableFuture<String> cancelled = new CompletableFuture<>();
        cancelled.cancel(false);
        assertThatThrownBy(() -> MicroThread.await(cancelled)).isInstanceOf(CancellationException.class)
                .hasMessageContaining("the awaited stage").hasMessageContaining("CompletableFuture@").hasMessageContaining("cancelled");

        Deferred<String> d = new Deferred<>();
        d.fail(new CancellationException("gave up"));
        assertThatThrownBy(d::await).isInstanceOf(FailedException.class)
                .hasMessageContaining(d.toString()).hasMessageContaining("gave up")
                .cause().isInstanceOf(CancellationException.class).hasMessage("gave up");
    }
}
