package org.microthreads.bench;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.microthreads.Deferred;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * A race of two bodies on the shared loop, started from the (platform) benchmark thread: one op =
 * start both, take the first value, cancel the other. Issue 14: goal ≤ 1.2× its plain-JDK twin,
 * {@code CompletableFuture.anyOf} of two {@code supplyAsync} on virtual threads, then
 * {@code cancel} of both. The twin does less: {@code CompletableFuture.cancel} neither interrupts
 * the loser nor waits for it, while {@code MicroThread.race} cancels (interrupts) the loser and
 * returns only once it has ended. {@code ExecutorService.invokeAny} (which interrupts the loser,
 * without waiting for it) is shown beside.
 *
 * <ul>
 *   <li>{@code ...Immediate}: both bodies return at once (the loser usually ends by itself);
 *   <li>{@code ...Blocked}: the second body blocks until cancelled (ours: on a {@code Deferred};
 *       {@code invokeAny}'s: in {@code LockSupport.park} until interrupted). No
 *       {@code CompletableFuture} twin: its {@code cancel} does not interrupt, so every op would
 *       leave a parked thread behind.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
@State(Scope.Benchmark)
public class RaceBenchmark {
    private ExecutorService virtualThreads;

    private static final MicroThread.Body<String> A = () -> "a";
    private static final MicroThread.Body<String> B = () -> "b";
    private static final MicroThread.Body<String> BLOCKED = () -> new Deferred<String>().await();
    private static final List<MicroThread.Body<String>> IMMEDIATE = List.of(A, B);
    private static final List<MicroThread.Body<String>> ONE_BLOCKED = List.of(A, BLOCKED);

    @Setup
    public void setUp() {
        virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
    }

    @TearDown
    public void tearDown() {
        virtualThreads.shutdownNow(); // interrupts the twins' parked losers
        virtualThreads.close();
    }

    @Benchmark
    public String mtRaceImmediate() throws InterruptedException {
        return MicroThread.race(IMMEDIATE);
    }

    @Benchmark
    public Object cfAnyOfImmediate() throws ExecutionException, InterruptedException {
        CompletableFuture<String> a = CompletableFuture.supplyAsync(() -> "a", virtualThreads);
        CompletableFuture<String> b = CompletableFuture.supplyAsync(() -> "b", virtualThreads);
        Object v = CompletableFuture.anyOf(a, b).get();
        a.cancel(true);
        b.cancel(true);
        return v;
    }

    @Benchmark
    public String invokeAnyImmediate() throws ExecutionException, InterruptedException {
        return virtualThreads.invokeAny(List.of(() -> "a", () -> "b"));
    }

    @Benchmark
    public String mtRaceBlocked() throws InterruptedException {
        return MicroThread.race(ONE_BLOCKED);
    }

    @Benchmark
    public String invokeAnyBlocked() throws ExecutionException, InterruptedException {
        return virtualThreads.invokeAny(List.of(() -> "a", RaceBenchmark::parkUntilInterrupted));
    }

    static final int BATCH = 100;

    /** From inside a micro-thread of the shared loop (the usual caller): {@value #BATCH} races in one run. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public String mtRaceImmediateInMicroThread() throws InterruptedException {
        return Loop.shared().run(() -> {
            String v = null;
            for (int i = 0; i < BATCH; i++) v = MicroThread.race(IMMEDIATE);
            return v;
        });
    }

    /** The twin of {@link #mtRaceImmediateInMicroThread()}: {@value #BATCH} {@code anyOf} races in one virtual thread. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object cfAnyOfImmediateInVirtualThread() throws InterruptedException {
        Object[] out = new Object[1];
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < BATCH; i++) out[0] = cfAnyOfImmediate();
            } catch (ExecutionException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        t.join();
        return out[0];
    }

    private static String parkUntilInterrupted() {
        while (!Thread.currentThread().isInterrupted()) LockSupport.park();
        return "b";
    }
}
