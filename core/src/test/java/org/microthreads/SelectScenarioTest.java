package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.microthreads.Scenarios.elapsed;
import static org.microthreads.Scenarios.yieldUntil;
import static org.microthreads.Scenarios.yieldUntilWaiting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Select under every schedule (seeds 0-99 of the simulated loop, whose seeded generator also makes
 * select's random choice): exactly one case happens and the losers leave nothing behind, puts and
 * takes meet, timeouts at their virtual instant, defaults, ended pipes, cancellation, fairness and
 * priority, deadlocks. The real-loop and cross-thread originals stay in {@link SelectTest},
 * {@link WhichPipeEndedTest} and {@link ZeroDurationTest}.
 */
@Timeout(120)
class SelectScenarioTest {

    @Test
    void aSelectChosenByOnePipeLeavesNoRegistrationInTheOthers() {
        Scenarios.forSeeds(() -> {
            Pipe<String> a = Pipe.<String>rendezvous().named("a");
            Pipe<String> b = Pipe.<String>rendezvous().named("b");
            Pipe<String> full = Pipe.<String>buffered(1).named("full");
            full.put("x");
            MicroThread<String> selector = MicroThread.parallel("selector",
                    () -> Select.select(a.onTake(x -> "a:" + x), b.onTake(x -> "b:" + x), full.onPut("y", () -> "put")));
            yieldUntilWaiting(selector);
            assertThat(selector.waitingOn()).hasValueSatisfying(w -> assertThat(w)
                    .contains("selecting to take from pipe 'a' or take from pipe 'b' or put to pipe 'full'"));
            assertThat(a.waitingTakers() + b.waitingTakers() + full.waitingPutters()).isEqualTo(3);
            b.put("hello");
            assertThat(selector.join()).isEqualTo("b:hello");
            assertThat(a.waitingTakers() + b.waitingTakers() + full.waitingPutters()).isZero();
            assertThat(a.tryPut("lost?")).as("no taker left in a").isFalse();
            assertThat(full.take()).isEqualTo("x");
            assertThat(full.tryTake()).as("the losing put delivered nothing").isNull();
            return null;
        });
    }

    /** Three pipes fed at once by three putters: the select takes exactly one item, and the other two stay with their putters. */
    @Test
    void exactlyOneCaseHappensWhenSeveralBecomeReadyAtOnce() {
        Scenarios.forSeeds(() -> {
            List<Pipe<Integer>> pipes = List.of(Pipe.rendezvous(), Pipe.rendezvous(), Pipe.rendezvous());
            MicroThread<Integer> selector = MicroThread.parallel("selector", () -> Select.select(
                    pipes.get(0).onTake(x -> x), pipes.get(1).onTake(x -> x), pipes.get(2).onTake(x -> x)));
            List<MicroThread<Boolean>> putters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int n = i;
                putters.add(MicroThread.parallel("putter-" + n, () -> pipes.get(n).tryPut(n, Duration.ofSeconds(1))));
            }
            int chosen = selector.join();
            for (int i = 0; i < 3; i++) {
                assertThat(putters.get(i).join()).as("putter %d delivered", i).isEqualTo(i == chosen);
            }
            assertThat(elapsed()).as("the losers waited out their timeout").isEqualTo(Duration.ofSeconds(1));
            for (Pipe<Integer> p : pipes) assertThat(p.waitingTakers() + p.waitingPutters()).isZero();
            return null;
        });
    }

    @Test
    void aSelectCanPutAndTheTakerGetsTheItem() {
        Scenarios.forSeeds(() -> {
            Pipe<String> a = Pipe.rendezvous(), b = Pipe.rendezvous();
            MicroThread<String> taker = MicroThread.parallel(b::take);
            String chosen = Select.select(a.onTake(x -> "took " + x), b.onPut("gift", () -> "gave"));
            assertThat(chosen + "/" + taker.join()).isEqualTo("gave/gift");
            return null;
        });
    }

    @Test
    void twoSelectsMeetOnARendezvousPipe() {
        Scenarios.forSeeds(() -> {
            int n = 50;
            Pipe<Integer> p = Pipe.rendezvous(), q = Pipe.rendezvous(), never = Pipe.rendezvous();
            MicroThread.startAndForget("putter", () -> {
                for (int i = 0; i < n; i++) Select.select(p.onPut(i, () -> null), never.onTake(x -> null));
            });
            long sum = 0;
            int previous = -1;
            for (int i = 0; i < n; i++) {
                int x = Select.<Integer>select(p.onTake(v -> v), q.onTake(v -> -1_000_000));
                assertThat(x).as("in order").isGreaterThan(previous);
                previous = x;
                sum += x;
            }
            assertThat(sum).isEqualTo((long) n * (n - 1) / 2);
            assertThat(never.waitingTakers() + p.waitingTakers() + p.waitingPutters() + q.waitingTakers()).isZero();
            return null;
        });
    }

    @Test
    void aTimeoutRunsAtItsVirtualInstantAndADefaultNeverWaits() {
        Scenarios.forSeeds(() -> {
            Pipe<String> a = Pipe.rendezvous();
            assertThat(Select.select(a.onTake(x -> x), Select.onTimeout(Duration.ofSeconds(30), () -> "timeout"))).isEqualTo("timeout");
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(30));
            assertThat(a.waitingTakers()).isZero();
            assertThat(Select.select(a.onTake(x -> x), Select.onDefault(() -> "nothing ready"))).isEqualTo("nothing ready");
            assertThat(Select.select(a.onTake(x -> x), Select.onTimeout(Duration.ZERO, () -> "expired"))).isEqualTo("expired");
            assertThat(elapsed()).as("neither waits").isEqualTo(Duration.ofSeconds(30));
            MicroThread.startAndForget(() -> {
                MicroThread.sleep(Duration.ofSeconds(10));
                a.put("in time");
            });
            assertThat(Select.select(a.onTake(x -> x), Select.onTimeout(Duration.ofMinutes(1), () -> "timeout"))).isEqualTo("in time");
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(40));
            return null;
        });
    }

    /**
     * A put due at the very instant a select's timeout expires: either may win (not promised), but
     * exactly one thing happens: the item is taken by the select, or it is still there for the
     * next take.
     */
    @Test
    void aPutAtTheInstantOfTheTimeoutIsTakenOrLeftNeverLost() {
        List<String> outcomes = new ArrayList<>();
        Scenarios.forSeeds(() -> {
            Pipe<String> a = Pipe.buffered(1);
            MicroThread.startAndForget("putter", () -> {
                MicroThread.sleep(Duration.ofSeconds(30));
                a.put("item");
            });
            String got = Select.select(a.onTake(x -> x), Select.onTimeout(Duration.ofSeconds(30), () -> "timeout"));
            assertThat(elapsed()).isEqualTo(Duration.ofSeconds(30));
            if (got.equals("timeout")) {
                assertThat(a.take()).isEqualTo("item");
            } else {
                assertThat(got).isEqualTo("item");
                assertThat(a.tryTake(Duration.ofHours(1))).isNull();
            }
            assertThat(a.waitingTakers()).isZero();
            outcomes.add(got);
            return null;
        });
        Scenarios.assertExplored(outcomes, "item", "timeout");
    }

    @Test
    void closingAPipeWakesASelectWaitingOnItAndFailingOneThrowsItsFailure() {
        Scenarios.forSeeds(() -> {
            Pipe<String> a = Pipe.rendezvous(), b = Pipe.<String>rendezvous().named("b");
            MicroThread<String> s = MicroThread.parallel(() -> Select.select(a.onTakeOrClosed(x -> "a " + x), b.onTake(x -> "b " + x)));
            yieldUntilWaiting(s);
            a.close();
            assertThat(s.join()).isEqualTo("a null");
            RuntimeException boom = new RuntimeException("boom");
            MicroThread<String> f = MicroThread.parallel("f", () -> Select.select(b.onTakeOrClosed(x -> "b " + x)));
            MicroThread.yieldNow(); // waiting or not yet: either way it sees the failure
            b.fail(boom);
            assertThatThrownBy(f::join).isInstanceOf(FailedException.class)
                    .hasMessage("micro-thread 'f' failed: pipe 'b' failed: java.lang.RuntimeException: boom")
                    .cause().isSameAs(boom);
            return null;
        });
    }

    /** A closed and a failed pipe are both ready: whichever the select picks, its exception names that pipe. */
    @Test
    void aSelectOverEndedPipesSaysWhichOneEndedAndHow() {
        List<String> outcomes = new ArrayList<>();
        Scenarios.forSeeds(() -> {
            Pipe<String> a = Pipe.<String>buffered(1).named("a");
            Pipe<String> b = Pipe.<String>buffered(1).named("b");
            Pipe<String> c = Pipe.<String>buffered(1).named("c");
            IllegalStateException boom = new IllegalStateException("boom");
            MicroThread.startAndForget(() -> c.close());
            MicroThread.startAndForget(() -> b.fail(boom));
            yieldUntil(() -> c.isClosedForTake() && b.isFailed());
            try {
                Select.select(a.onTake(x -> x), b.onTake(x -> x), c.onTake(x -> x));
                throw new AssertionError("a select over ended pipes returned");
            } catch (FailedException e) {
                assertThat(e.pipe()).containsSame(b);
                assertThat(e.getCause()).isSameAs(boom);
                outcomes.add("b failed");
            } catch (PipeClosedException e) {
                assertThat(e.pipe()).isSameAs(c);
                assertThat(e.pipe().failure()).isEmpty();
                outcomes.add("c closed");
            }
            assertThat(a.failure()).isEmpty();
            return null;
        });
        Scenarios.assertExplored(outcomes, "b failed", "c closed");
    }

    @Test
    void aCancelledSelectTookNothingAndLeftNothing() {
        Scenarios.forSeeds(() -> {
            Pipe<String> a = Pipe.<String>rendezvous().named("a");
            Pipe<String> b = Pipe.<String>buffered(1).named("b");
            b.put("full");
            MicroThread<String> s = MicroThread.parallel(() -> Select.select(a.onTake(x -> x), b.onPut("y", () -> "put")));
            MicroThread.yieldNow(); // waiting or not yet
            s.cancel();
            assertThatThrownBy(s::join).isInstanceOf(CancellationException.class);
            assertThat(a.waitingTakers() + b.waitingPutters()).isZero();
            assertThat(b.take()).isEqualTo("full");
            assertThat(b.tryTake()).isNull();
            return null;
        });
    }

    /** Fair select draws from the simulation's seeded generator: uniform among the ready cases in every seed. */
    @Test
    void selectIsUniformAmongReadyCases() {
        Scenarios.forSeeds(() -> {
            int rounds = 600;
            Pipe<Integer> a = Pipe.unbounded(), b = Pipe.unbounded(), c = Pipe.unbounded();
            int[] picks = new int[3];
            for (int i = 0; i < rounds; i++) {
                a.put(0);
                b.put(1);
                c.put(2);
                picks[Select.select(a.onTake(x -> x), b.onTake(x -> x), c.onTake(x -> x))]++;
                for (Pipe<Integer> p : List.of(a, b, c)) p.tryTake();
            }
            for (int k = 0; k < 3; k++) {
                // expected 200 each; the standard deviation is ~11.5, so ±80 is ~7 sigma
                assertThat(picks[k]).as("picks of case %d: %s", k, java.util.Arrays.toString(picks)).isBetween(120, 280);
            }
            return null;
        });
    }

    @Test
    void selectFirstTakesTheFirstReadyCaseWhoeverFilledThem() {
        Scenarios.forSeeds(() -> {
            Pipe<String> a = Pipe.unbounded(), b = Pipe.unbounded();
            MicroThread.startAndForget(() -> {
                for (int i = 0; i < 5; i++) {
                    a.put("a");
                    MicroThread.yieldNow();
                }
            });
            MicroThread.startAndForget(() -> {
                for (int i = 0; i < 5; i++) {
                    b.put("b");
                    MicroThread.yieldNow();
                }
            });
            yieldUntil(() -> a.size() == 5 && b.size() == 5);
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 10; i++) got.add(Select.selectFirst(a.onTake(x -> x), b.onTake(x -> x)));
            assertThat(got).containsExactly("a", "a", "a", "a", "a", "b", "b", "b", "b", "b");
            a.put("a");
            b.put("b");
            assertThat(Select.<String>selectFirst(List.of(b.onTake(x -> x), a.onTake(x -> x)))).as("the list's order is the priority").isEqualTo("b");
            return null;
        });
    }

    @Test
    void theSamePipeTwiceInOneSelectDoesTheOneThatIsReady() {
        Scenarios.forSeeds(() -> {
            Pipe<Integer> p = Pipe.buffered(1);
            p.put(1); // full: only the take is ready
            assertThat(Select.select(p.onTake(x -> x + 100), p.onPut(2, () -> 0))).isEqualTo(101);
            assertThat(p.size()).isZero();
            // empty: only the put is ready
            assertThat(Select.select(p.onTake(x -> x + 100), p.onPut(2, () -> 0))).isEqualTo(0);
            assertThat(p.tryTake()).isEqualTo(2);
            return null;
        });
    }

    /** In a simulation every wait is visible: a select over plain pipes nobody will feed is a deadlock report naming them. */
    @Test
    void aSelectOverPlainPipesNobodyFeedsIsADeadlock() {
        Scenarios.eachSeed(sim -> assertThatThrownBy(() -> sim.run(() -> {
            Pipe<String> a = Pipe.<String>rendezvous().named("a");
            Pipe<String> b = Pipe.<String>rendezvous().named("b");
            return Select.select(a.onTake(x -> x), b.onTake(x -> x));
        })).isInstanceOf(DeadlockException.class)
                .hasMessageContaining("'main' WAITING: selecting to take from pipe 'a' or take from pipe 'b'"));
    }

    /** With a timeout, the same select is no deadlock: the clock jumps to it. */
    @Test
    void aSelectWithATimeoutOverPipesNobodyFeedsIsNoDeadlock() {
        Scenarios.eachSeed(sim -> {
            String v = sim.run(() -> Select.select(Pipe.<String>rendezvous().onTake(x -> x),
                    Select.onTimeout(Duration.ofHours(12), () -> "half a day later")));
            assertThat(v).isEqualTo("half a day later");
            assertThat(sim.elapsed()).isEqualTo(Duration.ofHours(12));
        });
    }
}
