package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.microthreads.Scenarios.elapsed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Generators of every kind ({@link GeneratorKind}) consumed by micro-threads under every schedule
 * (seeds 0-99 of the simulated loop): items in order from bodies that block, the run-ahead limit,
 * closing (finally blocks, at their virtual instant), failures, cancellation of the consumer,
 * generators in pipelines and inside other generators, and a timeout inside a body. The
 * originals (plain-thread consumers, stacks, the cleaner, host loops) stay in {@link GeneratorTest}.
 */
@Timeout(120)
class GeneratorScenarioTest {

    static List<Integer> rangeList(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    /** An endless body that records its finally blocks (inner first) in {@code log}. */
    static Generator.Body<Integer> endless(List<String> log) {
        return out -> {
            try {
                try {
                    for (int i = 0; ; i++) out.emit(i);
                } finally {
                    log.add("inner finally");
                }
            } finally {
                log.add("outer finally");
            }
        };
    }

    @GeneratorKind.AllKinds
    void itemsComeInOrderFromABodyThatBlocksThroughForEachIteratorAndStream(GeneratorKind k) {
        Scenarios.forSeeds(() -> {
            Generator.Body<Integer> body = out -> {
                for (int i = 0; i < 20; i++) {
                    if (i % 3 == 0) MicroThread.sleep(Duration.ofMillis(1));
                    else if (i % 3 == 1) MicroThread.yieldNow();
                    out.emit(i);
                }
            };
            List<Integer> viaForEach = new ArrayList<>();
            try (Generator<Integer> g = k.of(body)) {
                for (Integer x : g) viaForEach.add(x);
                assertThat(g.isDone()).isTrue();
            }
            assertThat(viaForEach).isEqualTo(rangeList(0, 20));
            assertThat(elapsed()).as("seven sleeps of 1ms, one after the other").isEqualTo(Duration.ofMillis(7));
            try (Generator<Integer> g = k.of(body)) {
                assertThat(g.next()).isZero();
                assertThat(g.next()).isEqualTo(1);
                assertThat(g.stream().map(x -> x * 2).toList()).as("the stream has the remaining items")
                        .isEqualTo(IntStream.range(2, 20).map(x -> x * 2).boxed().toList());
            }
            return null;
        });
    }

    /** The body runs ahead of the consumer by at most its capacity (a lazy one: not at all), however the two are scheduled. */
    @GeneratorKind.AllKinds
    void theBodyNeverRunsMoreThanItsCapacityAhead(GeneratorKind k) {
        Scenarios.forSeeds(() -> {
            int[] started = {0}; // emits begun
            try (Generator<Integer> g = k.of(out -> {
                for (int i = 0; i < 30; i++) {
                    started[0]++;
                    out.emit(i);
                    if (i % 4 == 0) MicroThread.yieldNow();
                }
            })) {
                MicroThread.yieldNow();
                assertThat(started[0]).as("nothing runs before the first hasNext()").isZero();
                for (int taken = 1; taken <= 30; taken++) {
                    assertThat(g.next()).isEqualTo(taken - 1);
                    MicroThread.yieldNow(); // a buffered micro-thread body may run now, up to its limit
                    assertThat(started[0] - taken).as("after %d items", taken).isBetween(0, k.capacity());
                }
                assertThat(g.hasNext()).isFalse();
            }
            return null;
        });
    }

    @GeneratorKind.AllKinds
    void closingALimitedStreamClosesTheGenerator(GeneratorKind k) {
        Scenarios.forSeeds(() -> {
            List<String> log = new ArrayList<>();
            Generator<Integer> g = k.of(endless(log));
            List<Integer> first;
            try (Stream<Integer> s = g.stream()) {
                first = s.limit(3).toList();
                assertThat(log).as("the body is still suspended").isEmpty();
            }
            assertThat(first).containsExactly(0, 1, 2);
            assertThat(log).containsExactly("inner finally", "outer finally");
            assertThat(g.isDone()).isTrue();
            assertThat(g.hasNext()).isFalse();
            return null;
        });
    }

    @GeneratorKind.AllKinds
    void closeMidIterationWaitsForTheFinallyBlocks(GeneratorKind k) {
        Scenarios.forSeeds(() -> {
            List<String> log = new ArrayList<>();
            Generator<Integer> g = k.of(out -> {
                try {
                    for (int i = 0; ; i++) out.emit(i);
                } finally {
                    MicroThread.sleep(Duration.ofMillis(20)); // a slow finally: close() waits for it
                    log.add("finally");
                }
            });
            assertThat(List.of(g.next(), g.next(), g.next())).containsExactly(0, 1, 2);
            g.close();
            assertThat(log).containsExactly("finally");
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(20));
            assertThat(g.isDone()).isTrue();
            g.close(); // idempotent
            assertThat(log).containsExactly("finally");
            assertThatThrownBy(g::next).isInstanceOf(NoSuchElementException.class).hasMessageContaining("closed");
            return null;
        });
    }

    @GeneratorKind.AllKinds
    void closeLeavesNothingRunningOnTheLoop(GeneratorKind k) {
        Scenarios.forSeeds(() -> {
            List<String> log = new ArrayList<>();
            Loop loop = Loop.current();
            MicroThread<?> main = MicroThread.current();
            Generator<Integer> g = k.of(endless(log));
            assertThat(List.of(g.next(), g.next(), g.next())).containsExactly(0, 1, 2);
            if (k.continuation()) {
                assertThat(loop.microThreads()).as("no micro-thread: the body is a continuation").containsExactly(main);
            } else {
                assertThat(loop.microThreads()).as("the body's micro-thread").hasSize(2).contains(main);
            }
            g.close();
            assertThat(log).containsExactly("inner finally", "outer finally");
            assertThat(loop.microThreads()).as("after close").containsExactly(main);
            return null;
        });
    }

    @GeneratorKind.AllKinds
    void aFailingBodyDeliversItsItemsThenItsFailureOnce(GeneratorKind k) {
        Scenarios.forSeeds(() -> {
            Generator<Integer> g = k.of(out -> {
                out.emit(1);
                MicroThread.yieldNow();
                out.emit(2);
                MicroThread.sleep(Duration.ofSeconds(1));
                throw new IllegalStateException("boom");
            });
            assertThat(g.next()).isEqualTo(1);
            assertThat(g.next()).isEqualTo(2);
            Throwable failure = catchThrowable(g::hasNext);
            assertThat(failure).isInstanceOf(FailedException.class).hasMessageContaining("boom")
                    .cause().isInstanceOf(IllegalStateException.class).hasMessage("boom");
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(1));
            assertThat(g.isDone()).isTrue();
            assertThat(g.hasNext()).isFalse();
            assertThatThrownBy(g::next).isInstanceOf(NoSuchElementException.class).hasMessageContaining("failed")
                    .hasCause(failure.getCause());
            g.close(); // nothing left to do
            return null;
        });
    }

    @GeneratorKind.AllKinds
    void cancellingTheConsumerEndsTheBodyAndTheRunAtOnce(GeneratorKind k) {
        Scenarios.eachSeed(sim -> {
            List<String> log = new ArrayList<>();
            Throwable[] joined = new Throwable[1];
            sim.run(() -> {
                Deferred<Void> started = new Deferred<>();
                MicroThread<Integer> consumer = MicroThread.parallel("consumer", () -> {
                    int sum = 0;
                    try (Generator<Integer> g = k.of(out -> {
                        try {
                            for (int i = 0; ; i++) {
                                started.complete(null);
                                MicroThread.sleep(Duration.ofSeconds(10));
                                out.emit(i);
                            }
                        } finally {
                            log.add("body finally");
                        }
                    })) {
                        for (Integer x : g) sum += x;
                    }
                    return sum;
                });
                started.await();
                consumer.cancel();
                joined[0] = catchThrowable(consumer::join);
                assertThat(Loop.current().microThreads()).as("nothing left alive").containsExactly(MicroThread.current());
                return null;
            });
            assertThat(joined[0]).isInstanceOf(CancellationException.class);
            assertThat(log).containsExactly("body finally");
            assertThat(sim.elapsed()).as("the body's sleep was cut at once").isZero();
        });
    }

    @GeneratorKind.AllKinds
    void aGeneratorFeedsAPoolOfMicroThreadsThroughAPipe(GeneratorKind k) {
        int n = 100;
        List<Integer> expected = IntStream.range(0, n).map(x -> x * x % 1_000).boxed().sorted().toList();
        Scenarios.forSeeds(() -> {
            Pipe<Integer> work = Pipe.produce(Pipe.buffered(8), p -> {
                try (Generator<Integer> g = k.of(out -> {
                    for (int i = 0; i < n; i++) {
                        if (i % 10 == 0) MicroThread.yieldNow();
                        out.emit(i);
                    }
                })) {
                    for (Integer x : g) p.put(x);
                }
            });
            List<MicroThread<List<Integer>>> pool = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                pool.add(MicroThread.parallel("worker-" + w, () -> {
                    List<Integer> mine = new ArrayList<>();
                    for (Integer x : work) mine.add(x * x % 1_000);
                    return mine;
                }));
            }
            List<Integer> all = new ArrayList<>();
            for (MicroThread<List<Integer>> m : pool) all.addAll(m.join());
            assertThat(all.stream().sorted().toList()).isEqualTo(expected);
            return null;
        });
    }

    @GeneratorKind.AllKinds
    void aGeneratorWhoseBodyTakesFromAPipeFedByManyProducers(GeneratorKind k) {
        int producers = 3, perProducer = 20;
        Scenarios.forSeeds(() -> {
            Pipe<Integer> in = Pipe.buffered(4);
            MicroThread.startAndForget("feeders", () -> {
                List<MicroThread.Body<Void>> feeders = new ArrayList<>();
                for (int f = 0; f < producers; f++) {
                    int base = f * 1000;
                    feeders.add(() -> {
                        for (int i = 0; i < perProducer; i++) in.put(base + i);
                        return null;
                    });
                }
                MicroThread.parallelAll(feeders);
                in.close();
            });
            List<Integer> got;
            try (Generator<Integer> g = k.of(out -> {
                for (Integer x : in) out.emit(x);
            })) {
                got = g.stream().toList();
            }
            assertThat(got).hasSize(producers * perProducer).doesNotHaveDuplicates();
            for (int f = 0; f < producers; f++) {
                int p = f;
                assertThat(got.stream().filter(x -> x / 1000 == p).toList()).as("producer %d's items in its order", p)
                        .isEqualTo(IntStream.range(0, perProducer).map(i -> p * 1000 + i).boxed().toList());
            }
            return null;
        });
    }

    @GeneratorKind.AllKinds
    void aGeneratorIteratedInsideAnotherGeneratorsBodyAndOneIncludedByEmitAll(GeneratorKind k) {
        Scenarios.forSeeds(() -> {
            try (Generator<Integer> outer = k.of(out -> {
                try (Generator<Integer> inner = k.of(in -> {
                    for (int i = 0; i < 5; i++) {
                        MicroThread.sleep(Duration.ofMillis(1));
                        in.emit(i);
                    }
                })) {
                    for (Integer x : inner) out.emit(x * 10);
                }
                out.emitAll(k.of(in -> {
                    MicroThread.yieldNow();
                    in.emit(50);
                    MicroThread.sleep(Duration.ofMillis(1));
                    in.emit(60);
                }));
                out.emit(70);
            })) {
                assertThat(outer.stream().toList()).containsExactly(0, 10, 20, 30, 40, 50, 60, 70);
            }
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(6));
            return null;
        });
    }

    /** A body's own withTimeout on virtual time: the items emitted before the deadline, then what the body does about it. */
    @GeneratorKind.AllKinds
    void aTimeoutInsideABodyEndsItsLoopAtItsDeadline(GeneratorKind k) {
        Scenarios.forSeeds(() -> {
            try (Generator<Integer> g = k.of(out -> {
                try {
                    MicroThread.withTimeout(Duration.ofMillis(4500), () -> {
                        for (int i = 0; ; i++) {
                            MicroThread.sleep(Duration.ofSeconds(1));
                            out.emit(i);
                        }
                    });
                } catch (TimeoutException e) {
                    out.emit(-1);
                }
            })) {
                List<Integer> got = new ArrayList<>();
                for (Integer x : g) got.add(x);
                assertThat(got).containsExactly(0, 1, 2, 3, -1);
            }
            assertThat(elapsed()).isEqualTo(Duration.ofMillis(4500));
            return null;
        });
    }

    /**
     * (GeneratorTest's review R1, on virtual time.) A MICRO_THREAD body's withTimeout fires while
     * the body waits in an emit and the consumer is busy elsewhere: the body does not run out of
     * turn, every item arrives in order, and its next sleep ends at once with the timeout.
     */
    @Test
    void aTimeoutFiringWhileTheBodyWaitsInEmitDoesNotLetItRunOutOfTurn() {
        for (int capacity : new int[] {0, GeneratorKind.BUFFER}) {
            int batch = Math.max(1, capacity);
            Scenarios.forSeeds(() -> {
                List<String> events = new ArrayList<>();
                List<String> outOfTurn = new ArrayList<>();
                boolean[] consumerInside = {false};
                java.util.function.Consumer<String> body = e -> {
                    events.add(e);
                    if (!consumerInside[0]) outOfTurn.add(e);
                };
                List<Integer> items = new ArrayList<>();
                try (Generator<Integer> g = Generator.of(Generator.Implementation.MICRO_THREAD, capacity, out -> {
                    try {
                        MicroThread.withTimeout(Duration.ofMillis(20), () -> {
                            for (int i = 1; i <= 2 * batch; i++) { // waits in the emit of item `batch` (buffer full)
                                body.accept("emit " + i);
                                out.emit(i);
                            }
                            MicroThread.sleep(Duration.ofSeconds(10)); // the kept interrupt ends it at once
                            body.accept("slept");
                            return null;
                        });
                    } catch (TimeoutException e) {
                        body.accept("timed out");
                    }
                    for (int i = 2 * batch + 1; i <= 3 * batch; i++) {
                        body.accept("emit " + i);
                        out.emit(i);
                    }
                    body.accept("end");
                })) {
                    consumerInside[0] = true;
                    assertThat(g.hasNext()).isTrue();
                    consumerInside[0] = false;
                    items.add(g.next());
                    int before = events.size();
                    try {
                        MicroThread.withTimeout(Duration.ofMillis(20), () -> { // armed after the body's: fires after it
                            MicroThread.sleep(Duration.ofSeconds(10));
                            return null;
                        });
                    } catch (TimeoutException expected) {
                        // the body's timeout has fired too
                    }
                    MicroThread.sleep(Duration.ofMillis(20)); // time for the interrupted producer to run, if it would
                    assertThat(events).as("nothing ran while the consumer was busy").hasSize(before);
                    while (true) {
                        consumerInside[0] = true;
                        boolean more = g.hasNext();
                        consumerInside[0] = false;
                        if (!more) break;
                        items.add(g.next());
                    }
                }
                assertThat(items).isEqualTo(rangeList(1, 3 * batch + 1));
                assertThat(outOfTurn).as("the body ran only when asked").isEmpty();
                List<String> expected = new ArrayList<>();
                for (int i = 1; i <= 2 * batch; i++) expected.add("emit " + i);
                expected.add("timed out");
                for (int i = 2 * batch + 1; i <= 3 * batch; i++) expected.add("emit " + i);
                expected.add("end");
                assertThat(events).isEqualTo(expected);
                assertThat(elapsed()).isEqualTo(Duration.ofMillis(40));
                return null;
            });
        }
    }
}
