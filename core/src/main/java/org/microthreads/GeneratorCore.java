package org.microthreads;

import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state of a {@link Generator}, and its body's {@link Generator.Emitter}: what the two
 * implementations share. Kept apart from the {@code Generator} object the consumer holds, so a
 * cleaner can close a generator once that object is unreachable.
 *
 * <p>Life-cycle, changed by the consumer's calls only (one consumer at a time):
 * <pre>
 *   NEW -> RUNNING -> SUSPENDED -> RUNNING -> ... -> DONE | FAILED | CLOSED
 *   NEW -> CLOSED              // closed before it started: the body never runs
 *   NEW -> INCLUDED            // emitAll(this) ran the body inside another generator
 * </pre>
 * RUNNING: a consumer call is inside the generator (the body runs, or the consumer waits for it).
 */
abstract class GeneratorCore<T> implements Generator.Emitter<T> {
    static final int NEW = 0, SUSPENDED = 1, RUNNING = 2, DONE = 3, FAILED = 4, CLOSED = 5, INCLUDED = 6;
    private static final AtomicLong IDS = new AtomicLong();

    final Generator.Body<T> body;
    /** 0: lazy; else the run-ahead capacity. */
    final int capacity;
    final String name;
    /** The consumer's view; written by consumer calls only. */
    int state = NEW;
    /**
     * Items emitted and not yet taken: {@code buf[pos..n)}; one slot when lazy. The body writes
     * {@code buf} and {@code n} while it runs, the consumer reads them after it has yielded: the
     * switch between them orders the two.
     */
    private final Object[] buf;
    private int n, pos;
    /** Set by the consumer before it resumes the body for the last time: every emit throws {@link Closing}. */
    volatile boolean closing;
    /** Set by {@link #close()} before it runs the body to its end. */
    boolean closeCall;
    /** Set by the body's runner once the body has returned or thrown. */
    boolean bodyEnded;
    /**
     * Set by the body when {@link #suspend()} threw after handing the buffer over: the body no
     * longer has the turn, so it must not touch the buffer (emit throws) until {@link #regainTurn()}.
     */
    boolean turnLost;
    /** What the body threw (not the close signal), or null. */
    Throwable failure;
    /** Whether {@link #failure} has been thrown to the consumer (or to a close). */
    boolean failureDelivered;

    GeneratorCore(Generator.Body<T> body, int capacity) {
        this.body = body;
        this.capacity = capacity;
        String local = Loop.localName("generator #");
        this.name = local != null ? local : "generator #" + IDS.incrementAndGet();
        this.buf = new Object[Math.max(1, capacity)];
    }

    // ---- what an implementation supplies ----

    /**
     * In the consumer: runs the body until it has yielded (buffer full) or ended
     * ({@link #bodyEnded}). Throws only if the consumer cannot wait (interrupted: a
     * {@link CancellationException}, after making sure the body has ended).
     */
    abstract void resume();

    /**
     * In the body, with the buffer full: hands over to the consumer; returns when resumed. If it
     * throws after the hand-off (a stack overflow while waiting for the turn back), it sets
     * {@link #turnLost} first: the items are the consumer's then.
     */
    abstract void suspend();

    /**
     * In the body's runner, once the body has returned or thrown, before it records how: after a
     * {@link #turnLost}, waits for the turn back (the stack has unwound by then).
     */
    void regainTurn() {}

    /** Throws unless the calling thread runs this generator's body now. */
    abstract void checkRunner();

    /** In the consumer, after a close has run the body to its end: waits for what ran it to end too. */
    void afterClose() {}

    /** What the runner of the body calls: the body, its failure kept, {@link #bodyEnded} set. */
    final void runBody() {
        Throwable thrown = null;
        try {
            body.run(this);
        } catch (Throwable e) {
            thrown = e;
        }
        regainTurn(); // before the consumer's fields are written
        if (thrown != null && !(closing && isClosingSignal(thrown))) failure = thrown;
        bodyEnded = true;
    }

    // ---- the consumer's side ----

    final boolean hasNext() {
        return pos < n || refill();
    }

    /** The next item; only after {@link #hasNext()} returned true. */
    @SuppressWarnings("unchecked")
    final T take() {
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
        runOnce();
        if (n > 0) return true;
        if (state == FAILED) throw deliverFailure();
        return false;
    }

    private void runOnce() {
        state = RUNNING;
        try {
            resume();
        } finally {
            state = !bodyEnded ? SUSPENDED : failure != null ? FAILED : closing ? CLOSED : DONE;
        }
    }

    /** Stops the body in the emit where it is paused and waits for it to end; see {@link Generator#close()}. */
    final void close() {
        switch (state) {
            case NEW -> {
                state = CLOSED;
                return;
            }
            case SUSPENDED -> { }
            case RUNNING -> throw busy();
            default -> { // over: drop what was not taken; a failure nobody reached is not lost
                dropBuffer();
                if (state == FAILED && !failureDelivered) {
                    failureDelivered = true;
                    Loop.LOG.log(System.Logger.Level.ERROR, this + " was closed or abandoned before its consumer reached its failure",
                            failure);
                }
                return;
            }
        }
        closing = true;
        closeCall = true;
        dropBuffer();
        runOnce(); // the body's emit throws Closing; its finally blocks run
        afterClose();
        if (state == SUSPENDED) throw new IllegalStateException(this + " kept running after close (a microthreads bug)");
        if (state == FAILED) {
            failureDelivered = true;
            throw FailedException.of(this + " failed while being closed", failure);
        }
    }

    /** Drops the items emitted and not yet taken. */
    final void dropBuffer() {
        java.util.Arrays.fill(buf, null);
        pos = n = 0;
    }

    final boolean ended() {
        int s = state;
        return s == DONE || s == FAILED || s == CLOSED || s == INCLUDED;
    }

    // ---- the body's side ----

    @Override
    public final void emit(T item) {
        if (item == null) throw nullItem();
        checkEmitter();
        if (turnLost) throw turnLost();
        buf[n++] = item;
        if (n == buf.length) {
            try {
                suspend(); // returns at the consumer's next hasNext() (or close)
            } catch (RuntimeException | Error e) {
                if (!turnLost) buf[--n] = null; // it could not suspend (pinned, refused): not emitted
                throw e; // else handed over, then failed waiting for the turn back: the consumer has the items
            }
            if (closing) throw closing();
        }
    }

    final void checkEmitter() {
        checkRunner();
        if (closing) throw closing();
    }

    // ---- the emitter, shared ----

    @Override
    @SuppressWarnings("unchecked")
    public final void emitAll(Generator<? extends T> generator) {
        Objects.requireNonNull(generator, "generator");
        checkEmitter();
        Generator.Body<? extends T> included = generator.core.claimForInclusion();
        if (included == null) { // already started (or over): drain it
            while (generator.hasNext()) emit(generator.next());
            return;
        }
        try {
            ((Generator.Body<T>) included).run(this); // its emits are ours: no cost per level
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw FailedException.of(generator.core + " (included by emitAll) failed", e);
        }
    }

    /** NEW -> INCLUDED, handing over the body to run inside another generator; null if it has started. */
    private Generator.Body<T> claimForInclusion() {
        if (state == RUNNING) throw busy();
        if (state != NEW) return null;
        state = INCLUDED;
        return body;
    }

    // ---- the cleaner ----

    /**
     * Run by the cleaner once the consumer's {@link Generator} is unreachable (or by the consumer,
     * through {@code Cleanable.clean()}, once it is over: then there is nothing to do). Closes it in
     * a virtual thread of its own, so that a body whose {@code finally} blocks never holds up the
     * cleaner, which serves every generator.
     */
    final void closeAbandoned() {
        if (ended() && (failure == null || failureDelivered)) return; // over, nothing left to report
        Thread.ofVirtual().name("microthreads-generator-cleaner").start(this::closeAbandonedNow);
    }

    private void closeAbandonedNow() {
        try {
            close(); // an ended one with a failure nobody received: close() logs it
        } catch (Throwable e) {
            Loop.LOG.log(System.Logger.Level.ERROR, this + " was abandoned before its end; closing it failed", e);
        }
    }

    // ---- exceptions ----

    /** The signal {@code emit} throws while the generator is being closed. */
    static final class Closing extends CancellationException {
        Closing(String message) {
            super(message);
        }
    }

    final Closing closing() {
        return new Closing(this + " is being closed by its consumer: the body stops at this emit (let it propagate)");
    }

    static boolean isClosingSignal(Throwable t) {
        for (int depth = 0; t != null && depth < 32; t = t.getCause(), depth++) { // bounded: causes may form a cycle
            if (t instanceof Closing) return true;
        }
        return false;
    }

    final IllegalStateException turnLost() {
        return new IllegalStateException(this + ": emit after an emit of this body failed (a stack overflow while"
                + " waiting for its consumer?): the body fails with that failure");
    }

    final NullPointerException nullItem() {
        return new NullPointerException(this + ": emit(null); a generator's items are never null (as a pipe's)");
    }

    final IllegalStateException busy() {
        return new IllegalStateException(this + " is running: it was called from its own body (re-entered), "
                + "or another thread is using it at the same time");
    }

    /** {@code running}: the strand ({@link Park#currentWaiter()}) running the body, or null. */
    final IllegalStateException wrongEmitter(Object running) {
        return new IllegalStateException("emit on " + this + " from " + describe(Park.currentWaiter()) + ", "
                + (running == null ? "while its body is not running (an emitter may be used only by its body, while it runs)"
                        : "but its body runs in " + describe(running) + " (only the body's thread may emit)"));
    }

    private static String describe(Object strand) {
        return String.valueOf(strand);
    }

    /** The failure, once: marks it delivered and sets the interrupt status again if it was an interruption. */
    final FailedException deliverFailure() {
        failureDelivered = true;
        if (failure instanceof InterruptedException) Park.selfInterrupt();
        return FailedException.of(this + " failed", failure);
    }

    /** What {@code next()} throws when there is no next item, saying why. */
    final NoSuchElementException noMoreItems() {
        NoSuchElementException e = new NoSuchElementException(switch (state) {
            case CLOSED -> this + " was closed";
            case FAILED -> this + " failed (its failure was thrown by an earlier hasNext() or next())";
            case INCLUDED -> this + " was included into another generator by emitAll: its items went there";
            default -> this + " has ended";
        });
        if (state == FAILED) e.initCause(failure);
        return e;
    }

    @Override
    public String toString() {
        return name + " (" + (this instanceof ContinuationGenerator ? "continuation" : "micro-thread") + ", "
                + (capacity == 0 ? "lazy" : "buffered " + capacity) + ")";
    }
}
