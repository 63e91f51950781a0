package org.microthreads;

import org.microthreads.internal.JdkInternals;

/**
 * {@link Generator.Implementation#CONTINUATION}: the body is a continuation of a scope of its
 * own, run on the consumer's thread by {@code hasNext()} until it has filled the buffer (one
 * item when lazy) or ended. {@code emit} stores the item and, when the buffer is full, yields
 * the continuation: however deep the body's calls nest, an item costs one store, and a yield
 * and a run per buffer. (The JDK freezes only the frames that ran since the last yield, and
 * thaws lazily, so a deep stack is not copied per item either.)
 *
 * <p>Its own scope makes the yield precise: a body that parks (sleeps, takes from a pipe) on a
 * host loop yields the host's scope through it, and a body that iterates another generator
 * mounts that one's continuation inside its own, each yielding only its own.
 */
final class ContinuationGenerator<T> extends GeneratorCore<T> implements Runnable {
    /** {@code -Dmicrothreads.generator.checkMonitors=true}: emit refuses to yield inside synchronized (slow). */
    private static final boolean CHECK_MONITORS = Boolean.getBoolean("microthreads.generator.checkMonitors");

    private Object scope, continuation;
    /**
     * The strand ({@link Park#currentWaiter()}: the thread, or a host loop's micro-thread) the body
     * runs in now; null while it is not running.
     */
    private Object runner;

    ContinuationGenerator(Generator.Body<T> body, int capacity) {
        super(body, capacity);
    }

    /** The continuation's code. */
    @Override
    public void run() {
        runBody();
    }

    @Override
    void resume() {
        if (continuation == null) {
            scope = JdkInternals.newContinuationScope(name);
            continuation = JdkInternals.newContinuation(scope, this);
        }
        runner = Park.currentWaiter();
        try {
            JdkInternals.runContinuation(continuation);
        } finally {
            runner = null;
            if (bodyEnded) continuation = scope = null;
        }
    }

    @Override
    void suspend() {
        if (CHECK_MONITORS && JdkInternals.holdsMonitorInContinuation()) {
            throw new IllegalStateException(this + ": emit inside synchronized; the suspended body would keep the monitor"
                    + " (use a java.util.concurrent lock, or leave the synchronized block before emitting)");
        }
        JdkInternals.yieldContinuation(scope);
    }

    @Override
    void checkRunner() {
        if (runner != Park.currentWaiter()) throw wrongEmitter(runner);
    }
}
