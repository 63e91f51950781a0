package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.microthreads.Scenarios.elapsed;
import static org.microthreads.Scenarios.yieldUntil;
import static org.microthreads.Scenarios.yieldUntilWaiting;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pipes under every schedule (seeds 0-99 of the simulated loop), each flavour where it matters:
 * delivery and its order, close and fail, waking waiters, cancelled operations, ownership and
 * produce, pipeline teardown, timed forms and tickers on virtual time, deadlocks of plain pipes.
 * The real-loop and cross-thread originals stay in {@link PipeTest}, {@link PipelineTeardownTest}
 * and {@link WhichPipeEndedTest}.
 */
@Timeout(120)
class PipeScenarioTest {

    // ---- delivery ---------------------------------------------------------------------------

    @PipeFlavour.AllFlavours
    void itemsArriveInOrderExactlyOnceOrAsThePolicySays(PipeFlavour f) {
        int n = 100;
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = f.make();
            MicroThread.startAndForget("producer", () -> {
                for (int i = 0; i < n; i++) {
                    p.put(i);
                    if (i % 7 == 0) MicroThread.yieldNow(); // let the consumer in at odd moments
                }
                p.close();
            });
            List<Integer> got = new ArrayList<>();
            for (Integer x : p) got.add(x);
            assertThat(p.droppedCount()).isEqualTo(n - got.size());
            if (f.lossless()) {
                assertThat(got).hasSize(n);
                for (int i = 0; i < n; i++) assertThat(got.get(i)).isEqualTo(i);
            } else {
                assertThat(got).isSorted().doesNotHaveDuplicates().isNotEmpty();
                if (f.dropsOldest()) assertThat(got.getLast()).as("the last item survives drop-oldest").isEqualTo(n - 1);
                else assertThat(got.getFirst()).as("the first item finds room in drop-latest").isZero();
            }
            return null;
        });
    }

    /**
     * Three producers, three consumers: every item reaches exactly one consumer, and each consumer
     * sees each producer's items in the order they were put (FIFO).
     */
    @PipeFlavour.AllFlavours
    void manyProducersAndConsumersDeliverEachItemOnceInEachProducersOrder(PipeFlavour f) {
        assumeTrue(f.lossless(), "dropping flavours lose items by design");
        int producers = 3, perProducer = 30;
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = f.make();
            MicroThread.startAndForget("producers", () -> {
                MicroThread.scope(() -> {
                    for (int k = 0; k < producers; k++) {
                        int base = k * 1000;
                        MicroThread.startAndForget("producer-" + k, () -> {
                            for (int i = 0; i < perProducer; i++) p.put(base + i);
                        });
                    }
                    return null;
                });
                p.close();
            });
            List<MicroThread<List<Integer>>> consumers = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                consumers.add(MicroThread.parallel("consumer-" + c, () -> {
                    List<Integer> mine = new ArrayList<>();
                    for (Integer x : p) mine.add(x);
                    return mine;
                }));
            }
            List<Integer> all = new ArrayList<>();
            for (MicroThread<List<Integer>> c : consumers) {
                List<Integer> mine = c.join();
                Map<Integer, Integer> lastOf = new HashMap<>();
                for (int x : mine) {
                    Integer before = lastOf.put(x / 1000, x);
                    if (before != null) assertThat(x).as("%s: producer %d's order", c.name(), x / 1000).isGreaterThan(before);
                }
                all.addAll(mine);
            }
            assertThat(all).hasSize(producers * perProducer).doesNotHaveDuplicates();
            return null;
        });
    }

    // ---- closing and failing ----------------------------------------------------------------

    @PipeFlavour.AllFlavours
    void closeLetsTakersDrainThenEnds(PipeFlavour f) {
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = f.make();
            int k = Math.max(1, Math.min(f.room(), 3));
            MicroThread<Void> producer = MicroThread.parallel("producer", () -> {
                for (int i = 0; i < k; i++) p.put(i);
                assertThat(p.close()).isTrue();
                assertThat(p.close()).as("closing twice does nothing").isFalse();
                assertThat(p.fail(new RuntimeException())).as("failing after close does nothing").isFalse();
                return null;
            });
            List<Integer> items = p.stream().toList();
            producer.join();
            assertThat(items).as("k fits: nothing dropped").hasSize(k).startsWith(0).isSorted();
            assertThat(p.isClosedForTake()).isTrue();
            assertThat(p.failure()).isEmpty();
            assertThat(p.takeOrClosed()).isNull();
            assertThatThrownBy(p::take).isInstanceOf(PipeClosedException.class)
                    .hasMessageContaining("pipe '" + f.name() + "' is closed and drained")
                    .hasCauseInstanceOf(Exception.class);
            assertThatThrownBy(p::tryTake).isInstanceOf(PipeClosedException.class);
            assertThatThrownBy(() -> p.put(1)).isInstanceOf(PipeClosedException.class)
                    .hasMessage("pipe '" + f.name() + "' is closed: cannot put")
                    .cause().hasMessageContaining("was closed here, by");
            assertThat(p.putOrClosed(1)).isFalse();
            return null;
        });
    }

    @PipeFlavour.AllFlavours
    void failLetsTakersDrainThenThrowsTheCause(PipeFlavour f) {
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = f.make();
            int k = Math.min(f.room(), 2);
            IllegalStateException boom = new IllegalStateException("boom");
            MicroThread.startAndForget("producer", () -> {
                for (int i = 0; i < k; i++) p.put(i);
                assertThat(p.fail(boom)).isTrue();
            });
            List<Integer> got = new ArrayList<>();
            assertThatThrownBy(() -> {
                for (Integer x : p) got.add(x);
            }).isInstanceOfSatisfying(FailedException.class, e -> {
                assertThat(e.getCause()).isSameAs(boom);
                assertThat(e).hasMessage("pipe '" + f.name() + "' failed: " + boom);
                assertThat(e.pipe()).containsSame(p);
            });
            assertThat(got).as("k fits: nothing dropped").isEqualTo(java.util.stream.IntStream.range(0, k).boxed().toList());
            assertThat(p.isFailed()).isTrue();
            assertThat(p.failure()).containsSame(boom);
            assertThatThrownBy(p::takeOrClosed).isInstanceOf(FailedException.class).hasCause(boom);
            assertThatThrownBy(() -> p.put(9)).isInstanceOf(PipeClosedException.class)
                    .hasMessageContaining("failed: cannot put").hasCause(boom);
            assertThat(p.close()).isFalse();
            return null;
        });
    }

    @PipeFlavour.AllFlavours
    void closingWakesEveryWaiterAndAWaitingPutDeliversNothing(PipeFlavour f) {
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = f.make();
            List<MicroThread<Integer>> takers = new ArrayList<>();
            for (int i = 0; i < 3; i++) takers.add(MicroThread.parallel("taker-" + i, p::takeOrClosed));
            yieldUntil(() -> p.waitingTakers() == 3);
            assertThat(p.close()).isTrue();
            for (MicroThread<Integer> t : takers) assertThat(t.join()).isNull();
            assertThat(p.waitingTakers()).isZero();
            if (f.blocksWhenFull()) {
                Pipe<Integer> q = f.make();
                for (int i = 0; i < f.room(); i++) q.put(i);
                MicroThread<Boolean> putter = MicroThread.parallel("putter", () -> q.putOrClosed(42));
                yieldUntil(() -> q.waitingPutters() == 1);
                q.close();
                assertThat(putter.join()).as("refused at close").isFalse();
                List<Integer> left = new ArrayList<>();
                for (Integer x : q) left.add(x);
                assertThat(left).doesNotContain(42).hasSize(f.room());
            }
            return null;
        });
    }

    // ---- cancellation -----------------------------------------------------------------------

    @PipeFlavour.AllFlavours
    void aCancelledTakeConsumesNothing(PipeFlavour f) {
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = f.make();
            MicroThread<Integer> taker = MicroThread.parallel("taker", p::take);
            yieldUntilWaiting(taker);
            assertThat(taker.waitingOn()).hasValueSatisfying(w -> assertThat(w).contains("waiting to take from pipe '" + f.name() + "'"));
            taker.cancel();
            assertThatThrownBy(taker::join).isInstanceOf(CancellationException.class);
            assertThat(p.waitingTakers()).isZero();
            MicroThread.startAndForget(() -> p.put(5));
            assertThat(p.take()).isEqualTo(5);
            return null;
        });
    }

    @PipeFlavour.AllFlavours
    void aCancelledPutDeliversNothing(PipeFlavour f) {
        assumeTrue(f.blocksWhenFull(), "the other flavours never wait to put");
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = f.make();
            for (int i = 0; i < f.room(); i++) p.put(i);
            MicroThread<Void> putter = MicroThread.parallel("putter", () -> {
                p.put(-1);
                return null;
            });
            yieldUntilWaiting(putter);
            assertThat(putter.waitingOn()).hasValueSatisfying(w -> assertThat(w).contains("waiting to put to pipe '" + f.name() + "'"));
            putter.cancel();
            assertThatThrownBy(putter::join).isInstanceOf(CancellationException.class);
            assertThat(p.waitingPutters()).isZero();
            p.close();
            List<Integer> rest = new ArrayList<>();
            for (Integer x : p) rest.add(x);
            assertThat(rest).doesNotContain(-1).hasSize(f.room());
            return null;
        });
    }

    /** A cancel that may come before, during or after a put: the item is delivered exactly when the put returned. */
    @Test
    void aPutRacingItsCancellationDeliversItsItemExactlyWhenItReturned() {
        List<String> outcomes = new ArrayList<>();
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = Pipe.buffered(1);
            p.put(0); // full
            boolean[] returned = new boolean[1];
            MicroThread<Void> putter = MicroThread.parallel("putter", () -> {
                p.put(1);
                returned[0] = true;
                return null;
            });
            MicroThread<Integer> taker = MicroThread.parallel("taker", p::take); // makes room at some point
            MicroThread.yieldNow();
            putter.cancel();
            assertThat(taker.join()).isZero();
            boolean cancelled;
            try {
                putter.join();
                cancelled = false;
            } catch (CancellationException e) {
                cancelled = true;
            }
            p.close();
            List<Integer> rest = new ArrayList<>();
            for (Integer x : p) rest.add(x);
            assertThat(rest).as("cancelled: %s, put returned: %s", cancelled, returned[0])
                    .isEqualTo(returned[0] ? List.of(1) : List.of());
            assertThat(cancelled || returned[0]).isTrue();
            outcomes.add(cancelled ? "cancelled" : "delivered");
            return null;
        });
        Scenarios.assertExplored(outcomes, "cancelled", "delivered");
    }

    @Test
    void cancellationIsStickyAtEveryPipeOperation() {
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = Pipe.unbounded();
            p.put(1);
            MicroThread<String> m = MicroThread.parallel(() -> {
                try {
                    Pipe.<Integer>rendezvous().take();
                } catch (InterruptedException swallowed) {
                    // a body that swallows the first one
                }
                try {
                    p.take(); // an item is there, but the micro-thread is cancelled
                    return "took";
                } catch (InterruptedException again) {
                    return "still cancelled";
                }
            });
            MicroThread.yieldNow(); // whether m has started waiting or not
            m.cancel();
            assertThat(m.join()).isEqualTo("still cancelled");
            assertThat(p.size()).isEqualTo(1);
            return null;
        });
    }

    // ---- ownership and produce ----------------------------------------------------------------

    @Test
    void anOwnedPipeClosesWhenItsProducerEndsAndFailsWhenItFails() {
        Scenarios.eachSeed(sim -> {
            List<Integer> got = sim.run(() -> {
                Pipe<Integer> p = Pipe.produce(Pipe.buffered(2), out -> {
                    for (int i = 0; i < 5; i++) out.put(i);
                });
                return p.stream().toList();
            });
            assertThat(got).containsExactly(0, 1, 2, 3, 4);

            IllegalStateException boom = new IllegalStateException("boom");
            List<Integer> before = new ArrayList<>();
            Loop[] loop = new Loop[1];
            assertThatThrownBy(() -> sim.run(() -> {
                loop[0] = Loop.current();
                Pipe<Integer> p = Pipe.produce(Pipe.rendezvous(), out -> {
                    out.put(1);
                    throw boom;
                });
                for (Integer x : p) before.add(x);
                return null;
            })).isInstanceOf(FailedException.class).hasRootCause(boom);
            assertThat(before).containsExactly(1);
            assertThat(loop[0].failureCount()).as("the taker observed it, as a join would").isZero();
        });
    }

    @Test
    void anOwnersFailureNobodyTakesIsReported() {
        Scenarios.eachSeed(sim -> {
            List<Throwable> reported = new ArrayList<>();
            IllegalStateException boom = new IllegalStateException("nobody takes this");
            sim.run(() -> {
                Loop.current().failureHandler((m, t) -> reported.add(t));
                Pipe.produce(Pipe.rendezvous(), out -> {
                    throw boom;
                });
                return null;
            });
            assertThat(reported).containsExactly(boom);
        });
    }

    @Test
    void aTakerThatClosesTheProducedPipeEarlyEndsTheProducerNormally() {
        Scenarios.eachSeed(sim -> {
            Loop[] loop = new Loop[1];
            int first = sim.run(() -> {
                loop[0] = Loop.current();
                Pipe<Integer> p = Pipe.produce(Pipe.rendezvous(), out -> {
                    for (int i = 0; ; i++) out.put(i);
                });
                int x = p.take();
                p.close();
                return x;
            });
            assertThat(first).isZero();
            assertThat(loop[0].failureCount()).isZero();
        });
    }

    /** Cancelled before it started or while it waits: either way its pipe fails with the cancellation. */
    @Test
    void aCancelledOwnerFailsItsPipeWithCancellation() {
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = Pipe.rendezvous();
            MicroThread<Void> owner = MicroThread.parallel("owner", () -> {
                p.put(1);
                return null;
            });
            p.ownedBy(owner);
            assertThatThrownBy(() -> p.ownedBy(owner)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already owned by micro-thread 'owner'");
            MicroThread.yieldNow();
            owner.cancel();
            assertThatThrownBy(owner::join).isInstanceOf(CancellationException.class);
            assertThatThrownBy(p::take).isInstanceOf(FailedException.class)
                    .hasCauseInstanceOf(CancellationException.class)
                    .cause().hasMessageContaining("'owner', the producer of pipe");
            assertThat(p.failure()).get().isInstanceOf(CancellationException.class);
            return null;
        });
    }

    @Test
    void closingAPipesStreamStopsItsProducer() {
        Scenarios.eachSeed(sim -> {
            Loop[] loop = new Loop[1];
            List<Integer> firstThree = sim.run(() -> {
                loop[0] = Loop.current();
                Pipe<Integer> p = Pipe.produce("counter", Pipe.rendezvous(), out -> {
                    for (int i = 0; ; i++) out.put(i);
                });
                try (var s = p.stream()) {
                    return s.limit(3).toList();
                }
            });
            assertThat(firstThree).containsExactly(0, 1, 2);
            assertThat(loop[0].failureCount()).isZero();
        });
    }

    @Test
    void aFailingConsumerCancelsItsProducersInsteadOfStrandingThem() {
        Scenarios.eachSeed(sim -> {
            IllegalStateException boom = new IllegalStateException("consumer gave up");
            List<MicroThread<?>> producer = new ArrayList<>();
            Loop[] loop = new Loop[1];
            assertThatThrownBy(() -> sim.run(() -> {
                loop[0] = Loop.current();
                Pipe<Integer> p = Pipe.rendezvous();
                producer.add(MicroThread.parallel("producer", () -> {
                    for (int i = 0; ; i++) p.put(i);
                }));
                p.take();
                throw boom;
            })).isInstanceOf(FailedException.class).hasCause(boom);
            assertThat(producer.getFirst().state()).isEqualTo(MicroThread.State.CANCELLED);
            assertThat(loop[0].failureCount()).isZero();
        });
    }

    // ---- pipelines --------------------------------------------------------------------------

    @Test
    void aPipelineOfProducedStagesDeliversInOrderOnVirtualTime() {
        Scenarios.forSeeds(() -> {
            Pipe<Integer> numbers = Pipe.produce(Pipe.rendezvous(), sink -> {
                for (int i = 1; i <= 5; i++) {
                    MicroThread.sleep(Duration.ofSeconds(1));
                    sink.put(i);
                }
            });
            Pipe<Integer> squares = Pipe.produce(Pipe.buffered(2), sink -> numbers.consumeEach(n -> sink.put(n * n)));
            List<Integer> got = new ArrayList<>();
            for (int square : squares) got.add(square);
            assertThat(got).containsExactly(1, 4, 9, 16, 25);
            assertThat(elapsed()).as("five one-second steps, nothing else takes time").isEqualTo(Duration.ofSeconds(5));
            return null;
        });
    }

    /** numbers (endless) -> squares (consumeEach; throws at failAt) -> main, which takes {@code take} and closes its input. */
    private static List<Object> threeStages(int take, int failAt) throws Exception {
        Pipe<Integer> numbers = Pipe.<Integer>rendezvous().named("numbers");
        Pipe<Integer> squares = Pipe.<Integer>rendezvous().named("squares");
        Pipe.produce(numbers, sink -> {
            for (int i = 1; ; i++) sink.put(i);
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
                if (got.size() == take) squares.close();
            });
        } catch (FailedException e) {
            saw = e;
        }
        return java.util.Arrays.asList(got, numbers, squares, saw);
    }

    @Test
    @SuppressWarnings("unchecked")
    void anEarlyConsumerExitStopsEveryStage() {
        Scenarios.eachSeed(sim -> {
            Loop[] loop = new Loop[1];
            List<Object> o = sim.run(() -> {
                loop[0] = Loop.current();
                return threeStages(3, -1);
            });
            assertThat((List<Integer>) o.get(0)).containsExactly(1, 4, 9);
            Pipe<Integer> numbers = (Pipe<Integer>) o.get(1), squares = (Pipe<Integer>) o.get(2);
            assertThat(numbers.isClosedForPut()).as("the middle stage closed its input").isTrue();
            assertThat(numbers.failure()).isEmpty();
            assertThat(squares.failure()).isEmpty();
            assertThat(o.get(3)).isNull();
            assertThat(loop[0].failureCount()).as("both producers ended normally").isZero();
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFailingMiddleStageFailsDownstreamAndStopsUpstream() {
        Scenarios.eachSeed(sim -> {
            Loop[] loop = new Loop[1];
            List<Object> o = sim.run(() -> {
                loop[0] = Loop.current();
                return threeStages(100, 3);
            });
            assertThat((List<Integer>) o.get(0)).containsExactly(1, 4);
            Pipe<Integer> numbers = (Pipe<Integer>) o.get(1), squares = (Pipe<Integer>) o.get(2);
            assertThat((Throwable) o.get(3)).isInstanceOfSatisfying(FailedException.class, e -> {
                assertThat(e).hasRootCauseInstanceOf(IOException.class).hasRootCauseMessage("bad input 3");
                assertThat(e.pipe()).containsSame(squares);
            });
            assertThat(squares.failure()).get().isInstanceOf(IOException.class);
            assertThat(numbers.isClosedForPut()).isTrue();
            assertThat(numbers.failure()).as("upstream closed, not failed").isEmpty();
            assertThat(loop[0].failureCount()).as("the taker observed the stage's failure").isZero();
        });
    }

    /**
     * A stage cancelled after main took its first square: its output fails with the cancellation
     * and its input is closed. A put of the stage's that was already waiting when the cancel came
     * may still be taken (one CAS decides: taken, or withdrawn by the cancelled putter); if it is,
     * that put returned normally, and the stage stops at its next blocking call. So main gets at
     * most one more square, and only one whose put returned.
     */
    @Test
    void aCancelledStageClosesItsInputAndItsOutputFails() {
        List<String> outcomes = new ArrayList<>();
        Scenarios.forSeeds(() -> {
            Pipe<Integer> numbers = Pipe.produce(Pipe.<Integer>rendezvous().named("numbers"), sink -> {
                for (int i = 1; ; i++) sink.put(i);
            });
            Pipe<Integer> squares = Pipe.<Integer>rendezvous().named("squares");
            List<Integer> putReturned = new ArrayList<>();
            MicroThread<Void> stage = MicroThread.parallel("stage", () -> {
                numbers.consumeEach(n -> {
                    squares.put(n * n);
                    putReturned.add(n * n);
                });
                return null;
            });
            squares.ownedBy(stage);
            assertThat(squares.take()).isEqualTo(1);
            stage.cancel();
            List<Integer> after = new ArrayList<>();
            assertThatThrownBy(() -> {
                while (true) after.add(squares.take());
            }).isInstanceOf(FailedException.class).hasCauseInstanceOf(CancellationException.class);
            assertThatThrownBy(stage::join).isInstanceOf(CancellationException.class);
            assertThat(after).as("at most the put already waiting").isSubsetOf(4).hasSizeLessThanOrEqualTo(1);
            assertThat(putReturned).as("a square was delivered exactly when its put returned")
                    .isEqualTo(after.isEmpty() ? List.of(1) : List.of(1, 4));
            assertThat(numbers.isClosedForPut()).as("the cancelled stage closed its input").isTrue();
            outcomes.add(after.isEmpty() ? "stopped at once" : "one more square");
            return null; // and the run ends: the producer of 'numbers' was stopped
        });
        Scenarios.assertExplored(outcomes, "one more square", "stopped at once");
    }

    /** Which of the two waiting putters is taken first is not promised; the other is told, and its item not delivered. */
    @Test
    void aPutterWaitingWhenTheConsumerStopsIsToldAndItsItemNotDelivered() {
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = Pipe.rendezvous();
            MicroThread<Boolean> seven = MicroThread.parallel("seven", () -> p.putOrClosed(7));
            MicroThread<Boolean> eight = MicroThread.parallel("eight", () -> p.putOrClosed(8));
            yieldUntil(() -> p.waitingPutters() == 2);
            List<Integer> got = new ArrayList<>();
            assertThatThrownBy(() -> p.consumeEach(n -> {
                got.add(n);
                throw new IllegalArgumentException("no thanks");
            })).isInstanceOf(IllegalArgumentException.class);
            assertThat(got).hasSize(1);
            assertThat(seven.join()).as("7 delivered").isEqualTo(got.getFirst() == 7);
            assertThat(eight.join()).as("8 delivered").isEqualTo(got.getFirst() == 8);
            return null;
        });
    }

    // ---- time ---------------------------------------------------------------------------------

    @PipeFlavour.AllFlavours
    void timedFormsTimeOutAtTheirVirtualInstant(PipeFlavour f) {
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = f.make();
            assertThat(p.tryTake()).isNull();
            assertThat(p.tryTake(Duration.ofMillis(20))).isNull();
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(20));
            if (f.blocksWhenFull()) {
                for (int i = 0; i < f.room(); i++) p.put(i);
                assertThat(p.tryPut(7, Duration.ofSeconds(30))).isFalse();
                assertThat(elapsed()).isEqualTo(Duration.ofMillis(30_020));
                assertThat(p.size()).isEqualTo(f.room());
                assertThat(p.waitingPutters()).isZero();
            }
            assertThat(p.waitingTakers()).isZero();
            return null;
        });
    }

    @Test
    void aTimedTakeGetsAnItemThatComesBeforeItsDeadlineWhenItComes() {
        Scenarios.forSeeds(() -> {
            Pipe<String> p = Pipe.rendezvous();
            MicroThread.startAndForget(() -> {
                MicroThread.sleep(Duration.ofSeconds(10));
                p.put("late but in time");
            });
            assertThat(p.tryTake(Duration.ofMinutes(1))).isEqualTo("late but in time");
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(10));
            MicroThread.startAndForget(() -> assertThat(p.tryPut("nobody", Duration.ofSeconds(5))).isFalse());
            return null;
        });
    }

    @Test
    void aTickerTicksOnTheGridAndASlowConsumerGetsTheLatestTick() {
        Scenarios.eachSeed(sim -> {
            sim.run(() -> {
                Pipe<Long> ticks = Pipe.ticker(Duration.ofSeconds(10));
                for (long n = 1; n <= 3; n++) {
                    assertThat(ticks.take()).isEqualTo(n);
                    assertThat(elapsed()).isEqualTo(Duration.ofSeconds(10 * n));
                }
                MicroThread.sleep(Duration.ofSeconds(35)); // +65s: ticks 4, 5 and 6 were due
                assertThat(ticks.take()).as("the latest tick due").isEqualTo(6);
                assertThat(ticks.droppedCount()).isEqualTo(2);
                assertThat(ticks.take()).isEqualTo(7);
                assertThat(elapsed()).isEqualTo(Duration.ofSeconds(70));
                return null; // not closed: the end of the run stops it
            });
            assertThat(sim.elapsed()).as("nothing ticked after the run").isEqualTo(Duration.ofSeconds(70));
        });
    }

    // ---- deadlocks ----------------------------------------------------------------------------

    /** In a simulation every wait is visible: plain pipes nobody feeds are a deadlock report, as confined ones are on real loops. */
    @Test
    void microThreadsWaitingOnPlainPipesNobodyFeedsAreADeadlock() {
        Scenarios.eachSeed(sim -> {
            assertThatThrownBy(() -> sim.run(() -> {
                Pipe<Integer> jobs = Pipe.<Integer>rendezvous().named("jobs");
                Pipe<Integer> results = Pipe.<Integer>buffered(1).named("results");
                MicroThread.startAndForget("worker", () -> results.put(jobs.take() * 2));
                return results.take();
            })).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("'worker' WAITING: waiting to take from pipe 'jobs'")
                    .hasMessageContaining("'main' WAITING: waiting to take from pipe 'results'");
        });
    }
}
