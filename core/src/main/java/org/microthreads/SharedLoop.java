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

    /** @throws UnsupportedOperationException always: the shared loop lives as long as the JVM */
    @Override
    public void close() {
        throw new UnsupportedOperationException("the shared loop lives as long as the JVM and cannot be closed");
    }
}
