package org.microthreads.bench;

import static org.microthreads.bench.ChannelPeers.VIRTUAL;
import static org.microthreads.bench.ChannelPeers.check;

import java.util.concurrent.Exchanger;
import java.util.concurrent.SynchronousQueue;
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
 * Ping-pong over two rendezvous (unbuffered) channels {@code ping} and {@code pong}: task A
 * sends i on ping, task B receives it and sends it back on pong, A receives it (and checks it).
 * One invocation is {@link #ROUND_TRIPS} round trips ({@code @OperationsPerInvocation}); the
 * figure is ns per round trip (two rendezvous, two switches at least).
 *
 * <p>Anchors (same machine kind): Go 264 ns (238 with GOMAXPROCS=1); Kotlin 398 ns on
 * Dispatchers.Default, 1292 ns on one thread; SynchronousQueue on virtual threads ~924 ns; jox ~2020 ns.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
@OperationsPerInvocation(PingPongBenchmark.ROUND_TRIPS)
public class PingPongBenchmark {
    static final int ROUND_TRIPS = 100_000;
    /** What A gets back in all: 0 + 1 + ... + (ROUND_TRIPS - 1). */
    static final long SUM = (long) ROUND_TRIPS * (ROUND_TRIPS - 1) / 2;

    private static long checked(long sum) {
        return check("ping-pong sum", sum, SUM);
    }

    /** Ours: two micro-threads of one single-carrier loop, two rendezvous {@code Pipe}s. */
    @Benchmark
    public long mtSingleCarrier(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurPipes.pingPong(carrier.loop, ROUND_TRIPS, false));
    }

    /** Ours: the same, the pipes {@linkplain org.microthreads.Pipe#confined() confined} to the loop (no lock: the single-carrier fast path). */
    @Benchmark
    public long mtSingleCarrierConfined(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurPipes.pingPong(carrier.loop, ROUND_TRIPS, true));
    }

    /**
     * The floor, not a pipe: the same two micro-threads of one single-carrier loop hand a turn back
     * and forth with bare {@code LockSupport.park}/{@code unpark} (a volatile turn, no item, no
     * queue). What two virtual-thread switches cost on our carrier, below which no pipe built on
     * them can go.
     */
    @Benchmark
    public long floorParkUnparkSingleCarrier(CarrierLoopState carrier) throws InterruptedException {
        return checked(OurPipes.parkUnparkPingPong(carrier.loop, ROUND_TRIPS));
    }

    /** Ours: the same on the shared loop (the JDK's default scheduler, all cores). */
    @Benchmark
    public long mtShared() throws InterruptedException {
        return checked(OurPipes.pingPong(org.microthreads.Loop.shared(), ROUND_TRIPS, false));
    }

    /** Peer: two virtual threads (default scheduler), a {@code SynchronousQueue} each way. */
    @Benchmark
    public long plainSynchronousQueue() throws InterruptedException {
        return checked(ChannelPeers.pingPong(VIRTUAL,
                ChannelPeers.of(new SynchronousQueue<>()), ChannelPeers.of(new SynchronousQueue<>()), ROUND_TRIPS));
    }

    /** Peer: the same on a default scheduler with one carrier. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public long plainSynchronousQueueOneCarrier() throws InterruptedException {
        return plainSynchronousQueue();
    }

    /** Peer: two virtual threads, an {@code Exchanger} each way (the receiver gives {@code null}). */
    @Benchmark
    public long plainExchanger() throws InterruptedException {
        return checked(ChannelPeers.pingPong(VIRTUAL,
                ChannelPeers.of(new Exchanger<>()), ChannelPeers.of(new Exchanger<>()), ROUND_TRIPS));
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public long plainExchangerOneCarrier() throws InterruptedException {
        return plainExchanger();
    }

    /** Peer: two virtual threads, jox rendezvous channels ({@code Channel.newRendezvousChannel()}). */
    @Benchmark
    public long jox() throws InterruptedException {
        return checked(ChannelPeers.pingPong(VIRTUAL,
                ChannelPeers.of(com.softwaremill.jox.Channel.<Integer>newRendezvousChannel()),
                ChannelPeers.of(com.softwaremill.jox.Channel.<Integer>newRendezvousChannel()), ROUND_TRIPS));
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public long joxOneCarrier() throws InterruptedException {
        return jox();
    }

    /** Peer: two coroutines, rendezvous {@code Channel<Int>}s, {@code runBlocking(Dispatchers.Default)}. */
    @Benchmark
    public long kotlinDefault() {
        return checked(KotlinPipes.pingPongDefault(ROUND_TRIPS));
    }

    /** Peer: the same on runBlocking's one-thread event loop (plain {@code runBlocking {}}). */
    @Benchmark
    public long kotlinOneThread() {
        return checked(KotlinPipes.pingPongOneThread(ROUND_TRIPS));
    }
}
