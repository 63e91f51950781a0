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

    /** Items emitted and not yet taken: {@code buf[pos..n)}. One slot when lazy. */
    private final Object[] buf;
    private int n, pos;
    private Object scope, continuation;
    /** The thread the body runs in now; null while it is not running. */
    private Thread runner;
    private boolean closing;

    ContinuationGenerator(Generator.Body<T> body, int capacity) {
        super(body, capacity);
        this.buf = new Object[Math.max(1, capacity)];
    }

    /** The continuation's code. */
    @Override
    public void run() {
        try {
            body.run(this);
        } catch (Throwable e) {
            failure = e;
        }
    }

    // ---- the consumer's side ----

    @Override
    boolean hasNext() {
        return pos < n || refill();
    }

    @Override
    @SuppressWarnings("unchecked")
    T take() {
        T item = (T) buf[pos];
        buf[pos++] = null;
        return item;
    }

    private boolean refill() {
        switch (state) {
            case NEW, SUSPENDED -> { }
            case RUNNING -> throw busy();
            case FAILED -> {
                if (failureDelivered) return false;
                throw deliverFailure();
            }
            default -> {
                return false;
            }
        }
        pos = n = 0;
        resume();
        if (n > 0) return true;
        if (state == FAILED) throw deliverFailure();
        return false;
    }

    /** Runs the body on this thread until it yields (buffer full) or ends. */
    private void resume() {
        if (continuation == null) {
            scope = JdkInternals.newContinuationScope(name);
            continuation = JdkInternals.newContinuation(scope, this);
        }
        state = RUNNING;
        runner = Thread.currentThread();
        try {
            JdkInternals.runContinuation(continuation);
        } finally {
            runner = null;
            if (JdkInternals.isDone(continuation)) {
                continuation = scope = null;
                state = failure != null ? FAILED : closing ? CLOSED : DONE;
            } else {
                state = SUSPENDED;
            }
        }
    }

    @Override
    void close() {
        switch (state) {
            case NEW -> {
                state = CLOSED;
                return;
            }
            case SUSPENDED -> { }
            case RUNNING -> throw busy();
            default -> {
                return;
            }
        }
        closing = true;
        java.util.Arrays.fill(buf, null);
        pos = n = 0;
        resume(); // the body's emit throws Closing; its finally blocks run
        if (state == FAILED) {
            if (isClosingSignal(failure)) {
                failure = null;
                state = CLOSED;
            } else {
                failureDelivered = true;
                throw new FailedException(this + " failed while being closed: " + failure, failure);
            }
        } else if (state == SUSPENDED) { // cannot happen: every emit throws while closing
            throw new IllegalStateException(this + " kept running after close (a microthreads bug)");
        }
    }

    // ---- the body's side ----

    @Override
    public void emit(T item) {
        if (item == null) throw nullItem();
        if (runner != Thread.currentThread()) throw wrongEmitter(runner);
        if (closing) throw closing();
        buf[n++] = item;
        if (n == buf.length) suspend();
    }

    @Override
    void checkEmitter() {
        if (runner != Thread.currentThread()) throw wrongEmitter(runner);
        if (closing) throw closing();
    }

    private void suspend() {
        if (CHECK_MONITORS && JdkInternals.holdsMonitorInContinuation()) {
            n--;
            buf[n] = null;
            throw new IllegalStateException(this + ": emit inside synchronized; the suspended body would keep the monitor"
                    + " (use a java.util.concurrent lock, or leave the synchronized block before emitting)");
        }
        JdkInternals.yieldContinuation(scope); // returns at the consumer's next hasNext() (or close)
        if (closing) throw closing();
    }
}
