package org.microthreads.bench;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.microthreads.Limiter;
import org.microthreads.Loop;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The limiter's uncontended acquire + release (issue 14, item 3) beside its plain-JDK twin,
 * {@link Semaphore} (non-fair, the JDK's default; the fair one is shown for context, since the
 * limiter is first come, first served). One operation is one acquire and one release, nobody
 * else using the permits, so both stay on their fast path (one CAS each).
 *
 * <p>Two callers: the benchmark thread (a platform thread) with one pair per invocation, and a
 * micro-thread of a single-carrier loop doing {@link #PAIRS} pairs per invocation
 * ({@code @OperationsPerInvocation}), where the limiter also finds its micro-thread (the
 * cancellation check) and the semaphore only checks the interrupt status. Goal: the limiter
 * ≤ 1.2 × the semaphore.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
public class LimiterBenchmark {
    static final int PAIRS = 100_000;

    /** One limiter of 8 permits and its twins; none is ever contended. */
    @State(Scope.Thread)
    public static class Permits {
        final Limiter limiter = Limiter.of(8).named("bench");
        final Semaphore semaphore = new Semaphore(8);
        final Semaphore fairSemaphore = new Semaphore(8, true);
    }

    /** A single-carrier loop per trial, for the micro-thread forms. */
    @State(Scope.Benchmark)
    public static class OneLoop {
        Loop loop;

        @Setup(Level.Trial)
        public void open() {
            loop = Loop.singleCarrier("bench-limiter");
        }

        @TearDown(Level.Trial)
        public void close() {
            loop.close();
        }
    }

    // ---- on the benchmark (platform) thread ----

    /** Ours: {@code acquire()} + {@code release()}. */
    @Benchmark
    public void limiter(Permits p) throws InterruptedException {
        p.limiter.acquire();
        p.limiter.release();
    }

    /** Twin: {@code Semaphore.acquire()} + {@code release()} (non-fair). */
    @Benchmark
    public void semaphore(Permits p) throws InterruptedException {
        p.semaphore.acquire();
        p.semaphore.release();
    }

    /** Context: a fair {@code Semaphore}. */
    @Benchmark
    public void fairSemaphore(Permits p) throws InterruptedException {
        p.fairSemaphore.acquire();
        p.fairSemaphore.release();
    }

    /** Ours: {@code tryAcquire()} + {@code release()} (no cancellation check). */
    @Benchmark
    public boolean limiterTry(Permits p) {
        boolean got = p.limiter.tryAcquire();
        p.limiter.release();
        return got;
    }

    /** Twin: {@code Semaphore.tryAcquire()} + {@code release()}. */
    @Benchmark
    public boolean semaphoreTry(Permits p) {
        boolean got = p.semaphore.tryAcquire();
        p.semaphore.release();
        return got;
    }

    /** Ours: a try-with-resources {@code enter()} (a {@code Permit} per pair). */
    @Benchmark
    public void limiterEnter(Permits p) throws InterruptedException {
        try (Limiter.Permit permit = p.limiter.enter()) {
            // the permit is the work
        }
    }

    // ---- inside a micro-thread of a single-carrier loop ----

    /** Ours, in a micro-thread: {@link #PAIRS} times {@code acquire()} + {@code release()}. */
    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public void limiterInMicroThread(OneLoop one, Permits p) throws InterruptedException {
        Limiter l = p.limiter;
        one.loop.run(() -> {
            for (int i = 0; i < PAIRS; i++) {
                l.acquire();
                l.release();
            }
            return null;
        });
    }

    /** Twin, in the same kind of micro-thread: {@link #PAIRS} times {@code Semaphore.acquire()} + {@code release()}. */
    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public void semaphoreInMicroThread(OneLoop one, Permits p) throws InterruptedException {
        Semaphore s = p.semaphore;
        one.loop.run(() -> {
            for (int i = 0; i < PAIRS; i++) {
                s.acquire();
                s.release();
            }
            return null;
        });
    }
}
