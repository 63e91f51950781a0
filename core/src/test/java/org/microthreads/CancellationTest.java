package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;

/** Cancellation interrupts, is honoured at every library blocking point, and is sticky. */
class CancellationTest {

    /** Starts {@code body} on a single-carrier loop, lets it park, cancels it, and returns how it ended. */
    private static Throwable cancelWhileBlocked(MicroThread.Body<?> body) throws Exception {
        try (Loop loop = Loop.singleCarrier("cancel")) {
            return loop.run(() -> {
                MicroThread<?> victim = MicroThread.parallel("victim", body);
                while (victim.state() != MicroThread.State.WAITING) MicroThread.yieldNow();
                victim.cancel();
                try {
                    victim.join();
                    return null;
                } catch (CancellationException e) {
                    return e.getCause();
                }
            });
        }
    }

    @Test
    void cancelDuringSleep() throws Exception {
        assertThat(cancelWhileBlocked(() -> {
            MicroThread.sleep(Duration.ofHours(1));
            return null;
        })).isInstanceOf(InterruptedException.class);
    }

    @Test
    void cancelDuringAwaitOfAFutureLeavesTheFutureAlone() throws Exception {
        CompletableFuture<String> f = new CompletableFuture<>();
        assertThat(cancelWhileBlocked(() -> MicroThread.await(f))).isInstanceOf(InterruptedException.class);
        assertThat(f.isCancelled()).isFalse();
        FutureTask<String> task = new FutureTask<>(() -> "never run");
        assertThat(cancelWhileBlocked(() -> MicroThread.await(task))).isInstanceOf(InterruptedException.class);
    }

    @Test
    void cancelDuringJoin() throws Exception {
        Deferred<Void> never = new Deferred<>();
        // the child is cancelled with its starter, so the run can end
        // (whichever the victim notices first: its own interrupt, or its child's cancellation)
        assertThat(cancelWhileBlocked(() -> MicroThread.parallel(never::await).join()))
                .isInstanceOfAny(InterruptedException.class, CancellationException.class);
    }

    @Test
    void cancellingAMicroThreadCancelsWhatItStartedOnAnyLoopAndWhatItStartsLater() throws Exception {
        try (Loop loop = Loop.singleCarrier("tree"); Loop other = Loop.singleCarrier("other")) {
            List<String> ended = new CopyOnWriteArrayList<>();
            Deferred<Void> never = new Deferred<>();
            Deferred<Void> childrenStarted = new Deferred<>();
            loop.run(() -> {
                MicroThread<Void> parent = MicroThread.parallel("parent", () -> {
                    MicroThread.startAndForget("child", () -> {
                        MicroThread.startAndForget("grandchild", () -> {
                            try { never.await(); } finally { ended.add("grandchild"); }
                        });
                        try { never.await(); } finally { ended.add("child"); }
                    });
                    other.startAndForget("elsewhere", () -> {
                        try { never.await(); } finally { ended.add("elsewhere"); }
                    });
                    MicroThread.yieldNow();
                    childrenStarted.complete(null);
                    try {
                        never.await();
                    } catch (InterruptedException swallowed) {
                        ended.add("parent");
                    }
                    MicroThread.startAndForget("late", () -> {
                        try { never.await(); } finally { ended.add("late"); }
                    });
                    return null;
                });
                childrenStarted.await();
                parent.cancel();
                parent.join();
                return null;
            });
            while (other.microThreads().size() > 0) MicroThread.parallel(() -> null).join(); // wait on the shared loop
            assertThat(ended).containsExactlyInAnyOrder("parent", "child", "grandchild", "elsewhere", "late");
        }
    }

    @Test
    void cancelDuringDeferredAwaitAndWithTimeout() throws Exception {
        Deferred<Void> never = new Deferred<>();
        assertThat(cancelWhileBlocked(() -> MicroThread.withTimeout(Duration.ofHours(1), never::await)))
                .isInstanceOf(InterruptedException.class).hasMessageContaining("cancelled");
    }

    @Test
    void cancellationIsStickyAtEveryLibraryBlockingPoint() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Deferred<Void> never = new Deferred<>();
        Throwable end = cancelWhileBlocked(() -> {
            try {
                never.await();
            } catch (InterruptedException swallowed) {
                seen.add("swallowed once");
            }
            try {
                MicroThread.sleep(Duration.ofMillis(1));
            } catch (InterruptedException again) {
                seen.add("sleep saw it");
            }
            try {
                MicroThread.yieldNow();
            } catch (InterruptedException again) {
                seen.add("yield saw it");
            }
            MicroThread.parallel(() -> 1).join(); // throws: still cancelled
            seen.add("unreachable");
            return null;
        });
        assertThat(end).isInstanceOf(InterruptedException.class);
        assertThat(seen).containsExactly("swallowed once", "sleep saw it", "yield saw it");
    }

    @Test
    void cancellingAMicroThreadThatEndedHasNoEffect() throws Exception {
        MicroThread<Integer> m = MicroThread.parallel(() -> 1);
        assertThat(m.join()).isEqualTo(1);
        m.cancel();
        assertThat(m.state()).isEqualTo(MicroThread.State.SUCCEEDED);
        assertThat(m.join()).isEqualTo(1);
    }

    @Test
    void interruptingRunCancelsTheRunsMicroThreadsAndWaitsForThem() throws Exception {
        try (Loop loop = Loop.singleCarrier("interrupted-run")) {
            List<String> ended = new CopyOnWriteArrayList<>();
            Deferred<Void> started = new Deferred<>();
            Thread caller = Thread.ofPlatform().start(() -> {
                try {
                    loop.run(() -> {
                        MicroThread.startAndForget(() -> {
                            try {
                                new Deferred<Void>().await();
                            } finally {
                                ended.add("child");
                            }
                        });
                        started.complete(null);
                        try {
                            MicroThread.sleep(Duration.ofHours(1));
                        } finally {
                            ended.add("main");
                        }
                        return null;
                    });
                    ended.add("run returned?!");
                } catch (InterruptedException e) {
                    ended.add("run interrupted");
                }
            });
            started.await();
            caller.interrupt();
            caller.join();
            assertThat(ended).containsExactlyInAnyOrder("child", "main", "run interrupted");
            assertThat(ended.get(2)).isEqualTo("run interrupted"); // only after both ended
            assertThat(loop.microThreads()).isEmpty();
        }
    }

    @Test
    void cancelReachesDescendantsWhoseStarterHasAlreadyEnded() throws Exception {
        try (Loop loop = Loop.singleCarrier("orphans")) {
            List<String> ended = new CopyOnWriteArrayList<>();
            loop.run(() -> {
                Deferred<Void> grandchildStarted = new Deferred<>();
                MicroThread<Void> g = MicroThread.parallel("g", () -> {
                    MicroThread.parallel("p", () -> {
                        MicroThread.startAndForget("c", () -> {
                            grandchildStarted.complete(null);
                            try { new Deferred<Void>().await(); } finally { ended.add("c"); }
                        });
                        return null; // p ends, c lives on
                    }).join();
                    new Deferred<Void>().await();
                    return null;
                });
                grandchildStarted.await();
                g.cancel();
                return null;
            });
            assertThat(ended).containsExactly("c");
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void cancellingAStarterOfManyChildrenIsOneScan() throws Exception {
        try (Loop loop = Loop.singleCarrier("wide")) {
            int n = 20_000;
            int[] ended = {0};
            loop.run(() -> {
                MicroThread<Void> parent = MicroThread.parallel("parent", () -> {
                    Deferred<Void> never = new Deferred<>();
                    for (int i = 0; i < n; i++) {
                        MicroThread.startAndForget(() -> {
                            try { never.await(); } finally { ended[0]++; }
                        });
                    }
                    never.await();
                    return null;
                });
                while (MicroThread.current().loop().microThreads().size() < n + 2) MicroThread.yieldNow();
                for (int i = 0; i < 100; i++) parent.cancel(); // repeated cancels stay cheap
                return null;
            });
            assertThat(ended[0]).isEqualTo(n);
        }
    }
}
