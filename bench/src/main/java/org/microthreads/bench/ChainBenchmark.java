package org.microthreads.bench;

import static org.microthreads.bench.ChannelPeers.VIRTUAL;
import static org.microthreads.bench.ChannelPeers.check;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * A chain of {@link #LENGTH} tasks connected by rendezvous channels: task k receives from
 * channel k and sends value + 1 to channel k + 1. The chain is built once per JMH iteration
 * ({@code @Setup(Level.Iteration)}, then one value is passed through so that every task has
 * started and is parked) and stopped after it (a stop value passed through, all tasks joined).
 * One invocation: the benchmark thread sends one value in at the head and receives it at the
 * tail (checked: value + LENGTH); the figure is ns per hop ({@code @OperationsPerInvocation(LENGTH)}).
 * Every twin enters and leaves the chain from the (platform) benchmark thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP})
@OperationsPerInvocation(ChainBenchmark.LENGTH)
@State(Scope.Thread)
public class ChainBenchmark {
    static final int LENGTH = 10_000;

    /** The value sent in by an invocation (a counter, so that no two passes are alike). */
    private int next;

    private int passed(int value, int out) {
        return (int) check("chain output", out, value + LENGTH);
    }

    /** Chain of micro-threads on a single-carrier loop of its own, rendezvous {@code Pipe}s. */
    @State(Scope.Benchmark)
    public static class OurSingleCarrierChain {
        org.microthreads.Loop loop;
        OurPipes.Chain chain;

        @Setup(Level.Iteration)
        public void build() throws InterruptedException {
            loop = org.microthreads.Loop.singleCarrier("chain");
            chain = new OurPipes.Chain(loop, LENGTH);
            check("chain warm-up", chain.pass(0), LENGTH);
        }

        @TearDown(Level.Iteration)
        public void stop() throws InterruptedException {
            chain.close();
            loop.close();
        }
    }

    /** Chain of micro-threads on the shared loop, rendezvous {@code Pipe}s. */
    @State(Scope.Benchmark)
    public static class OurSharedChain {
        OurPipes.Chain chain;

        @Setup(Level.Iteration)
        public void build() throws InterruptedException {
            chain = new OurPipes.Chain(org.microthreads.Loop.shared(), LENGTH);
            check("chain warm-up", chain.pass(0), LENGTH);
        }

        @TearDown(Level.Iteration)
        public void stop() throws InterruptedException {
            chain.close();
        }
    }

    /** Ours: micro-threads of one single-carrier loop. */
    @Benchmark
    public int mtSingleCarrier(OurSingleCarrierChain s) throws InterruptedException {
        int v = next++ & 0xFFFFF;
        return passed(v, s.chain.pass(v));
    }

    /** Ours: micro-threads of the shared loop. */
    @Benchmark
    public int mtShared(OurSharedChain s) throws InterruptedException {
        int v = next++ & 0xFFFFF;
        return passed(v, s.chain.pass(v));
    }

    /** Chain of virtual threads (default scheduler) and {@code SynchronousQueue}s. */
    @State(Scope.Benchmark)
    public static class SynchronousQueueChain {
        ChannelPeers.Chain chain;

        @Setup(Level.Iteration)
        public void build() throws InterruptedException {
            chain = new ChannelPeers.Chain(VIRTUAL, () -> ChannelPeers.of(new SynchronousQueue<>()), LENGTH);
            check("chain warm-up", chain.pass(0), LENGTH);
        }

        @TearDown(Level.Iteration)
        public void stop() throws InterruptedException {
            chain.close();
        }
    }

    /** Chain of virtual threads and jox rendezvous channels. */
    @State(Scope.Benchmark)
    public static class JoxChain {
        ChannelPeers.Chain chain;

        @Setup(Level.Iteration)
        public void build() throws InterruptedException {
            chain = new ChannelPeers.Chain(VIRTUAL,
                    () -> ChannelPeers.of(com.softwaremill.jox.Channel.<Integer>newRendezvousChannel()), LENGTH);
            check("chain warm-up", chain.pass(0), LENGTH);
        }

        @TearDown(Level.Iteration)
        public void stop() throws InterruptedException {
            chain.close();
        }
    }

    /** Chain of coroutines on {@code Dispatchers.Default}, rendezvous {@code Channel<Int>}s. */
    @State(Scope.Benchmark)
    public static class KotlinDefaultChain {
        KotlinPipes.Chain chain;

        @Setup(Level.Iteration)
        public void build() {
            chain = new KotlinPipes.Chain(LENGTH, false);
            check("chain warm-up", chain.pass(0), LENGTH);
        }

        @TearDown(Level.Iteration)
        public void stop() {
            chain.close();
        }
    }

    /** Chain of coroutines on runBlocking's event loop, on a thread of its own (see {@code KotlinPipes.Chain}). */
    @State(Scope.Benchmark)
    public static class KotlinOneThreadChain {
        KotlinPipes.Chain chain;

        @Setup(Level.Iteration)
        public void build() {
            chain = new KotlinPipes.Chain(LENGTH, true);
            check("chain warm-up", chain.pass(0), LENGTH);
        }

        @TearDown(Level.Iteration)
        public void stop() {
            chain.close();
        }
    }

    /** Peer: virtual threads (default scheduler), {@code SynchronousQueue} links. */
    @Benchmark
    public int plainSynchronousQueue(SynchronousQueueChain s) throws InterruptedException {
        int v = next++ & 0xFFFFF;
        return passed(v, s.chain.pass(v));
    }

    /** Peer: the same on a default scheduler with one carrier. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public int plainSynchronousQueueOneCarrier(SynchronousQueueChain s) throws InterruptedException {
        return plainSynchronousQueue(s);
    }

    /** Peer: virtual threads, jox rendezvous channels. */
    @Benchmark
    public int jox(JoxChain s) throws InterruptedException {
        int v = next++ & 0xFFFFF;
        return passed(v, s.chain.pass(v));
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, Jvm.ONE_CARRIER})
    public int joxOneCarrier(JoxChain s) throws InterruptedException {
        return jox(s);
    }

    /** Peer: coroutines on {@code Dispatchers.Default}; the benchmark thread passes the value in a {@code runBlocking {}}. */
    @Benchmark
    public int kotlinDefault(KotlinDefaultChain s) {
        int v = next++ & 0xFFFFF;
        return passed(v, s.chain.pass(v));
    }

    /** Peer: coroutines on one thread's {@code runBlocking {}} event loop; the benchmark thread passes the value in a {@code runBlocking {}} of its own. */
    @Benchmark
    public int kotlinOneThread(KotlinOneThreadChain s) {
        int v = next++ & 0xFFFFF;
        return passed(v, s.chain.pass(v));
    }
}
