package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Host loops: micro-threads as continuations mounted on one host thread (here a platform
 * thread draining a queue, as the Swing EDT will be), keeping its identity, through the same
 * Park seam as virtual threads.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostLoopTest {

    /** A platform "host" thread running submitted tasks in order, like an event-dispatch thread. */
    static final class Host implements Executor, AutoCloseable {
        private static final Runnable STOP = () -> {};
        private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final Thread thread;

        Host() {
            thread = Thread.ofPlatform().name("host").daemon().start(this::drain);
        }

        private void drain() {
            while (true) {
                Runnable r;
                try {
                    r = queue.take();
                } catch (InterruptedException e) {
                    errors.add(e); // nobody may interrupt the host thread
                    continue;
                }
                if (r == STOP) return;
                try {
                    r.run();
                } catch (Throwable t) {
                    errors.add(t);
                }
            }
        }

        @Override
        public void execute(Runnable task) {
            queue.add(task);
        }

        @Override
        public void close() throws InterruptedException {
            queue.add(STOP);
            thread.join(5_000);
        }
    }

    private Host host;
    private Loop loop;

    @BeforeEach
    void start() {
        host = new Host();
        loop = Loop.onHost("host-loop", host);
    }

    @AfterEach
    void stop() throws Exception {
        loop.close();
        host.close();
        assertThat(host.errors).isEmpty();
        assertThat(host.thread.isInterrupted()).as("the host thread's own interrupt status is never touched").isFalse();
    }

    @Test
    void aHostLoopIsSingleCarrier() {
        assertThat(loop.isSingleCarrier()).as("its micro-threads run one at a time, on the host thread").isTrue();
    }

    @Test
    void microThreadsKeepTheHostThreadsIdentityAcrossEveryKindOfWait() throws Exception {
        List<Thread> seen = Collections.synchronizedList(new ArrayList<>());
        Deferred<String> d = new Deferred<>();
        String v = loop.run(() -> {
            seen.add(Thread.currentThread());
            assertThat(MicroThread.current().loop()).isSameAs(loop);
            MicroThread.sleep(Duration.ofMillis(20));
            seen.add(Thread.currentThread());
            Thread.ofPlatform().start(() -> d.complete("from elsewhere"));
            String got = d.await();
            seen.add(Thread.currentThread());
            int shared = Loop.shared().parallel(() -> {
                MicroThread.sleep(Duration.ofMillis(10));
                return Thread.currentThread().isVirtual() ? 1 : 0;
            }).join();
            seen.add(Thread.currentThread());
            MicroThread.yieldNow();
            seen.add(Thread.currentThread());
            FutureTask<Integer> plain = new FutureTask<>(() -> 5);
            Thread.ofPlatform().start(plain);
            int f = MicroThread.await(plain); // a plain Future: a helper awaits it off the host thread
            seen.add(Thread.currentThread());
            return got + shared + f;
        });
        assertThat(v).isEqualTo("from elsewhere15");
        assertThat(seen).hasSize(6).containsOnly(host.thread);
    }

    @Test
    void awaitingACancelledPlainFutureOnTheHostSaysWhatWasAwaited() throws Exception {
        FutureTask<Integer> task = new FutureTask<>(() -> 5);
        task.cancel(false);
        Throwable thrown = loop.run(() -> {
            try {
                MicroThread.await(task); // a plain Future: a helper awaits it off the host thread
                return null;
            } catch (CancellationException e) {
                return e;
            }
        });
        assertThat(thrown).isInstanceOf(CancellationException.class)
                .hasMessageContaining("the awaited future").hasMessageContaining("FutureTask@").hasMessageContaining("cancelled")
                .cause().as("the future's own exception").isInstanceOf(CancellationException.class);
    }

    @Test
    void twoHostMicroThreadsInterleaveInFifoOrderOnYield() throws Exception {
        List<String> log = new ArrayList<>(); // not synchronized on purpose: one host thread
        loop.run(() -> {
            for (String name : List.of("a", "b")) {
                MicroThread.startAndForget(name, () -> {
                    for (int round = 0; round < 3; round++) {
                        log.add(name + round);
                        MicroThread.yieldNow();
                    }
                });
            }
            return null;
        });
        assertThat(log).containsExactly("a0", "b0", "a1", "b1", "a2", "b2");
    }

    @Test
    void aHostMicroThreadCanBeJoinedFromTheSharedLoop() throws Exception {
        int v = Loop.shared().run(() -> {
            MicroThread<Integer> m = loop.parallel(() -> {
                MicroThread.sleep(Duration.ofMillis(20));
                return Thread.currentThread() == host.thread ? 42 : -1;
            });
            return m.join();
        });
        assertThat(v).isEqualTo(42);
    }

    @Test
    void cancellationDuringSleepAndAwaitIsStickyAndLeavesTheHostThreadAlone() throws Exception {
        CountDownLatch asleep = new CountDownLatch(1);
        AtomicInteger interruptions = new AtomicInteger();
        MicroThread<Void> m = loop.startAndForget("sleeper", () -> {
            asleep.countDown();
            try {
                MicroThread.sleep(Duration.ofHours(1));
            } catch (InterruptedException swallowed) {
                interruptions.incrementAndGet();
            }
            try {
                new Deferred<String>().await(); // sticky: throws again
            } catch (InterruptedException again) {
                interruptions.incrementAndGet();
                throw again;
            }
        });
        assertThat(asleep.await(5, TimeUnit.SECONDS)).isTrue();
        awaitState(m, MicroThread.State.WAITING);
        assertThat(m.waitingOn()).contains("sleeping for 1h");
        m.cancel();
        assertThatThrownBy(m::join).isInstanceOf(CancellationException.class);
        assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
        assertThat(interruptions).hasValue(2);
    }

    @Test
    void withTimeoutInterruptsTheBodyAndThenTheMicroThreadGoesOn() throws Exception {
        String v = loop.run(() -> {
            try {
                MicroThread.withTimeout(Duration.ofMillis(50), () -> {
                    MicroThread.sleep(Duration.ofHours(1));
                    return "never";
                });
                return "no timeout";
            } catch (TimeoutException expected) {
                MicroThread.sleep(Duration.ofMillis(5)); // the timeout's interrupt did not leak
                return "timed out on " + Thread.currentThread().getName();
            }
        });
        assertThat(v).isEqualTo("timed out on host");
    }

    @Test
    void failuresReachTheFailureHandler() throws Exception {
        List<String> failed = new CopyOnWriteArrayList<>();
        loop.failureHandler((m, f) -> failed.add(m.name() + ": " + f.getMessage()));
        loop.run(() -> {
            MicroThread.startAndForget("boom", () -> {
                MicroThread.yieldNow();
                throw new IllegalStateException("bang");
            });
            return null;
        });
        assertThat(failed).containsExactly("boom: bang");
        assertThat(loop.failureCount()).isEqualTo(1);
        assertThatThrownBy(() -> loop.run(() -> {
            throw new IllegalArgumentException("main failed");
        })).isInstanceOf(FailedException.class).cause().hasMessage("main failed");
    }

    @Test
    void runReturnsOnlyWhenEveryMicroThreadHasEnded() throws Exception {
        AtomicInteger ended = new AtomicInteger();
        loop.run(() -> {
            for (int i = 0; i < 20; i++) {
                int ms = 1 + i % 7;
                MicroThread.startAndForget(() -> {
                    MicroThread.sleep(Duration.ofMillis(ms));
                    MicroThread.startAndForget(() -> {
                        MicroThread.yieldNow();
                        ended.incrementAndGet();
                    });
                    ended.incrementAndGet();
                });
            }
            return null;
        });
        assertThat(ended).hasValue(40);
        assertThat(loop.microThreads()).isEmpty();
    }

    @Test
    void closeCancelsWhatIsLeft() throws Exception {
        List<MicroThread<?>> left = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            left.add(loop.startAndForget("left-" + i, () -> MicroThread.sleep(Duration.ofHours(1))));
        }
        left.add(loop.startAndForget("awaiting", () -> new Deferred<Void>().await()));
        for (MicroThread<?> m : left) awaitState(m, MicroThread.State.WAITING);
        loop.close();
        assertThat(loop.isClosed()).isTrue();
        assertThat(left).allSatisfy(m -> assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED));
        assertThat(loop.microThreads()).isEmpty();
        assertThatThrownBy(() -> loop.startAndForget(() -> {})).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void parkingInsideSynchronizedIsRefusedClearly() throws Exception {
        Object lock = new Object();
        AtomicBoolean afterwards = new AtomicBoolean();
        assertThatThrownBy(() -> loop.run(() -> {
            try {
                synchronized (lock) {
                    MicroThread.sleep(Duration.ofSeconds(10)); // long: a short one may expire before it parks (never checked then)
                }
            } finally {
                MicroThread.sleep(Duration.ofMillis(1)); // outside the monitor it parks fine
                afterwards.set(true);
            }
            return null;
        })).isInstanceOf(FailedException.class)
                .cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot wait while it holds a monitor")
                .hasMessageContaining("synchronized in org.microthreads.HostLoopTest.lambda$parkingInsideSynchronizedIsRefusedClearly$");
        assertThat(afterwards).isTrue();
        // and nobody is left owning the monitor
        Thread other = Thread.ofPlatform().start(() -> {
            synchronized (lock) {
                lock.notifyAll();
            }
        });
        other.join(5_000);
        assertThat(other.isAlive()).isFalse();
    }

    @Test
    void microThreadsJoiningEachOtherAreReportedAsADeadlock() throws Exception {
        AtomicReference<MicroThread<?>> b = new AtomicReference<>();
        assertThatThrownBy(() -> loop.run(() -> {
            MicroThread<Object> a = MicroThread.parallel("alice", () -> {
                MicroThread.yieldNow(); // let bob start
                return b.get().join();
            });
            b.set(MicroThread.parallel("bob", () -> a.join()));
            return a.join();
        })).isInstanceOf(DeadlockException.class)
                .hasMessageContaining("deadlock on loop 'host-loop'")
                .hasMessageContaining("'alice' WAITING: joining micro-thread 'bob'")
                .hasMessageContaining("'bob' WAITING: joining micro-thread 'alice'");
        assertThat(loop.microThreads()).isEmpty();
        assertThat(loop.run(() -> 1)).isEqualTo(1); // still usable
    }

    @Test
    void waitsThatSomethingOutsideCanEndAreNotADeadlock() throws Exception {
        Deferred<String> fromOutside = new Deferred<>();
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ignored) {
                // complete anyway
            }
            fromOutside.complete("late");
        });
        String v = loop.run(() -> {
            MicroThread<String> w = MicroThread.parallel(fromOutside::await);
            return w.join();
        });
        assertThat(v).isEqualTo("late");
    }

    @Test
    void noWakeUpIsLostWhenOutsideThreadsAndTimersRaceTheParks() throws Exception {
        int microThreads = 100, rounds = 50;
        java.util.concurrent.ExecutorService completers = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            AtomicInteger done = new AtomicInteger();
            loop.run(() -> {
                for (int i = 0; i < microThreads; i++) {
                    int seed = i;
                    MicroThread.startAndForget(() -> {
                        for (int r = 0; r < rounds; r++) {
                            Deferred<Integer> d = new Deferred<>();
                            completers.execute(() -> d.complete(1));
                            if ((seed + r) % 3 == 0) {
                                try {
                                    d.await(Duration.ofNanos(50_000)); // a timer racing the completion
                                } catch (TimeoutException raced) {
                                    d.await();
                                }
                            } else {
                                d.await();
                            }
                            if (r % 7 == 0) MicroThread.yieldNow();
                            if (Thread.currentThread() != host.thread) throw new AssertionError("identity lost");
                        }
                        done.incrementAndGet();
                    });
                }
                return null;
            });
            assertThat(done).hasValue(microThreads);
        } finally {
            completers.shutdown();
        }
    }

    private static void awaitState(MicroThread<?> m, MicroThread.State s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (m.state() != s) {
            if (System.nanoTime() > deadline) throw new AssertionError(m + " never reached " + s);
            Thread.sleep(1);
        }
    }
}
