package org.microthreads.bench;

import static org.microthreads.bench.ChannelPeers.VIRTUAL;
import static org.microthreads.bench.ChannelPeers.check;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A buffered channel of capacity {@link #CAPACITY}: one producer sends {@link #ITEMS} ints
 * (0 until ITEMS), one consumer receives them all and checks their sum. One invocation moves
 * ITEMS items ({@code @OperationsPerInvocation}); the figure is ns per item.
 *
 * <p>Anchors (same machine kind): Go 43 ns; Kotlin 76 ns on Dispatchers.Default, 121 ns on one
 * thread; ArrayBlockingQueue on virtual threads 142 ns; jox 245 ns.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
@OperationsPerInvocation(BufferedBenchmark.ITEMS)
public class BufferedBenchmark {
    static final int ITEMS = 1_000_000;
    static final int CAPACITY = 1024;
    static final long SUM = (long) ITEMS * (ITEMS - 1) / 2;

    private static long checked(long sum) {
        return check("buffered sum", sum, SUM);
    }

    /** Ours: producer and consumer micro-threads of one single-carrier loop, a {@code Pipe.buffered(1024)}. */
    @Benchmark
    public long mtSingleCarrier(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurPipes.buffered(carrier.loop, ITEMS, CAPACITY, false));
    }

    /** Ours: the same, the pipe {@linkplain org.microthreads.Pipe#confined() confined} to the loop (no lock: the single-carrier fast path). */
    @Benchmark
    public long mtSingleCarrierConfined(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurPipes.buffered(carrier.loop, ITEMS, CAPACITY, true));
    }

    /** Ours: the same on the shared loop. */
    @Benchmark
    public long mtShared() throws InterruptedException {
        return checked(OurPipes.buffered(org.microthreads.Loop.shared(), ITEMS, CAPACITY, false));
    }

    /** Peer: producer and consumer virtual threads (default scheduler), an {@code ArrayBlockingQueue(CAPACITY)}. */
    @Benchmark
    public long plainArrayBlockingQueue() throws InterruptedException {
        return checked(ChannelPeers.buffered(VIRTUAL, ChannelPeers.of(new ArrayBlockingQueue<>(CAPACITY)), ITEMS));
    }

    /** Peer: the same on a default scheduler with one carrier. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public long plainArrayBlockingQueueOneCarrier() throws InterruptedException {
        return plainArrayBlockingQueue();
    }

    /** Peer: two virtual threads, {@code jox Channel.newBufferedChannel(CAPACITY)}. */
    @Benchmark
    public long jox() throws InterruptedException {
        return checked(ChannelPeers.buffered(VIRTUAL,
                ChannelPeers.of(com.softwaremill.jox.Channel.<Integer>newBufferedChannel(CAPACITY)), ITEMS));
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public long joxOneCarrier() throws InterruptedException {
        return jox();
    }

    /** Peer: two coroutines, {@code Channel<Int>(CAPACITY)}, {@code runBlocking(Dispatchers.Default)}. */
    @Benchmark
    public long kotlinDefault() {
        return checked(KotlinPipes.bufferedDefault(ITEMS, CAPACITY));
    }

    /** Peer: the same on runBlocking's one-thread event loop (plain {@code runBlocking {}}). */
    @Benchmark
    public long kotlinOneThread() {
        return checked(KotlinPipes.bufferedOneThread(ITEMS, CAPACITY));
    }
}
