package org.microthreads;

import java.util.random.RandomGenerator;

/**
 * The simulated loop's one source of randomness: xoshiro256** seeded through SplitMix64, both
 * written out here so that a seed gives the same stream on every JDK (the JDK's generators do not
 * promise their exact output across releases). SplitMix64 mixes sequential seeds well:
 * {@code java.util.Random} with seeds 0, 1, 2, ... gives nearly the same first draws and was
 * measured to miss a bug a quarter of schedules hit (docs/testing.md). Not thread-safe: used by
 * the thread that drives the simulation only.
 */
final class SimRandom implements RandomGenerator {
    private long s0, s1, s2, s3;

    SimRandom(long seed) {
        long x = seed;
        s0 = mix(x += 0x9E3779B97F4A7C15L);
        s1 = mix(x += 0x9E3779B97F4A7C15L);
        s2 = mix(x += 0x9E3779B97F4A7C15L);
        s3 = mix(x + 0x9E3779B97F4A7C15L);
    }

    /** SplitMix64's output function. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in {@code [0, bound)} by multiply-and-shift of the high 32 bits (our own: stable across JDKs). */
    @Override
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, was " + bound);
        return (int) (((nextLong() >>> 32) * bound) >>> 32);
    }

    @Override
    public int nextInt() {
        return (int) (nextLong() >>> 32);
    }
}
