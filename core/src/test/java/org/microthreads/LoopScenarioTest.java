package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.microthreads.Scenarios.elapsed;
import static org.microthreads.Scenarios.yieldUntilWaiting;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Micro-threads and their loop under every schedule (seeds 0-99 of the simulated loop): starting,
 * joining, values and failures, the failure handler, names and states, nothing outlives its run,
 * one at a time, virtual time, deadlock reports. The real-loop originals stay in
 * {@link MicroThreadTest} and {@link SingleCarrierLoopTest}.
 */
@Timeout(120)
class LoopScenarioTest {

    @Test
    void parallelReturnsItsValueThroughJoinOnTheStartersLoop() {
        Scenarios.forSeeds(() -> {
            Loop loop = Loop.current();
            MicroThread<Integer> a = MicroThread.parallel(() -> 6 * 7);
            MicroThread<Integer> b = MicroThread.parallel(() -> {
                MicroThread.yieldNow();
                return 1;
            });
            assertThat(a.join() + b.join()).isEqualTo(43);
            assertThat(a.state()).isEqualTo(MicroThread.State.SUCCEEDED);
            assertThat(a.loop()).isSameAs(loop).isNotSameAs(Loop.shared());
            assertThat(MicroThread.parallel(() -> Loop.current()).join()).isSameAs(loop);
            assertThat(loop.isSingleCarrier()).as("micro-threads of a simulation run one at a time").isTrue();
            return null;
        });
    }

    @Test
    void joinRethrowsTheBodyFailureWithBothStacks() {
        Scenarios.forSeeds(() -> {
            MicroThread<Object> m = MicroThread.parallel("boom", () -> {
                MicroThread.yieldNow();
                throw new IOException("disk on fire");
            });
            assertThatThrownBy(m::join).isInstanceOf(FailedException.class)
                    .hasMessage("micro-thread 'boom' failed: java.io.IOException: disk on fire")
                    .hasCauseInstanceOf(IOException.class)
                    .satisfies(e -> {
                        assertThat(e.getStackTrace()).anySatisfy(f -> assertThat(f.toString()).contains("MicroThread.join"));
                        assertThat(e.getCause().getStackTrace()).anySatisfy(f -> assertThat(f.getMethodName()).contains("lambda"));
                    });
            assertThat(m.state()).isEqualTo(MicroThread.State.FAILED);
            return null;
        });
    }

    @Test
    void joinWithATimeoutTimesOutAtItsInstantAndTheMicroThreadKeepsRunning() {
        Scenarios.forSeeds(() -> {
            Deferred<String> gate = new Deferred<>();
            MicroThread<String> m = MicroThread.parallel("gated", gate::await);
            assertThatThrownBy(() -> m.join(Duration.ofMillis(20))).isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("'gated' did not end within 20ms");
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(20));
            assertThat(m.isDone()).isFalse();
            MicroThread.startAndForget(() -> {
                MicroThread.sleep(Duration.ofSeconds(3));
                gate.complete("late");
            });
            assertThat(m.join(Duration.ofSeconds(10))).isEqualTo("late");
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(3020));
            return null;
        });
    }

    @Test
    void joiningItselfIsRejected() {
        Scenarios.forSeeds(() -> {
            MicroThread<Object> m = MicroThread.parallel(() -> MicroThread.current().join());
            assertThatThrownBy(m::join).isInstanceOf(FailedException.class)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot join itself");
            return null;
        });
    }

    @Test
    void parallelAllReturnsTheValuesInTheOrderOfTheBodiesWhateverOrderTheyEndIn() {
        Scenarios.forSeeds(() -> {
            List<MicroThread.Body<Integer>> bodies = new ArrayList<>();
            List<Integer> ended = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int n = i;
                bodies.add(() -> {
                    for (int k = 0; k < n % 3; k++) MicroThread.yieldNow();
                    ended.add(n);
                    return n * 10;
                });
            }
            assertThat(MicroThread.parallelAll(bodies)).containsExactly(0, 10, 20, 30, 40, 50);
            assertThat(ended).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
            assertThat(MicroThread.parallelAll(List.<MicroThread.Body<Integer>>of())).isEmpty();
            return null;
        });
    }

    @Test
    void parallelAllFailsFastCancelsTheOthersAndLeavesNoLiveMicroThread() {
        Scenarios.forSeeds(() -> {
            Loop loop = Loop.current();
            List<String> endedSiblings = new ArrayList<>();
            Deferred<Void> never = new Deferred<>();
            Throwable thrown;
            try {
                MicroThread.parallelAll(List.of(
                        () -> { try { return never.await(); } finally { endedSiblings.add("a"); } },
                        () -> { MicroThread.yieldNow(); throw new IllegalStateException("second fails"); },
                        () -> { try { return never.await(); } finally { endedSiblings.add("c"); } }));
                thrown = null;
            } catch (FailedException e) {
                thrown = e;
                assertThat(loop.microThreads()).as("only main is left").containsExactly(MicroThread.current());
            }
            assertThat(thrown).isInstanceOf(FailedException.class).cause().hasMessage("second fails");
            assertThat(endedSiblings).containsExactlyInAnyOrder("a", "c");
            assertThat(loop.failureCount()).as("reported once, to the caller").isZero();
            return null;
        });
    }

    @Test
    void aStartAndForgetFailureReachesTheHandlerOnce() {
        Scenarios.eachSeed(sim -> {
            List<String> seen = new ArrayList<>();
            Loop[] loop = new Loop[1];
            int v = sim.run(() -> {
                loop[0] = Loop.current().failureHandler((m, f) -> seen.add(m.name() + ": " + f.getMessage()));
                MicroThread.startAndForget("lost?", () -> {
                    MicroThread.yieldNow();
                    throw new IllegalStateException("not lost");
                });
                return 7;
            });
            assertThat(v).isEqualTo(7);
            assertThat(seen).containsExactly("lost?: not lost");
            assertThat(loop[0].failureCount()).isEqualTo(1);
        });
    }

    @Test
    void anUnjoinedParallelFailureIsReportedAndAJoinedOneIsNot() {
        Scenarios.eachSeed(sim -> {
            List<String> seen = new ArrayList<>();
            sim.run(() -> {
                Loop.current().failureHandler((m, f) -> seen.add(m.name()));
                MicroThread.parallel("never-joined", () -> {
                    throw new IllegalStateException("x");
                });
                MicroThread<Object> joined = MicroThread.parallel("joined", () -> {
                    MicroThread.yieldNow();
                    throw new IllegalStateException("y");
                });
                assertThatThrownBy(joined::join).isInstanceOf(FailedException.class);
                return null;
            });
            assertThat(seen).containsExactly("never-joined");
        });
    }

    @Test
    void aThrowingFailureHandlerIsLoggedAndCountedAndNeverPropagated() {
        Scenarios.eachSeed(sim -> {
            Loop[] loop = new Loop[1];
            int v;
            try (LogCapture log = LogCapture.start()) {
                v = sim.run(() -> {
                    loop[0] = Loop.current().failureHandler((m, f) -> {
                        throw new RuntimeException("handler broke");
                    });
                    MicroThread.startAndForget("careless", () -> {
                        MicroThread.yieldNow();
                        throw new IllegalStateException("first");
                    });
                    return 7;
                });
                assertThat(log.messages).singleElement().asString()
                        .contains("the failure handler of loop 'simulation' threw while handling the failure of micro-thread 'careless'");
                assertThat(log.thrown).singleElement().satisfies(t -> {
                    assertThat(t).hasMessage("handler broke");
                    assertThat(t.getSuppressed()).singleElement().satisfies(s -> assertThat(s).hasMessage("first"));
                });
            }
            assertThat(v).isEqualTo(7);
            assertThat(loop[0].failureCount()).isEqualTo(1);
        });
    }

    @Test
    void mainsFailureIsThrownByRunAndNotReported() {
        Scenarios.eachSeed(sim -> {
            Loop[] loop = new Loop[1];
            assertThatThrownBy(() -> sim.run(() -> {
                loop[0] = Loop.current();
                MicroThread.startAndForget(MicroThread::yieldNow);
                throw new IOException("main broke");
            })).isInstanceOf(FailedException.class).hasCauseInstanceOf(IOException.class)
                    .hasMessageContaining("main broke");
            assertThat(loop[0].failureCount()).isZero();
        });
    }

    @Test
    void namesStatesAndWaitingOn() {
        Scenarios.forSeeds(() -> {
            Deferred<Void> gate = new Deferred<>();
            MicroThread<Void> waiter = MicroThread.parallel("waiter", gate::await);
            MicroThread<Object> anon = MicroThread.parallel(() -> null);
            yieldUntilWaiting(waiter);
            assertThat(waiter.name()).isEqualTo("waiter");
            assertThat(anon.name()).startsWith("mt-");
            assertThat(waiter.waitingOn()).hasValueSatisfying(s -> assertThat(s).contains("awaiting Deferred@"));
            assertThat(MicroThread.current().name()).isEqualTo("main");
            assertThat(MicroThread.current().state()).isEqualTo(MicroThread.State.RUNNING);
            assertThat(MicroThread.current().waitingOn()).isEmpty();
            anon.join();
            assertThat(anon.state()).isEqualTo(MicroThread.State.SUCCEEDED);
            gate.complete(null);
            waiter.join();
            assertThat(waiter.state()).isEqualTo(MicroThread.State.SUCCEEDED);
            assertThat(waiter.toString()).contains("'waiter'").contains("simulation");
            return null;
        });
    }

    @Test
    void childrenInheritTheLoopOfTheirStarter() {
        Scenarios.forSeeds(() -> {
            Loop loop = Loop.current();
            List<Loop> loops = new ArrayList<>();
            MicroThread.parallel(() -> loops.add(MicroThread.current().loop())).join();
            MicroThread.scope(() -> {
                MicroThread.startAndForget(() -> loops.add(Loop.current()));
                MicroThread.startAndForget(() -> MicroThread.startAndForget(() -> loops.add(Loop.current())));
                return null;
            });
            assertThat(loops).hasSize(3).allSatisfy(l -> assertThat(l).isSameAs(loop));
            return null;
        });
    }

    /** The run ends only once everything it started, directly or not, has ended; sleeps take virtual time only. */
    @Test
    void runWaitsForEveryMicroThreadItStartedAndVirtualTimeIsTheLongestSleep() {
        Scenarios.eachSeed(sim -> {
            int[] counter = {0}; // plain: one at a time
            int n = 50;
            sim.run(() -> {
                for (int i = 0; i < n; i++) {
                    int k = i;
                    MicroThread.startAndForget(() -> {
                        if (k % 2 == 0) MicroThread.yieldNow();
                        MicroThread.startAndForget(() -> {
                            MicroThread.sleep(Duration.ofSeconds(k % 7));
                            counter[0]++;
                        });
                        counter[0]++;
                    });
                }
                return null;
            });
            assertThat(counter[0]).isEqualTo(2 * n);
            assertThat(sim.elapsed()).as("the longest sleep, exactly").isEqualTo(Duration.ofSeconds(6));
        });
    }

    /** Micro-threads run one at a time: nothing runs between two points of one where it neither parks nor yields. */
    @Test
    void microThreadsNeverInterleaveBetweenYields() {
        Scenarios.eachSeed(sim -> {
            List<String> log = new ArrayList<>(); // not synchronized on purpose
            sim.run(() -> {
                for (String name : List.of("a", "b", "c")) {
                    MicroThread.startAndForget(name, () -> {
                        for (int round = 0; round < 3; round++) {
                            log.add(name + round + "-begin");
                            log.add(name + round + "-end");
                            MicroThread.yieldNow();
                        }
                    });
                }
                return null;
            });
            assertThat(log).hasSize(18);
            for (int i = 0; i < log.size(); i += 2) {
                String begin = log.get(i);
                assertThat(begin).endsWith("-begin");
                assertThat(log.get(i + 1)).isEqualTo(begin.replace("-begin", "-end"));
            }
            for (String name : List.of("a", "b", "c")) { // each one's rounds in its own order
                assertThat(log.stream().filter(s -> s.startsWith(name) && s.endsWith("-begin")).toList())
                        .containsExactly(name + "0-begin", name + "1-begin", name + "2-begin");
            }
        });
    }

    @Test
    void sleepersWakeInTheOrderOfTheirDeadlinesEachAtItsInstant() {
        Scenarios.forSeeds(() -> {
            List<Integer> woke = new ArrayList<>();
            int[] millis = {70, 10, 50, 30, 60, 20, 40};
            for (int ms : millis) {
                MicroThread.startAndForget(() -> {
                    MicroThread.sleep(Duration.ofMillis(ms));
                    assertThat(elapsed()).isEqualTo(Duration.ofMillis(ms));
                    woke.add(ms);
                });
            }
            MicroThread.sleep(Duration.ofMillis(100));
            assertThat(woke).containsExactly(10, 20, 30, 40, 50, 60, 70);
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(100));
            return null;
        });
    }

    @Test
    void microThreadsThatJoinEachOtherAreADeadlockReportedWithTheSeed() {
        Scenarios.eachSeed(sim -> {
            assertThatThrownBy(() -> sim.run(() -> {
                MicroThread<?>[] p = new MicroThread<?>[2];
                Deferred<Void> both = new Deferred<>();
                p[0] = MicroThread.parallel("alice", () -> {
                    both.await();
                    return p[1].join();
                });
                p[1] = MicroThread.parallel("bob", () -> {
                    both.await();
                    return p[0].join();
                });
                both.complete(null);
                return p[0].join();
            })).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("deadlock in the simulation (seed " + sim.seed() + ")")
                    .hasMessageContaining("'alice' WAITING: joining micro-thread 'bob'")
                    .hasMessageContaining("'bob' WAITING: joining micro-thread 'alice'")
                    .satisfies(e -> assertThat(e.getSuppressed()[e.getSuppressed().length - 1])
                            .isInstanceOfSatisfying(SimulationTrace.class, t -> assertThat(t.seed()).isEqualTo(sim.seed())));
        });
    }

    @Test
    void aLoneDeferredNobodyCompletesIsADeadlockAtTheVirtualInstantItCameTo() {
        Scenarios.eachSeed(sim -> {
            assertThatThrownBy(() -> sim.run(() -> {
                MicroThread.sleep(Duration.ofMinutes(3));
                return new Deferred<String>().await();
            })).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("at virtual time +3m")
                    .hasMessageContaining("'main' WAITING: awaiting Deferred@");
            assertThat(sim.elapsed()).isEqualTo(Duration.ofMinutes(3));
        });
    }

    @Test
    void theSameSeedGivesTheSameRun() {
        Scenarios.eachSeed(sim -> {
            MicroThread.Body<String> body = () -> {
                StringBuilder sb = new StringBuilder();
                List<MicroThread<Void>> all = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    int id = i;
                    all.add(MicroThread.parallel(() -> {
                        for (int k = 0; k < 3; k++) {
                            sb.append(id);
                            MicroThread.yieldNow();
                        }
                        return null;
                    }));
                }
                for (MicroThread<Void> m : all) m.join();
                return sb.toString();
            };
            String first = sim.run(body);
            long hash = sim.scheduleHash();
            assertThat(sim.run(body)).isEqualTo(first);
            assertThat(sim.scheduleHash()).isEqualTo(hash);
            assertThat(sim.outsideWakeUps()).isZero();
        });
    }
}
