package org.microthreads.bench;

import static org.microthreads.bench.ChannelPeers.check;

import java.util.concurrent.SynchronousQueue;
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
 * A generator emits the ints 0 until {@link #ITEMS}; the consumer iterates and sums them
 * (checked). One invocation is ITEMS items ({@code @OperationsPerInvocation}); the figure is ns
 * per item. Lazy generators only: the body runs one item ahead of the consumer at most (the
 * run-ahead form is {@link GeneratorBufferedBenchmark}). Peers: {@link GeneratorPeers},
 * {@code KotlinGenerators.kt}; the Python twin is {@code bench/python/generators.py}.
 *
 * <p>Anchors (same machine kind): Kotlin sequence 11–26 ns per item; Python 35 ns; a raw
 * {@code Continuation} yield + run ~92 ns.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
@OperationsPerInvocation(GeneratorFlatBenchmark.ITEMS)
public class GeneratorFlatBenchmark {
    /** Items per generator, every generator scenario (and the Python twin). */
    static final int ITEMS = 1_000_000;
    /** 0 + 1 + ... + (ITEMS - 1). */
    static final long SUM = (long) ITEMS * (ITEMS - 1) / 2;

    private static long checked(long sum) {
        return check("generator sum", sum, SUM);
    }

    /** Ours: the body a continuation on the consumer's (the benchmark's) thread. */
    @Benchmark
    public long mtContinuation() {
        return checked(OurGenerators.sum(Generator.Implementation.CONTINUATION, 0, 0, ITEMS));
    }

    /**
     * Ours, the fallback without {@code --add-exports}: the body a micro-thread handing items over
     * through pipes; the consumer a micro-thread of the shared loop (the flag-free setting).
     */
    @Benchmark
    public long mtFallback() throws InterruptedException {
        return checked(OurGenerators.sumIn(Loop.shared(), Generator.Implementation.MICRO_THREAD, 0, 0, ITEMS));
    }

    /** Ours, the fallback forced while the flags are there: consumer and body micro-threads of one single-carrier loop. */
    @Benchmark
    public long mtFallbackSingleCarrier(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurGenerators.sumIn(carrier.loop, Generator.Implementation.MICRO_THREAD, 0, 0, ITEMS));
    }

    /** Ours, continuation, the consumer a micro-thread of the shared loop (the body nests in its virtual thread). */
    @Benchmark
    public long mtContinuationInMicroThread() throws InterruptedException {
        return checked(OurGenerators.sumIn(Loop.shared(), Generator.Implementation.CONTINUATION, 0, 0, ITEMS));
    }

    /** Peer (the floor): a hand-written {@code Iterator<Integer>} over 0 until ITEMS. */
    @Benchmark
    public long handIterator() {
        return checked(GeneratorPeers.sum(GeneratorPeers.handIterator(0, ITEMS)));
    }

    /** Peer: Kotlin {@code sequence { for (i in 0 until n) yield(i) }}. */
    @Benchmark
    public long kotlinSequence() {
        return checked(GeneratorPeers.sum(KotlinGenerators.sequenceIterator(0, ITEMS)));
    }

    /**
     * Peer: the body on a plain virtual thread, handing each item to the consumer (another
     * virtual thread, default scheduler) through a {@code SynchronousQueue}.
     */
    @Benchmark
    public long plainVirtualThreadSynchronousQueue() throws InterruptedException {
        return checked(GeneratorPeers.sumOnVirtualThread(
                () -> GeneratorPeers.threadGenerator(SynchronousQueue::new, 0, ITEMS)));
    }
}
