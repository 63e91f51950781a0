package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.microthreads.DeadlockRuleTest.waitUntil;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The limiter (issue 14, item 3; ADR 0021): forms, order, release rules, cancellation, dumps, loops, bad input. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimiterTest {

    @Test
    void badInputIsRefusedAtTheCallNamingWhatWasWrong() {
        assertThatThrownBy(() -> Limiter.of(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("permits must be at least 1, was 0");
        assertThatThrownBy(() -> Limiter.of(-3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("permits must be at least 1, was -3");
        assertThatThrownBy(() -> Limiter.of(1 << 30)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("permits must be at most 1073741823, was 1073741824");
        assertThat(Limiter.of((1 << 30) - 1).available()).isEqualTo((1 << 30) - 1);
        Limiter l = Limiter.of(2);
        assertThatThrownBy(() -> l.named(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
        assertThatThrownBy(() -> l.tryAcquire(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThat(l.available()).as("nothing taken by a refused call").isEqualTo(2);
    }

    @Test
    void countsPermitsAndRefusesAReleaseBeyondThem() throws Exception {
        Limiter l = Limiter.of(2).named("fetch");
        assertThat(l.permits()).isEqualTo(2);
        assertThat(l.tryAcquire()).isTrue();
        l.acquire();
        assertThat(l.available()).isZero();
        assertThat(l.tryAcquire()).isFalse();
        l.release();
        l.release();
        assertThat(l.available()).isEqualTo(2);
        assertThatThrownBy(l::release).isInstanceOf(IllegalStateException.class)
                .hasMessage("limiter 'fetch' was released more often than acquired: all 2 permits are free already");
        assertThat(l.available()).isEqualTo(2);
        assertThat(l.toString()).isEqualTo("limiter 'fetch'");
        assertThat(Limiter.mutex().permits()).isEqualTo(1);
        assertThat(Limiter.mutex().name()).startsWith("limiter-");
    }

    @Test
    void aPermitOfTryWithResourcesIsReleasedExactlyOnce() throws Exception {
        Limiter l = Limiter.of(2);
        try (Limiter.Permit p = l.enter()) {
            assertThat(p.limiter()).isSameAs(l);
            assertThat(l.available()).isEqualTo(1);
            p.close(); // early, by hand: the block's end then does nothing
            assertThat(l.available()).isEqualTo(2);
            assertThat(p).hasToString("released permit of " + l);
        }
        assertThat(l.available()).isEqualTo(2);
        assertThatThrownBy(() -> {
            try (Limiter.Permit p = l.enter()) {
                throw new IllegalStateException("boom");
            }
        }).hasMessage("boom");
        assertThat(l.available()).as("released when the block throws").isEqualTo(2);
    }

    /** On a single-carrier loop the order is deterministic: first come, first served, no barging. */
    @Test
    void releasedPermitsGoToTheLongestWaitingAcquirerAndNobodyBargesAhead() throws Exception {
        try (Loop loop = Loop.singleCarrier("fifo")) {
            List<String> order = loop.run(() -> {
                Limiter m = Limiter.mutex().named("m");
                List<String> got = new ArrayList<>();
                m.acquire();
                List<MicroThread<Void>> ws = new ArrayList<>();
                for (String n : List.of("w1", "w2", "w3")) {
                    ws.add(MicroThread.parallel(n, () -> {
                        m.acquire();
                        got.add(n);
                        MicroThread.yieldNow();
                        m.release();
                        return null;
                    }));
                }
                MicroThread.yieldNow(); // each runs until it queues
                assertThat(m.waiting()).isEqualTo(3);
                assertThat(ws.get(0).waitingOn()).contains("waiting for a permit of limiter 'm' (0 of 1 free)");
                assertThat(loop.dump()).contains("'w3' WAITING: waiting for a permit of limiter 'm' (0 of 1 free)");
                m.release(); // straight to w1
                assertThat(m.available()).isZero();
                assertThat(m.tryAcquire()).as("not ahead of w2 and w3").isFalse();
                assertThat(m.tryAcquire(Duration.ZERO)).isFalse();
                ws.add(MicroThread.parallel("w4", () -> {
                    m.acquire();
                    got.add("w4");
                    m.release();
                    return null;
                }));
                for (MicroThread<Void> w : ws) w.join();
                assertThat(m.available()).isEqualTo(1);
                assertThat(m.waiting()).isZero();
                return got;
            });
            assertThat(order).containsExactly("w1", "w2", "w3", "w4");
        }
    }

    @Test
    void aZeroOrNegativeTimeoutTriesOnceAndAPositiveOneWaitsAtMostThatLong() throws Exception {
        Limiter l = Limiter.mutex().named("m");
        assertThat(l.tryAcquire(Duration.ZERO)).isTrue();
        assertThat(l.tryAcquire(Duration.ZERO)).isFalse();
        assertThat(l.tryAcquire(Duration.ofSeconds(-1))).isFalse();
        long t0 = System.nanoTime();
        assertThat(l.tryAcquire(Duration.ofMillis(30))).isFalse();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
        assertThat(l.waiting()).as("a timed-out acquirer left the queue").isZero();
        l.release();
        assertThat(l.available()).as("a timed-out acquire holds nothing").isEqualTo(1);
        // a timed acquire that a release ends in time
        l.acquire();
        MicroThread<Boolean> waiter = Loop.shared().parallel("timed", () -> l.tryAcquire(Duration.ofSeconds(30)));
        waitUntil(() -> waiter.waitingOn().isPresent());
        assertThat(waiter.waitingOn()).contains("waiting for a permit of limiter 'm' (0 of 1 free)");
        l.release();
        assertThat(waiter.join()).isTrue();
        assertThat(l.available()).isZero();
        l.release();
    }

    @Test
    void aCancelledAcquireHoldsNothingAndThePermitPassesOn() throws Exception {
        try (Loop loop = Loop.singleCarrier("cancel")) {
            Limiter l = Limiter.mutex().named("m");
            String result = loop.run(() -> {
                l.acquire();
                AtomicReference<String> outcome = new AtomicReference<>("none");
                MicroThread<Void> first = MicroThread.parallel("first", () -> {
                    try {
                        l.acquire();
                        outcome.set("acquired");
                        l.release();
                    } catch (InterruptedException e) {
                        outcome.set("threw");
                        throw e;
                    }
                    return null;
                });
                MicroThread<String> second = MicroThread.parallel("second", () -> {
                    l.acquire();
                    l.release();
                    return "second got it";
                });
                MicroThread.yieldNow(); // both queue
                assertThat(l.waiting()).isEqualTo(2);
                // in one turn of the carrier: the release grants 'first', then 'first' is cancelled
                // before it runs again: it must throw and pass the permit on to 'second'
                l.release();
                first.cancel();
                String s = second.join();
                assertThatThrownBy(first::join).isInstanceOf(java.util.concurrent.CancellationException.class);
                assertThat(outcome.get()).isEqualTo("threw");
                assertThat(l.available()).isEqualTo(1);
                assertThat(l.waiting()).isZero();
                return s;
            });
            assertThat(result).isEqualTo("second got it");
        }
    }

    @Test
    void aMicroThreadCancelledBeforeTheCallGetsInterruptedEvenWithAPermitFree() throws Exception {
        Limiter l = Limiter.of(3);
        try (Loop loop = Loop.singleCarrier("pre-cancelled")) {
            List<String> seen = loop.run(() -> {
                List<String> out = new ArrayList<>();
                MicroThread.current().cancel();
                try {
                    l.acquire();
                    out.add("acquired");
                } catch (InterruptedException e) {
                    out.add("acquire threw");
                }
                try {
                    l.tryAcquire(Duration.ofSeconds(1));
                    out.add("timed acquired");
                } catch (InterruptedException e) {
                    out.add("timed threw");
                }
                try {
                    l.enter().close();
                } catch (InterruptedException e) {
                    out.add("enter threw");
                }
                out.add("try " + l.tryAcquire()); // never waits: cancellation does not apply
                l.release();
                return out;
            });
            assertThat(seen).containsExactly("acquire threw", "timed threw", "enter threw", "try true");
        }
        assertThat(l.available()).isEqualTo(3);
    }

    @Test
    void plainThreadsWaitAndAreInterruptedAsWell() throws Exception {
        Limiter l = Limiter.mutex().named("plain");
        l.acquire();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                l.acquire();
                l.release();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        waitUntil(() -> l.waiting() == 1);
        t.interrupt();
        t.join();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(l.waiting()).isZero();
        l.release();
        assertThat(l.available()).isEqualTo(1);
    }

    /** Micro-threads of a host loop (continuations on one host thread) share a mutex with a plain thread. */
    @Test
    void worksOnAHostLoopBesideAPlainThread() throws Exception {
        try (HostLoopTest.Host host = new HostLoopTest.Host()) {
            Loop loop = Loop.onHost("host-limiter", host);
            try {
                Limiter m = Limiter.mutex().named("m");
                int[] counter = {0};
                int n = 2_000;
                Thread plain = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < n; i++) {
                        try (Limiter.Permit p = m.enter()) {
                            counter[0]++;
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                });
                List<Thread> seen = new CopyOnWriteArrayList<>();
                loop.run(() -> {
                    List<MicroThread<Void>> ws = new ArrayList<>();
                    for (int w = 0; w < 3; w++) {
                        ws.add(MicroThread.parallel(() -> {
                            for (int i = 0; i < n; i++) {
                                try (Limiter.Permit p = m.enter()) {
                                    int c = counter[0];
                                    if (i % 7 == 0) MicroThread.yieldNow(); // another host micro-thread runs meanwhile
                                    counter[0] = c + 1;
                                }
                            }
                            seen.add(Thread.currentThread());
                            return null;
                        }));
                    }
                    for (MicroThread<Void> w : ws) w.join();
                    return null;
                });
                plain.join();
                m.acquire(); // the counter's last writes happen-before this acquire
                assertThat(counter[0]).isEqualTo(4 * n);
                m.release();
                assertThat(seen).hasSize(3).containsOnly(host.thread);
                assertThat(m.available()).isEqualTo(1);
                // a confined mutex taken twice by its holder on a host loop: a deadlock report
                assertThatThrownBy(() -> loop.run(() -> {
                    Limiter again = Limiter.mutex().named("again").confined();
                    again.acquire();
                    again.acquire();
                    return null;
                })).isInstanceOf(DeadlockException.class)
                        .hasMessageContaining("'main' WAITING: waiting for a permit of limiter 'again' (0 of 1 free)");
            } finally {
                loop.close();
            }
            assertThat(host.errors).isEmpty();
        }
    }

    // =====================================================================================
    // Confinement and the deadlock report
    // =====================================================================================

    @Test
    void twoMicroThreadsEachHoldingAConfinedMutexTheOtherWantsAreReported() throws Exception {
        try (Loop loop = Loop.singleCarrier("locks")) {
            assertThatThrownBy(() -> loop.run(() -> {
                Limiter a = Limiter.mutex().named("a").confined(), b = Limiter.mutex().named("b").confined();
                MicroThread<Void> x = MicroThread.parallel("x", () -> {
                    try (Limiter.Permit p = a.enter()) {
                        MicroThread.yieldNow();
                        b.acquire();
                    }
                    return null;
                });
                MicroThread<Void> y = MicroThread.parallel("y", () -> {
                    try (Limiter.Permit p = b.enter()) {
                        MicroThread.yieldNow();
                        a.acquire();
                    }
                    return null;
                });
                x.join();
                return y.join();
            })).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("every micro-thread is waiting for another one")
                    .hasMessageContaining("'x' WAITING: waiting for a permit of limiter 'b' (0 of 1 free)")
                    .hasMessageContaining("'y' WAITING: waiting for a permit of limiter 'a' (0 of 1 free)")
                    .hasMessageContaining("'main' WAITING: joining micro-thread 'x'");
        }
    }

    /** The same two waits on an unconfined mutex never count: a thread outside may release it. */
    @Test
    void aWaitOnAnUnconfinedLimiterIsNeverReported() throws Exception {
        try (Loop loop = Loop.singleCarrier("unconfined"); LogCapture log = LogCapture.start()) {
            Limiter m = Limiter.mutex().named("m");
            m.acquire(); // held by this plain thread
            CompletableFuture<String> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return loop.run(() -> {
                        m.acquire();
                        m.release();
                        return "got it";
                    });
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            CarrierDriver carrier = (CarrierDriver) loop.driver;
            waitUntil(() -> m.waiting() == 1 && carrier.carrierSleepsForTest()); // idle, its check done
            m.release();
            assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo("got it");
            assertThat(log.messages).noneMatch(s -> s.contains("deadlock"));
        }
    }

    /** A holder in a timed sleep, or awaiting something from outside, can still release: no report. */
    @Test
    void waitersOfAConfinedLimiterAreNotReportedWhileAHolderCanStillRelease() throws Exception {
        try (Loop loop = Loop.singleCarrier("holders")) {
            Deferred<Integer> fromOutside = new Deferred<>();
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return loop.run(() -> {
                        Limiter l = Limiter.of(2).named("pool").confined();
                        MicroThread<Integer> sleeper = MicroThread.parallel("sleeper", () -> {
                            try (Limiter.Permit p = l.enter()) {
                                MicroThread.sleep(Duration.ofMillis(50));
                                return 1;
                            }
                        });
                        MicroThread<Integer> awaiter = MicroThread.parallel("awaiter", () -> {
                            try (Limiter.Permit p = l.enter()) {
                                return fromOutside.await();
                            }
                        });
                        MicroThread.yieldNow();
                        int sum = 0;
                        for (int i = 0; i < 3; i++) {
                            try (Limiter.Permit p = l.enter()) {
                                sum += 10;
                            }
                        }
                        return sum + sleeper.join() + awaiter.join();
                    });
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            CarrierDriver carrier = (CarrierDriver) loop.driver;
            // the sleeper has ended (its permit served main), main now waits for the awaiter's permit
            waitUntil(() -> loop.microThreads().size() == 2 && carrier.carrierSleepsForTest()
                    && loop.microThreads().stream().allMatch(m -> m.waitingOn().isPresent()));
            fromOutside.complete(100);
            assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(131);
        }
    }

    @Test
    void confinementIsRefusedWhereTheRuleCouldNotHold() throws Exception {
        Limiter l = Limiter.of(2).named("l");
        assertThatThrownBy(l::confined).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("limiter 'l' can only be confined by a micro-thread of a single-carrier loop, not by Thread[");
        assertThatThrownBy(() -> Loop.shared().parallel("s", l::confined).join()).isInstanceOf(FailedException.class)
                .cause().hasMessage("limiter 'l' can only be confined by a micro-thread of a single-carrier loop, not by micro-thread 's' of loop 'shared'");
        l.acquire(); // held by a plain thread, which could not release it once confined
        try (Loop loop = Loop.singleCarrier("conf")) {
            assertThatThrownBy(() -> loop.run(l::confined)).isInstanceOf(FailedException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("limiter 'l' cannot be confined to the run of 'main' (#")
                    .hasMessageEndingWith("on loop 'conf': 1 of its 2 permits are held (confine it when all its permits are free)");
            l.release();
            CompletableFuture<Limiter> published = new CompletableFuture<>();
            Deferred<Void> done = new Deferred<>();
            CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
                try {
                    loop.run(() -> {
                        published.complete(l.confined());
                        return done.await();
                    });
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            Limiter c = published.get(30, TimeUnit.SECONDS);
            assertThatThrownBy(c::tryAcquire).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("limiter 'l' is confined to loop 'conf' and cannot be used by Thread[");
            assertThatThrownBy(c::acquire).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(c::release).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> loop.parallel("outsider", c::tryAcquire).join()).isInstanceOf(FailedException.class)
                    .cause().hasMessageContaining("limiter 'l' is confined to the run of 'main'")
                    .hasMessageContaining("cannot be used by micro-thread 'outsider' of loop 'conf' outside any run");
            assertThat(c.available()).as("a refused acquire took no permit").isEqualTo(2);
            done.complete(null);
            run.get(30, TimeUnit.SECONDS);
            // once that run has ended, the loop's micro-threads may use it
            assertThat(loop.parallel(() -> c.tryAcquire()).join()).isTrue();
            loop.parallel(() -> {
                c.release();
                return null;
            }).join();
            assertThat(c.available()).isEqualTo(2);
        }
    }

    /** Many micro-threads of a single-carrier loop through a limit of 3 on a confined limiter: the limit holds. */
    @Test
    void atMostPermitsHoldersAtOnce() throws Exception {
        try (Loop loop = Loop.singleCarrier("limit")) {
            int peak = loop.run(() -> {
                Limiter l = Limiter.of(3).named("three").confined();
                AtomicInteger inside = new AtomicInteger(), most = new AtomicInteger();
                List<MicroThread<Void>> ws = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    int k = i;
                    ws.add(MicroThread.parallel(() -> {
                        try (Limiter.Permit p = l.enter()) {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            for (int y = 0; y < k % 4; y++) MicroThread.yieldNow();
                            inside.decrementAndGet();
                        }
                        return null;
                    }));
                }
                for (MicroThread<Void> w : ws) w.join();
                assertThat(l.available()).isEqualTo(3);
                return most.get();
            });
            assertThat(peak).isEqualTo(3);
        }
    }
}
