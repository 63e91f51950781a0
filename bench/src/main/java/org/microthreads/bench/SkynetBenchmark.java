package org.microthreads.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Skynet 1M: a tree of threads with fan-out 10 and depth 6 (1,111,111 threads, 1M leaves);
 * each leaf returns its number, each inner node the sum of its 10 children; the root gets
 * 499999500000. One invocation is one whole skynet; the figure is ms per skynet.
 *
 * <p>Anchors (same machine kind): Go 855 ms (2 procs), 1269 ms (1 proc); Kotlin 1583 ms
 * (Default), 2910 ms (one thread); plain virtual threads + futures 1967 ms.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
public class SkynetBenchmark {
    static final int SIZE = 1_000_000;
    static final long EXPECTED = 499_999_500_000L;


    private static long check(long sum) {
        if (sum != EXPECTED) throw new AssertionError("skynet sum " + sum + " != " + EXPECTED);
        return sum;
    }

    // ---- micro-threads ----

    /** {@code parallel} ten children, then {@code join} each. */
    static long mtParallel(long num, int size) throws InterruptedException {
        if (size == 1) return num;
        int sub = size / 10;
        @SuppressWarnings("unchecked")
        MicroThread<Long>[] kids = new MicroThread[10];
        for (int i = 0; i < 10; i++) {
            long n = num + (long) i * sub;
            kids[i] = MicroThread.parallel(() -> mtParallel(n, sub));
        }
        long sum = 0;
        for (MicroThread<Long> k : kids) sum += k.join();
        return sum;
    }

    /** {@code parallelAll} of ten children (fail-fast list form). */
    static long mtParallelAll(long num, int size) throws InterruptedException {
        if (size == 1) return num;
        int sub = size / 10;
        List<MicroThread.Body<Long>> bodies = new ArrayList<>(10);
        for (int i = 0; i < 10; i++) {
            long n = num + (long) i * sub;
            bodies.add(() -> mtParallelAll(n, sub));
        }
        long sum = 0;
        for (long v : MicroThread.parallelAll(bodies)) sum += v;
        return sum;
    }

    @Benchmark
    public long mtSharedParallel() throws InterruptedException {
        return check(Loop.shared().run(() -> mtParallel(0, SIZE)));
    }

    @Benchmark
    public long mtSharedParallelAll() throws InterruptedException {
        return check(Loop.shared().run(() -> mtParallelAll(0, SIZE)));
    }

    @Benchmark
    public long mtSingleCarrierParallel(CarrierLoopState carrier) throws InterruptedException {
        return check(carrier.loop.run(() -> mtParallel(0, SIZE)));
    }

    @Benchmark
    public long mtSingleCarrierParallelAll(CarrierLoopState carrier) throws InterruptedException {
        return check(carrier.loop.run(() -> mtParallelAll(0, SIZE)));
    }

    // ---- peers: plain virtual threads ----

    /** A virtual thread per child, each completing a {@link CompletableFuture}; {@code join} each. */
    static long vtCompletableFuture(long num, int size) {
        if (size == 1) return num;
        int sub = size / 10;
        @SuppressWarnings("unchecked")
        CompletableFuture<Long>[] kids = new CompletableFuture[10];
        for (int i = 0; i < 10; i++) {
            long n = num + (long) i * sub;
            CompletableFuture<Long> f = new CompletableFuture<>();
            kids[i] = f;
            Thread.startVirtualThread(() -> f.complete(vtCompletableFuture(n, sub)));
        }
        long sum = 0;
        for (CompletableFuture<Long> k : kids) sum += k.join();
        return sum;
    }

    /** A virtual thread per child running a {@link FutureTask}; {@code get} each. */
    static long vtFutureTask(long num, int size) throws InterruptedException, ExecutionException {
        if (size == 1) return num;
        int sub = size / 10;
        @SuppressWarnings("unchecked")
        FutureTask<Long>[] kids = new FutureTask[10];
        for (int i = 0; i < 10; i++) {
            long n = num + (long) i * sub;
            FutureTask<Long> f = new FutureTask<>(() -> vtFutureTask(n, sub));
            kids[i] = f;
            Thread.startVirtualThread(f);
        }
        long sum = 0;
        for (FutureTask<Long> k : kids) sum += k.get();
        return sum;
    }

    /** Root in a virtual thread too, as in the micro-thread variants (run's main micro-thread). */
    private static long inVirtualThread(java.util.concurrent.Callable<Long> root) throws Exception {
        FutureTask<Long> f = new FutureTask<>(root);
        Thread.startVirtualThread(f).join();
        return f.get();
    }

    @Benchmark
    public long plainVirtualThreadsCompletableFuture() throws Exception {
        return check(inVirtualThread(() -> vtCompletableFuture(0, SIZE)));
    }

    @Benchmark
    public long plainVirtualThreadsFutureTask() throws Exception {
        return check(inVirtualThread(() -> vtFutureTask(0, SIZE)));
    }

    /** Peer of the single-carrier loop: virtual threads + futures on a default scheduler with one carrier. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public long plainVirtualThreadsCompletableFutureOneCarrier() throws Exception {
        return check(inVirtualThread(() -> vtCompletableFuture(0, SIZE)));
    }
}
