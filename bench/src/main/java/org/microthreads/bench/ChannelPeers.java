package org.microthreads.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Exchanger;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/**
 * The Java peers of the pipe benchmarks (PingPong, Buffered, Select, Chain), each scenario
 * written once over {@link Chan}, a blocking channel of a JDK queue, an {@link Exchanger} or a
 * jox channel. In a benchmark fork only one kind of {@code Chan} is ever loaded, so the calls
 * stay monomorphic and inline. Every task is a thread of the given factory (virtual threads).
 */
final class ChannelPeers {
    private ChannelPeers() {}

    /** Virtual threads of the JDK's default scheduler (its parallelism set by the fork's flags). */
    static final ThreadFactory VIRTUAL = Thread.ofVirtual().factory();

    /** A blocking channel of {@code Integer}s. */
    interface Chan {
        void send(Integer v) throws InterruptedException;

        Integer receive() throws InterruptedException;
    }

    static Chan of(BlockingQueue<Integer> q) {
        return new Chan() {
            @Override public void send(Integer v) throws InterruptedException { q.put(v); }
            @Override public Integer receive() throws InterruptedException { return q.take(); }
        };
    }

    /** A rendezvous over an {@code Exchanger}: the sender gives its value, the receiver gives {@code null}. */
    static Chan of(Exchanger<Integer> x) {
        return new Chan() {
            @Override public void send(Integer v) throws InterruptedException { x.exchange(v); }
            @Override public Integer receive() throws InterruptedException { return x.exchange(null); }
        };
    }

    static Chan of(com.softwaremill.jox.Channel<Integer> c) {
        return new Chan() {
            @Override public void send(Integer v) throws InterruptedException { c.send(v); }
            @Override public Integer receive() throws InterruptedException { return c.receive(); }
        };
    }

    /** Fails the benchmark (JMH runs without {@code -ea}, so no {@code assert}). */
    static long check(String what, long got, long expected) {
        if (got != expected) throw new IllegalStateException(what + ": got " + got + ", expected " + expected);
        return got;
    }

    // ---- tasks that fail together: one failure interrupts the others, join rethrows it ----

    interface Body {
        void run() throws Exception;
    }

    static final class Tasks {
        private final ThreadFactory factory;
        private final List<Thread> threads = new ArrayList<>();
        private volatile Throwable failure;

        Tasks(ThreadFactory factory) {
            this.factory = factory;
        }

        void start(Body body) {
            Thread t = factory.newThread(() -> {
                try {
                    body.run();
                } catch (Throwable e) {
                    fail(e);
                }
            });
            synchronized (this) {
                threads.add(t);
            }
            t.start();
        }

        private synchronized void fail(Throwable e) {
            if (failure == null) {
                failure = e;
                for (Thread t : threads) if (t != Thread.currentThread()) t.interrupt();
            }
        }

        void joinAll() throws InterruptedException {
            List<Thread> all;
            synchronized (this) {
                all = List.copyOf(threads);
            }
            for (Thread t : all) t.join();
            if (failure != null) throw new IllegalStateException("a task failed", failure);
        }
    }

    // ---- PingPong ----

    /** A sends i on {@code ping}, B sends it back on {@code pong}, A checks it; returns A's sum. */
    static long pingPong(ThreadFactory f, Chan ping, Chan pong, int roundTrips) throws InterruptedException {
        long[] sum = {0};
        Tasks tasks = new Tasks(f);
        tasks.start(() -> { // B
            for (int i = 0; i < roundTrips; i++) pong.send(ping.receive());
        });
        tasks.start(() -> { // A
            long s = 0;
            for (int i = 0; i < roundTrips; i++) {
                ping.send(i);
                int r = pong.receive();
                if (r != i) throw new IllegalStateException("ping-pong: sent " + i + ", got back " + r);
                s += r;
            }
            sum[0] = s;
        });
        tasks.joinAll();
        return sum[0];
    }

    // ---- Buffered ----

    /** One producer sends 0 until {@code items}, one consumer receives them all; returns its sum. */
    static long buffered(ThreadFactory f, Chan channel, int items) throws InterruptedException {
        long[] sum = {0};
        Tasks tasks = new Tasks(f);
        tasks.start(() -> {
            for (int i = 0; i < items; i++) channel.send(i);
        });
        tasks.start(() -> {
            long s = 0;
            for (int i = 0; i < items; i++) s += channel.receive();
            sum[0] = s;
        });
        tasks.joinAll();
        return sum[0];
    }

    // ---- Select: jox only (the JDK has no select) ----

    /**
     * Two producers send 0 until items/2 and items/2 until items on their own jox rendezvous
     * channels; one consumer does {@code items} {@code Select.select}s over both receive clauses.
     */
    static long joxSelect(ThreadFactory f, int items) throws InterruptedException {
        var a = com.softwaremill.jox.Channel.<Integer>newRendezvousChannel();
        var b = com.softwaremill.jox.Channel.<Integer>newRendezvousChannel();
        int half = items / 2;
        long[] sum = {0};
        Tasks tasks = new Tasks(f);
        tasks.start(() -> {
            for (int i = 0; i < half; i++) a.send(i);
        });
        tasks.start(() -> {
            for (int i = half; i < items; i++) b.send(i);
        });
        tasks.start(() -> {
            long s = 0;
            for (int i = 0; i < items; i++) {
                Integer v = com.softwaremill.jox.Select.select(a.receiveClause(), b.receiveClause());
                s += v;
            }
            sum[0] = s;
        });
        tasks.joinAll();
        return sum[0];
    }

    // ---- Chain ----

    /** Value that stops the chain: each task forwards it unchanged, then ends. */
    static final int STOP = Integer.MIN_VALUE;

    /**
     * {@code length} tasks started by the constructor, stopped by {@link #close()}; task k
     * receives from link k and sends value + 1 to link k + 1. {@link #pass} is called by the
     * (platform) benchmark thread.
     */
    static final class Chain implements AutoCloseable {
        private final Chan[] links;
        private final Tasks tasks;

        Chain(ThreadFactory f, Supplier<Chan> newLink, int length) {
            links = new Chan[length + 1];
            for (int k = 0; k <= length; k++) links[k] = newLink.get();
            tasks = new Tasks(f);
            for (int k = 0; k < length; k++) {
                Chan in = links[k], out = links[k + 1];
                tasks.start(() -> {
                    while (true) {
                        int v = in.receive();
                        if (v == STOP) {
                            out.send(STOP);
                            return;
                        }
                        out.send(v + 1);
                    }
                });
            }
        }

        /** Sends {@code value} in at the head; returns what comes out at the tail. */
        int pass(int value) throws InterruptedException {
            links[0].send(value);
            return links[links.length - 1].receive();
        }

        @Override
        public void close() throws InterruptedException {
            check("chain stop", pass(STOP), STOP);
            tasks.joinAll();
        }
    }
}
