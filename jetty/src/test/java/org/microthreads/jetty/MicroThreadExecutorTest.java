package org.microthreads.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.microthreads.Deferred;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

class MicroThreadExecutorTest {

    /** Where a task ran: whether in a micro-thread, its name, its loop. */
    record Ran(boolean inMicroThread, String name, Loop loop) {
        static Ran here() {
            MicroThread<?> m = MicroThread.inMicroThread() ? MicroThread.current() : null;
            return new Ran(m != null, m == null ? null : m.name(), m == null ? null : m.loop());
        }
    }

    @Test
    void eachTaskIsAMicroThreadOfTheLoopsInTurn() throws Exception {
        try (MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("group", 3)) {
            assertThat(executor.loops()).extracting(Loop::name).containsExactly("group-0", "group-1", "group-2");
            assertThat(executor.loops()).allMatch(Loop::isSingleCarrier);
            List<CompletableFuture<Ran>> ran = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 6; i++) {
                CompletableFuture<Ran> f = new CompletableFuture<>();
                ran.add(f);
                executor.execute(() -> f.complete(Ran.here()));
            }
            for (int i = 0; i < 6; i++) {
                Ran r = ran.get(i).get(10, TimeUnit.SECONDS);
                assertThat(r.inMicroThread()).isTrue();
                assertThat(r.name()).isEqualTo("group");
                assertThat(r.loop()).isSameAs(executor.loops().get(i % 3));
            }
        }
    }

    @Test
    void perCoreMakesOneLoopPerCore() {
        try (MicroThreadExecutor executor = MicroThreadExecutor.perCore("cores")) {
            assertThat(executor.loops()).hasSize(Runtime.getRuntime().availableProcessors());
            assertThat(executor.name()).isEqualTo("cores");
        }
    }

    @Test
    void onSharedRunsOnTheSharedLoopAndClosingItClosesNoLoop() throws Exception {
        MicroThreadExecutor executor = MicroThreadExecutor.onShared();
        assertThat(executor.loops()).containsExactly(Loop.shared());
        CompletableFuture<Ran> f = new CompletableFuture<>();
        executor.execute(() -> f.complete(Ran.here()));
        Ran r = f.get(10, TimeUnit.SECONDS);
        assertThat(r.inMicroThread()).isTrue();
        assertThat(r.loop()).isSameAs(Loop.shared());
        executor.close();
        assertThat(executor.isClosed()).isTrue();
        assertThat(Loop.shared().isClosed()).isFalse();
        assertThatThrownBy(() -> executor.execute(() -> {}))
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("'shared' is closed");
    }

    @Test
    void badInputIsRejectedClearly() {
        assertThatThrownBy(() -> MicroThreadExecutor.singleCarrierLoops("x", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 loop, got n = 0");
        assertThatThrownBy(() -> MicroThreadExecutor.singleCarrierLoops("x", -2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got n = -2");
        assertThatThrownBy(() -> MicroThreadExecutor.singleCarrierLoops(null, 1))
                .isInstanceOf(NullPointerException.class).hasMessage("name");
        assertThatThrownBy(() -> MicroThreadExecutor.perCore(null))
                .isInstanceOf(NullPointerException.class).hasMessage("name");
        try (MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("x", 1)) {
            assertThatThrownBy(() -> executor.execute(null))
                    .isInstanceOf(NullPointerException.class).hasMessage("task");
        }
    }

    @Test
    void aTaskThatThrowsReachesItsLoopsFailureHandlerOnce() throws Exception {
        try (MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("failing", 1)) {
            Loop loop = executor.loops().getFirst();
            List<String> handled = new CopyOnWriteArrayList<>();
            CountDownLatch reported = new CountDownLatch(1);
            loop.failureHandler((m, failure) -> {
                handled.add(m.name() + ": " + failure.getMessage());
                reported.countDown();
            });
            IllegalStateException boom = new IllegalStateException("boom");
            executor.execute(() -> {
                throw boom;
            });
            assertThat(reported.await(10, TimeUnit.SECONDS)).isTrue();
            // a later task on the same loop has run after the failure was handled: nothing else came
            CompletableFuture<Void> after = new CompletableFuture<>();
            executor.execute(() -> after.complete(null));
            after.get(10, TimeUnit.SECONDS);
            assertThat(handled).containsExactly("failing: boom");
            assertThat(loop.failureCount()).isEqualTo(1);
        }
    }

    @Test
    void aTaskThatThrowsIsLoggedByDefault() throws Exception {
        try (LogCapture log = new LogCapture("org.microthreads");
             MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("logged", 1)) {
            Loop loop = executor.loops().getFirst();
            executor.execute(() -> {
                throw new IllegalStateException("disk full");
            });
            CompletableFuture<Void> after = new CompletableFuture<>();
            executor.execute(() -> after.complete(null));
            after.get(10, TimeUnit.SECONDS); // one carrier, FIFO: the failing one has ended, its failure handled
            assertThat(loop.failureCount()).isEqualTo(1);
            assertThat(log.records).filteredOn(r -> r.getThrown() != null && "disk full".equals(r.getThrown().getMessage()))
                    .singleElement()
                    .satisfies(r -> assertThat(r.getMessage()).contains("'logged'", "nobody was waiting for it"));
        }
    }

    @Test
    void closeCancelsRunningTasksThenRejectsNewOnes() throws Exception {
        MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("closing", 2);
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch parked = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            executor.execute(() -> {
                try {
                    parked.countDown();
                    new Deferred<Void>().await(); // never completed: only a cancellation ends it
                } catch (InterruptedException e) {
                    seen.add(MicroThread.current().loop().name() + " cancelled: " + MicroThread.current().isCancelled());
                }
            });
        }
        assertThat(parked.await(10, TimeUnit.SECONDS)).isTrue();
        try (LogCapture ignored = new LogCapture("org.microthreads")) { // close() logs what it cancelled
            executor.close();
        }
        assertThat(seen).containsExactlyInAnyOrder("closing-0 cancelled: true", "closing-1 cancelled: true");
        assertThat(executor.isClosed()).isTrue();
        assertThat(executor.loops()).allMatch(Loop::isClosed);
        assertThatThrownBy(() -> executor.execute(() -> {}))
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("'closing' is closed");
        executor.close(); // idempotent
    }

    @Test
    void closeFromOneOfItsOwnTasksIsRefused() throws Exception {
        try (MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("self", 1)) {
            CompletableFuture<Throwable> thrown = new CompletableFuture<>();
            executor.execute(() -> {
                try {
                    executor.close();
                    thrown.complete(null);
                } catch (Throwable t) {
                    thrown.complete(t);
                }
            });
            assertThat(thrown.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("it would wait for itself");
            assertThat(executor.isClosed()).isFalse();
        }
    }

    @Test
    void aBlockingTaskParksOnlyItsMicroThread() throws Exception {
        try (MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("one", 1)) {
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> blockerDone = new CompletableFuture<>();
            executor.execute(() -> {
                try {
                    release.await(); // a JDK blocking call: parks this micro-thread, not the carrier
                    blockerDone.complete(null);
                } catch (InterruptedException e) {
                    blockerDone.completeExceptionally(e);
                }
            });
            CompletableFuture<Void> other = new CompletableFuture<>();
            executor.execute(() -> other.complete(null));
            other.get(10, TimeUnit.SECONDS); // ran although the first still waits, on the same carrier
            assertThat(blockerDone).isNotDone();
            release.countDown();
            blockerDone.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void toStringSaysWhatItRunsOn() {
        try (MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("s", 2)) {
            assertThat(executor).hasToString("MicroThreadExecutor 's' on 2 single-carrier loops");
        }
        assertThat(MicroThreadExecutor.onShared()).hasToString("MicroThreadExecutor 'shared' on the shared loop");
    }

    @Test
    void aTimedWaitInATaskWorks() throws Exception {
        try (MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("timed", 1)) {
            CompletableFuture<Long> slept = new CompletableFuture<>();
            executor.execute(() -> {
                long t0 = System.nanoTime();
                try {
                    MicroThread.sleep(Duration.ofMillis(20)); // a library wait: the task is a micro-thread
                    slept.complete(System.nanoTime() - t0);
                } catch (InterruptedException e) {
                    slept.completeExceptionally(e);
                }
            });
            assertThat(slept.get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
        }
    }
}
