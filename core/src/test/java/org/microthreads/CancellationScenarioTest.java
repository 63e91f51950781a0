package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.microthreads.Scenarios.elapsed;
import static org.microthreads.Scenarios.yieldUntil;
import static org.microthreads.Scenarios.yieldUntilWaiting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cancellation under every schedule (seeds 0-99 of the simulated loop): it ends every wait of the
 * library at once (no virtual time passes), is sticky, reaches what the cancelled one started
 * (before, after, and after their starter ended), and a cancel racing an end gives one consistent
 * outcome. The real-loop originals stay in {@link CancellationTest}.
 */
@Timeout(120)
class CancellationScenarioTest {

    /** A wait of the library, for {@link #cancellingEndsEveryWaitAtOnce}. */
    record Wait(String name, MicroThread.Body<?> body) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Wait> waits() {
        Deferred<String> never = new Deferred<>(); // shared by the seeds: nobody ever completes it
        return Stream.of(
                new Wait("sleep", () -> { MicroThread.sleep(Duration.ofHours(1)); return null; }),
                new Wait("yieldNow loop", () -> { while (true) MicroThread.yieldNow(); }),
                new Wait("Deferred.await", never::await),
                new Wait("Deferred.await(timeout)", () -> never.await(Duration.ofHours(1))),
                new Wait("await(CompletableFuture)", () -> MicroThread.await(new CompletableFuture<String>())),
                new Wait("join", () -> MicroThread.parallel(never::await).join()),
                new Wait("join(timeout)", () -> MicroThread.parallel(never::await).join(Duration.ofHours(1))),
                new Wait("take", () -> Pipe.rendezvous().take()),
                new Wait("tryTake(timeout)", () -> Pipe.rendezvous().tryTake(Duration.ofHours(1))),
                new Wait("put", () -> { Pipe.rendezvous().put("x"); return null; }),
                new Wait("select", () -> Select.select(Pipe.rendezvous().onTake(x -> x), Select.onTimeout(Duration.ofHours(1), () -> "t"))),
                new Wait("limiter", () -> { Limiter l = Limiter.of(1); l.acquire(); l.acquire(); return null; }),
                new Wait("withTimeout", () -> MicroThread.withTimeout(Duration.ofHours(1), never::await)),
                // a scope waiting for its members: ScopeScenarioTest (a library bug: it may return normally)
                new Wait("race", () -> MicroThread.race(List.of(never::await, never::await))),
                new Wait("generator", () -> {
                    try (Generator<Integer> g = Generator.of(out -> {
                        MicroThread.sleep(Duration.ofHours(1));
                        out.emit(1);
                    })) {
                        return g.next();
                    }
                }));
    }

    /**
     * Cancelling a micro-thread parked in any wait of the library ends it at once, by
     * {@code InterruptedException} (or, for a join, the cancellation of the joined one it took
     * along; for a generator's body, the generator's failure caused by it), with no virtual time
     * passing, and its run ends.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("waits")
    void cancellingEndsEveryWaitAtOnce(Wait wait) {
        Scenarios.forSeeds(() -> {
            MicroThread<?> victim = MicroThread.parallel("victim", wait.body());
            if (wait.name().equals("yieldNow loop")) MicroThread.yieldNow(); else yieldUntilWaiting(victim);
            victim.cancel();
            assertThatThrownBy(victim::join).isInstanceOfSatisfying(CancellationException.class, e -> {
                assertThat(e).hasMessageContaining("'victim' was cancelled");
                // its InterruptedException; a join's: the joined one's cancellation; a generator's: its failure, caused by it
                Throwable cause = e.getCause() instanceof FailedException f ? f.getCause() : e.getCause();
                assertThat(cause).isInstanceOfAny(InterruptedException.class, CancellationException.class);
            });
            assertThat(victim.state()).isEqualTo(MicroThread.State.CANCELLED);
            assertThat(victim.isCancelled()).isTrue();
            assertThat(elapsed()).as("no virtual time passed").isZero();
            return null;
        });
    }

    @Test
    void cancellingAwaitOfAFutureLeavesTheFutureAlone() {
        Scenarios.forSeeds(() -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            MicroThread<String> victim = MicroThread.parallel("victim", () -> MicroThread.await(f));
            yieldUntilWaiting(victim);
            victim.cancel();
            assertThatThrownBy(victim::join).isInstanceOf(CancellationException.class).cause().isInstanceOf(InterruptedException.class);
            assertThat(f.isDone()).as("a shared future is not the waiter's to cancel").isFalse();
            return null;
        });
    }

    @Test
    void cancellationIsStickyAtEveryLibraryBlockingPoint() {
        Scenarios.forSeeds(() -> {
            List<String> seen = new ArrayList<>();
            Deferred<Void> never = new Deferred<>();
            MicroThread<Void> victim = MicroThread.parallel("victim", () -> {
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
                    MicroThread.sleep(Duration.ZERO);
                } catch (InterruptedException again) {
                    seen.add("sleep(0) saw it");
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
            MicroThread.yieldNow(); // waiting or not yet: the first wait throws either way
            victim.cancel();
            assertThatThrownBy(victim::join).isInstanceOf(CancellationException.class).cause().isInstanceOf(InterruptedException.class);
            assertThat(seen).containsExactly("swallowed once", "sleep saw it", "sleep(0) saw it", "yield saw it");
            assertThat(elapsed()).isZero();
            return null;
        });
    }

    @Test
    void cancellingAMicroThreadCancelsWhatItStartedAndWhatItStartsLater() {
        Scenarios.forSeeds(() -> {
            List<String> ended = new ArrayList<>();
            Deferred<Void> never = new Deferred<>();
            Deferred<Void> childrenStarted = new Deferred<>();
            MicroThread<Void> parent = MicroThread.parallel("parent", () -> {
                MicroThread.startAndForget("child", () -> {
                    MicroThread.startAndForget("grandchild", () -> {
                        try { never.await(); } finally { ended.add("grandchild"); }
                    });
                    try { never.await(); } finally { ended.add("child"); }
                });
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
            yieldUntil(() -> MicroThread.current().loop().microThreads().size() == 1);
            assertThat(ended).containsExactlyInAnyOrder("parent", "child", "grandchild", "late");
            assertThat(ended.indexOf("late")).as("'late' was started after the cancel").isGreaterThan(ended.indexOf("parent"));
            return null;
        });
    }

    @Test
    void cancelReachesDescendantsWhoseStarterHasAlreadyEnded() {
        Scenarios.eachSeed(sim -> {
            List<String> ended = new ArrayList<>();
            sim.run(() -> {
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
            assertThat(sim.elapsed()).isZero();
        });
    }

    @Test
    void cancellingAStarterOfManyChildrenEndsThemAll() {
        Scenarios.eachSeed(sim -> {
            int n = 200;
            int[] ended = {0};
            sim.run(() -> {
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
                MicroThread.yieldNow(); // the parent may have started none, some or all of them
                for (int i = 0; i < 10; i++) parent.cancel(); // repeated cancels change nothing
                return null;
            });
            assertThat(ended[0]).as("every child it started, before or after the cancel").isEqualTo(n);
        });
    }

    @Test
    void cancelledMicroThreadJoinsAsCancellationAndCancelIsIdempotent() {
        Scenarios.forSeeds(() -> {
            Deferred<Void> never = new Deferred<>();
            MicroThread<Void> m = MicroThread.parallel("m", never::await);
            m.cancel();
            assertThatThrownBy(m::join).isInstanceOf(CancellationException.class).hasMessageContaining("cancelled")
                    .cause().isInstanceOf(InterruptedException.class);
            assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
            assertThat(m.isCancelled()).isTrue();
            m.cancel();
            assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
            return null;
        });
    }

    @Test
    void cancellingAMicroThreadThatEndedHasNoEffect() {
        Scenarios.forSeeds(() -> {
            MicroThread<Integer> m = MicroThread.parallel(() -> 1);
            assertThat(m.join()).isEqualTo(1);
            m.cancel();
            assertThat(m.state()).isEqualTo(MicroThread.State.SUCCEEDED);
            assertThat(m.join()).isEqualTo(1);
            return null;
        });
    }

    /**
     * A cancel at whatever point the schedule reaches: before the body starts, while it yields,
     * or after it ended. The outcome is one of two, and consistent: the value (SUCCEEDED) or a
     * CancellationException (CANCELLED), never a value with a cancelled state or the reverse.
     */
    @Test
    void aCancelRacingTheEndGivesOneConsistentOutcome() {
        List<String> outcomes = new ArrayList<>();
        Scenarios.forSeeds(() -> {
            MicroThread<String> m = MicroThread.parallel("m", () -> {
                MicroThread.yieldNow();
                MicroThread.yieldNow();
                return "value";
            });
            MicroThread.yieldNow();
            MicroThread.yieldNow();
            m.cancel();
            try {
                assertThat(m.join()).isEqualTo("value");
                assertThat(m.state()).isEqualTo(MicroThread.State.SUCCEEDED);
                outcomes.add("value");
            } catch (CancellationException e) {
                assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
                assertThat(m.isCancelled()).isTrue();
                outcomes.add("cancelled");
            }
            return null;
        });
        Scenarios.assertExplored(outcomes, "cancelled", "value");
    }

    /** Cancelling a micro-thread's future view cancels the micro-thread (and the view says so). */
    @Test
    void cancellingTheFutureViewCancelsTheMicroThread() {
        Scenarios.forSeeds(() -> {
            List<String> log = new ArrayList<>();
            MicroThread<String> m = MicroThread.parallel("viewed", () -> {
                try {
                    return new Deferred<String>().await();
                } finally {
                    log.add("body ended");
                }
            });
            CompletableFuture<String> view = m.toCompletableFuture();
            MicroThread.yieldNow();
            assertThat(view.cancel(true)).isTrue();
            assertThatThrownBy(m::join).isInstanceOf(CancellationException.class);
            assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
            assertThat(view.isCancelled()).isTrue();
            assertThat(log).containsExactly("body ended");
            return null;
        });
    }

    /** A deadlock cancels the stuck micro-threads: their finally blocks run before the run throws. */
    @Test
    void aDeadlockCancelsTheStuckMicroThreadsAndTheirFinallyBlocksRun() {
        Scenarios.eachSeed(sim -> {
            List<String> cleanedUp = new ArrayList<>();
            assertThatThrownBy(() -> sim.run(() -> {
                Pipe<Integer> a = Pipe.<Integer>rendezvous().named("a");
                for (String name : List.of("x", "y")) {
                    MicroThread.startAndForget(name, () -> {
                        try {
                            a.take();
                        } finally {
                            cleanedUp.add(name);
                        }
                    });
                }
                try {
                    return a.take();
                } finally {
                    cleanedUp.add("main");
                }
            })).isInstanceOf(DeadlockException.class).hasMessageContaining("They have been cancelled");
            assertThat(cleanedUp).containsExactlyInAnyOrder("x", "y", "main");
        });
    }

    @Test
    void aFutureTaskAwaitedIsOutsideTheSimulationYetItsCancellationWorks() {
        Scenarios.forSeeds(() -> {
            FutureTask<String> task = new FutureTask<>(() -> "never run");
            MicroThread<String> victim = MicroThread.parallel("victim", () -> MicroThread.await(task));
            yieldUntilWaiting(victim);
            victim.cancel();
            assertThatThrownBy(victim::join).isInstanceOf(CancellationException.class).cause().isInstanceOf(InterruptedException.class);
            assertThat(task.isDone()).isFalse();
            return null;
        });
    }
}
