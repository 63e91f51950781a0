package org.microthreads.bench;

import static org.microthreads.bench.ChannelPeers.check;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.microthreads.Generator;
import org.microthreads.Loop;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link GeneratorFlatBenchmark} with a run-ahead generator: the body may run up to
 * {@link #CAPACITY} items ahead of the consumer. Only peers that have such a form are here
 * (Kotlin's {@code sequence} and Python's generators have none: their lazy figures are in
 * GeneratorFlatBenchmark). The figure is ns per item.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
@OperationsPerInvocation(GeneratorBufferedBenchmark.ITEMS)
public class GeneratorBufferedBenchmark {
    static final int ITEMS = GeneratorFlatBenchmark.ITEMS;
    static final int CAPACITY = 256;

    private static long checked(long sum) {
        return check("buffered generator sum", sum, GeneratorFlatBenchmark.SUM);
    }

    /** Ours: the body a continuation on the consumer's (the benchmark's) thread. */
    @Benchmark
    public long mtContinuation() {
        return checked(OurGenerators.sum(Generator.Implementation.CONTINUATION, CAPACITY, 0, ITEMS));
    }

    /**
     * Ours, the fallback without {@code --add-exports}: the body a micro-thread handing items over
     * through pipes; the consumer a micro-thread of the shared loop (the flag-free setting).
     */
    @Benchmark
    public long mtFallback() throws InterruptedException {
        return checked(OurGenerators.sumIn(Loop.shared(), Generator.Implementation.MICRO_THREAD, CAPACITY, 0, ITEMS));
    }

    /** Ours, the fallback forced while the flags are there: consumer and body micro-threads of one single-carrier loop. */
    @Benchmark
    public long mtFallbackSingleCarrier(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurGenerators.sumIn(carrier.loop, Generator.Implementation.MICRO_THREAD, CAPACITY, 0, ITEMS));
    }

    /** Ours, continuation, the consumer a micro-thread of the shared loop (the body nests in its virtual thread). */
    @Benchmark
    public long mtContinuationInMicroThread() throws InterruptedException {
        return checked(OurGenerators.sumIn(Loop.shared(), Generator.Implementation.CONTINUATION, CAPACITY, 0, ITEMS));
    }

    /**
     * Peer: the body on a plain virtual thread, {@code put}ting its items into an
     * {@code ArrayBlockingQueue(CAPACITY)}; the consumer (another virtual thread) takes them.
     */
    @Benchmark
    public long plainVirtualThreadArrayBlockingQueue256() throws InterruptedException {
        return checked(GeneratorPeers.sumOnVirtualThread(
                () -> GeneratorPeers.threadGenerator(() -> new ArrayBlockingQueue<>(CAPACITY), 0, ITEMS)));
    }
}
