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
    int state = NEW;
    /** What the body threw (FAILED), or null. */
    Throwable failure;
    /** Whether {@link #failure} has been thrown to the consumer (or to a close). */
    boolean failureDelivered;

    GeneratorCore(Generator.Body<T> body, int capacity) {
        this.body = body;
        this.capacity = capacity;
        this.name = "generator #" + IDS.incrementAndGet();
    }

    /** Whether there is a next item; runs the body (or waits for it) when the buffer is empty. */
    abstract boolean hasNext();

    /** The next item; only after {@link #hasNext()} returned true. */
    abstract T take();

    /** Stops the body at its next emit and waits for it to end; see {@link Generator#close()}. */
    abstract void close();

    /** Throws unless the calling thread may emit now (runs this generator's body). */
    abstract void checkEmitter();

    final boolean ended() {
        int s = state;
        return s == DONE || s == FAILED || s == CLOSED || s == INCLUDED;
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
            throw new FailedException(generator.core + " (included by emitAll) failed: " + e, e);
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

    /** Run by the cleaner once the consumer's {@link Generator} is unreachable. */
    final void closeAbandoned() {
        try {
            if (state == FAILED && !failureDelivered) {
                failureDelivered = true;
                Loop.LOG.log(System.Logger.Level.ERROR, this + " was abandoned with a failure nobody received", failure);
                return;
            }
            close();
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
        for (; t != null; t = t.getCause()) {
            if (t instanceof Closing) return true;
        }
        return false;
    }

    final NullPointerException nullItem() {
        return new NullPointerException(this + ": emit(null); a generator's items are never null (as a pipe's)");
    }

    final IllegalStateException busy() {
        return new IllegalStateException(this + " is running: it was called from its own body (re-entered), "
                + "or another thread is using it at the same time");
    }

    final IllegalStateException wrongEmitter(Thread running) {
        return new IllegalStateException("emit on " + this + " from thread '" + Thread.currentThread().getName() + "', "
                + (running == null ? "while its body is not running (an emitter may be used only by its body, while it runs)"
                        : "but its body runs in thread '" + running.getName() + "' (only the body's thread may emit)"));
    }

    /** The failure, once: marks it delivered and sets the interrupt status again if it was an interruption. */
    final FailedException deliverFailure() {
        failureDelivered = true;
        if (failure instanceof InterruptedException) Park.selfInterrupt();
        return new FailedException(this + " failed: " + failure, failure);
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
