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
 * {@link GeneratorFlatBenchmark}'s items emitted at depth {@link #DEPTH}: a recursive generator
 * gen(d) that, at d > 0, delegates to gen(d - 1) (Python {@code yield from}, Kotlin
 * {@code yieldAll}), and at depth 0 emits 0 until ITEMS; the consumer iterates and sums them
 * (checked). The figure is ns per item; the one to look at is its ratio to the same method's
 * figure in {@link GeneratorFlatBenchmark} (same method names there).
 *
 * <p>Anchors (same machine kind): Kotlin {@code yieldAll} 330–450 ns per item; Python
 * {@code yield from} 1186 ns (35 ns flat).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
@OperationsPerInvocation(GeneratorNestedBenchmark.ITEMS)
public class GeneratorNestedBenchmark {
    static final int DEPTH = 50;
    static final int ITEMS = GeneratorFlatBenchmark.ITEMS;
    /**
     * Fewer items for the virtual-thread peer only: each item crosses DEPTH + 1 rendezvous
     * between virtual threads (tens of µs per item), so ITEMS of them would take tens of seconds
     * per invocation. The figure is still ns per item.
     */
    static final int VIRTUAL_THREAD_ITEMS = 20_000;

    private static long checked(long sum, int items) {
        return check("nested generator sum", sum, (long) items * (items - 1) / 2);
    }

    /** Ours: the body a continuation on the consumer's (the benchmark's) thread. */
    @Benchmark
    public long mtContinuation() {
        return checked(OurGenerators.sum(Generator.Implementation.CONTINUATION, 0, DEPTH, ITEMS), ITEMS);
    }

    /**
     * Ours, the fallback without {@code --add-exports}: the body a micro-thread handing items over
     * through pipes; the consumer a micro-thread of the shared loop (the flag-free setting).
     */
    @Benchmark
    public long mtFallback() throws InterruptedException {
        return checked(OurGenerators.sumIn(Loop.shared(), Generator.Implementation.MICRO_THREAD, 0, DEPTH, ITEMS), ITEMS);
    }

    /** Ours, the fallback forced while the flags are there: consumer and body micro-threads of one single-carrier loop. */
    @Benchmark
    public long mtFallbackSingleCarrier(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurGenerators.sumIn(carrier.loop, Generator.Implementation.MICRO_THREAD, 0, DEPTH, ITEMS), ITEMS);
    }

    /** Ours, continuation, the consumer a micro-thread of the shared loop (the body nests in its virtual thread). */
    @Benchmark
    public long mtContinuationInMicroThread() throws InterruptedException {
        return checked(OurGenerators.sumIn(Loop.shared(), Generator.Implementation.CONTINUATION, 0, DEPTH, ITEMS), ITEMS);
    }

    /** Peer (the floor): a hand-written iterator under DEPTH hand-written iterators, each passing its child's items on. */
    @Benchmark
    public long handIterator() {
        return checked(GeneratorPeers.sum(GeneratorPeers.handIterator(DEPTH, ITEMS)), ITEMS);
    }

    /** Peer: Kotlin {@code sequence {}}, DEPTH levels of {@code yieldAll(gen(d - 1))} over {@code yield(i)}. */
    @Benchmark
    public long kotlinSequence() {
        return checked(GeneratorPeers.sum(KotlinGenerators.sequenceIterator(DEPTH, ITEMS)), ITEMS);
    }

    /**
     * Peer: DEPTH + 1 generators on plain virtual threads, each handing its items through a
     * {@code SynchronousQueue}: the innermost emits them, each of the others takes its child's
     * and emits them again; the consumer is another virtual thread. {@link #VIRTUAL_THREAD_ITEMS} items.
     */
    @Benchmark
    @OperationsPerInvocation(VIRTUAL_THREAD_ITEMS)
    public long plainVirtualThreadSynchronousQueue() throws InterruptedException {
        return checked(GeneratorPeers.sumOnVirtualThread(
                () -> GeneratorPeers.threadGenerator(SynchronousQueue::new, DEPTH, VIRTUAL_THREAD_ITEMS)), VIRTUAL_THREAD_ITEMS);
    }
}
