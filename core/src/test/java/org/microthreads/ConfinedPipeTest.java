package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lock-free fast path of confined pipes (ADR 0016): the cases found by the stress test of
 * confined pipes, each kept as a regression test.
 */
@Timeout(60)
class ConfinedPipeTest {

    /**
     * A select enters its pipes in id order: holding a confined pipe's flag, it may park on a later,
     * unconfined pipe's lock (held by an outsider for a moment). Another micro-thread of the loop
     * that wants the confined pipe meanwhile waits for it, and succeeds.
     */
    @Test
    void aSelectParkedOnALaterPipesLockMakesOthersWaitNotFail() throws Exception {
        try (Loop loop = Loop.singleCarrier("confined-select-parks")) {
            Object r = loop.run(() -> {
                Pipe<Integer> a = Pipe.<Integer>buffered(1).named("a").confined(); // lower id: entered first
                Pipe<Integer> u = Pipe.<Integer>buffered(1).named("u");            // unconfined
                CountDownLatch held = new CountDownLatch(1), release = new CountDownLatch(1);
                Thread t = Thread.ofPlatform().start(() -> {
                    u.lock.lock(); // as any outside put, take or size() of u does for a moment
                    held.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    } finally {
                        u.lock.unlock();
                    }
                });
                held.await();
                MicroThread<Integer> x = MicroThread.parallel("x",
                        () -> Select.select(a.onTake(v -> v), u.onTake(v -> v), Select.onDefault(() -> -1)));
                MicroThread.yieldNow(); // x enters a, then parks on u's lock
                release.countDown();    // the outsider lets go in a moment (in real code: at once)
                boolean put = a.tryPut(1); // waits for x's select to leave a
                int selected = x.join();
                t.join();
                return put + " " + selected + " " + a.tryTake();
            });
            assertThat(r).isEqualTo("true -1 1");
        }
    }

    /** The same with the public API only: an outsider reading the counts of the unconfined pipe all along. */
    @Test
    void selectsOverConfinedAndUnconfinedPipesWhileAnOutsiderReadsCounts() throws Exception {
        try (Loop loop = Loop.singleCarrier("confined-select-counts")) {
            long moved = loop.run(() -> {
                Pipe<Integer> a = Pipe.<Integer>unbounded().named("a").confined();
                Pipe<Integer> u = Pipe.<Integer>unbounded().named("u");
                AtomicBoolean stop = new AtomicBoolean();
                Thread t = Thread.ofPlatform().start(() -> {
                    while (!stop.get()) {
                        u.size();
                        a.size();
                    }
                });
                MicroThread<Long> x = MicroThread.parallel("x", () -> {
                    long got = 0;
                    for (int i = 0; i < 50_000; i++) {
                        if (Select.select(a.onTake(v -> v), u.onTake(v -> v), Select.onDefault(() -> -1)) >= 0) got++;
                        MicroThread.yieldNow();
                    }
                    return got;
                });
                long put = 0;
                while (!x.isDone()) {
                    if (a.tryPut(1)) put++;
                    MicroThread.yieldNow();
                }
                stop.set(true);
                t.join();
                long left = 0;
                while (a.tryTake() != null) left++;
                assertThat(x.join() + left).isEqualTo(put); // every item taken exactly once
                return put;
            });
            assertThat(moved).isPositive();
        }
    }

    /**
     * {@code confined()} refuses while something that is not a micro-thread of the loop waits on the
     * pipe: that waiter could not give its wait up afterwards. The waiter is unharmed.
     */
    @Test
    void confiningRefusesWhileAnOutsiderWaitsAndTheOutsiderIsUnharmed() throws Exception {
        try (Loop loop = Loop.singleCarrier("confine-window")) {
            Object got = loop.run(() -> {
                Pipe<Integer> p = Pipe.<Integer>rendezvous().named("p");
                Pipe<Integer> s = Pipe.<Integer>rendezvous().named("s");
                CompletableFuture<Object> out = new CompletableFuture<>();
                Thread.ofPlatform().start(() -> {
                    try {
                        out.complete(Select.select(p.onTake(x -> "p" + x), s.onTake(x -> "s" + x)));
                    } catch (Throwable e) {
                        out.complete(e);
                    }
                });
                while (p.waitingTakers() == 0) MicroThread.yieldNow();
                assertThatThrownBy(p::confined).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("cannot be confined").hasMessageContaining("waits on it");
                s.put(42);
                return MicroThread.await(out);
            });
            assertThat(got).isEqualTo("s42");
        }
        try (Loop loop = Loop.singleCarrier("confine-window-timed")) {
            Pipe<Integer> q = Pipe.<Integer>rendezvous().named("q");
            CompletableFuture<Object> out = new CompletableFuture<>();
            Thread taker = Thread.ofPlatform().start(() -> {
                try {
                    Integer r = q.tryTake(Duration.ofMillis(50));
                    out.complete(r == null ? "timed out" : r);
                } catch (Throwable e) {
                    out.complete(e);
                }
            });
            loop.run(() -> {
                while (q.waitingTakers() == 0) MicroThread.yieldNow();
                assertThatThrownBy(q::confined).isInstanceOf(IllegalStateException.class);
                return null;
            });
            taker.join();
            assertThat(out.get()).isEqualTo("timed out");
            assertThat(q.waitingTakers()).isZero();
            q.lock.lock();
            try {
                assertThat(q.queue(false).size()).isZero(); // nothing left registered
            } finally {
                q.lock.unlock();
            }
            // once nobody outside waits, confining works
            loop.run(() -> q.confined());
        }
    }

    /** A pipe confined to a run that has ended can be confined again by a later run, whose deadlock is then reported. */
    @Test
    @Timeout(20)
    void aLaterRunConfinesThePipeAgainAndItsDeadlockIsReported() throws Exception {
        try (Loop loop = Loop.singleCarrier("reconfine")) {
            Pipe<String> p = loop.run(() -> Pipe.<String>rendezvous().named("p").confined());
            assertThatThrownBy(() -> loop.run(() -> {
                p.confined(); // the first run has ended: now this run's
                return p.take(); // nobody of this run will put: a deadlock, reported (it used to hang)
            })).isInstanceOf(DeadlockException.class).hasMessageContaining("waiting to take from pipe 'p'");
        }
    }
}
