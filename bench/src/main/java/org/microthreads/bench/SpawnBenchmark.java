package org.microthreads.bench;

import java.util.concurrent.TimeUnit;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Start + finish of 1M (empty) micro-threads, beside 1M plain virtual threads.
 *
 * <p>Single-shot: one invocation starts 1M and waits until all have ended. The figure is per
 * started thread in ns ({@code @OperationsPerInvocation(1M)}), which is numerically the same as
 * ms per 1M. Anchors (same machine kind): plain virtual threads 404 ms, Go 720 ms, Kotlin
 * one-thread {@code launch} 635 ms. Goal: micro-threads at most 1.2x plain.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 15) // single shots swing ±30% with GC: 15 per fork narrow the 99.9% interval ~2x against 5
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
@OperationsPerInvocation(SpawnBenchmark.N)
public class SpawnBenchmark {
    static final int N = 1_000_000;

    private static final MicroThread.Task EMPTY_TASK = () -> {};
    private static final MicroThread.Body<Void> EMPTY_BODY = () -> null;
    private static final Runnable EMPTY_RUNNABLE = () -> {};


    private static Void forgetMany() {
        for (int i = 0; i < N; i++) MicroThread.startAndForget(EMPTY_TASK);
        return null;
    }

    /** Shared loop: {@code run} whose main micro-thread starts 1M and forgets them; run returns when all ended. */
    @Benchmark
    public void mtSharedRun() throws InterruptedException {
        Loop.shared().run(SpawnBenchmark::forgetMany);
    }

    /** Shared loop, from the (platform) benchmark thread: 1M {@code parallel}, then join each. */
    @Benchmark
    public void mtSharedFromPlatform() throws InterruptedException {
        MicroThread<?>[] all = new MicroThread<?>[N];
        for (int i = 0; i < N; i++) all[i] = MicroThread.parallel(EMPTY_BODY);
        for (MicroThread<?> m : all) m.join();
    }

    /** A single-carrier loop, reused for the trial: as {@link #mtSharedRun()}. */
    @Benchmark
    public void mtSingleCarrierRun(CarrierLoopState carrier) throws InterruptedException {
        carrier.loop.run(SpawnBenchmark::forgetMany);
    }

    /** A single-carrier loop, from the (platform) benchmark thread: as {@link #mtSharedFromPlatform()}. */
    @Benchmark
    public void mtSingleCarrierFromPlatform(CarrierLoopState carrier) throws InterruptedException {
        MicroThread<?>[] all = new MicroThread<?>[N];
        for (int i = 0; i < N; i++) all[i] = carrier.loop.parallel(EMPTY_BODY);
        for (MicroThread<?> m : all) m.join();
    }

    /** Peer: {@code Thread.startVirtualThread} 1M from the benchmark thread, then join each. */
    @Benchmark
    public void plainVirtualThreads() throws InterruptedException {
        Thread[] all = new Thread[N];
        for (int i = 0; i < N; i++) all[i] = Thread.startVirtualThread(EMPTY_RUNNABLE);
        for (Thread t : all) t.join();
    }

    /**
     * Peer of the same shape as {@link #mtSharedRun()}: one virtual thread starts 1M and joins
     * each (starting from a virtual thread goes through the pool's submission queue from a carrier).
     */
    @Benchmark
    public void plainVirtualThreadsFromVirtual() throws InterruptedException {
        Thread starter = Thread.startVirtualThread(() -> {
            try {
                plainVirtualThreads();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        starter.join();
    }

    /** The same on a default scheduler with one carrier: the shape of {@link #mtSingleCarrierRun}. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public void plainVirtualThreadsFromVirtualOneCarrier() throws InterruptedException {
        plainVirtualThreadsFromVirtual();
    }

    /** Peer of the single-carrier loop: the same on a default scheduler with one carrier. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public void plainVirtualThreadsOneCarrier() throws InterruptedException {
        plainVirtualThreads();
    }
}
