package org.microthreads.bench;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.microthreads.MicroThread;
import org.microthreads.internal.JdkInternals;
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
 * A switch between two tasks: two strands on one carrier, each yielding {@link #YIELDS} times,
 * so one invocation is {@code 2 * YIELDS} switches ({@code @OperationsPerInvocation}); the
 * figure is ns per switch.
 *
 * <p>Anchors (same machine kind): raw {@code Continuation} yield or run ~46 ns; virtual threads
 * on a naive one-thread custom executor 215–250 ns; greenlet 125–140 ns. Goal: at most 150 ns.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
@OperationsPerInvocation(2 * SwitchBenchmark.YIELDS)
public class SwitchBenchmark {
    static final int YIELDS = 100_000;

    /** Virtual threads on a naive custom scheduler: a plain {@code newSingleThreadExecutor}. */
    @State(Scope.Benchmark)
    public static class NaiveExecutor {
        ExecutorService executor;
        ThreadFactory factory;

        @Setup(Level.Trial)
        public void open() {
            executor = Executors.newSingleThreadExecutor();
            // The JDK 25 door the library uses, through its one internal class, with a naive
            // scheduler instead of the library's carrier.
            factory = JdkInternals.virtualThreadBuilder(executor, "the naive-executor peer").factory();
        }

        @TearDown(Level.Trial)
        public void close() {
            executor.shutdown();
        }
    }

    private static Void mtYielder() throws InterruptedException {
        for (int i = 0; i < YIELDS; i++) MicroThread.yieldNow();
        return null;
    }

    private static void plainYielder() {
        for (int i = 0; i < YIELDS; i++) Thread.yield();
    }

    /** Two micro-threads on a single-carrier loop, each {@code MicroThread.yieldNow()}. */
    @Benchmark
    public void mtSingleCarrier(CarrierLoopState carrier) throws InterruptedException {
        carrier.loop.run(() -> {
            MicroThread<Void> a = MicroThread.parallel(SwitchBenchmark::mtYielder);
            MicroThread<Void> b = MicroThread.parallel(SwitchBenchmark::mtYielder);
            a.join();
            b.join();
            return null;
        });
    }

    private static void twoThreads(ThreadFactory f) throws InterruptedException {
        Thread a = f.newThread(SwitchBenchmark::plainYielder);
        Thread b = f.newThread(SwitchBenchmark::plainYielder);
        a.start();
        b.start();
        a.join();
        b.join();
    }

    private static final ThreadFactory VIRTUAL = Thread.ofVirtual().factory();

    /**
     * Peer as the brief names it: two plain virtual threads, {@code Thread.yield()}, default
     * scheduler (2 carriers here, so the two often run side by side and a yield need not switch).
     */
    @Benchmark
    public void plainVirtualThreads() throws InterruptedException {
        twoThreads(VIRTUAL);
    }

    /** Peer: the same on a default scheduler with one carrier, where every yield is a switch. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public void plainVirtualThreadsOneCarrier() throws InterruptedException {
        twoThreads(VIRTUAL);
    }

    /** Anchor, re-measured: virtual threads on a naive custom executor ({@code newSingleThreadExecutor}). */
    @Benchmark
    public void naiveExecutorVirtualThreads(NaiveExecutor naive) throws InterruptedException {
        twoThreads(naive.factory);
    }

    // ---- raw jdk.internal.vm.Continuation, through the library's internal door (constant method handles) ----

    private static void contYielder() {
        for (int i = 0; i < YIELDS; i++) JdkInternals.yieldContinuation();
    }

    /**
     * Anchor, re-measured: two raw continuations run alternately on the benchmark thread; each
     * switch is one {@code run} (mount) and one {@code yield} (unmount), no scheduler at all.
     */
    @Benchmark
    public void rawContinuation() throws Throwable {
        Object a = JdkInternals.newContinuation(SwitchBenchmark::contYielder);
        Object b = JdkInternals.newContinuation(SwitchBenchmark::contYielder);
        boolean aDone = false, bDone = false;
        while (!(aDone && bDone)) {
            if (!aDone) {
                JdkInternals.runContinuation(a);
                aDone = JdkInternals.isDone(a);
            }
            if (!bDone) {
                JdkInternals.runContinuation(b);
                bDone = JdkInternals.isDone(b);
            }
        }
    }
}
