package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Select: choice, fairness, timeouts, defaults, closed pipes, no trace left by the losers. */
@Timeout(60)
class SelectTest {

    @Test
    void selectIsUniformAmongReadyCases() throws Exception {
        int rounds = 20_000;
        Pipe<Integer> a = Pipe.unbounded(), b = Pipe.unbounded(), c = Pipe.unbounded();
        int[] picks = new int[3];
        for (int i = 0; i < rounds; i++) {
            a.put(0);
            b.put(1);
            c.put(2);
            int k = Select.select(a.onTake(x -> x), b.onTake(x -> x), c.onTake(x -> x));
            picks[k]++;
            for (Pipe<Integer> p : List.of(a, b, c)) p.tryTake(); // back to empty
            assertThat(a.size() + b.size() + c.size()).isZero();
        }
        for (int k = 0; k < 3; k++) {
            // expected 6667 each; the standard deviation is ~67, so ±600 is ~9 sigma
            assertThat(picks[k]).as("picks of case %d: %s", k, java.util.Arrays.toString(picks))
                    .isBetween(rounds / 3 - 600, rounds / 3 + 600);
        }
    }

    @Test
    void selectFirstPrefersTheFirstReadyCase() throws Exception {
        Pipe<String> a = Pipe.unbounded(), b = Pipe.unbounded();
        for (int i = 0; i < 1000; i++) {
            a.put("a");
            b.put("b");
        }
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 2000; i++) got.add(Select.selectFirst(a.onTake(x -> x), b.onTake(x -> x)));
        assertThat(got.subList(0, 1000)).containsOnly("a");
        assertThat(got.subList(1000, 2000)).containsOnly("b");
        a.put("a");
        b.put("b");
        String first = Select.selectFirst(List.of(b.onTake(x -> x), a.onTake(x -> x)));
        assertThat(first).as("the list's order is the priority").isEqualTo("b");
    }

    @Test
    void aSelectChosenByOnePipeLeavesNoRegistrationInTheOthers() throws Exception {
        try (Loop loop = Loop.singleCarrier("losers")) {
            loop.run(() -> {
                Pipe<String> a = Pipe.<String>rendezvous().named("a");
                Pipe<String> b = Pipe.<String>rendezvous().named("b");
                Pipe<String> full = Pipe.<String>buffered(1).named("full");
                full.put("x");
                MicroThread<String> selector = MicroThread.parallel("selector",
                        () -> Select.select(a.onTake(x -> "a:" + x), b.onTake(x -> "b:" + x), full.onPut("y", () -> "put")));
                MicroThread.yieldNow();
                assertThat(selector.waitingOn())
                        .contains("selecting to take from pipe 'a' or take from pipe 'b' or put to pipe 'full'");
                assertThat(a.waitingTakers() + b.waitingTakers() + full.waitingPutters()).isEqualTo(3);
                b.put("hello");
                assertThat(selector.join()).isEqualTo("b:hello");
                assertThat(a.waitingTakers() + b.waitingTakers() + full.waitingPutters()).isZero();
                assertThat(a.tryPut("lost?")).as("no taker left in a").isFalse();
                assertThat(full.size()).isEqualTo(1);
                assertThat(full.take()).isEqualTo("x");
                assertThat(full.tryTake()).as("the losing put delivered nothing").isNull();
                return null;
            });
        }
    }

    @Test
    void aSelectCanPutAndTheTakerGetsTheItem() throws Exception {
        try (Loop loop = Loop.singleCarrier("select-put")) {
            String r = loop.run(() -> {
                Pipe<String> a = Pipe.rendezvous(), b = Pipe.rendezvous();
                MicroThread<String> taker = MicroThread.parallel(b::take);
                MicroThread.yieldNow();
                String chosen = Select.select(a.onTake(x -> "took " + x), b.onPut("gift", () -> "gave"));
                return chosen + "/" + taker.join();
            });
            assertThat(r).isEqualTo("gave/gift");
        }
    }

    @Test
    void twoSelectsMeetOnARendezvousPipe() throws Exception {
        int n = 20_000;
        Pipe<Integer> p = Pipe.rendezvous(), q = Pipe.rendezvous();
        Pipe<Integer> never = Pipe.rendezvous();
        try (Loop loop = Loop.singleCarrier("meet")) {
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < n; i++) Select.select(p.onPut(i, () -> null), never.onTake(x -> null));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            long sum = loop.run(() -> {
                long s = 0;
                for (int i = 0; i < n; i++) s += Select.<Integer>select(p.onTake(x -> x), q.onTake(x -> -1_000_000));
                return s;
            });
            other.join();
            assertThat(sum).isEqualTo((long) n * (n - 1) / 2);
            assertThat(never.waitingTakers() + p.waitingTakers() + p.waitingPutters()).isZero();
        }
    }

    @Test
    void timeoutAndDefault() throws Exception {
        Pipe<String> a = Pipe.rendezvous();
        long t0 = System.nanoTime();
        String r = Select.select(a.onTake(x -> x), Select.onTimeout(Duration.ofMillis(30), () -> "timeout"));
        assertThat(r).isEqualTo("timeout");
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(30).toNanos());
        assertThat(a.waitingTakers()).isZero();
        assertThat(Select.select(a.onTake(x -> x), Select.onDefault(() -> "nothing ready"))).isEqualTo("nothing ready");
        a.close();
        assertThat(Select.select(a.onTakeOrClosed(x -> x == null ? "closed" : x), Select.onDefault(() -> "default")))
                .as("a closed pipe is ready").isEqualTo("closed");
        assertThatThrownBy(() -> Select.select(a.onTake(x -> x))).isInstanceOf(PipeClosedException.class);
        assertThatThrownBy(() -> Select.select(a.onPut("x", () -> "put"))).isInstanceOf(PipeClosedException.class)
                .hasMessageContaining("cannot put");
    }

    @Test
    void closingAPipeWakesASelectWaitingOnIt() throws Exception {
        try (Loop loop = Loop.singleCarrier("select-close")) {
            loop.run(() -> {
                Pipe<String> a = Pipe.rendezvous(), b = Pipe.rendezvous();
                MicroThread<String> s = MicroThread.parallel(
                        () -> Select.select(a.onTakeOrClosed(x -> "a " + x), b.onTake(x -> "b " + x)));
                MicroThread.yieldNow();
                a.close();
                assertThat(s.join()).isEqualTo("a null");
                RuntimeException boom = new RuntimeException("boom");
                MicroThread<String> f = MicroThread.parallel(() -> Select.select(b.onTakeOrClosed(x -> "b " + x)));
                MicroThread.yieldNow();
                b.fail(boom);
                // one wrapper (ADR 0025): the cause is boom itself; the select's hop rides along as suppressed
                assertThatThrownBy(f::join).isInstanceOf(FailedException.class)
                        .hasMessageMatching("micro-thread 'mt-\\d+' failed: pipe 'pipe-\\d+' failed: java.lang.RuntimeException: boom")
                        .satisfies(e -> assertThat(e.getSuppressed()).singleElement().isInstanceOf(FailedException.class)
                                .extracting(Throwable::getMessage).asString().startsWith("pipe '"))
                        .cause().isSameAs(boom);
                return null;
            });
        }
    }

    @Test
    void aCancelledSelectTookNothingAndLeftNothing() throws Exception {
        try (Loop loop = Loop.singleCarrier("select-cancel")) {
            loop.run(() -> {
                Pipe<String> a = Pipe.<String>rendezvous().named("a");
                Pipe<String> b = Pipe.<String>buffered(1).named("b");
                b.put("full");
                MicroThread<String> s = MicroThread.parallel(() -> Select.select(a.onTake(x -> x), b.onPut("y", () -> "put")));
                MicroThread.yieldNow();
                s.cancel();
                assertThatThrownBy(s::join).isInstanceOf(CancellationException.class);
                assertThat(a.waitingTakers() + b.waitingPutters()).isZero();
                assertThat(b.take()).isEqualTo("full");
                assertThat(b.tryTake()).isNull();
                return null;
            });
        }
    }

    @Test
    void selectsWaitingOnlyOnConfinedPipesAreADeadlock() throws Exception {
        try (Loop loop = Loop.singleCarrier("select-deadlock")) {
            assertThatThrownBy(() -> loop.run(() -> {
                Pipe<String> a = Pipe.<String>rendezvous().named("a").confined();
                Pipe<String> b = Pipe.<String>rendezvous().named("b").confined();
                return Select.select(a.onTake(x -> x), b.onTake(x -> x));
            })).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("'main' WAITING: selecting to take from pipe 'a' or take from pipe 'b'");
        }
    }

    @Test
    void theSamePipeTwiceInOneSelectWorks() throws Exception {
        Pipe<Integer> p = Pipe.buffered(1);
        AtomicInteger which = new AtomicInteger();
        p.put(1);
        int r = Select.select(p.onTake(x -> x + 100), p.onPut(2, () -> { which.set(2); return 0; }));
        assertThat(r == 101 || (r == 0 && which.get() == 2)).isTrue();
    }

    @Test
    void badInputIsRefusedAtTheCall() {
        Pipe<String> p = Pipe.rendezvous();
        assertThatThrownBy(() -> Select.select()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("select needs at least one case");
        assertThatThrownBy(() -> Select.select(Select.onDefault(() -> "x"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one pipe case");
        assertThatThrownBy(() -> Select.select(p.onTake(x -> x), null)).isInstanceOf(NullPointerException.class)
                .hasMessage("cases[1]");
        assertThatThrownBy(() -> Select.select((Select.Case<String>[]) null)).isInstanceOf(NullPointerException.class);
        // a zero timeout is no longer refused: it has expired already, as a default (ADR 0023, ZeroDurationTest)
        assertThatThrownBy(() -> Select.onTimeout(null, () -> "x")).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThatThrownBy(() -> Select.onTimeout(Duration.ZERO, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("action");
        assertThatThrownBy(() -> Select.select(p.onTake(x -> x), Select.onDefault(() -> "d"),
                Select.onTimeout(Duration.ofSeconds(1), () -> "t"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("both onTimeout and onDefault");
        assertThatThrownBy(() -> Select.select(p.onTake(x -> x), Select.onDefault(() -> "d"), Select.onDefault(() -> "e")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most one onDefault");
        assertThatThrownBy(() -> p.onTake(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.onPut(null, () -> "x")).isInstanceOf(NullPointerException.class).hasMessage("item");
        assertThat(p.waitingTakers() + p.waitingPutters()).isZero();
    }
}
