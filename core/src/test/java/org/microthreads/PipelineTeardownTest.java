package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A pipeline tears down both ways when its stages consume their inputs with
 * {@link Pipe#consumeEach}: an early consumer exit stops every stage before it, and a failing
 * stage fails the pipes after it and stops the ones before it. Without it (a plain for-each in the
 * middle stage) the same programs hung on the shared loop and got a deadlock report on confined
 * pipes (checked by hand before the change; see ADR 0022).
 */
@Timeout(60)
class PipelineTeardownTest {
    private static final int SCALE = Integer.getInteger("microthreads.stress.scale", 1);

    /** What a three-stage run saw. */
    record Outcome(List<Integer> got, Pipe<Integer> numbers, Pipe<Integer> squares, Throwable consumerSaw) {}

    /**
     * numbers (endless) -> squares (consumeEach; throws at {@code failAt} if positive) -> main, which
     * takes {@code take} squares and closes its input.
     */
    private static Outcome threeStages(Loop loop, boolean confined, int take, int failAt) throws Exception {
        return loop.run(() -> {
            Pipe<Integer> numbers = Pipe.<Integer>rendezvous().named("numbers");
            Pipe<Integer> squares = Pipe.<Integer>rendezvous().named("squares");
            if (confined) {
                numbers.confined();
                squares.confined();
            }
            Pipe.produce(numbers, sink -> {
                for (int i = 1; ; i++) sink.put(i); // never ends by itself
            });
            Pipe.produce(squares, sink -> numbers.consumeEach(n -> {
                if (n == failAt) throw new IOException("bad input " + n);
                sink.put(n * n);
            }));
            List<Integer> got = new ArrayList<>();
            Throwable saw = null;
            try {
                squares.consumeEach(s -> {
                    got.add(s);
                    if (got.size() == take) squares.close(); // enough: the next take sees the end
                });
            } catch (FailedException e) {
                saw = e;
            }
            return new Outcome(got, numbers, squares, saw);
        });
    }

    @Test
    void anEarlyConsumerExitStopsEveryStageOnConfinedPipes() throws Exception {
        try (Loop loop = Loop.singleCarrier("early-exit")) {
            Outcome o = threeStages(loop, true, 3, -1); // a deadlock report before consumeEach
            assertThat(o.got()).containsExactly(1, 4, 9);
            assertThat(o.numbers().isClosedForPut()).as("the middle stage closed its input").isTrue();
            assertThat(o.numbers().failure()).isEmpty();
            assertThat(o.squares().failure()).isEmpty();
            assertThat(o.consumerSaw()).isNull();
            assertThat(loop.failureCount()).as("both producers ended normally").isZero();
        }
    }

    @Test
    void anEarlyConsumerExitStopsEveryStageOnTheSharedLoop() throws Exception {
        long failuresBefore = Loop.shared().failureCount();
        Outcome o = threeStages(Loop.shared(), false, 3, -1); // hung forever before consumeEach
        assertThat(o.got()).containsExactly(1, 4, 9);
        assertThat(o.numbers().isClosedForPut()).isTrue();
        assertThat(Loop.shared().failureCount()).isEqualTo(failuresBefore);
    }

    @Test
    void aFailingMiddleStageFailsDownstreamAndStopsUpstream() throws Exception {
        for (boolean confined : new boolean[] {true, false}) {
            try (Loop loop = Loop.singleCarrier("failing-stage")) {
                Outcome o = threeStages(loop, confined, 100, 3);
                assertThat(o.got()).containsExactly(1, 4);
                // downstream sees the failure, and which pipe it came through
                assertThat(o.consumerSaw()).isInstanceOf(FailedException.class)
                        .hasRootCauseInstanceOf(IOException.class).hasRootCauseMessage("bad input 3");
                assertThat(((FailedException) o.consumerSaw()).pipe()).containsSame(o.squares());
                assertThat(o.squares().failure()).get().isInstanceOf(IOException.class);
                // upstream is stopped: its input was closed, not failed, so its producer ended normally
                assertThat(o.numbers().isClosedForPut()).isTrue();
                assertThat(o.numbers().failure()).isEmpty();
                assertThat(loop.failureCount()).as("the taker observed the stage's failure").isZero();
            }
        }
    }

    @Test
    void aFailingFirstStageReachesTheConsumerThroughTheMiddle() throws Exception {
        try (Loop loop = Loop.singleCarrier("failing-source")) {
            Throwable saw = loop.run(() -> {
                Pipe<Integer> numbers = Pipe.produce(Pipe.<Integer>rendezvous().named("numbers").confined(), sink -> {
                    sink.put(1);
                    throw new IllegalStateException("source broke");
                });
                Pipe<Integer> squares = Pipe.produce(Pipe.<Integer>rendezvous().named("squares").confined(),
                        sink -> numbers.consumeEach(n -> sink.put(n * n)));
                try {
                    squares.consumeEach(s -> assertThat(s).isEqualTo(1));
                    return null;
                } catch (FailedException e) {
                    assertThat(e.pipe()).containsSame(squares);
                    return e;
                }
            });
            assertThat(saw).hasRootCauseMessage("source broke");
        }
    }

    @Test
    void aCancelledStageClosesItsInputAndItsOutputFails() throws Exception {
        try (Loop loop = Loop.singleCarrier("cancelled-stage")) {
            loop.run(() -> {
                Pipe<Integer> numbers = Pipe.produce(Pipe.<Integer>rendezvous().named("numbers").confined(), sink -> {
                    for (int i = 1; ; i++) sink.put(i);
                });
                Pipe<Integer> squares = Pipe.<Integer>rendezvous().named("squares").confined();
                MicroThread<Void> stage = MicroThread.parallel("stage", () -> {
                    numbers.consumeEach(n -> squares.put(n * n));
                    return null;
                });
                squares.ownedBy(stage);
                assertThat(squares.take()).isEqualTo(1);
                stage.cancel();
                assertThatThrownBy(squares::take).isInstanceOf(FailedException.class)
                        .hasCauseInstanceOf(java.util.concurrent.CancellationException.class);
                assertThat(numbers.isClosedForPut()).as("the cancelled stage closed its input").isTrue();
                return null;
            }); // returns: the producer of 'numbers' was stopped
        }
    }

    @Test
    void consumeEachClosesThePipeHoweverItEnds() throws Exception {
        // drained: closing again changes nothing
        Pipe<String> p = Pipe.buffered(4);
        p.put("a");
        p.close();
        List<String> got = new ArrayList<>();
        p.consumeEach(got::add);
        assertThat(got).containsExactly("a");

        // the action throws a checked exception: rethrown as is, the pipe closed, the rest left buffered
        Pipe<String> q = Pipe.buffered(4);
        q.put("x");
        q.put("y");
        assertThatThrownBy(() -> q.consumeEach(s -> {
            throw new IOException("cannot handle " + s);
        })).isInstanceOf(IOException.class).hasMessage("cannot handle x");
        assertThat(q.isClosedForPut()).isTrue();
        assertThat(q.failure()).isEmpty();
        assertThat(q.take()).as("what was buffered stays for other takers").isEqualTo("y");

        // interrupted while waiting: nothing consumed, the pipe closed, the interrupt cleared as usual
        Pipe<String> r = Pipe.rendezvous();
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> r.consumeEach(s -> {})).isInstanceOf(InterruptedException.class);
        assertThat(r.isClosedForPut()).isTrue();

        // a failed pipe: FailedException at the end, naming the pipe
        Pipe<String> f = Pipe.buffered(1);
        f.fail(new IllegalStateException("boom"));
        assertThatThrownBy(() -> f.consumeEach(s -> {})).isInstanceOf(FailedException.class)
                .satisfies(e -> assertThat(((FailedException) e).pipe()).containsSame(f));

        assertThatThrownBy(() -> p.consumeEach(null)).isInstanceOf(NullPointerException.class).hasMessage("action");
    }

    @Test
    void aPutterWaitingWhenTheConsumerStopsIsToldAndItsItemNotDelivered() throws Exception {
        try (Loop loop = Loop.singleCarrier("waiting-putters")) {
            loop.run(() -> {
                Pipe<Integer> p = Pipe.<Integer>rendezvous().confined();
                MicroThread<Boolean> first = MicroThread.parallel("first", () -> p.putOrClosed(7));
                MicroThread<Boolean> second = MicroThread.parallel("second", () -> p.putOrClosed(8));
                MicroThread.yieldNow(); // both putters now wait
                assertThat(p.waitingPutters()).isEqualTo(2);
                List<Integer> got = new ArrayList<>();
                assertThatThrownBy(() -> p.consumeEach(n -> {
                    got.add(n);
                    throw new IllegalArgumentException("no thanks");
                })).isInstanceOf(IllegalArgumentException.class);
                assertThat(got).containsExactly(7);
                assertThat(first.join()).as("its item was taken").isTrue();
                assertThat(second.join()).as("putOrClosed reports the close; 8 was not delivered").isFalse();
                return null;
            });
        }
    }

    /**
     * Early exits and failures racing the stages on real carriers: every run returns, with the
     * right prefix; a failure of the middle stage reaches the consumer or, when it came after the
     * consumer had closed its input, the failure handler: never lost, never both.
     */
    @Test
    void earlyExitsOnTheSharedLoopNeverStrandAStage() throws Exception {
        long failuresBefore = Loop.shared().failureCount();
        long unseenFailures = 0;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        try (LogCapture log = LogCapture.start()) {
            for (int round = 0; round < 200 * SCALE; round++) {
                int take = rnd.nextInt(1, 20);
                boolean fail = rnd.nextBoolean();
                int failAt = fail ? rnd.nextInt(1, 25) : -1;
                Outcome o = threeStages(Loop.shared(), false, take, failAt);
                boolean seen = fail && failAt <= take;
                int expected = seen ? failAt - 1 : take;
                assertThat(o.got()).hasSize(expected);
                for (int i = 0; i < expected; i++) assertThat(o.got().get(i)).isEqualTo((i + 1) * (i + 1));
                assertThat(o.numbers().isClosedForPut()).isTrue();
                if (failAt == take + 1) {
                    // after its last square the middle stage always takes the next number and fails;
                    // it races the consumer's close: the consumer sees that failure, or nobody does
                    if (o.consumerSaw() == null) unseenFailures++;
                } else {
                    assertThat(o.consumerSaw() != null).isEqualTo(seen);
                }
            }
            assertThat(log.thrown).allSatisfy(t -> assertThat(t).isInstanceOf(IOException.class));
        }
        assertThat(Loop.shared().failureCount() - failuresBefore).isEqualTo(unseenFailures);
    }
}
