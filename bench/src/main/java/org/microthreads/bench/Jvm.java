package org.microthreads.bench;

/**
 * JVM arguments shared by every benchmark fork, as compile-time constants so that
 * {@code @Fork(jvmArgsAppend = ...)} can name them.
 */
final class Jvm {
    private Jvm() {}

    /** Custom virtual-thread schedulers (single-carrier loops) and {@code Thread.currentCarrierThread()}. */
    static final String OPENS = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    /** {@code jdk.internal.vm.Continuation} (the raw-continuation baseline). */
    static final String EXPORTS = "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED";
    /** Same heap for everyone, ours and the peers: 1M threads alive at once need a few GiB. */
    static final String HEAP = "-Xmx4g";
    /** The JDK's default virtual-thread scheduler with one carrier: the peer of a single-carrier loop. */
    static final String ONE_CARRIER = "-Djdk.virtualThreadScheduler.parallelism=1";
}
