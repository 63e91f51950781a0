package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.microthreads.Scenarios.elapsed;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Timeouts and sleeps under every schedule (seeds 0-99 of the simulated loop), on virtual time:
 * what ends, with which exception and message, and at exactly which instant. withTimeout as a
 * scope (its members cut at the deadline), nested deadlines, zero durations, and the timed form
 * of every wait. The real-clock originals stay in {@link TimeoutTest}, {@link ScopeTest} and
 * {@link ZeroDurationTest} (which measure real time only as "at least").
 */
@Timeout(120)
class TimeoutScenarioTest {

    @Test
    void aBodyThatOverrunsGetsTimeoutExceptionAtExactlyItsDeadline() {
        Scenarios.forSeeds(() -> {
            Throwable t;
            try {
                MicroThread.withTimeout(Duration.ofMinutes(5), () -> {
                    new Deferred<Void>().await();
                    return "unreachable";
                });
                t = null;
            } catch (TimeoutException e) {
                assertThat(elapsed()).isEqualTo(Duration.ofMinutes(5));
                assertThat(Thread.currentThread().isInterrupted()).as("nothing leaks").isFalse();
                assertThat(MicroThread.current().isCancelled()).isFalse();
                MicroThread.sleep(Duration.ofSeconds(1)); // and later waits work
                t = e;
            }
            assertThat(t).isInstanceOf(TimeoutException.class).hasMessage("timed out after 5min")
                    .cause().isInstanceOf(InterruptedException.class);
            assertThat(elapsed()).isEqualTo(Duration.ofMinutes(5).plusSeconds(1));
            return null;
        });
    }

    @Test
    void aFastBodyReturnsItsValueItsCheckedExceptionsPassThroughAndItsTimerIsDisarmed() {
        Scenarios.eachSeed(sim -> {
            sim.run(() -> {
                assertThat(MicroThread.withTimeout(Duration.ofHours(10), () -> {
                    MicroThread.sleep(Duration.ofSeconds(1));
                    return 42;
                })).isEqualTo(42);
                assertThatThrownBy(() -> MicroThread.withTimeout(Duration.ofHours(10), () -> {
                    MicroThread.yieldNow();
                    throw new IOException("own failure");
                })).isInstanceOf(IOException.class).hasMessage("own failure");
                return null;
            });
            assertThat(sim.elapsed()).as("the run ended at +1s: no deadline was left armed").isEqualTo(Duration.ofSeconds(1));
        });
    }

    @Test
    void aTimeoutIsStickyInsideTheBody() {
        Scenarios.forSeeds(() -> {
            String v;
            try {
                v = MicroThread.withTimeout(Duration.ofMillis(10), () -> {
                    try {
                        MicroThread.sleep(Duration.ofHours(1));
                    } catch (InterruptedException swallowed) {
                        // a careless body
                    }
                    MicroThread.sleep(Duration.ofHours(1)); // must throw at once
                    return "unreachable";
                });
            } catch (TimeoutException e) {
                v = "timed out";
            }
            assertThat(v).isEqualTo("timed out");
            assertThat(elapsed()).as("the second sleep did not sleep").isEqualTo(Duration.ofMillis(10));
            return null;
        });
    }

    @Test
    void aBodyThatReturnsAfterTheDeadlineWithNothingCutShortKeepsItsValue() {
        Scenarios.forSeeds(() -> {
            String v = MicroThread.withTimeout(Duration.ofMillis(5), () -> {
                try {
                    MicroThread.sleep(Duration.ofHours(1));
                } catch (InterruptedException e) {
                    return "late but kept"; // ADR 0006
                }
                return "slept";
            });
            assertThat(v).isEqualTo("late but kept");
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(5));
            return null;
        });
    }

    @Test
    void nestedTimeoutsReportTheOneThatExpired() {
        Scenarios.forSeeds(() -> {
            String v;
            try {
                v = MicroThread.withTimeout(Duration.ofHours(1), () -> {
                    try {
                        return MicroThread.withTimeout(Duration.ofMillis(10), () -> {
                            MicroThread.sleep(Duration.ofHours(1));
                            return "inner";
                        });
                    } catch (TimeoutException inner) {
                        MicroThread.sleep(Duration.ofMillis(1)); // the outer one is still fine
                        return "inner timed out";
                    }
                });
            } catch (TimeoutException outer) {
                v = "outer timed out";
            }
            assertThat(v).isEqualTo("inner timed out");
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(11));

            String w;
            try {
                w = MicroThread.withTimeout(Duration.ofMillis(10), () -> {
                    try {
                        return MicroThread.withTimeout(Duration.ofHours(1), () -> {
                            MicroThread.sleep(Duration.ofHours(1));
                            return "inner";
                        });
                    } catch (TimeoutException inner) {
                        return "inner reported the outer's timeout";
                    }
                });
            } catch (TimeoutException outer) {
                w = "outer timed out";
            }
            assertThat(w).isEqualTo("outer timed out");
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(21));
            return null;
        });
    }

    // ---- withTimeout as a scope ----

    @Test
    void withTimeoutCancelsWhatItsBodyStartedAtTheDeadlineAndReturnsOnceTheyEnded() {
        Scenarios.forSeeds(() -> {
            List<String> log = new ArrayList<>();
            Throwable t;
            try {
                MicroThread.withTimeout(Duration.ofMillis(50), () -> {
                    List<MicroThread<String>> fetches = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        int n = i;
                        fetches.add(MicroThread.parallel("fetch-" + n, () -> {
                            try {
                                MicroThread.sleep(Duration.ofHours(1)); // a fetch that hangs
                                return "page " + n;
                            } finally {
                                log.add("fetch-" + n + " ended");
                            }
                        }));
                    }
                    List<String> pages = new ArrayList<>();
                    for (MicroThread<String> f : fetches) pages.add(f.join());
                    return pages;
                });
                t = null;
            } catch (TimeoutException e) {
                log.add("timed out");
                assertThat(MicroThread.current().isCancelled()).isFalse();
                t = e;
            }
            assertThat(t).hasMessage("timed out after 50ms: 5 micro-threads it started had not ended and were cancelled");
            assertThat(log).hasSize(6).last().as("every fetch ended before").isEqualTo("timed out");
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(50));
            assertThat(MicroThread.current().loop().microThreads()).containsExactly(MicroThread.current());
            return null;
        });
    }

    @Test
    void membersCutShortByTheDeadlineMakeItATimeoutEvenIfTheBodyReturned() {
        Scenarios.forSeeds(() -> {
            List<String> log = new ArrayList<>();
            Object t;
            try {
                t = MicroThread.withTimeout(Duration.ofSeconds(30), () -> {
                    MicroThread.startAndForget("audit", () -> {
                        try {
                            MicroThread.sleep(Duration.ofHours(1));
                        } finally {
                            log.add("audit cancelled at " + elapsed());
                        }
                    });
                    return "answer";
                });
            } catch (TimeoutException e) {
                t = e;
            }
            assertThat((Throwable) t).isInstanceOf(TimeoutException.class).hasNoCause()
                    .hasMessage("timed out after 30s: 1 micro-thread it started had not ended and was cancelled");
            assertThat(log).containsExactly("audit cancelled at PT30S");
            return null;
        });
    }

    @Test
    void membersThatEndInTimeLeaveTheValueAlone() {
        Scenarios.forSeeds(() -> {
            List<String> log = new ArrayList<>();
            String v = MicroThread.withTimeout(Duration.ofSeconds(30), () -> {
                for (int i = 1; i <= 3; i++) {
                    int n = i;
                    MicroThread.startAndForget(() -> {
                        MicroThread.sleep(Duration.ofSeconds(n * 5));
                        log.add("member " + n);
                    });
                }
                return "answer";
            });
            assertThat(v).isEqualTo("answer");
            assertThat(log).containsExactly("member 1", "member 2", "member 3");
            assertThat(elapsed()).as("the scope waited for the last member, not the deadline").isEqualTo(Duration.ofSeconds(15));
            return null;
        });
    }

    @Test
    void anOuterDeadlinePassesThroughAnInnerScope() {
        Scenarios.forSeeds(() -> {
            Throwable t;
            try {
                MicroThread.withTimeout(Duration.ofMillis(20), () -> MicroThread.scope(() -> {
                    MicroThread.startAndForget(() -> new Deferred<Void>().await());
                    return MicroThread.withTimeout(Duration.ofHours(1), () -> {
                        new Deferred<Void>().await();
                        return null;
                    });
                }));
                t = null;
            } catch (TimeoutException e) {
                t = e;
            }
            assertThat(t).isInstanceOf(TimeoutException.class).hasMessage("timed out after 20ms");
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(20));
            return null;
        });
    }

    @Test
    void anAlreadyExpiredTimeoutStopsTheBodyFromItsStart() {
        Scenarios.forSeeds(() -> {
            List<String> r = new ArrayList<>();
            r.add(MicroThread.withTimeout(Duration.ZERO, () -> "a body that does not block returns its value"));
            for (Duration d : List.of(Duration.ZERO, Duration.ofMillis(-5))) {
                try {
                    MicroThread.withTimeout(d, () -> {
                        MicroThread.startAndForget("member", () -> new Deferred<Void>().await());
                        MicroThread.yieldNow(); // the first blocking call throws
                        return "unreachable";
                    });
                } catch (TimeoutException e) {
                    r.add(e.getMessage());
                }
            }
            assertThat(r).containsExactly("a body that does not block returns its value",
                    "timed out at once (a timeout of zero or less has already expired)",
                    "timed out at once (a timeout of zero or less has already expired)");
            assertThat(elapsed()).isZero();
            return null;
        });
    }

    /**
     * A body that would end at the very instant of its deadline: which comes first is not
     * promised, but the outcome is one of the two, at exactly that instant.
     */
    @Test
    void aBodyEndingAtTheInstantOfItsDeadlineEitherReturnsOrTimesOutThen() {
        Scenarios.forSeeds(() -> {
            String v;
            try {
                v = MicroThread.withTimeout(Duration.ofSeconds(7), () -> {
                    MicroThread.sleep(Duration.ofSeconds(7));
                    return "made it";
                });
            } catch (TimeoutException e) {
                v = "timed out";
            }
            assertThat(v).isIn("made it", "timed out");
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(7));
            return null;
        });
    }

    // ---- sleep and the timed form of every wait ----

    @Test
    void sleepOfZeroOrLessReturnsAtOnceWithoutYielding() {
        Scenarios.forSeeds(() -> {
            List<String> l = new ArrayList<>();
            MicroThread.startAndForget(() -> l.add("other ran"));
            for (Duration d : List.of(Duration.ZERO, Duration.ofNanos(-1), Duration.ofMillis(-5), Duration.ofSeconds(Long.MIN_VALUE))) {
                MicroThread.sleep(d);
            }
            l.add("slept 4 times"); // the other one has not run: no yield
            MicroThread.sleep(Duration.ofNanos(1));
            assertThat(l).containsExactly("slept 4 times", "other ran");
            assertThat(elapsed()).isEqualTo(Duration.ofNanos(1));
            return null;
        });
    }

    /** Each timed wait with nothing to wait for ends at exactly its timeout, one after the other. */
    @Test
    void everyTimedWaitTimesOutAtExactlyItsInstant() {
        Scenarios.forSeeds(() -> {
            Deferred<String> never = new Deferred<>();
            MicroThread<String> pending = MicroThread.parallel("pending", never::await);
            Pipe<String> empty = Pipe.rendezvous();
            Limiter none = Limiter.of(1);
            none.acquire();
            assertThatThrownBy(() -> pending.join(Duration.ofSeconds(1))).isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("'pending' did not end within 1s");
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(1));
            assertThatThrownBy(() -> never.await(Duration.ofSeconds(1))).isInstanceOf(TimeoutException.class);
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(2));
            assertThat(empty.tryTake(Duration.ofSeconds(1))).isNull();
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(3));
            assertThat(empty.tryPut("x", Duration.ofSeconds(1))).isFalse();
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(4));
            assertThat(Select.select(empty.onTake(x -> x), Select.onTimeout(Duration.ofSeconds(1), () -> "t"))).isEqualTo("t");
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(5));
            assertThat(none.tryAcquire(Duration.ofSeconds(1))).isFalse();
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(6));
            assertThat(empty.waitingTakers() + empty.waitingPutters() + none.waiting()).as("nothing left registered").isZero();
            never.complete("released");
            assertThat(pending.join()).isEqualTo("released");
            return null;
        });
    }

    @Test
    void joinWithZeroGivesTheOutcomeOfAnEndedOneAndTimesOutAtOnceOtherwise() {
        Scenarios.forSeeds(() -> {
            Deferred<String> gate = new Deferred<>();
            MicroThread<String> pending = MicroThread.parallel("pending", gate::await);
            MicroThread<String> ok = MicroThread.parallel("ok", () -> "v");
            MicroThread<String> bad = MicroThread.parallel("bad", () -> {
                throw new IllegalStateException("boom");
            });
            Scenarios.yieldUntil(() -> ok.isDone() && bad.isDone());
            for (Duration d : List.of(Duration.ZERO, Duration.ofMillis(-5))) {
                assertThat(ok.join(d)).isEqualTo("v");
                assertThatThrownBy(() -> bad.join(d)).isInstanceOf(FailedException.class).cause().hasMessage("boom");
                assertThatThrownBy(() -> pending.join(d)).isInstanceOf(TimeoutException.class)
                        .hasMessage("micro-thread 'pending' did not end at once (timeout " + (d.isZero() ? "0" : d)
                                + ": zero or less does not wait)");
            }
            assertThat(pending.isDone()).as("a join that does not wait leaves it running").isFalse();
            gate.complete("released");
            assertThat(pending.join()).isEqualTo("released");
            assertThat(elapsed()).isZero();
            return null;
        });
    }

    /** A deferred completed by a timer: an await with a longer timeout gets it when it comes; a shorter one times out first. */
    @Test
    void anAwaitGetsAValueThatComesBeforeItsTimeoutWhenItComes() {
        Scenarios.forSeeds(() -> {
            Deferred<String> d = new Deferred<>();
            MicroThread.startAndForget(() -> {
                MicroThread.sleep(Duration.ofSeconds(20));
                d.complete("at 20s");
            });
            MicroThread<String> patient = MicroThread.parallel(() -> d.await(Duration.ofSeconds(30)));
            assertThatThrownBy(() -> d.await(Duration.ofSeconds(10))).isInstanceOf(TimeoutException.class);
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(10));
            assertThat(patient.join()).isEqualTo("at 20s");
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(20));
            return null;
        });
    }
}
