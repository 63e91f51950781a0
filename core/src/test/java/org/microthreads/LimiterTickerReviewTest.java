package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.microthreads.DeadlockRuleTest.waitUntil;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Review of {@link Limiter} and {@link Pipe#ticker} (ADR 0021, 0022). Tests that fail on the
 * reviewed code say so in their comment; the rest are regression tests of what was checked and
 * found sound.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LimiterTickerReviewTest {

    // =====================================================================================
    // Limiter
    // =====================================================================================

    /**
     * FAILS on the reviewed code. {@code Permit.close()} reads and writes a plain boolean: two
     * threads closing the same permit at once both see it unreleased and both release, so the
     * limiter frees a permit someone else still holds (with 2 permits, one held elsewhere, the
     * second release does not even trip the over-release check). Documented as "not for
     * concurrent use", but "released exactly once, however the block ends" is the point of the
     * class, and a permit handed to a worker while the owner's finally also closes it is the
     * natural way to get there. Fix: a CAS on {@code released} (VarHandle), off the fast path of
     * acquire/release.
     */
    @Test
    void aPermitClosedByTwoThreadsAtOnceIsReleasedOnce() throws Exception {
        Limiter l = Limiter.of(2).named("two");
        int doubled = 0, rounds = 0;
        while (rounds < 5_000 && doubled == 0) {
            rounds++;
            l.acquire(); // a permit held by someone else all along
            Limiter.Permit p = l.enter();
            AtomicInteger ready = new AtomicInteger();
            Runnable closer = () -> {
                ready.incrementAndGet();
                while (ready.get() < 2) Thread.onSpinWait(); // both start together
                try {
                    p.close();
                } catch (IllegalStateException refused) {
                    // the over-release check caught the second one: counted below anyway
                }
            };
            Thread a = Thread.ofPlatform().start(closer), b = Thread.ofPlatform().start(closer);
            a.join();
            b.join();
            if (l.available() != 1) doubled++;
            while (l.available() > 0) assertThat(l.tryAcquire()).isTrue(); // back to: nothing free
            l.release();
            l.release();
        }
        assertThat(doubled).as("a permit closed by two threads at once was released twice (round %d)", rounds).isZero();
    }

    /**
     * FAILS on the reviewed code (it hangs; bounded here). A limiter confined to a run that has
     * ended stays confined to that run: a later run on the same loop calling {@code confined()}
     * gets neither the confinement (the javadoc: "confines ... while the caller's run is in
     * progress, to that run"; only "calling it again from the same run is a no-op") nor an
     * exception. Its waits then never count, and its mutex taken twice hangs instead of being
     * reported. (Pipe.confined() has the same shape.) Fix: under the lock, when
     * {@code confinedTo} is a run that is no longer in progress and every permit is free, move
     * the confinement to the caller's scope; else throw.
     */
    @Test
    void aLaterRunThatConfinesTheLimiterAgainHasItsDeadlockReportedOrIsRefused() throws Exception {
        try (Loop loop = Loop.singleCarrier("reconfine")) {
            loop.closeGrace = Duration.ofSeconds(2);
            Limiter m = loop.run(() -> Limiter.mutex().named("m").confined());
            CompletableFuture<Object> second = CompletableFuture.supplyAsync(() -> {
                try {
                    return loop.run(() -> {
                        m.confined(); // the second run confines it to itself (or is refused)
                        m.acquire();
                        m.acquire(); // not reentrant: a true deadlock
                        return "impossible";
                    });
                } catch (Exception e) {
                    return e;
                }
            }, r -> Thread.ofPlatform().daemon().start(r));
            Object outcome;
            try {
                outcome = second.get(10, TimeUnit.SECONDS);
            } catch (TimeoutException hang) {
                outcome = "hung: " + loop.dump();
            }
            assertThat(outcome).satisfiesAnyOf(
                    o -> assertThat(o).isInstanceOf(DeadlockException.class),
                    o -> assertThat(o).isInstanceOf(FailedException.class)
                            .extracting(e -> ((Throwable) e).getCause()).isInstanceOf(IllegalStateException.class));
        }
    }

    /**
     * Sound: FIFO hand-off through a waiter cancelled before it ran. The release chooses the
     * cancelled head (its choose beats its not-yet-run give-up); it throws and passes the permit
     * to the next in line; nobody (not even a tryAcquire) barges in meanwhile.
     */
    @Test
    void aCancelledHeadPassesThePermitToTheNextInLineAndNobodyBarges() throws Exception {
        try (Loop loop = Loop.singleCarrier("fifo")) {
            List<String> order = loop.run(() -> {
                Limiter l = Limiter.mutex().named("fifo").confined();
                l.acquire();
                List<String> got = new ArrayList<>();
                List<MicroThread<Void>> ws = new ArrayList<>();
                for (String name : List.of("a", "b", "c")) {
                    ws.add(MicroThread.parallel(name, () -> {
                        try (Limiter.Permit p = l.enter()) {
                            got.add(name);
                        }
                        return null;
                    }));
                }
                MicroThread.yieldNow(); // all three queued, in order
                assertThat(l.waiting()).isEqualTo(3);
                ws.get(0).cancel(); // 'a' has not run since: its node is still waiting
                l.release();
                assertThat(l.tryAcquire()).as("no barging while 'b' and 'c' wait").isFalse();
                assertThatThrownBy(ws.get(0)::join).isInstanceOf(CancellationException.class);
                ws.get(1).join();
                ws.get(2).join();
                assertThat(l.available()).isEqualTo(1);
                assertThat(l.waiting()).isZero();
                return got;
            });
            assertThat(order).containsExactly("b", "c");
        }
    }

    /** Sound: a waiter that gave up leaves no permit behind, and the over-release check still fires. */
    @Test
    void aWaiterThatGaveUpLeavesTheCountExactAndOverReleaseIsStillCaught() throws Exception {
        Limiter l = Limiter.mutex().named("m");
        l.acquire();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                outcome.set(l.tryAcquire(Duration.ofHours(1)));
            } catch (InterruptedException e) {
                outcome.set(e);
            }
        });
        waitUntil(() -> l.waiting() == 1);
        t.interrupt();
        t.join();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(l.available()).isZero();
        Thread timed = Thread.ofPlatform().start(() -> {
            try {
                outcome.set(l.tryAcquire(Duration.ofMillis(1)));
            } catch (InterruptedException e) {
                outcome.set(e);
            }
        });
        timed.join();
        assertThat(outcome.get()).isEqualTo(false);
        l.release();
        assertThat(l.available()).isEqualTo(1);
        assertThatThrownBy(l::release).isInstanceOf(IllegalStateException.class)
                .hasMessage("limiter 'm' was released more often than acquired: all 1 permits are free already");
        assertThat(l.available()).isEqualTo(1);
    }

    /**
     * Sound (bounded stress): releases racing timed acquires whose timeouts expire at about the
     * same moment, on plain threads: every acquire that returned true holds exactly one permit,
     * those that returned false hold none, and at the end every permit is free and nobody waits.
     */
    @Test
    void releasesRacingTimeoutsNeverLoseNorDoubleAPermit() throws Exception {
        Limiter l = Limiter.of(2).named("race");
        for (int round = 0; round < 1_000; round++) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            l.acquire();
            l.acquire();
            AtomicInteger held = new AtomicInteger(), finished = new AtomicInteger();
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long nanos = rnd.nextLong(1_000, 100_000);
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        if (l.tryAcquire(Duration.ofNanos(nanos))) held.incrementAndGet();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    finished.incrementAndGet();
                }));
            }
            for (int i = rnd.nextInt(50_000); i > 0; i--) Thread.onSpinWait();
            l.release();
            l.release();
            for (Thread t : ts) t.join();
            int h = held.get();
            assertThat(h).isBetween(0, 2);
            assertThat(l.available()).as("round %d: %d holders", round, h).isEqualTo(2 - h);
            for (int i = 0; i < h; i++) l.release();
            assertThat(l.available()).isEqualTo(2);
            assertThat(l.waiting()).isZero();
        }
    }

    /**
     * Sound: the deadlock rule never reports a wait for a permit while a micro-thread of the run
     * could still release one: here the holder waits on an unconfined pipe that a plain thread
     * feeds later.
     */
    @Test
    void aHolderWaitingOnAnUnconfinedPipeKeepsTheRunsLimiterWaitsUnreported() throws Exception {
        try (Loop loop = Loop.singleCarrier("holder-on-pipe")) {
            Pipe<String> fromOutside = Pipe.buffered(1);
            CompletableFuture<String> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return loop.run(() -> {
                        Limiter m = Limiter.mutex().named("m").confined();
                        MicroThread<String> holder = MicroThread.parallel("holder", () -> {
                            try (Limiter.Permit p = m.enter()) {
                                return fromOutside.take();
                            }
                        });
                        MicroThread.yieldNow();
                        m.acquire(); // counted, but the holder's wait is not
                        m.release();
                        return holder.join();
                    });
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            CarrierDriver carrier = (CarrierDriver) loop.driver;
            waitUntil(() -> loop.microThreads().size() == 2 && carrier.carrierSleepsForTest()
                    && loop.microThreads().stream().allMatch(m -> m.waitingOn().isPresent()));
            fromOutside.put("fed");
            assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo("fed");
        }
    }

    // =====================================================================================
    // Ticker
    // =====================================================================================

    /**
     * Sound (bounded stress): close() racing the timer, with periods of tens of microseconds: once
     * close() has returned nothing is scheduled, and no tick is put afterwards (checked again at
     * the end, after every other round's timers had their chance).
     */
    @Test
    void noTickIsPutAfterCloseReturns() throws Exception {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        List<Ticker> timers = new ArrayList<>();
        List<Long> lasts = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Pipe<Long> ticks = Pipe.ticker(Duration.ofNanos(rnd.nextLong(5_000, 60_000)));
            if (rnd.nextBoolean()) ticks.take();
            for (int k = rnd.nextInt(20_000); k > 0; k--) Thread.onSpinWait();
            if (rnd.nextBoolean()) ticks.close(); else ticks.fail(new IllegalStateException("stop"));
            Ticker t = ticks.tickerTimer();
            assertThat(t.pending()).isFalse();
            timers.add(t);
            lasts.add(t.last());
            int left = 0;
            try {
                while (ticks.takeOrClosed() != null) left++;
            } catch (FailedException failed) {
                // drained, then the failure
            }
            assertThat(left).isLessThanOrEqualTo(1);
        }
        for (int i = 0; i < timers.size(); i++) {
            assertThat(timers.get(i).pending()).isFalse();
            assertThat(timers.get(i).last()).as("ticker %d put a tick after its close", i).isEqualTo(lasts.get(i));
        }
    }

    /** Sound (bounded stress): the end of the run racing the timer leaves nothing scheduled. */
    @Test
    void theEndOfARunRacingTheTimerLeavesNothingScheduled() throws Exception {
        try (Loop loop = Loop.singleCarrier("run-end-race")) {
            List<Pipe<Long>> all = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                long nanos = ThreadLocalRandom.current().nextLong(5_000, 60_000);
                boolean take = ThreadLocalRandom.current().nextBoolean();
                Pipe<Long> ticks = loop.run(() -> {
                    Pipe<Long> t = Pipe.ticker(Duration.ofNanos(nanos));
                    MicroThread.startAndForget(() -> { // a worker of the run that reads it and ends
                        if (take) t.take();
                    });
                    return t;
                });
                assertThat(ticks.isClosedForPut()).isTrue();
                assertThat(ticks.tickerTimer().pending()).isFalse();
                all.add(ticks);
            }
            for (Pipe<Long> p : all) assertThat(p.tickerTimer().pending()).isFalse();
        }
    }

    /**
     * Sound: tickers that end (closed by their consumer) leave the run's list of tickers, so a
     * long run that makes many does not keep them.
     */
    @Test
    void closedTickersLeaveTheirRunsList() throws Exception {
        try (Loop loop = Loop.singleCarrier("many")) {
            int left = loop.run(() -> {
                for (int i = 0; i < 1_000; i++) {
                    Pipe<Long> t = Pipe.ticker(Duration.ofHours(1));
                    if (i % 2 == 0) t.close(); else t.fail(new IllegalStateException("x"));
                }
                java.lang.reflect.Field f = Scope.class.getDeclaredField("tickers");
                f.setAccessible(true);
                java.util.Set<?> set = (java.util.Set<?>) f.get(MicroThread.current().scope);
                return set == null ? 0 : set.size();
            });
            assertThat(left).isZero();
        }
    }

    /** Sound: a host loop's ticker made outside any run stops with the loop's close. */
    @Test
    void aHostLoopsTickerMadeOutsideAnyRunStopsWithTheLoop() throws Exception {
        try (HostLoopTest.Host host = new HostLoopTest.Host()) {
            Loop loop = Loop.onHost("host-ticker", host);
            Pipe<Long> ticks;
            try {
                CompletableFuture<Pipe<Long>> made = new CompletableFuture<>();
                loop.startAndForget(() -> made.complete(Pipe.ticker(Duration.ofMillis(1))));
                ticks = made.get(30, TimeUnit.SECONDS);
                assertThat(ticks.take()).isPositive();
            } finally {
                loop.close();
            }
            assertThat(ticks.isClosedForPut()).isTrue();
            assertThat(ticks.tickerTimer().pending()).isFalse();
            assertThat(host.errors).isEmpty();
        }
    }
}
