package org.microthreads.bench;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.function.Supplier;

/**
 * The Java peers of the generator benchmarks (GeneratorFlat, GeneratorNested, GeneratorBuffered).
 * Every generator emits the ints 0 until n, boxed (as {@code Iterator<Integer>}, Kotlin's
 * {@code Sequence<Int>} and ours will); the consumer is {@link #sum}, the same loop for every JVM
 * peer. A nested generator of depth d > 0 delegates to one of depth d - 1 and the one of depth 0
 * emits the items: depth 50 puts 50 delegating generators between the consumer and the items
 * (Python {@code yield from}, Kotlin {@code yieldAll}).
 */
final class GeneratorPeers {
    private GeneratorPeers() {}

    /** The consumer of every JVM peer: iterates and sums. */
    static long sum(Iterator<Integer> it) {
        long s = 0;
        while (it.hasNext()) s += it.next();
        return s;
    }

    // ---- hand-written iterators: the floor ----

    /** 0 until n. */
    static final class Range implements Iterator<Integer> {
        private final int n;
        private int i;

        Range(int n) {
            this.n = n;
        }

        @Override
        public boolean hasNext() {
            return i < n;
        }

        @Override
        public Integer next() {
            if (i >= n) throw new NoSuchElementException();
            return i++;
        }
    }

    /** Passes its child's items on: one level of a hand-written nested generator. */
    static final class Delegate implements Iterator<Integer> {
        private final Iterator<Integer> child;

        Delegate(Iterator<Integer> child) {
            this.child = child;
        }

        @Override
        public boolean hasNext() {
            return child.hasNext();
        }

        @Override
        public Integer next() {
            return child.next();
        }
    }

    /** A {@link Range} of n under {@code depth} {@link Delegate}s (depth 0: the range itself). */
    static Iterator<Integer> handIterator(int depth, int n) {
        Iterator<Integer> it = new Range(n);
        for (int d = 0; d < depth; d++) it = new Delegate(it);
        return it;
    }

    // ---- a generator on a plain virtual thread, handing its items over a BlockingQueue ----

    interface Emitter {
        void emit(Integer v) throws InterruptedException;
    }

    interface Body {
        void run(Emitter out) throws Exception;
    }

    /**
     * The common Java idiom: the body runs on a virtual thread of its own (started here) and
     * {@code put}s each item into the queue; {@code hasNext} takes the next one. A
     * {@code SynchronousQueue} makes it lazy (the body runs one item ahead at most, handing it
     * over in a rendezvous); an {@code ArrayBlockingQueue(k)} lets it run up to k items ahead.
     * A failure of the body reaches the consumer at the {@code hasNext} that gets to it. (A
     * consumer that stops early leaves the body blocked in {@code put}: the benchmarks always
     * drain it.)
     */
    static final class ThreadGenerator implements Iterator<Integer> {
        private static final Object END = new Object();

        private record Failure(Throwable error) {}

        private final BlockingQueue<Object> queue;
        /** The item taken but not yet returned by {@code next}; null: none taken. */
        private Object taken;

        ThreadGenerator(BlockingQueue<Object> queue, Body body) {
            this.queue = queue;
            ChannelPeers.VIRTUAL.newThread(() -> {
                Object last = END;
                try {
                    body.run(queue::put);
                } catch (Throwable e) {
                    last = new Failure(e);
                }
                try {
                    queue.put(last);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).start();
        }

        @Override
        public boolean hasNext() {
            if (taken == null) {
                try {
                    taken = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the generator", e);
                }
            }
            if (taken instanceof Failure f) throw new IllegalStateException("the generator failed", f.error());
            return taken != END;
        }

        @Override
        public Integer next() {
            if (!hasNext()) throw new NoSuchElementException();
            Integer v = (Integer) taken;
            taken = null;
            return v;
        }
    }

    /**
     * A generator of 0 until n on a virtual thread, over a fresh queue of {@code queues}; at
     * {@code depth} > 0, a generator (a virtual thread of its own) that iterates the one of
     * depth - 1 and emits each of its items again: depth + 1 virtual threads in a chain.
     */
    static Iterator<Integer> threadGenerator(Supplier<BlockingQueue<Object>> queues, int depth, int n) {
        if (depth == 0) {
            return new ThreadGenerator(queues.get(), out -> {
                for (int i = 0; i < n; i++) out.emit(i);
            });
        }
        return new ThreadGenerator(queues.get(), out -> {
            Iterator<Integer> child = threadGenerator(queues, depth - 1, n);
            while (child.hasNext()) out.emit(child.next());
        });
    }

    /**
     * Runs {@link #sum} over the generator the supplier makes, on a virtual thread (the
     * consumer, started and joined here, as in the pipe peers: both ends on the default
     * scheduler), and returns the sum.
     */
    static long sumOnVirtualThread(Supplier<Iterator<Integer>> generator) throws InterruptedException {
        long[] sum = {0};
        ChannelPeers.Tasks tasks = new ChannelPeers.Tasks(ChannelPeers.VIRTUAL);
        tasks.start(() -> sum[0] = sum(generator.get()));
        tasks.joinAll();
        return sum[0];
    }
}
