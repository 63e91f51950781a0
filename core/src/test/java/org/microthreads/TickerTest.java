package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Pipe#ticker}: ticks in order, a slow consumer's missed ticks dropped, and the timer
 * stopped (nothing left scheduled) by close, by the end of its run, by its loop's close and when
 * the pipe is unreachable. Nothing here depends on the timer being punctual: the waits are for
 * conditions, bounded by the test timeout.
 */
@Timeout(60)
class TickerTest {
    private static final Duration FAST = Duration.ofMillis(1);

    /** Waits (bounded by the test's timeout) until {@code condition} holds. */
    private static void await(BooleanSupplier condition) {
        while (!condition.getAsBoolean()) Thread.onSpinWait();
    }

    @Test
    void aPeriodMustBePositiveAndNothingStartsOtherwise() {
        assertThatThrownBy(() -> Pipe.ticker(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("period must be positive, was PT0S");
        assertThatThrownBy(() -> Pipe.ticker(Duration.ofMillis(-5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("period must be positive, was PT-0.005S");
        assertThatThrownBy(() -> Pipe.ticker(null)).isInstanceOf(NullPointerException.class).hasMessage("period");
    }

    @Test
    void ticksComeInOrderNumberedOnTheGridOfPeriods() throws Exception {
        Pipe<Long> ticks = Pipe.ticker(FAST);
        try {
            assertThat(ticks.name()).startsWith("ticker-");
            assertThat(ticks.capacity()).isEqualTo(1);
            long previous = 0;
            for (int i = 0; i < 20; i++) {
                long t = ticks.take();
                assertThat(t).isGreaterThan(previous);
                previous = t;
            }
        } finally {
            ticks.close();
        }
    }

    @Test
    void aSlowConsumerGetsTheLatestTickAndTheMissedOnesAreDropped() throws Exception {
        Pipe<Long> ticks = Pipe.ticker(FAST);
        try {
            await(() -> ticks.droppedCount() >= 2); // slow by construction: three ticks put, none taken
            long first = ticks.take();
            assertThat(first).as("the latest tick due, not the first").isGreaterThanOrEqualTo(3);
            assertThat(ticks.droppedCount()).isGreaterThanOrEqualTo(2);
            Long after = ticks.tryTake();
            assertThat(after).as("one tick at most is kept").satisfiesAnyOf(
                    x -> assertThat(x).isNull(), x -> assertThat(x).isGreaterThan(first));
            assertThat(ticks.take()).isGreaterThan(after == null ? first : after);
        } finally {
            ticks.close();
        }
    }

    @Test
    void closeStopsTheTimerAndTheConsumerSeesTheEnd() throws Exception {
        Pipe<Long> ticks = Pipe.ticker(FAST);
        Ticker timer = ticks.tickerTimer();
        assertThat(ticks.take()).isPositive();
        assertThat(timer.pending()).isTrue();
        assertThat(ticks.close()).isTrue();
        assertThat(timer.pending()).as("nothing scheduled once closed").isFalse();
        long last = timer.last();
        int left = 0;
        while (ticks.takeOrClosed() != null) left++;
        assertThat(left).as("at most the one tick buffered before the close").isLessThanOrEqualTo(1);
        assertThatThrownBy(ticks::take).isInstanceOf(PipeClosedException.class);
        assertThat(timer.last()).as("no tick after the close").isEqualTo(last);
        assertThat(timer.pending()).isFalse();
    }

    @Test
    void aConsumerWaitingOnATickerIsWokenByTheCloseAndMayBeCancelled() throws Exception {
        try (Loop loop = Loop.singleCarrier("waiting")) {
            loop.run(() -> {
                Pipe<Long> slow = Pipe.ticker(Duration.ofHours(1));
                MicroThread<Long> taker = MicroThread.parallel("taker", slow::takeOrClosed);
                MicroThread.yieldNow();
                assertThat(taker.waitingOn()).contains("waiting to take from " + slow);
                slow.close();
                assertThat(taker.join()).isNull();
                assertThat(slow.tickerTimer().pending()).isFalse();

                Pipe<Long> other = Pipe.ticker(Duration.ofHours(1));
                MicroThread<Long> cancelled = MicroThread.parallel("cancelled", other::take);
                MicroThread.yieldNow();
                cancelled.cancel();
                assertThatThrownBy(cancelled::join).isInstanceOf(java.util.concurrent.CancellationException.class);
                assertThat(other.tickerTimer().pending()).as("a cancelled consumer does not stop the ticker").isTrue();
                return null; // the run's end stops 'other'
            });
        }
    }

    @Test
    void theEndOfItsRunStopsATickerNobodyClosed() throws Exception {
        try (Loop loop = Loop.singleCarrier("run-end")) {
            Pipe<Long> ticks = loop.run(() -> {
                Pipe<Long> t = Pipe.ticker(FAST);
                assertThat(t.take()).isPositive();
                return t; // never closed
            });
            assertThat(ticks.isClosedForPut()).isTrue();
            assertThat(ticks.failure()).isEmpty();
            assertThat(ticks.tickerTimer().pending()).isFalse();
        }
        Pipe<Long> shared = Loop.shared().run(() -> Pipe.ticker(FAST)); // the same on the shared loop
        assertThat(shared.isClosedForPut()).isTrue();
        assertThat(shared.tickerTimer().pending()).isFalse();
    }

    @Test
    void closingItsLoopStopsATickerMadeOutsideAnyRun() throws Exception {
        Loop loop = Loop.singleCarrier("loop-close");
        CompletableFuture<Pipe<Long>> made = new CompletableFuture<>();
        loop.startAndForget(() -> made.complete(Pipe.ticker(FAST)));
        Pipe<Long> ticks = made.get();
        assertThat(ticks.take()).as("it outlives the micro-thread that made it").isPositive();
        assertThat(ticks.tickerTimer().pending()).isTrue();
        loop.close();
        assertThat(ticks.isClosedForPut()).isTrue();
        assertThat(ticks.tickerTimer().pending()).isFalse();
    }

    @Test
    void aTickerMadeOutsideMicroThreadsRunsUntilClosed() throws Exception {
        Pipe<Long> ticks = Pipe.ticker(FAST);
        long first = ticks.take();
        assertThat(ticks.take()).isGreaterThan(first);
        assertThat(ticks.tickerTimer().pending()).isTrue();
        ticks.fail(new IllegalStateException("failing stops it too"));
        assertThat(ticks.tickerTimer().pending()).isFalse();
    }

    @Test
    void anUnreachableTickerStopsAtItsNextTick() throws Exception {
        Ticker timer = Pipe.ticker(FAST).tickerTimer(); // the pipe is dropped at once
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (timer.pending() && System.nanoTime() < deadline) {
            System.gc();
            Thread.onSpinWait();
        }
        assertThat(timer.pending()).as("the timer stopped once its pipe was collected").isFalse();
    }

    @Test
    void aTickerCannotBeConfined() throws Exception {
        try (Loop loop = Loop.singleCarrier("confine")) {
            loop.run(() -> {
                Pipe<Long> ticks = Pipe.ticker(FAST);
                assertThatThrownBy(ticks::confined).isInstanceOf(IllegalStateException.class)
                        .hasMessage(ticks + " is a ticker and cannot be confined: its timer puts from outside the loop");
                assertThat(ticks.take()).isPositive(); // still ticking
                return null;
            });
        }
    }

    /** close() racing the timer's firing, on real threads: it always leaves nothing scheduled. */
    @Test
    void closeRacingTheTimerNeverLeavesAScheduleBehind() throws Exception {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        List<Ticker> timers = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Pipe<Long> ticks = Pipe.ticker(Duration.ofNanos(rnd.nextLong(20_000, 200_000)));
            for (int k = rnd.nextInt(3); k > 0; k--) ticks.take();
            if (rnd.nextBoolean()) Thread.onSpinWait();
            ticks.close();
            assertThat(ticks.tickerTimer().pending()).isFalse();
            timers.add(ticks.tickerTimer());
        }
        for (Ticker t : timers) assertThat(t.pending()).isFalse(); // none rescheduled itself after its close
    }
}
