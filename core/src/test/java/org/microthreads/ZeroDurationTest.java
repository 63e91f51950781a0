package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A duration of zero or less means "already expired, do not wait" (ADR 0023, which supersedes
 * ADR 0005's rejection): per method, what that does. Deterministic: on a single-carrier loop, or
 * with outcomes that do not depend on timing.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ZeroDurationTest {

    private static final List<Duration> NOT_POSITIVE = List.of(Duration.ZERO, Duration.ofNanos(-1),
            Duration.ofMillis(-5), Duration.ofSeconds(Long.MIN_VALUE));

    @Test
    void sleepOfZeroOrLessReturnsAtOnceWithoutYielding() throws Exception {
        try (Loop loop = Loop.singleCarrier("sleep-zero")) {
            List<String> log = loop.run(() -> {
                List<String> l = new ArrayList<>();
                MicroThread.startAndForget(() -> l.add("other ran"));
                for (Duration d : NOT_POSITIVE) MicroThread.sleep(d);
                l.add("slept " + NOT_POSITIVE.size() + " times"); // the other one is still queued: no yield
                return l;
            });
            assertThat(log).containsExactly("slept 4 times", "other ran");
        }
    }

    @Test
    void sleepOfZeroStillThrowsWhenTheCallerIsCancelledOrInterrupted() throws Exception {
        try (Loop loop = Loop.singleCarrier("sleep-zero-cancelled")) {
            List<String> log = loop.run(() -> {
                List<String> l = new ArrayList<>();
                MicroThread<?> self = MicroThread.parallel(() -> {
                    MicroThread.current().cancel();
                    try {
                        MicroThread.sleep(Duration.ZERO);
                        l.add("returned");
                    } catch (InterruptedException e) {
                        l.add("cancelled: " + e.getMessage());
                    }
                    try {
                        MicroThread.sleep(Duration.ofMillis(-1)); // sticky: again
                    } catch (InterruptedException e) {
                        l.add("again");
                    }
                    return null;
                });
                self.join();
                Thread.currentThread().interrupt();
                try {
                    MicroThread.sleep(Duration.ZERO);
                    l.add("returned");
                } catch (InterruptedException e) {
                    l.add("interrupted");
                }
                return l;
            });
            assertThat(log).hasSize(3);
            assertThat(log.get(0)).startsWith("cancelled: ").contains("was cancelled");
            assertThat(log.subList(1, 3)).containsExactly("again", "interrupted");
        }
    }

    @Test
    void joinWithZeroGivesTheOutcomeOfAnEndedOneAndTimesOutAtOnceOtherwise() throws Exception {
        try (Loop loop = Loop.singleCarrier("join-zero")) {
            loop.run(() -> {
                Deferred<String> gate = new Deferred<>();
                MicroThread<String> pending = MicroThread.parallel("pending", gate::await);
                MicroThread<String> ok = MicroThread.parallel("ok", () -> "v");
                MicroThread<String> bad = MicroThread.parallel("bad", () -> {
                    throw new IllegalStateException("boom");
                });
                MicroThread.yieldNow(); // let ok and bad end; pending now waits for the gate
                for (Duration d : NOT_POSITIVE) {
                    assertThat(ok.join(d)).isEqualTo("v");
                    assertThatThrownBy(() -> bad.join(d)).isInstanceOf(FailedException.class)
                            .cause().hasMessage("boom");
                    assertThatThrownBy(() -> pending.join(d)).isInstanceOf(TimeoutException.class)
                            .hasMessage("micro-thread 'pending' did not end at once (timeout " + (d.isZero() ? "0" : d)
                                    + ": zero or less does not wait)");
                }
                assertThat(pending.state()).as("a join that does not wait leaves it running").isEqualTo(MicroThread.State.WAITING);
                // a cancelled caller: the outcome of an ended one still, InterruptedException otherwise
                MicroThread<List<String>> cancelled = MicroThread.parallel(() -> {
                    MicroThread.current().cancel();
                    List<String> l = new ArrayList<>();
                    l.add(ok.join(Duration.ZERO));
                    try {
                        pending.join(Duration.ZERO);
                    } catch (InterruptedException e) {
                        l.add("interrupted");
                    }
                    return l;
                });
                assertThat(cancelled.join()).containsExactly("v", "interrupted");
                gate.complete("released");
                assertThat(pending.join()).isEqualTo("released");
                return null;
            });
        }
    }

    @Test
    void deferredAwaitWithZeroDoesNotWait() throws Exception {
        Deferred<String> d = new Deferred<>();
        for (Duration z : NOT_POSITIVE) {
            assertThatThrownBy(() -> d.await(z)).isInstanceOf(TimeoutException.class).hasMessageContaining("at once");
        }
        d.complete("x");
        for (Duration z : NOT_POSITIVE) assertThat(d.await(z)).isEqualTo("x");
        Deferred<String> failed = new Deferred<>();
        failed.fail(new IllegalStateException("no"));
        assertThatThrownBy(() -> failed.await(Duration.ZERO)).isInstanceOf(FailedException.class).cause().hasMessage("no");
    }

    @Test
    void pipeTimedTryFormsWithZeroAreTheTryForms() throws Exception {
        Pipe<String> p = Pipe.<String>buffered(2).named("p");
        for (Duration z : NOT_POSITIVE) {
            assertThat(p.tryTake(z)).isNull();
        }
        assertThat(p.tryPut("a", Duration.ZERO)).isTrue();
        assertThat(p.tryPut("b", Duration.ofMillis(-1))).isTrue();
        assertThat(p.tryPut("c", Duration.ZERO)).as("full: no room now, no wait").isFalse();
        Thread.currentThread().interrupt(); // the try forms never throw InterruptedException, nor clear it
        try {
            assertThat(p.tryTake(Duration.ZERO)).isEqualTo("a");
            assertThat(p.tryPut("c", Duration.ZERO)).isTrue();
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt is left as it was").isTrue();
        }
        assertThat(p.tryTake(Duration.ZERO)).isEqualTo("b");
        assertThat(p.tryTake(Duration.ZERO)).isEqualTo("c");
        p.close();
        assertThatThrownBy(() -> p.tryTake(Duration.ZERO)).isInstanceOf(PipeClosedException.class);
        assertThatThrownBy(() -> p.tryPut("d", Duration.ZERO)).isInstanceOf(PipeClosedException.class);
        assertThat(p.waitingTakers() + p.waitingPutters()).isZero();
    }

    @Test
    void pipeTryTakeWithZeroTakesFromAWaitingPutterOfARendezvous() throws Exception {
        try (Loop loop = Loop.singleCarrier("rendezvous-zero")) {
            String got = loop.run(() -> {
                Pipe<String> p = Pipe.rendezvous();
                assertThat(p.tryPut("nobody takes", Duration.ZERO)).isFalse();
                MicroThread.startAndForget(() -> p.put("handed"));
                MicroThread.yieldNow(); // the putter waits now
                return p.tryTake(Duration.ZERO);
            });
            assertThat(got).isEqualTo("handed");
        }
    }

    @Test
    void selectTimeoutOfZeroIsADefaultThatNeverBeatsAReadyCase() throws Exception {
        Pipe<String> ready = Pipe.unbounded();
        Pipe<String> empty = Pipe.unbounded();
        for (int i = 0; i < 200; i++) { // select picks at random among ready cases: the timeout is never one of them
            ready.put("item" + i);
            String got = Select.select(Select.onTimeout(Duration.ZERO, () -> "timeout"), empty.onTake(x -> x), ready.onTake(x -> x));
            assertThat(got).isEqualTo("item" + i);
        }
        ready.put("first");
        assertThat(Select.selectFirst(Select.onTimeout(Duration.ofMillis(-1), () -> "timeout"), ready.onTake(x -> x)))
                .as("its place in selectFirst does not matter either").isEqualTo("first");
        for (Duration z : NOT_POSITIVE) {
            assertThat(Select.select(empty.onTake(x -> x), Select.onTimeout(z, () -> "timeout"))).isEqualTo("timeout");
        }
        Thread.currentThread().interrupt(); // never waits, so never throws InterruptedException, as onDefault
        try {
            assertThat(Select.select(empty.onTake(x -> x), Select.onTimeout(Duration.ZERO, () -> "timeout"))).isEqualTo("timeout");
        } finally {
            assertThat(Thread.interrupted()).isTrue();
        }
        assertThat(empty.waitingTakers()).as("no registration left behind").isZero();
        assertThatThrownBy(() -> Select.select(empty.onTake(x -> x), Select.onTimeout(Duration.ZERO, () -> "t"),
                Select.onDefault(() -> "d"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both onTimeout and onDefault");
    }

    @Test
    void withTimeoutOfZeroHasExpiredAlready() throws Exception {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> MicroThread.parallel(() -> MicroThread.withTimeout(Duration.ZERO, () -> {
            MicroThread.sleep(Duration.ofSeconds(10));
            return "too late";
        })).join()).isInstanceOf(FailedException.class).cause().isInstanceOf(TimeoutException.class);
        assertThat(System.nanoTime() - t0).as("not the body's 10 s").isLessThan(TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void nullDurationsAreNullPointerExceptionsNamingTheParameter() {
        Pipe<String> p = Pipe.unbounded();
        assertThatThrownBy(() -> MicroThread.sleep(null)).isInstanceOf(NullPointerException.class).hasMessage("duration");
        assertThatThrownBy(() -> MicroThread.parallel(() -> 1).join(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThatThrownBy(() -> new Deferred<>().await(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThatThrownBy(() -> p.tryTake(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThatThrownBy(() -> p.tryPut("x", null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThatThrownBy(() -> Select.onTimeout(null, () -> 1)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThat(p.size()).isZero();
    }
}
