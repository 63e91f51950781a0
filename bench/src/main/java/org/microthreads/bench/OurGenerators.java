package org.microthreads.bench;

import java.util.Iterator;
import org.microthreads.Generator;
import org.microthreads.Loop;

/**
 * Our side of the generator benchmarks: the same items as {@link GeneratorPeers} (the ints 0 until
 * n, boxed), the same consumer ({@link GeneratorPeers#sum}). A nested generator of depth d > 0
 * includes the one of depth d - 1 with {@code emitAll} (Python {@code yield from}, Kotlin
 * {@code yieldAll}); depth 0 emits the items.
 */
final class OurGenerators {
    private OurGenerators() {}

    /** 0 until n at {@code depth}, of {@code implementation}, lazy if {@code capacity} is 0. */
    static Generator<Integer> generator(Generator.Implementation implementation, int capacity, int depth, int n) {
        if (depth == 0) {
            return Generator.of(implementation, capacity, out -> {
                for (int i = 0; i < n; i++) out.emit(i);
            });
        }
        return Generator.of(implementation, capacity, out -> out.emitAll(generator(implementation, capacity, depth - 1, n)));
    }

    /** The consumer on the calling (JMH) thread. */
    static long sum(Generator.Implementation implementation, int capacity, int depth, int n) {
        try (Generator<Integer> g = generator(implementation, capacity, depth, n)) {
            return GeneratorPeers.sum(g);
        }
    }

    /** The consumer as the main micro-thread of a run on {@code loop}. */
    static long sumIn(Loop loop, Generator.Implementation implementation, int capacity, int depth, int n)
            throws InterruptedException {
        return loop.run(() -> sum(implementation, capacity, depth, n));
    }

    static long sum(Iterator<Integer> it) {
        return GeneratorPeers.sum(it);
    }
}
