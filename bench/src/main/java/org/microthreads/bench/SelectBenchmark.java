package org.microthreads.bench;

import static org.microthreads.bench.ChannelPeers.VIRTUAL;
import static org.microthreads.bench.ChannelPeers.check;

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
 * Select over two receive-channels: two producers each send {@link #ITEMS}/2 items on a
 * rendezvous channel of its own (0 until ITEMS/2 and ITEMS/2 until ITEMS); one consumer does
 * ITEMS selects over both and checks the sum. One invocation is ITEMS selects
 * ({@code @OperationsPerInvocation}); the figure is ns per select (= per item).
 *
 * <p>The JDK has no select: no plain-JDK peer.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
@OperationsPerInvocation(SelectBenchmark.ITEMS)
public class SelectBenchmark {
    static final int ITEMS = 1_000_000;
    static final long SUM = (long) ITEMS * (ITEMS - 1) / 2;

    private static long checked(long sum) {
        return check("select sum", sum, SUM);
    }

    /** Ours: micro-threads of one single-carrier loop; the consumer's {@code Select.select} is fair (uniform, as Go's). */
    @Benchmark
    public long mtSingleCarrier(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurPipes.select(carrier.loop, ITEMS, true, false));
    }

    /** Ours: the same, the pipes {@linkplain org.microthreads.Pipe#confined() confined} to the loop (no lock: the single-carrier fast path). */
    @Benchmark
    public long mtSingleCarrierConfined(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurPipes.select(carrier.loop, ITEMS, true, true));
    }

    /** Ours: the same on the shared loop. */
    @Benchmark
    public long mtShared() throws InterruptedException {
        return checked(OurPipes.select(org.microthreads.Loop.shared(), ITEMS, true, false));
    }

    /** Ours: single carrier, {@code Select.selectFirst} (biased, as Kotlin's plain {@code select}). */
    @Benchmark
    public long mtSingleCarrierFirst(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurPipes.select(carrier.loop, ITEMS, false, false));
    }

    /** Ours: shared loop, {@code Select.selectFirst}. */
    @Benchmark
    public long mtSharedFirst() throws InterruptedException {
        return checked(OurPipes.select(org.microthreads.Loop.shared(), ITEMS, false, false));
    }

    /** Peer: three virtual threads (default scheduler), jox rendezvous channels, {@code Select.select(a.receiveClause(), b.receiveClause())}. */
    @Benchmark
    public long jox() throws InterruptedException {
        return checked(ChannelPeers.joxSelect(VIRTUAL, ITEMS));
    }

    /** Peer: the same on a default scheduler with one carrier. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public long joxOneCarrier() throws InterruptedException {
        return jox();
    }

    /** Peer: three coroutines, {@code select { a.onReceive; b.onReceive }} (biased to a), {@code runBlocking(Dispatchers.Default)}. */
    @Benchmark
    public long kotlinDefault() {
        return checked(KotlinPipes.selectDefault(ITEMS));
    }

    /** Peer: the same on runBlocking's one-thread event loop (plain {@code runBlocking {}}). */
    @Benchmark
    public long kotlinOneThread() {
        return checked(KotlinPipes.selectOneThread(ITEMS));
    }

    /** Peer: {@code selectUnbiased} (clauses in random order), {@code Dispatchers.Default}. */
    @Benchmark
    public long kotlinDefaultUnbiased() {
        return checked(KotlinPipes.selectUnbiasedDefault(ITEMS));
    }

    /** Peer: {@code selectUnbiased} on runBlocking's one-thread event loop. */
    @Benchmark
    public long kotlinOneThreadUnbiased() {
        return checked(KotlinPipes.selectUnbiasedOneThread(ITEMS));
    }
}
