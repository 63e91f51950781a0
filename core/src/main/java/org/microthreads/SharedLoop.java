package org.microthreads;

import java.util.concurrent.ThreadFactory;

/** The shared loop: virtual threads on the JDK's default scheduler. Needs no flag. */
final class SharedLoop extends Loop {
    static final SharedLoop INSTANCE = new SharedLoop();

    private final ThreadFactory factory = Thread.ofVirtual().factory();

    private SharedLoop() {
        super("shared", Runtime.getRuntime().availableProcessors());
    }

    @Override
    ThreadFactory factory() {
        return factory;
    }

    @Override
    String kind() {
        return "shared, multi-core";
    }

    /**
     * Does nothing: the shared loop lives as long as the JVM, as {@code ForkJoinPool.commonPool().close()}
     * does nothing, so that {@code try (Loop loop = pick())} works whichever loop {@code pick()} returns.
     * Its micro-threads are not cancelled and it stays open ({@link #isClosed()} is false).
     */
    @Override
    public void close() {
        // no-op (issue 14): the shared loop is never closed
    }
}
