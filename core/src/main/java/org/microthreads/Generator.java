package org.microthreads;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.microthreads.internal.JdkInternals;

/**
 * A generator: a body that {@linkplain Emitter#emit emits} items, consumed as an
 * {@link Iterator}, in a for-each, or as a {@link Stream}. The proposal's pipe-based generator:
 * the body may simply <em>call</em> any method that takes the same emitter (a recursive tree
 * walk, a helper that emits a header, another generator's body), and all of its output is
 * included in order, at a cost per item that does not depend on how deep the calls nest.
 * {@link Emitter#emitAll(Generator)} includes another generator the same way.
 * {@snippet :
 * static void walk(Node node, Generator.Emitter<String> out) {
 *     if (node == null) return;
 *     walk(node.left, out);          // just a call: no re-yielding of the child's items
 *     out.emit(node.label);
 *     walk(node.right, out);
 * }
 * try (Generator<String> labels = Generator.of(out -> walk(root, out))) {
 *     for (String label : labels) System.out.println(label);
 * }
 * }
 *
 * <h2>Lazy, or running ahead</h2>
 * {@link #of(Body)} is lazy, as Python's generators: the body starts at the first
 * {@code hasNext()}/{@code next()} and runs only until it has emitted the item asked for.
 * {@link #buffered(int, Body)} lets the body run ahead by up to {@code capacity} items, for
 * throughput.
 *
 * <h2>Where the body runs: two implementations</h2>
 * {@link Implementation#CONTINUATION} (the default when the JVM has
 * {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}): the body runs as a continuation
 * on the consumer's own thread, keeping its identity ({@code Thread.currentThread()}, thread
 * locals, a UI thread stays the UI thread). A blocking call in the body (I/O, {@code sleep},
 * taking from a pipe) parks the consumer, who is waiting for that item anyway.
 * {@link Implementation#MICRO_THREAD} (the fallback without the flag): the body runs in a
 * micro-thread of the consumer's loop (the shared loop for a plain thread), started by the
 * first {@code hasNext()} and a child of the consumer's micro-thread; consumer and body take
 * strict turns (the consumer hands the turn over and waits for it back), so the body still runs
 * only as far as asked. The semantics are the same, the cost per hand-off is a
 * micro-thread switch; {@link #implementation()} says which is in use.
 *
 * <h2>Ending early</h2>
 * {@link #close()} (or closing the stream, or try-with-resources) stops the body where it is
 * paused (always in an {@code emit}, or in a buffered body's run-ahead, at its next one): that
 * {@code emit} throws a {@link java.util.concurrent.CancellationException}, the body's
 * {@code finally} blocks run, then {@code close()} returns, leaving no continuation or
 * micro-thread behind. A generator that becomes unreachable before it ended (a {@code break}
 * out of a for-each without try-with-resources) is closed in the same way by a cleaner thread
 * once the garbage collector finds it, as Python does.
 *
 * <h2>Failures</h2>
 * A body that throws fails the generator: the items it emitted before are delivered, then the
 * {@code hasNext()} or {@code next()} that reaches the failure throws {@link FailedException}
 * with the body's exception (and its stack) as cause, once. After that, and after the end or a
 * close, {@code hasNext()} is false and {@code next()} throws {@link NoSuchElementException}
 * saying why. If the cause is an {@link InterruptedException}, the consumer's interrupt status
 * is set again, so a cancellation is not lost.
 *
 * <h2>Bad input</h2>
 * A {@code null} body, or {@code emit(null)} (items are never null, as in pipes):
 * {@link NullPointerException}. Emitting from a thread other than the one running the body, or
 * through an emitter whose generator is not running: {@link IllegalStateException}, and the
 * generator is untouched. {@code hasNext()}/{@code next()}/{@code close()} called from the
 * generator's own body, or while another thread is inside it: {@link IllegalStateException}.
 * A second iteration, that is a second call of {@link #iterator()} or {@link #stream()} in any
 * combination (a for-each calls {@code iterator()}): {@link IllegalStateException} naming the
 * generator (a generator is iterated once, like {@link java.nio.file.DirectoryStream}).
 * {@code hasNext()}/{@code next()} called directly are no iteration of their own.
 *
 * <h2>Threads</h2>
 * A generator is used by one consumer at a time; it may be handed to another thread between
 * calls (with the usual happens-before). A {@link Implementation#MICRO_THREAD} generator ends
 * with the micro-thread of its first {@code hasNext()}: when that one ends with the generator
 * unfinished, the generator is closed (so an abandoned one never keeps a {@code run} waiting),
 * and a later call throws {@link IllegalStateException} saying so.
 *
 * <p>A body should not hold a lock across {@code emit}. A monitor ({@code synchronized}) held by a
 * suspended {@link Implementation#CONTINUATION} body is held by frames that are not running: the
 * consumer entering it waits forever, and a body resumed on another thread cannot release it. A
 * {@link java.util.concurrent.locks.ReentrantLock} belongs to a thread too: it excludes nothing
 * between body and consumer (they are the same thread) and cannot be unlocked by a body resumed
 * elsewhere. (Set {@code -Dmicrothreads.generator.checkMonitors=true} to have {@code emit} refuse
 * inside {@code synchronized}, at about 10 µs per suspending emit.)
 *
 * <p>The body is kept reachable by the generator (and, until it ends, by its cleaner): a body
 * that refers to its own generator keeps an abandoned one from ever being closed by the cleaner.
 *
 * @param <T> the type of the items
 */
public final class Generator<T> implements Iterator<T>, Iterable<T>, AutoCloseable {

    /**
     * The body of a generator: emits its items through {@code out}, in order.
     *
     * @param <T> the type of the items
     */
    @FunctionalInterface
    public interface Body<T> {
        /**
         * Emits the generator's items; returning ends the generator.
         *
         * @param out the emitter to emit through, and to pass to any method that emits
         * @throws Exception fails the generator: the consumer gets a {@link FailedException} with
         *         it as cause
         */
        void run(Emitter<T> out) throws Exception;
    }

    /**
     * What a body emits through. Pass it to any method, and its emits are included, at a cost
     * per item that does not depend on the call depth. Only the thread running the body may use
     * it, and only while the body runs.
     *
     * @param <T> the type of the items
     */
    public interface Emitter<T> {
        /**
         * Hands {@code item} to the consumer; returns when the consumer asks for more (lazy) or
         * at once while the run-ahead buffer has room.
         *
         * @param item the item (not null)
         * @throws NullPointerException if {@code item} is null
         * @throws IllegalStateException if called from a thread not running the body, or when
         *         the generator is not running
         * @throws java.util.concurrent.CancellationException when the generator is being closed:
         *         let it propagate (the body's {@code finally} blocks run)
         */
        void emit(T item);

        /**
         * Includes every item of {@code items}, in order: {@code for (T x : items) emit(x)}.
         * For a {@link Generator}, see {@link #emitAll(Generator)}.
         *
         * @param items the items to emit (not null, nor any of them)
         * @throws NullPointerException if {@code items} or one of its items is null
         */
        default void emitAll(Iterable<? extends T> items) {
            Objects.requireNonNull(items, "items");
            if (items instanceof Generator<? extends T> g) {
                emitAll(g);
                return;
            }
            for (T item : items) emit(item);
        }

        /**
         * Includes every item of {@code generator}, in order (Python's {@code yield from}). A
         * generator that has not started yet is not started at all: its body simply runs here,
         * emitting through this emitter, so nesting costs nothing per item however deep it goes;
         * {@code generator} is then used up (its own {@code hasNext()} is false). A generator
         * already started is drained item by item.
         *
         * @param generator the generator whose items to include (not null)
         * @throws IllegalStateException if {@code generator} is being iterated right now
         */
        void emitAll(Generator<? extends T> generator);
    }

    /** How a generator's body runs; see the class documentation. */
    public enum Implementation {
        /** A continuation on the consumer's own thread (needs {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}). */
        CONTINUATION,
        /** A micro-thread of the consumer's loop, taking turns with the consumer (needs no flag). */
        MICRO_THREAD
    }

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "microthreads-generator-cleaner");
        t.setDaemon(true);
        return t;
    });

    final GeneratorCore<T> core;
    private final Cleaner.Cleanable cleanable;
    private boolean iterated;

    private Generator(GeneratorCore<T> core) {
        this.core = core;
        this.cleanable = CLEANER.register(this, core::closeAbandoned);
    }

    /**
     * A lazy generator of {@link #defaultImplementation()}.
     *
     * @param <T> the type of the items
     * @param body what the generator runs; it starts at the first {@code hasNext()} or {@code next()}
     * @return a new generator, not started
     */
    public static <T> Generator<T> of(Body<T> body) {
        return of(defaultImplementation(), 0, body);
    }

    /**
     * A generator of {@link #defaultImplementation()} whose body may run up to {@code capacity}
     * items ahead of the consumer.
     *
     * @param <T> the type of the items
     * @param capacity how many items the body may emit before the consumer takes them
     * @param body what the generator runs; it starts at the first {@code hasNext()} or {@code next()}
     * @return a new generator, not started
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public static <T> Generator<T> buffered(int capacity, Body<T> body) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("a buffered generator's capacity must be positive, was " + capacity
                    + " (Generator.of(body) is the lazy one)");
        }
        return of(defaultImplementation(), capacity, body);
    }

    /**
     * A generator of the given implementation: lazy if {@code capacity} is 0, else running ahead by
     * up to {@code capacity} items.
     *
     * @param <T> the type of the items
     * @param implementation where the body runs
     * @param capacity 0 for a lazy generator, else how many items the body may emit before the
     *        consumer takes them
     * @param body what the generator runs; it starts at the first {@code hasNext()} or {@code next()}
     * @return a new generator, not started
     * @throws IllegalArgumentException if {@code capacity} is negative
     * @throws UnsupportedOperationException for {@link Implementation#CONTINUATION} without the
     *         JVM flag (the message names it)
     */
    public static <T> Generator<T> of(Implementation implementation, int capacity, Body<T> body) {
        Objects.requireNonNull(implementation, "implementation");
        Objects.requireNonNull(body, "body");
        if (capacity < 0) {
            throw new IllegalArgumentException("a generator's capacity must be 0 (lazy) or positive, was " + capacity);
        }
        GeneratorCore<T> core = switch (implementation) {
            case CONTINUATION -> {
                JdkInternals.requireContinuations("generators on continuations (Generator.Implementation.CONTINUATION)");
                yield new ContinuationGenerator<>(body, capacity);
            }
            case MICRO_THREAD -> new MicroThreadGenerator<>(body, capacity);
        };
        return new Generator<>(core);
    }

    /**
     * The implementation {@link #of(Body)} and {@link #buffered(int, Body)} use.
     *
     * @return {@link Implementation#CONTINUATION} if this JVM has the flag
     *         {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}, else
     *         {@link Implementation#MICRO_THREAD}
     */
    public static Implementation defaultImplementation() {
        return JdkInternals.continuationsAvailable() ? Implementation.CONTINUATION : Implementation.MICRO_THREAD;
    }

    /** {@return how this generator's body runs} */
    public Implementation implementation() {
        return core instanceof ContinuationGenerator ? Implementation.CONTINUATION : Implementation.MICRO_THREAD;
    }

    /**
     * Whether the body has another item, running it until it emits one, ends or fails.
     *
     * @return true if an item is there for {@link #next()}; false once the body has ended, or the
     *         generator was closed or has reported its failure
     * @throws FailedException the first time the body's failure is reached
     * @throws java.util.concurrent.CancellationException ({@link Implementation#MICRO_THREAD}) if
     *         the consumer was interrupted while waiting: the generator is closed, the interrupt
     *         status kept
     * @throws IllegalStateException if called from the body itself, or while another thread is in it
     */
    @Override
    public boolean hasNext() {
        try {
            boolean more = core.hasNext();
            if (!more && core.ended()) cleanable.clean(); // ended: nothing left for the cleaner
            return more;
        } finally {
            Reference.reachabilityFence(this); // the cleaner must not close it under our feet
        }
    }

    /**
     * The next item, running the body until it emits one.
     *
     * @return the item (never null)
     * @throws NoSuchElementException if the generator has ended, failed earlier or was closed
     *         (the message says which)
     * @throws FailedException the first time the body's failure is reached
     */
    @Override
    public T next() {
        try {
            if (!hasNext()) throw core.noMoreItems();
            return core.take();
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * This generator, for a for-each. A generator is iterated once: this and {@link #stream()}
     * together may be called once in all.
     *
     * @return this generator
     * @throws IllegalStateException if {@code iterator()} or {@link #stream()} was called before
     *         (the message names the generator)
     */
    @Override
    public Iterator<T> iterator() {
        claimIteration("iterator()");
        return this;
    }

    /**
     * A sequential stream of the remaining items; closing the stream closes the generator.
     * Ordered, non-null; a parallel stream takes batches of items in order, one thread at a time.
     * A generator is iterated once: this and {@link #iterator()} (a for-each) together may be
     * called once in all.
     *
     * @return a stream of the items not taken yet
     * @throws IllegalStateException if {@code stream()} or {@link #iterator()} was called before
     *         (the message names the generator)
     */
    public Stream<T> stream() {
        claimIteration("stream()");
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(this::close);
    }

    /** Marks this generator iterated, or throws if it was already (by {@code iterator()}, a for-each or {@code stream()}). */
    private void claimIteration(String call) {
        if (iterated) {
            throw new IllegalStateException(call + " on " + this + ", which was already iterated (by iterator(), a for-each or"
                    + " stream()): a generator is iterated once (it is its own iterator); make a new one to start again");
        }
        iterated = true;
    }

    /**
     * Stops the body in the {@code emit} where it is paused (which throws a
     * {@link java.util.concurrent.CancellationException}) and runs its {@code finally} blocks;
     * returns once they have run. Items emitted and not yet taken are dropped; a failure the
     * consumer never reached is logged (never silently lost). Idempotent; a generator that never started is simply marked closed.
     *
     * @throws FailedException if the body, while being closed, ended with a failure of its own
     *         (not the cancellation {@code emit} threw)
     * @throws IllegalStateException if called from the body itself, or while another thread is in it
     */
    @Override
    public void close() {
        try {
            core.close();
        } finally {
            if (core.ended()) cleanable.clean();
            Reference.reachabilityFence(this);
        }
    }

    /** {@return whether the body has ended (returned, failed or been closed), or was included by {@link Emitter#emitAll(Generator)}} */
    public boolean isDone() {
        return core.ended();
    }

    @Override
    public String toString() {
        return core.toString();
    }
}
