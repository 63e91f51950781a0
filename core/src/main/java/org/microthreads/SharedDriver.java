package org.microthreads;

import java.util.concurrent.ThreadFactory;

/** The shared loop's driver: virtual threads on the JDK's default scheduler. Needs no flag. */
final class SharedDriver extends LoopDriver {
    private final ThreadFactory factory = Thread.ofVirtual().factory();

    @Override
    ThreadFactory threadFactory() {
        return factory;
    }

    @Override
    boolean oneCarrier() {
        return false;
    }

    @Override
    String kind() {
        return "shared, multi-core";
    }

    /**
     * The shared loop lives as long as the JVM, as {@code ForkJoinPool.commonPool().close()} does
     * nothing, so that {@code try (Loop loop = pick())} works whichever loop {@code pick()} returns.
     */
    @Override
    boolean closeable() {
        return false;
    }
}
