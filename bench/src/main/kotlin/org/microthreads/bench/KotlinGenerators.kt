package org.microthreads.bench

/**
 * The Kotlin peers of the generator benchmarks (GeneratorFlat, GeneratorNested): Kotlin's own
 * generators, `sequence {}` with `yield` and `yieldAll`, no coroutine library. Plain functions
 * that return the sequence's iterator; the Java JMH classes own the sizes, consume it with the
 * same loop as every JVM peer (`GeneratorPeers.sum`) and check the sum.
 */
object KotlinGenerators {

    /**
     * `gen(depth)`: at depth 0 a sequence that yields 0 until n; at depth d > 0 one that
     * `yieldAll`s the sequence of depth d - 1 (Python's `yield from`). Flat is depth 0.
     */
    @JvmStatic fun sequenceIterator(depth: Int, n: Int): Iterator<Int> = gen(depth, n).iterator()

    private fun gen(depth: Int, n: Int): Sequence<Int> = sequence {
        if (depth == 0) {
            for (i in 0 until n) yield(i)
        } else {
            yieldAll(gen(depth - 1, n))
        }
    }
}
