package org.microthreads.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.microthreads.MicroThread;
import org.microthreads.Simulation;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The simulated loop (issue 15): what a deterministic test pays.
 *
 * <ul>
 *   <li>{@code timers*}: one hour of timeouts, 1,000 micro-threads each sleeping 360 times 10 s of
 *       virtual time (each with its own phase): 360,000 timer events, every wake-up at its own
 *       instant. The figure is ms per hour simulated. Goal: at most 250 ms. Peer: kotlinx-coroutines-test's
 *       {@code runTest} (virtual time, FIFO, no seeded schedule).
 *   <li>{@code switch*}: 1,000 micro-threads each yielding 1,000 times, ns per switch (a step of the
 *       simulation: a seeded pick among the ready ones, the switch, the trace). Goal: at most 300 ns.
 *       Peers: the same on a real single-carrier loop (FIFO, no choice, no trace) and {@code runTest}.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
public class SimulationBenchmark {
    static final int TASKS = 1_000, ROUNDS = 360, YIELDS = 1_000;

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long timersSimulated() throws InterruptedException {
        long[] wakes = new long[1];
        Simulation.withSeed(42).run(() -> {
            for (int i = 0; i < TASKS; i++) {
                long phase = i * 10_000_000L;
                MicroThread.startAndForget(() -> {
                    MicroThread.sleep(Duration.ofNanos(phase));
                    for (int k = 0; k < ROUNDS; k++) {
                        MicroThread.sleep(Duration.ofSeconds(10));
                        wakes[0]++;
                    }
                });
            }
            return null;
        });
        return check(wakes[0], (long) TASKS * ROUNDS);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long timersKotlinRunTest() {
        return check(KotlinVirtualTime.timers(TASKS, ROUNDS, 10_000), (long) TASKS * ROUNDS);
    }

    private static Void yielder() throws InterruptedException {
        for (int k = 0; k < YIELDS; k++) MicroThread.yieldNow();
        return null;
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(TASKS * YIELDS)
    public void switchSimulated() throws InterruptedException {
        Simulation.withSeed(42).run(() -> {
            for (int i = 0; i < TASKS; i++) MicroThread.startAndForget(SimulationBenchmark::yielder);
            return null;
        });
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(TASKS * YIELDS)
    public void switchSingleCarrier(CarrierLoopState carrier) throws InterruptedException {
        carrier.loop.run(() -> {
            for (int i = 0; i < TASKS; i++) MicroThread.startAndForget(SimulationBenchmark::yielder);
            return null;
        });
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(TASKS * YIELDS)
    public long switchKotlinRunTest() {
        return check(KotlinVirtualTime.yields(TASKS, YIELDS), (long) TASKS * YIELDS);
    }

    private static long check(long got, long expected) {
        if (got != expected) throw new AssertionError("expected " + expected + ", got " + got);
        return got;
    }
}
