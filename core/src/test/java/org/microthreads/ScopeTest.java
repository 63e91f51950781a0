package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Block scopes: {@code MicroThread.scope}, {@code withTimeout} as a scope, and {@code race} (ADR 0020). */
class ScopeTest {

    /** What members record; single-carrier loops make plain fields safe. */
    static final class Log {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());

        void add(String e) {
            events.add(e);
        }
    }

    // ---- scope ----

    @Test
    void aScopeReturnsOnlyOnceEveryMemberHasEnded() throws Exception {
        Log log = new Log();
        try (Loop loop = Loop.singleCarrier("scope-joins")) {
            String v = loop.run(() -> {
                String r = MicroThread.scope(() -> {
                    MicroThread.startAndForget("slow", () -> {
                        MicroThread.sleep(Duration.ofMillis(30));
                        MicroThread.startAndForget("grandchild", () -> {
                            MicroThread.yieldNow();
                            log.add("grandchild ended");
                        });
                        log.add("slow ended");
                    });
                    return "body's value";
                });
                log.add("scope returned");
                return r;
            });
            assertThat(v).isEqualTo("body's value");
            assertThat(log.events).containsExactly("slow ended", "grandchild ended", "scope returned");
        }
    }

    @Test
    void aMemberFailureCancelsTheOthersAndTheBodyAndIsThrownNotReported() throws Exception {
        Log log = new Log();
        try (Loop loop = Loop.singleCarrier("scope-fails")) {
            Throwable t = loop.run(() -> {
                try {
                    MicroThread.scope(() -> {
                        MicroThread.startAndForget("waiter", () -> {
                            try {
                                new Deferred<Void>().await();
                            } finally {
                                log.add("waiter cleaned up");
                            }
                        });
                        MicroThread<Integer> bad = MicroThread.parallel("bad", () -> {
                            MicroThread.yieldNow();
                            throw new IOException("disk full");
                        });
                        try {
                            new Deferred<Void>().await(); // the body waits: the failure interrupts it
                        } finally {
                            log.add("body interrupted: " + MicroThread.current().isCancelled());
                        }
                        return bad.join();
                    });
                    return null;
                } catch (FailedException e) {
                    assertThat(MicroThread.current().isCancelled()).isFalse(); // the stickiness ended with the scope
                    assertThat(Thread.currentThread().isInterrupted()).isFalse();
                    MicroThread.sleep(Duration.ofMillis(1)); // later waits work
                    return e;
                }
            });
            assertThat(t).isInstanceOf(FailedException.class)
                    .hasMessageContaining("micro-thread 'bad', started in a scope, failed: java.io.IOException: disk full")
                    .cause().isInstanceOf(IOException.class);
            assertThat(t.getSuppressed()).isEmpty(); // the body's InterruptedException was only a consequence
            assertThat(log.events).containsExactlyInAnyOrder("waiter cleaned up", "body interrupted: true");
            assertThat(loop.failureCount()).isZero(); // thrown, so not also handed to the handler
        }
    }

    @Test
    void aStartAndForgetFailureIsTheScopesToo() throws Exception {
        try (Loop loop = Loop.singleCarrier("scope-forget")) {
            assertThatThrownBy(() -> loop.run(() -> MicroThread.scope(() -> {
                MicroThread.startAndForget("careless", () -> {
                    throw new IllegalStateException("oops");
                });
                return null;
            }))).isInstanceOf(FailedException.class).hasRootCauseMessage("oops");
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    void aBodyFailureCancelsTheMembersAndPassesThroughUnchanged() throws Exception {
        Log log = new Log();
        try (Loop loop = Loop.singleCarrier("scope-body-fails")) {
            IOException own = new IOException("own failure");
            Throwable t = loop.run(() -> {
                try {
                    MicroThread.scope(() -> {
                        MicroThread.startAndForget("member", () -> {
                            try {
                                new Deferred<Void>().await();
                            } catch (InterruptedException e) {
                                log.add("member cancelled");
                                throw e;
                            }
                        });
                        MicroThread.yieldNow(); // the member starts waiting
                        throw own;
                    });
                    return null;
                } catch (IOException e) {
                    log.add("scope threw");
                    return e;
                }
            });
            assertThat(t).isSameAs(own);
            assertThat(log.events).containsExactly("member cancelled", "scope threw");
        }
    }

    @Test
    void laterMemberFailuresRideAlongAsSuppressed() throws Exception {
        try (Loop loop = Loop.singleCarrier("scope-later")) {
            Throwable t = loop.run(() -> {
                try {
                    MicroThread.scope(() -> {
                        MicroThread.startAndForget("stubborn", () -> {
                            try {
                                new Deferred<Void>().await();
                            } catch (InterruptedException e) {
                                throw new IllegalStateException("cleanup failed too"); // not caused by the cancel
                            }
                        });
                        MicroThread.startAndForget("first", () -> {
                            MicroThread.yieldNow();
                            throw new IOException("first");
                        });
                        return null;
                    });
                    return null;
                } catch (FailedException e) {
                    return e;
                }
            });
            assertThat(t).hasRootCauseMessage("first");
            assertThat(t.getSuppressed()).singleElement().satisfies(s -> assertThat(s).hasMessage("cleanup failed too"));
        }
    }

    @Test
    void cancellingTheOwnerCancelsTheMembersAndWaitsForThem() throws Exception {
        Log log = new Log();
        try (Loop loop = Loop.singleCarrier("scope-owner-cancelled")) {
            loop.run(() -> {
                Deferred<Void> memberWaiting = new Deferred<>();
                MicroThread<Object> owner = MicroThread.parallel("owner", () -> MicroThread.scope(() -> {
                    MicroThread.startAndForget("member", () -> {
                        try {
                            memberWaiting.complete(null);
                            new Deferred<Void>().await();
                        } finally {
                            log.add("member ended");
                        }
                    });
                    return "body done"; // then the scope waits for the member
                }));
                memberWaiting.await();
                MicroThread.yieldNow(); // the owner is waiting for its member now
                assertThat(owner.waitingOn()).hasValue("waiting for the end of 1 micro-thread started in its scope");
                owner.cancel();
                assertThatThrownBy(owner::join).isInstanceOf(CancellationException.class);
                log.add("owner ended");
                return null;
            });
            assertThat(log.events).containsExactly("member ended", "owner ended");
        }
    }

    @Test
    void aBodyFailureIsNotHiddenBehindACancellationThatCameWhileTheScopeWaited() throws Exception {
        try (Loop loop = Loop.singleCarrier("scope-body-fails-then-cancelled")) {
            Throwable t = loop.run(() -> {
                Deferred<Thread> waiting = new Deferred<>();
                java.util.concurrent.atomic.AtomicBoolean release = new java.util.concurrent.atomic.AtomicBoolean();
                MicroThread<Object> owner = MicroThread.parallel("owner", () -> MicroThread.scope(() -> {
                    MicroThread.startAndForget("stubborn", () -> { // outlives the scope's stop until released
                        waiting.complete(Thread.currentThread());
                        while (!release.get()) {
                            Thread.interrupted();
                            java.util.concurrent.locks.LockSupport.park();
                        }
                    });
                    MicroThread.yieldNow(); // 'stubborn' parks
                    throw new IllegalStateException("the body's own bug"); // stops the scope; 'stubborn' keeps it waiting
                }));
                Thread stubborn = waiting.await();
                MicroThread.yieldNow(); // the owner waits for 'stubborn' now
                assertThat(owner.waitingOn()).hasValueSatisfying(w -> assertThat(w).startsWith("waiting for the end of 1"));
                owner.cancel(); // while the scope waits: its InterruptedException must not hide the body's bug
                release.set(true);
                java.util.concurrent.locks.LockSupport.unpark(stubborn);
                try {
                    owner.join();
                    return null;
                } catch (Exception e) {
                    return e;
                }
            });
            // the owner failed with its bug (not "cancelled"): the failure was not swallowed
            assertThat(t).isInstanceOf(FailedException.class).hasRootCauseMessage("the body's own bug");
            assertThat(t.getCause().getSuppressed()).anySatisfy(s -> assertThat(s).isInstanceOf(InterruptedException.class));
        }
    }

    @Test
    void scopesNest() throws Exception {
        try (Loop loop = Loop.singleCarrier("scope-nest")) {
            String v = loop.run(() -> MicroThread.scope(() -> {
                MicroThread<String> sibling = MicroThread.parallel("sibling", () -> "sibling ok");
                String inner;
                try {
                    inner = MicroThread.scope(() -> {
                        MicroThread.startAndForget("inner-bad", () -> {
                            throw new IOException("inner");
                        });
                        return "unreachable";
                    });
                } catch (FailedException e) {
                    inner = "inner failed: " + e.getCause().getMessage(); // the outer scope is not affected
                }
                return inner + ", " + sibling.join();
            }));
            assertThat(v).isEqualTo("inner failed: inner, sibling ok");
        }
    }

    @Test
    void aScopeWorksFromAPlainThreadWithMembersOnTheSharedLoop() throws Exception {
        AtomicInteger ended = new AtomicInteger();
        String v = MicroThread.scope(() -> {
            for (int i = 0; i < 10; i++) {
                MicroThread.startAndForget(() -> {
                    MicroThread.sleep(Duration.ofMillis(5));
                    ended.incrementAndGet();
                });
            }
            return "plain";
        });
        assertThat(v).isEqualTo("plain");
        assertThat(ended).hasValue(10);
        assertThatThrownBy(() -> MicroThread.scope(() -> {
            MicroThread.startAndForget(() -> {
                new Deferred<Void>().await(); // cancelled by the failure below
            });
            MicroThread.startAndForget(() -> {
                throw new IOException("from the shared loop");
            });
            return null;
        })).isInstanceOf(FailedException.class).hasRootCauseMessage("from the shared loop");
        assertThat(Thread.interrupted()).isFalse(); // nothing leaks into the plain thread
    }

    @Test
    void membersOnAnotherLoopBelongToTheScope() throws Exception {
        Log log = new Log();
        try (Loop a = Loop.singleCarrier("scope-a"); Loop b = Loop.singleCarrier("scope-b")) {
            a.run(() -> MicroThread.scope(() -> {
                b.startAndForget("elsewhere", () -> {
                    MicroThread.sleep(Duration.ofMillis(20));
                    log.add("elsewhere ended");
                });
                return null;
            }));
            log.add("run returned");
            assertThat(log.events).containsExactly("elsewhere ended", "run returned");
        }
    }

    @Test
    void nullBodyIsRejectedAtTheCall() {
        assertThatThrownBy(() -> MicroThread.scope(null)).isInstanceOf(NullPointerException.class).hasMessage("body");
    }

    // ---- withTimeout as a scope ----

    @Test
    void withTimeoutCancelsWhatItsBodyStartedAtTheDeadline() throws Exception {
        Log log = new Log();
        try (Loop loop = Loop.singleCarrier("crawler")) {
            Throwable t = loop.run(() -> {
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
                    return null;
                } catch (TimeoutException e) {
                    log.add("timed out");
                    assertThat(MicroThread.current().isCancelled()).isFalse();
                    return e;
                }
            });
            assertThat(t).hasMessage("timed out after 50ms: 5 micro-threads it started had not ended and were cancelled");
            assertThat(log.events).hasSize(6).last().isEqualTo("timed out"); // every fetch ended before
            assertThat(loop.microThreads()).isEmpty();
        }
    }

    @Test
    void membersCutShortByTheDeadlineMakeItATimeoutEvenIfTheBodyReturned() throws Exception {
        Log log = new Log();
        try (Loop loop = Loop.singleCarrier("late-members")) {
            Object t = loop.run(() -> {
                try {
                    return MicroThread.withTimeout(Duration.ofMillis(30), () -> {
                        MicroThread.startAndForget("audit", () -> {
                            try {
                                MicroThread.sleep(Duration.ofHours(1));
                            } finally {
                                log.add("audit cancelled");
                            }
                        });
                        return "answer";
                    });
                } catch (TimeoutException e) {
                    return e;
                }
            });
            assertThat((Throwable) t).isInstanceOf(TimeoutException.class).hasNoCause()
                    .hasMessage("timed out after 30ms: 1 micro-thread it started had not ended and was cancelled");
            assertThat(log.events).containsExactly("audit cancelled");
        }
    }

    @Test
    void aLateValueWithNothingCutShortIsKept() throws Exception {
        try (Loop loop = Loop.singleCarrier("late-value")) {
            String v = loop.run(() -> MicroThread.withTimeout(Duration.ofMillis(10), () -> {
                try {
                    MicroThread.sleep(Duration.ofHours(1));
                } catch (InterruptedException e) {
                    return "late but kept"; // ADR 0006
                }
                return "unreachable";
            }));
            assertThat(v).isEqualTo("late but kept");
        }
    }

    @Test
    void anOuterDeadlinePassesThroughAnInnerScope() throws Exception {
        try (Loop loop = Loop.singleCarrier("outer-deadline")) {
            Throwable t = loop.run(() -> {
                try {
                    return MicroThread.withTimeout(Duration.ofMillis(20), () -> MicroThread.scope(() -> {
                        MicroThread.startAndForget(() -> new Deferred<Void>().await());
                        return MicroThread.withTimeout(Duration.ofHours(1), () -> {
                            new Deferred<Void>().await();
                            return null;
                        });
                    }));
                } catch (TimeoutException e) {
                    return e;
                }
            });
            assertThat(t).isInstanceOf(TimeoutException.class).hasMessage("timed out after 20ms");
        }
    }

    @Test
    void anAlreadyExpiredTimeoutStopsTheBodyFromItsStart() throws Exception {
        try (Loop loop = Loop.singleCarrier("zero-timeout")) {
            List<String> got = loop.run(() -> {
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
                return r;
            });
            assertThat(got).containsExactly("a body that does not block returns its value", "timed out at once (a timeout of zero or less has already expired)",
                    "timed out at once (a timeout of zero or less has already expired)");
        }
    }

    // ---- deadlock reports ----

    @Test
    void membersThatWaitForEachOtherAreReportedWithTheScopesOwner() throws Exception {
        try (Loop loop = Loop.singleCarrier("scope-deadlock")) {
            assertThatThrownBy(() -> loop.run(() -> MicroThread.scope(() -> {
                Deferred<MicroThread<?>> other = new Deferred<>();
                MicroThread<?> a = MicroThread.parallel("a", () -> other.await().join());
                other.complete(MicroThread.parallel("b", a::join));
                return null;
            }))).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("'main' WAITING: waiting for the end of 2 micro-threads started in its scope")
                    .hasMessageContaining("'a' WAITING: joining micro-thread 'b'");
        }
    }

    @Test
    void aScopeWhoseMemberSleepsIsNotADeadlock() throws Exception {
        try (Loop loop = Loop.singleCarrier("scope-no-deadlock")) {
            String v = loop.run(() -> MicroThread.scope(() -> {
                MicroThread<String> slow = MicroThread.parallel("slow", () -> {
                    MicroThread.sleep(Duration.ofMillis(30));
                    return "slept";
                });
                MicroThread.startAndForget("joiner", slow::join);
                return "ok";
            }));
            assertThat(v).isEqualTo("ok");
        }
    }

    // ---- race ----

    @Test
    void aRaceReturnsTheFirstSuccessAndEndsTheOthers() throws Exception {
        Log log = new Log();
        try (Loop loop = Loop.singleCarrier("race")) {
            String v = loop.run(() -> MicroThread.race(List.of(
                    () -> {
                        try {
                            MicroThread.sleep(Duration.ofHours(1));
                            return "slow";
                        } finally {
                            log.add("slow ended");
                        }
                    },
                    () -> {
                        throw new IOException("mirror down"); // a failed attempt just loses
                    },
                    () -> {
                        MicroThread.yieldNow();
                        return "fast";
                    })));
            assertThat(v).isEqualTo("fast");
            assertThat(log.events).containsExactly("slow ended");
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    void aRaceWithNoSuccessThrowsTheFirstFailureWithTheOthersSuppressed() throws Exception {
        try (Loop loop = Loop.singleCarrier("race-fails")) {
            Throwable t = loop.run(() -> {
                try {
                    MicroThread.race(List.<MicroThread.Body<String>>of(
                            () -> {
                                MicroThread.yieldNow();
                                throw new IOException("second");
                            },
                            () -> {
                                throw new IOException("first");
                            }));
                    return null;
                } catch (FailedException e) {
                    return e;
                }
            });
            assertThat(t).hasMessageContaining("none of the 2 bodies of the race succeeded").hasRootCauseMessage("first");
            assertThat(t.getSuppressed()).singleElement().satisfies(s -> assertThat(s).hasMessage("second"));
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    void aRaceRejectsBadInputBeforeStartingAnything() throws Exception {
        try (Loop loop = Loop.singleCarrier("race-bad")) {
            loop.run(() -> {
                AtomicInteger ran = new AtomicInteger();
                List<MicroThread.Body<Integer>> withNull = new ArrayList<>();
                withNull.add(ran::incrementAndGet);
                withNull.add(null);
                assertThatThrownBy(() -> MicroThread.race(withNull)).isInstanceOf(NullPointerException.class).hasMessage("bodies[1]");
                assertThatThrownBy(() -> MicroThread.race(List.of())).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("at least one body");
                assertThatThrownBy(() -> MicroThread.race(null)).isInstanceOf(NullPointerException.class).hasMessage("bodies");
                MicroThread.yieldNow();
                assertThat(ran).hasValue(0);
                return null;
            });
        }
    }

    @Test
    void aCancelledRacerCancelsEveryBodyAndWaitsForThem() throws Exception {
        Log log = new Log();
        try (Loop loop = Loop.singleCarrier("race-cancelled")) {
            loop.run(() -> {
                MicroThread<String> racer = MicroThread.parallel("racer", () -> MicroThread.race(List.<MicroThread.Body<String>>of(
                        () -> {
                            try {
                                return new Deferred<String>().await();
                            } finally {
                                log.add("body ended");
                            }
                        },
                        () -> {
                            try {
                                return new Deferred<String>().await();
                            } finally {
                                log.add("body ended");
                            }
                        })));
                MicroThread.yieldNow();
                racer.cancel();
                assertThatThrownBy(racer::join).isInstanceOf(CancellationException.class);
                log.add("racer ended");
                return null;
            });
            assertThat(log.events).containsExactly("body ended", "body ended", "racer ended");
        }
    }

    // ---- ScopedValue bindings (ADR 0024) ----

    static final ScopedValue<String> USER = ScopedValue.newInstance();

    @Test
    void microThreadsSeeTheScopedValuesOfTheirStarterAsOfTheStart() throws Exception {
        try (Loop loop = Loop.singleCarrier("scoped-values")) {
            List<String> seen = ScopedValue.where(USER, "alice").call(() -> loop.run(() -> {
                List<String> s = new ArrayList<>();
                s.add("main: " + USER.get());
                s.add("child: " + MicroThread.parallel(() -> USER.get()).join());
                s.add("rebound child: " + ScopedValue.where(USER, "bob").call(() -> MicroThread.parallel(() ->
                        MicroThread.parallel(() -> USER.get()).join()).join()));
                MicroThread<String> late = ScopedValue.where(USER, "carol").call(() -> MicroThread.parallel(() -> {
                    MicroThread.yieldNow(); // runs after the binding's call has returned
                    return USER.get();
                }));
                s.add("after the binding ended: " + late.join() + ", here: " + (USER.isBound() ? USER.get() : "unbound"));
                return s;
            }));
            assertThat(seen).containsExactly("main: alice", "child: alice", "rebound child: bob",
                    "after the binding ended: carol, here: alice");
        }
        String shared = ScopedValue.where(USER, "dave").call(() -> MicroThread.parallel(() -> USER.get()).join());
        assertThat(shared).isEqualTo("dave");
        assertThat(MicroThread.parallel(() -> USER.isBound()).join()).isFalse();
    }

    @Test
    void inheritableThreadLocalsAreCopiedAtTheStart() throws Exception {
        InheritableThreadLocal<String> tl = new InheritableThreadLocal<>();
        tl.set("copied");
        try {
            assertThat(MicroThread.parallel(tl::get).join()).isEqualTo("copied");
        } finally {
            tl.remove();
        }
    }

    // ---- stress: nothing outlives a scope, whatever the interleaving ----

    @Test
    void stressNothingOutlivesAScopeOnTheSharedLoop() throws Exception {
        int rounds = 300 * Integer.getInteger("microthreads.stress.scale", 1);
        AtomicInteger running = new AtomicInteger();
        AtomicReference<String> problem = new AtomicReference<>();
        for (int r = 0; r < rounds; r++) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int members = 1 + rnd.nextInt(6);
            int failing = rnd.nextInt(members + 2); // sometimes none fails
            boolean deadline = rnd.nextBoolean();
            try {
                MicroThread.TimedBody<String, Exception> body = () -> {
                    for (int i = 0; i < members; i++) {
                        int n = i;
                        MicroThread.startAndForget(() -> {
                            running.incrementAndGet();
                            try {
                                if (n == failing) {
                                    MicroThread.yieldNow();
                                    throw new IOException("member " + n);
                                }
                                MicroThread.startAndForget(() -> {
                                    running.incrementAndGet();
                                    try {
                                        MicroThread.sleep(Duration.ofMillis(ThreadLocalRandom.current().nextInt(1, 4)));
                                    } finally {
                                        running.decrementAndGet();
                                    }
                                });
                                MicroThread.sleep(Duration.ofMillis(ThreadLocalRandom.current().nextInt(1, 4)));
                            } finally {
                                running.decrementAndGet();
                            }
                        });
                    }
                    return "ok";
                };
                if (deadline) MicroThread.withTimeout(Duration.ofMillis(2), body); else MicroThread.scope(body);
                if (failing < members && !deadline) problem.compareAndSet(null, "round " + r + ": the failure was lost");
            } catch (FailedException e) {
                if (!(e.getCause() instanceof IOException)) problem.compareAndSet(null, "round " + r + ": " + e);
            } catch (TimeoutException e) {
                if (!deadline) problem.compareAndSet(null, "round " + r + ": timeout without a deadline");
            }
            if (running.get() != 0) problem.compareAndSet(null, "round " + r + ": " + running.get() + " still running after the scope");
        }
        assertThat(problem.get()).isNull();
        assertThat(Thread.interrupted()).isFalse();
    }
}
