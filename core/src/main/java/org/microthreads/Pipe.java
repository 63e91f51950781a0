package org.microthreads;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A micro-pipe: a channel through which micro-threads (and plain threads) pass items, in FIFO
 * order, each item to exactly one taker.
 *
 * <h2>Flavours (by factory)</h2>
 * <ul>
 *   <li>{@link #rendezvous()}: no buffer; a {@code put} waits until a {@code take} receives the item.</li>
 *   <li>{@link #buffered(int)}: up to {@code n} items wait in the pipe; a {@code put} on a full pipe waits.</li>
 *   <li>{@link #unbounded()}: a {@code put} never waits (memory is the limit).</li>
 *   <li>{@link #droppingOldest(int)}, {@link #droppingLatest(int)}: a {@code put} on a full pipe never
 *       waits; it drops the oldest buffered item, or the item being put. {@link #conflated()} keeps only
 *       the latest item. Dropped items are counted ({@link #droppedCount()}).</li>
 * </ul>
 *
 * <h2>One grammar, three forms</h2>
 * <table>
 *   <caption>operations</caption>
 *   <tr><th></th><th>waits</th><th>never waits</th><th>reports the end without an exception</th></tr>
 *   <tr><td>put</td><td>{@link #put}</td><td>{@link #tryPut(Object)} (false: no room)</td><td>{@link #putOrClosed} (false: closed)</td></tr>
 *   <tr><td>take</td><td>{@link #take}</td><td>{@link #tryTake()} (null: nothing there)</td><td>{@link #takeOrClosed} (null: closed and drained)</td></tr>
 * </table>
 * {@link #tryPut(Object, Duration)} and {@link #tryTake(Duration)} wait at most a while. Items are
 * never null: {@code null} is how the {@code try}/{@code OrClosed} forms say "nothing".
 *
 * <h2>Ending</h2>
 * {@link #close()} means done: takers drain what is buffered, then see the end ({@link #take} throws
 * {@link PipeClosedException}, {@link #takeOrClosed} returns null, a for-each ends). {@link #fail}
 * means failed: takers drain what is buffered, then get a {@link FailedException} whose cause is the
 * failure. After either, puts throw {@link PipeClosedException} (whose cause shows where the pipe was
 * closed, or the failure); waiting putters are woken and their items are not delivered. Closing or
 * failing an ended pipe does nothing and returns false (idempotent, like Kotlin's {@code close}; Go's
 * second close panics). A pipe can be {@linkplain #ownedBy owned} by its producing micro-thread: it
 * closes when that ends, and fails when that fails. {@link #produce} starts such a producer, and
 * {@link #consumeEach} closes a stage's input when the stage ends, so that a pipeline tears down
 * both ways. {@link #ticker} makes a pipe fed by a timer.
 *
 * <p>Which pipe ended, and did it fail: the exception says which pipe ended
 * ({@link PipeClosedException#pipe()}, {@link FailedException#pipe()}), and the pipe says whether it
 * failed ({@link #failure()}, empty if it was closed); whether the exception has a cause says
 * nothing (a closed pipe's {@link PipeClosedException} has one too: where it was closed).
 *
 * <h2>Waiting</h2>
 * Every waiting form honours interruption and the sticky cancellation of micro-threads, and an
 * interrupted operation either happened completely or not at all: a put that throws
 * {@link InterruptedException} did not deliver its item; a take that throws consumed nothing.
 * Waiting shows in {@link MicroThread#waitingOn()} and loop dumps ("waiting to take from pipe
 * 'jobs'"). Waits on a {@linkplain #confined() confined} pipe take part in the deadlock report of
 * its single-carrier loop; waits on other pipes never do, since a thread outside the loop may
 * still feed them (ADR 0013).
 *
 * <h2>Threads</h2>
 * Thread-safe: any mix of micro-threads on any loops and platform threads may put and take. Actions
 * of a thread before it puts an item happen-before the actions of the thread that takes it, after
 * the take; actions before {@link #close()} or {@link #fail} happen-before a taker seeing the end.
 *
 * <h2>Exceptions</h2>
 * A {@code null} argument throws {@link NullPointerException} naming it.
 *
 * @param <T> the type of the items
 */
public final class Pipe<T> implements Iterable<T> {
    private static final AtomicLong IDS = new AtomicLong();
    private static final int BLOCK = 0, DROP_OLDEST = 1, DROP_LATEST = 2;
    private static final int OPEN = 0, CLOSED = 1, FAILED = 2;
    /** Results of the locked steps (items are never null, so these cannot collide with one). */
    static final Object EMPTY = new Object(), DONE = new Object(), OK = new Object(), FULL = new Object();

    /** The order in which {@link Select} locks several pipes. */
    final long id = IDS.incrementAndGet();
    final PipeLock lock = new PipeLock();
    private final int capacity; // 0: rendezvous; Integer.MAX_VALUE: unbounded
    private final int overflow;
    private final PipeWaiter.Queue takers = new PipeWaiter.Queue(), putters = new PipeWaiter.Queue();
    /** Ring buffer: {@code count} items from {@code head}; grows up to capacity. Guarded by lock. */
    private Object[] ring;
    private int head, count;
    private long dropped;
    private volatile int closeState;
    /** Where it was closed (a trace), or the failure. */
    private Throwable closeCause;
    private volatile String name;
    /**
     * The scope (a run, or the loop's root scope) of the micro-thread that
     * {@linkplain #confined() confined} this pipe to its one-carrier loop, or null. Only the loop's
     * micro-threads may use the pipe; while that run is in progress, only the run's (ADR 0019).
     */
    private volatile Scope confinedTo;
    /**
     * The critical section of a confined pipe entered without {@link #lock} (see {@link #enter}).
     * Only its loop's micro-threads touch it, all on one carrier thread, one at a time.
     */
    private boolean insideConfined;
    /**
     * The waiter the last locked step chose ({@link #offerLocked}, {@link #pollLocked}), for the
     * caller to {@linkplain PipeWaiter#wake() wake} once it has left the pipe
     * ({@link #takeWoken}): an unpark can cost a scheduler submission (and for a host loop runs its
     * executor), which need not lengthen the critical section. Guarded by the lock (or the flag).
     */
    private PipeWaiter woken;
    private volatile MicroThread<?> owner;
    /** The timer feeding this pipe if it is a {@linkplain #ticker ticker}, else null; stopped when the pipe ends. */
    private final Ticker ticker;

    private Pipe(int capacity, int overflow) {
        this(capacity, overflow, null);
    }

    private Pipe(int capacity, int overflow, Ticker ticker) {
        this.capacity = capacity;
        this.overflow = overflow;
        this.ring = capacity == 0 ? null : new Object[Math.min(capacity, 16)];
        this.ticker = ticker;
        this.name = Loop.localName(ticker != null ? "ticker-" : "pipe-"); // null but in a simulation
    }

    // =====================================================================================
    // Factories
    // =====================================================================================

    /**
     * A pipe without buffer: each {@code put} waits until a {@code take} receives its item (Go's {@code make(chan T)}).
     *
     * @param <T> the type of the items
     * @return a new open pipe
     */
    public static <T> Pipe<T> rendezvous() {
        return new Pipe<>(0, BLOCK);
    }

    /**
     * A pipe holding up to {@code capacity} items; a {@code put} on a full pipe waits.
     * {@code buffered(0)} is {@link #rendezvous()}.
     *
     * @param <T> the type of the items
     * @param capacity how many items may wait in the pipe
     * @return a new open pipe
     * @throws IllegalArgumentException if {@code capacity} is negative
     */
    public static <T> Pipe<T> buffered(int capacity) {
        return new Pipe<>(requireCapacity(capacity, 0), BLOCK);
    }

    /**
     * A pipe whose {@code put} never waits; its buffer grows as needed.
     *
     * @param <T> the type of the items
     * @return a new open pipe
     */
    public static <T> Pipe<T> unbounded() {
        return new Pipe<>(Integer.MAX_VALUE, BLOCK);
    }

    /**
     * A pipe holding up to {@code capacity} items where a {@code put} on a full pipe drops the oldest
     * buffered item and never waits.
     *
     * @param <T> the type of the items
     * @param capacity how many items the pipe keeps
     * @return a new open pipe
     * @throws IllegalArgumentException if {@code capacity} is less than 1
     */
    public static <T> Pipe<T> droppingOldest(int capacity) {
        return new Pipe<>(requireCapacity(capacity, 1), DROP_OLDEST);
    }

    /**
     * A pipe holding up to {@code capacity} items where a {@code put} on a full pipe drops the item
     * being put (it still succeeds) and never waits.
     *
     * @param <T> the type of the items
     * @param capacity how many items the pipe keeps
     * @return a new open pipe
     * @throws IllegalArgumentException if {@code capacity} is less than 1
     */
    public static <T> Pipe<T> droppingLatest(int capacity) {
        return new Pipe<>(requireCapacity(capacity, 1), DROP_LATEST);
    }

    /**
     * A pipe that keeps only the latest item put: {@code droppingOldest(1)} (Kotlin's {@code CONFLATED}).
     *
     * @param <T> the type of the items
     * @return a new open pipe
     */
    public static <T> Pipe<T> conflated() {
        return droppingOldest(1);
    }

    /**
     * A pipe into which a timer puts a tick every {@code period} on the loop's clock, as Go's
     * {@code time.Ticker}: tick {@code n} (a {@code Long}, 1, 2, 3, ...) is due {@code n} periods
     * after this call. The pipe keeps only the latest tick ({@link #conflated()}): a consumer slower
     * than the period finds the most recent tick due, the ones it missed are dropped (counted by
     * {@link #droppedCount()}, and visible as a gap in the numbers), and the next tick still comes
     * on the grid of periods, not a period after the late take. Ticks only ever increase.
     *
     * <p>The timer runs on the clock of the caller's loop ({@link Loop#current()}), not the wall
     * clock directly, so a loop with virtual time can drive it. It stops, and nothing of it stays
     * scheduled, as soon as any of these happens:
     * <ul>
     *   <li>the pipe is {@linkplain #close() closed} (by anyone: typically its consumer) or
     *       {@linkplain #fail failed};</li>
     *   <li>the {@link Loop#run run} of the calling micro-thread ends (nothing outlives its run);
     *       the pipe is then closed;</li>
     *   <li>made by a micro-thread of a single-carrier loop outside any run: that loop is
     *       {@linkplain Loop#close() closed} (the pipe is then closed);</li>
     *   <li>the pipe is no longer reachable (the timer holds it weakly): a ticker dropped without
     *       closing it stops at its next tick instead of ticking forever.</li>
     * </ul>
     * Made by a plain thread, or on the shared loop outside any run, only the first and the last
     * apply: close it when done. Only the timer should put into the pipe; it cannot be
     * {@linkplain #confined() confined} (the timer puts from outside the loop). A wait on it
     * never counts for a deadlock report: the timer can end it.
     *
     * @param period the time between two ticks; must be positive (longer than about 36 years
     *        counts as 36 years)
     * @return a new conflated pipe, named {@code ticker-<n>}, that receives the ticks
     * @throws IllegalArgumentException if {@code period} is zero or negative
     * @throws NullPointerException     if {@code period} is null
     */
    public static Pipe<Long> ticker(Duration period) {
        long nanos = Ticker.periodNanos(period);
        MicroThread<?> self = MicroThread.currentOrNull();
        Loop loop = self != null ? self.loop : Loop.shared();
        Scope scope = self == null || !self.scope.isRun() && loop == Loop.shared() ? null : self.scope;
        Ticker t = new Ticker(loop, nanos, scope);
        Pipe<Long> p = new Pipe<>(1, DROP_OLDEST, t);
        if (p.name == null) p.name = "ticker-" + p.id;
        t.start(p);
        return p;
    }

    /** The timer of a ticker pipe, or null (for tests). */
    Ticker tickerTimer() {
        return ticker;
    }

    private static int requireCapacity(int capacity, int min) {
        if (capacity < min) {
            throw new IllegalArgumentException("capacity must be at least " + min + ", was " + capacity);
        }
        return capacity;
    }

    /**
     * Names this pipe for dumps and messages (default {@code pipe-<n>}); returns it.
     *
     * @param name the new name
     * @return this pipe
     */
    public Pipe<T> named(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /** {@return this pipe's name: the one given to {@link #named}, else {@code pipe-<n>}} */
    public String name() {
        String n = name;
        return n != null ? n : "pipe-" + id;
    }

    @Override
    public String toString() {
        return "pipe '" + name() + "'";
    }

    // =====================================================================================
    // Put
    // =====================================================================================

    /**
     * Puts {@code item}, waiting for room (or, on a rendezvous pipe, for a taker).
     *
     * @param item the item (not null)
     * @throws PipeClosedException  if the pipe is closed or failed (before or while waiting; the item was not delivered)
     * @throws InterruptedException if interrupted or cancelled first (the item was not delivered)
     */
    public void put(T item) throws InterruptedException {
        if (!putOrClosed(item)) throw closedForPut();
    }

    /**
     * As {@link #put}, but returns false instead of throwing when the pipe is closed or failed.
     *
     * @param item the item (not null)
     * @return true if delivered (or buffered, or dropped by the pipe's policy), false if the pipe is closed
     * @throws InterruptedException if interrupted or cancelled first (the item was not delivered)
     */
    public boolean putOrClosed(T item) throws InterruptedException {
        Objects.requireNonNull(item, "item");
        return putUntil(item, Park.NONE) == OK;
    }

    /**
     * Puts {@code item} if that is possible without waiting.
     *
     * @param item the item (not null)
     * @return true if delivered (or buffered, or dropped by the pipe's policy); false if the pipe is full (rendezvous: no taker is waiting)
     * @throws PipeClosedException if the pipe is closed or failed
     */
    public boolean tryPut(T item) {
        Objects.requireNonNull(item, "item");
        Object r = offer(MicroThread.currentOrNull(), item, false);
        if (r == DONE) throw closedForPut();
        return r == OK;
    }

    /**
     * Puts {@code item}, waiting at most {@code timeout}. A {@code timeout} of zero or less does
     * not wait: it is exactly {@link #tryPut(Object)}, which never throws {@link InterruptedException}
     * (ADR 0023).
     *
     * @param item the item (not null)
     * @param timeout how long to wait at most for room (or, on a rendezvous pipe, for a taker);
     *        zero or less: not at all
     * @return true if delivered (or buffered, or dropped by the pipe's policy); false if there was no room in time (the item was not delivered)
     * @throws PipeClosedException      if the pipe is closed or failed
     * @throws InterruptedException     if interrupted or cancelled first (the item was not delivered);
     *                                  never with a timeout of zero or less
     */
    public boolean tryPut(T item, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(item, "item");
        if (!Objects.requireNonNull(timeout, "timeout").isPositive()) return tryPut(item);
        Object r = putUntil(item, Park.deadlineAfter(timeout, "timeout"));
        if (r == DONE) throw closedForPut();
        return r == OK;
    }

    /** Puts, waiting until {@code deadline} ({@link Park#NONE}: no limit): OK, FULL (timed out) or DONE (closed). */
    private Object putUntil(Object item, long deadline) throws InterruptedException {
        MicroThread<?> self = MicroThread.currentOrNull();
        Park.checkCancelled(self);
        Object r = offer(self, item, true);
        if (!(r instanceof PipeWaiter.Node n)) return r;
        int s = n.await(self, WaitKind.PIPE_PUT, this, deadline == Park.NONE && isHome(self), deadline);
        if (s == PipeWaiter.CANCELLED) return FULL; // timed out
        return PipeWaiter.closed(s) ? DONE : OK;
    }

    /** OK, DONE (closed), or else FULL, or with {@code wait} the node now queued as a waiting putter. */
    private Object offer(MicroThread<?> self, Object item, boolean wait) {
        Object r;
        PipeWaiter w;
        enter(self);
        try {
            r = offerLocked(item);
            w = takeWoken();
            if (r == FULL && wait) {
                PipeWaiter.Node n = new PipeWaiter.Node(this, Park.currentWaiter(), item);
                putters.add(n);
                r = n;
            }
        } finally {
            exit();
        }
        if (w != null) w.wake();
        return r;
    }

    /** OK (handed to a taker, buffered, or dropped by policy), FULL, or DONE (closed). Under lock. */
    Object offerLocked(Object item) {
        if (closeState != OPEN) return DONE;
        for (PipeWaiter.Node n; (n = takers.poll()) != null; ) {
            n.item = item;
            if (n.owner.choose(n.clause, false)) {
                woken = n.owner;
                return OK;
            }
            n.item = null; // a dead node: its taker gave up or chose another clause
        }
        if (count < capacity) {
            enqueue(item);
            return OK;
        }
        if (overflow == DROP_OLDEST) {
            ring[head] = null;
            if (++head == ring.length) head = 0;
            count--;
            enqueue(item);
            dropped++;
            return OK;
        }
        if (overflow == DROP_LATEST) {
            dropped++;
            return OK;
        }
        return FULL;
    }

    private void enqueue(Object item) {
        if (count == ring.length) grow();
        int i = head + count;
        ring[i < ring.length ? i : i - ring.length] = item; // no division on the hot path
        count++;
    }

    private void grow() {
        int n = (int) Math.min((long) ring.length * 2, capacity); // > ring.length: only called below capacity
        Object[] bigger = new Object[n];
        for (int i = 0; i < count; i++) bigger[i] = ring[(head + i) % ring.length];
        ring = bigger;
        head = 0;
    }

    // =====================================================================================
    // Take
    // =====================================================================================

    /**
     * Takes the next item, waiting for one.
     *
     * @return the item (never null)
     * @throws PipeClosedException  if the pipe was closed and everything buffered has been taken
     * @throws FailedException      if the pipe {@linkplain #fail failed} and everything buffered has been taken (cause: the failure)
     * @throws InterruptedException if interrupted or cancelled first (nothing was taken)
     */
    public T take() throws InterruptedException {
        T x = takeOrClosed();
        if (x == null) throw closedForTake();
        return x;
    }

    /**
     * As {@link #take}, but returns null instead of throwing once the pipe is closed and drained.
     * A failed pipe still throws {@link FailedException}: a failure is not an end.
     *
     * @return the item, or null once the pipe is closed and drained
     * @throws FailedException      if the pipe {@linkplain #fail failed} and everything buffered has been taken (cause: the failure)
     * @throws InterruptedException if interrupted or cancelled first (nothing was taken)
     */
    public T takeOrClosed() throws InterruptedException {
        Object r = takeUntil(Park.NONE);
        if (r == DONE) {
            if (closeState == FAILED) throw closedForTake();
            return null;
        }
        return cast(r);
    }

    /**
     * Takes an item if one is there now.
     *
     * @return the item, or null if there is none now (the pipe is open)
     * @throws PipeClosedException if the pipe is closed and drained
     * @throws FailedException     if the pipe failed and is drained
     */
    public T tryTake() {
        Object r = poll(MicroThread.currentOrNull(), false);
        if (r == DONE) throw closedForTake();
        return r == EMPTY ? null : cast(r);
    }

    /**
     * Takes the next item, waiting at most {@code timeout}. A {@code timeout} of zero or less does
     * not wait: it is exactly {@link #tryTake()}, which never throws {@link InterruptedException}
     * (ADR 0023).
     *
     * @param timeout how long to wait at most for an item; zero or less: not at all
     * @return the item, or null if none came in time
     * @throws PipeClosedException      if the pipe is closed and drained
     * @throws FailedException          if the pipe failed and is drained
     * @throws InterruptedException     if interrupted or cancelled first (nothing was taken); never
     *                                  with a timeout of zero or less
     */
    public T tryTake(Duration timeout) throws InterruptedException {
        if (!Objects.requireNonNull(timeout, "timeout").isPositive()) return tryTake();
        Object r = takeUntil(Park.deadlineAfter(timeout, "timeout"));
        if (r == DONE) throw closedForTake();
        return r == EMPTY ? null : cast(r);
    }

    /** Takes, waiting until {@code deadline} ({@link Park#NONE}: no limit): an item, EMPTY (timed out) or DONE (ended). */
    private Object takeUntil(long deadline) throws InterruptedException {
        MicroThread<?> self = MicroThread.currentOrNull();
        Park.checkCancelled(self);
        Object r = poll(self, true);
        if (!(r instanceof PipeWaiter.Node n)) return r;
        int s = n.await(self, WaitKind.PIPE_TAKE, this, deadline == Park.NONE && isHome(self), deadline);
        if (s == PipeWaiter.CANCELLED) return EMPTY; // timed out
        return PipeWaiter.closed(s) ? DONE : n.item;
    }

    /** An item or DONE, or else EMPTY, or with {@code wait} the node now queued as a waiting taker. */
    private Object poll(MicroThread<?> self, boolean wait) {
        Object r;
        PipeWaiter w;
        enter(self);
        try {
            r = pollLocked();
            w = takeWoken();
            if (r == EMPTY && wait) {
                PipeWaiter.Node n = new PipeWaiter.Node(this, Park.currentWaiter(), null);
                takers.add(n);
                r = n;
            }
        } finally {
            exit();
        }
        if (w != null) w.wake();
        return r;
    }

    /** An item, EMPTY, or DONE (closed or failed, and drained). Under lock. */
    Object pollLocked() {
        if (count > 0) {
            Object x = ring[head];
            ring[head] = null;
            if (++head == ring.length) head = 0;
            count--;
            PipeWaiter.Node n = putters.chooseFirst(false); // room now: admit a waiting putter
            if (n != null) {
                enqueue(n.item);
                woken = n.owner;
            }
            return x;
        }
        PipeWaiter.Node n = putters.chooseFirst(false); // rendezvous: take from a waiting putter
        if (n != null) {
            woken = n.owner;
            return n.item;
        }
        return closeState != OPEN ? DONE : EMPTY;
    }

    /** Under the lock, after a locked step: the waiter it chose (to wake after leaving), or null. */
    PipeWaiter takeWoken() {
        PipeWaiter w = woken;
        woken = null;
        return w;
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object item) {
        return (T) item;
    }

    /** Removes a node whose waiter gave up. */
    void unlink(PipeWaiter.Node n) {
        enter(MicroThread.currentOrNull());
        try {
            if (n.queue != null) n.queue.unlink(n);
        } finally {
            exit();
        }
    }

    PipeWaiter.Queue queue(boolean put) {
        return put ? putters : takers;
    }

    // =====================================================================================
    // Closing
    // =====================================================================================

    /**
     * Closes the pipe: no more puts; takers drain what is buffered, then see the end. Waiting
     * putters wake with {@link PipeClosedException}; their items are not delivered.
     *
     * @return true if this call closed it, false if it was already closed or failed
     */
    public boolean close() {
        return end(null);
    }

    /**
     * Fails the pipe: no more puts; takers drain what is buffered, then get a
     * {@link FailedException} with {@code cause}. Waiting putters wake with {@link PipeClosedException}.
     *
     * @param cause the failure, the cause of the takers' {@link FailedException} and of later puts' {@link PipeClosedException}
     * @return true if this call failed it, false if it was already closed or failed
     */
    public boolean fail(Throwable cause) {
        return end(Objects.requireNonNull(cause, "cause"));
    }

    private boolean end(Throwable cause) {
        MicroThread<?> self = MicroThread.currentOrNull();
        touch(self);
        Throwable trace = cause != null ? cause
                : new ClosedHere("pipe '" + name() + "' was closed here, by " + Thread.currentThread());
        java.util.List<PipeWaiter> chosen = new java.util.ArrayList<>();
        enter(self);
        try {
            if (closeState != OPEN) return false;
            closeCause = trace;
            closeState = cause != null ? FAILED : CLOSED;
            for (PipeWaiter.Node n; (n = takers.chooseFirst(true)) != null; ) chosen.add(n.owner);
            for (PipeWaiter.Node n; (n = putters.chooseFirst(true)) != null; ) chosen.add(n.owner);
        } finally {
            exit();
        }
        for (PipeWaiter w : chosen) w.wake(); // after leaving, as for puts and takes
        if (ticker != null) ticker.stop(); // an ended ticker keeps nothing scheduled
        return true;
    }

    /** The stack of a {@link #close()}, kept as the cause of later {@link PipeClosedException}s. */
    private static final class ClosedHere extends Exception {
        ClosedHere(String message) {
            super(message);
        }
    }

    /** {@return whether no more items can be put (closed or failed)} */
    public boolean isClosedForPut() {
        return closeState != OPEN;
    }

    /** {@return whether takers have seen or would see the end: closed or failed, and nothing buffered} */
    public boolean isClosedForTake() {
        lock.lock();
        try {
            return closeState != OPEN && count == 0;
        } finally {
            lock.unlock();
        }
    }

    /** {@return whether the pipe {@linkplain #fail failed} (as opposed to closing normally or staying open)} */
    public boolean isFailed() {
        return closeState == FAILED;
    }

    /**
     * The failure this pipe ended with: the cause given to {@link #fail}, or its owner's failure
     * (see {@link #ownedBy}); when that is a {@link FailedException} (a stage that failed by
     * collecting another failure), its cause, the original failure, as the
     * {@link FailedException#getCause() cause} of a take's exception is. Empty while the pipe is
     * open and after a {@link #close()}. This,
     * not whether an exception has a cause, tells a failed pipe from a closed one: the
     * {@link PipeClosedException} of a closed pipe has a cause too (where it was closed). With
     * {@link PipeClosedException#pipe()} and {@link FailedException#pipe()} it answers "which
     * pipe ended, and did it fail?" after a select over several pipes. Final once non-empty.
     *
     * @return the failure, or empty if the pipe is open or was closed
     */
    public Optional<Throwable> failure() {
        if (closeState != FAILED) return Optional.empty();
        // a stage that failed by collecting another pipe's failure: the original failure (ADR 0025)
        Throwable f = closeCause;
        return Optional.of(f instanceof FailedException hop && hop.getCause() != null ? hop.getCause() : f);
    }

    PipeClosedException closedForPut() {
        return new PipeClosedException(this, toString() + (closeState == FAILED ? " failed" : " is closed")
                + ": cannot put", closeCause);
    }

    /** At the end of the items: closed, or the failure. */
    RuntimeException closedForTake() {
        if (closeState == FAILED) {
            MicroThread<?> o = owner;
            if (o != null && o.failure() == closeCause) o.claimFailureReport(); // a taker saw the owner's failure
            return FailedException.of(toString() + " failed", closeCause, this);
        }
        return new PipeClosedException(this, toString() + " is closed and drained", closeCause);
    }

    // =====================================================================================
    // Ownership
    // =====================================================================================

    /**
     * Makes {@code producer} this pipe's owner: when it ends normally the pipe closes; when it fails
     * the pipe fails with its failure (and a taker that receives that failure counts as having
     * observed it, as a {@code join} would); when it is cancelled the pipe fails with a
     * {@link CancellationException}. If it has already ended, that happens now.
     *
     * @param producer the micro-thread that puts into this pipe
     * @return this pipe
     * @throws IllegalStateException if the pipe already has an owner, or is {@linkplain #confined() confined}
     *                               to a loop {@code producer} is not of
     */
    public Pipe<T> ownedBy(MicroThread<?> producer) {
        Objects.requireNonNull(producer, "producer");
        touch(producer); // a confined pipe is closed by its owner's end: it must be of the loop
        lock.lock();
        try {
            if (owner != null) {
                throw new IllegalStateException(this + " is already owned by micro-thread '" + owner.name() + "'");
            }
            owner = producer;
        } finally {
            lock.unlock();
        }
        producer.onDone(() -> {
            switch (producer.stateCode()) {
                case Completion.VALUE -> close();
                case Completion.FAILED -> fail(producer.failure());
                default -> {
                    CancellationException ce = new CancellationException(
                            "micro-thread '" + producer.name() + "', the producer of " + this + ", was cancelled");
                    if (producer.failure() != null) ce.initCause(producer.failure());
                    fail(ce);
                }
            }
        });
        return this;
    }

    /**
     * The body of a producer started by {@link #produce}.
     *
     * @param <T> the type of the items
     */
    @FunctionalInterface
    public interface Producer<T> {
        /**
         * Puts the producer's items into {@code out}; returning closes it.
         *
         * @param out the pipe the producer owns
         * @throws Exception fails the pipe (a {@link PipeClosedException} of {@code out} itself
         *         just ends the producer)
         */
        void run(Pipe<T> out) throws Exception;
    }

    /**
     * Starts a micro-thread (as {@link MicroThread#parallel(MicroThread.Body)} does, on the current
     * loop) that runs {@code body} with {@code pipe} and {@linkplain #ownedBy owns} it, and returns
     * the pipe: Kotlin's {@code produce}. If a taker closes the pipe early, the producer's next put
     * throws {@link PipeClosedException}; the producer then ends normally, not as a failure.
     * A body that takes from another pipe (a stage of a pipeline) should take with
     * {@link #consumeEach}, so that its input is closed when it ends, however it ends.
     *
     * @param <T> the type of the items
     * @param pipe the pipe to feed, not owned yet
     * @param body what the producer runs
     * @return {@code pipe}
     * @throws IllegalStateException if {@code pipe} cannot be owned by the producer: it already
     *         has an owner, or is confined to another loop (the producer has been started all the same)
     */
    public static <T> Pipe<T> produce(Pipe<T> pipe, Producer<T> body) {
        return produce(null, pipe, body);
    }

    /**
     * As {@link #produce(Pipe, Producer)}, the producer named {@code name}.
     *
     * @param <T> the type of the items
     * @param name the producer's name, for dumps and reports; null: a generated name
     * @param pipe the pipe to feed, not owned yet
     * @param body what the producer runs
     * @return {@code pipe}
     * @throws IllegalStateException if {@code pipe} cannot be owned by the producer: it already
     *         has an owner, or is confined to another loop (the producer has been started all the same)
     */
    public static <T> Pipe<T> produce(String name, Pipe<T> pipe, Producer<T> body) {
        Objects.requireNonNull(pipe, "pipe");
        Objects.requireNonNull(body, "body");
        return pipe.ownedBy(MicroThread.parallel(name, () -> {
            try {
                body.run(pipe);
            } catch (PipeClosedException e) {
                if (e.pipe() != pipe) throw e; // a taker ended the pipe: the producer is done
            }
            return null;
        }));
    }

    // =====================================================================================
    // Iteration
    // =====================================================================================

    /**
     * Takes items until the pipe is closed and drained. {@code hasNext()} waits. Interruption or
     * cancellation while waiting throws {@link CancellationException} (with the
     * {@link InterruptedException} as cause, and the interrupt status kept); a failed pipe throws
     * {@link FailedException} at the end.
     */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private T next;

            @Override
            public boolean hasNext() {
                if (next != null) return true;
                try {
                    next = takeOrClosed();
                } catch (InterruptedException e) {
                    Park.selfInterrupt();
                    CancellationException ce = new CancellationException("interrupted while taking from " + Pipe.this);
                    ce.initCause(e);
                    throw ce;
                }
                return next != null;
            }

            @Override
            public T next() {
                if (!hasNext()) throw new NoSuchElementException(Pipe.this + " is closed and drained");
                T x = next;
                next = null;
                return x;
            }
        };
    }

    /**
     * What {@link #consumeEach} runs for each item.
     *
     * @param <T> the type of the items
     * @param <X> the checked exception it may throw besides {@link InterruptedException}
     *        ({@link RuntimeException} when it throws none)
     */
    @FunctionalInterface
    public interface ItemConsumer<T, X extends Exception> {
        /**
         * Handles one item taken from the pipe.
         *
         * @param item the item (never null)
         * @throws X                    ends {@link #consumeEach}, which closes the pipe and rethrows it
         * @throws InterruptedException the same (for instance from a {@link #put} to the next pipe)
         */
        void accept(T item) throws X, InterruptedException;
    }

    /**
     * Takes every item and runs {@code action} with it, until the pipe is closed and drained;
     * then, <em>however it ends</em>, closes the pipe (Kotlin's {@code consumeEach}). This is how
     * a stage of a pipeline ties its input's lifetime to its own: when the stage stops early
     * (its own output was closed by the consumer after it, so its {@code put} threw
     * {@link PipeClosedException}), fails ({@code action} threw), or is cancelled, its input is
     * closed, so the producer before it is stopped (its next or waiting {@code put} throws
     * {@link PipeClosedException}; one started by {@link #produce} then ends normally) instead of
     * waiting forever.
     *
     * {@snippet :
     * Pipe<Integer> squares = Pipe.produce(Pipe.rendezvous(), sink ->
     *         numbers.consumeEach(n -> sink.put(n * n))); // 'numbers' is closed when this stage ends
     * }
     *
     * <p>Use it where the caller is the pipe's only consumer, or where all its consumers should
     * stop together: one that ends closes the pipe for the others (they still take what is
     * buffered). Items still buffered when it closes the pipe stay there for other takers; a
     * putter waiting at that moment gets {@link PipeClosedException}, its item not delivered.
     * To stop early without a failure from a for-each, close the pipe yourself, or use
     * {@link #stream()} in a try-with-resources.
     *
     * @param <X> the checked exception {@code action} may throw
     * @param action what runs with each item, in order, in the calling thread
     * @throws X                    if {@code action} threw it (the pipe has been closed)
     * @throws PipeClosedException  if {@code action} threw it (typically a put to a pipe closed
     *                              by its consumer; the pipe has been closed)
     * @throws FailedException      if this pipe {@linkplain #fail failed}, once drained
     * @throws InterruptedException if interrupted or cancelled while waiting, or by {@code action}
     *                              (the pipe has been closed; the item being taken was not consumed)
     */
    public <X extends Exception> void consumeEach(ItemConsumer<? super T, X> action) throws X, InterruptedException {
        Objects.requireNonNull(action, "action");
        try {
            for (T item; (item = takeOrClosed()) != null; ) action.accept(item);
        } finally {
            close(); // returns false if it had ended already (drained, or failed)
        }
    }

    /**
     * The items as a sequential stream, as {@link #iterator()} takes them. Closing the stream
     * closes the pipe: a consumer that stops early in a try-with-resources
     * ({@code try (var s = pipe.stream()) { ... s.limit(3) ... }}) thereby tells the producer to
     * stop (its next put throws {@link PipeClosedException}; one started by {@link #produce} then
     * ends normally). Leave it unclosed when other takers still need the pipe.
     *
     * @return a stream of the items taken from now on
     */
    public Stream<T> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(),
                Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(this::close);
    }

    // =====================================================================================
    // Select clauses
    // =====================================================================================

    /**
     * A {@link Select} case that takes an item and runs {@code action} with it. If the pipe is
     * chosen because it is closed and drained, the select throws {@link PipeClosedException}
     * (failed: {@link FailedException}).
     *
     * @param <R> the type of what {@code action} returns
     * @param action what runs with the item taken; its result is the select's
     * @return the case, for {@link Select#select} or {@link Select#selectFirst}
     */
    public <R> Select.Case<R> onTake(Select.ItemAction<? super T, ? extends R> action) {
        return new Select.Clause<>(this, false, null, Objects.requireNonNull(action, "action"), false);
    }

    /**
     * As {@link #onTake}, but a closed and drained pipe runs {@code action} with null.
     *
     * @param <R> the type of what {@code action} returns
     * @param action what runs with the item taken, or with null at the end; its result is the select's
     * @return the case, for {@link Select#select} or {@link Select#selectFirst}
     */
    public <R> Select.Case<R> onTakeOrClosed(Select.ItemAction<? super T, ? extends R> action) {
        return new Select.Clause<>(this, false, null, Objects.requireNonNull(action, "action"), true);
    }

    /**
     * A {@link Select} case that puts {@code item} and then runs {@code action}. If the pipe is
     * closed, the select throws {@link PipeClosedException}.
     *
     * @param <R> the type of what {@code action} returns
     * @param item the item to put (not null)
     * @param action what runs once the item was put; its result is the select's
     * @return the case, for {@link Select#select} or {@link Select#selectFirst}
     */
    public <R> Select.Case<R> onPut(T item, Select.Action<? extends R> action) {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(action, "action");
        return new Select.Clause<>(this, true, item, ignored -> action.run(), false);
    }

    // =====================================================================================
    // Observability and the deadlock rule
    // =====================================================================================

    /** {@return how many items are buffered now} */
    public int size() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    /** {@return the most items it buffers: 0 for rendezvous, {@link Integer#MAX_VALUE} for unbounded} */
    public int capacity() {
        return capacity;
    }

    /** {@return how many takers wait now (including select cases)} */
    public int waitingTakers() {
        lock.lock();
        try {
            return takers.live();
        } finally {
            lock.unlock();
        }
    }

    /** {@return how many putters wait now (including select cases)} */
    public int waitingPutters() {
        lock.lock();
        try {
            return putters.live();
        } finally {
            lock.unlock();
        }
    }

    /** {@return how many items a dropping policy has dropped so far} */
    public long droppedCount() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Confines this pipe to the single-carrier loop of the calling micro-thread and, while the
     * caller's {@link Loop#run run} is in progress, to that run: from now on only that run's
     * micro-threads may put, take, select on, close or fail it (once the run has ended, or if the
     * caller belongs to no run, any micro-thread of the loop may). Anything else gets
     * {@link IllegalStateException} naming the pipe, the run and the caller; {@link #size()} and
     * the other counts stay open to all. In return its operations skip the pipe's lock (the loop's
     * micro-threads run one at a time on one thread): the fast path for both ends on one
     * single-carrier loop; and the waits of the run's micro-threads on it take part in the
     * deadlock report, as Go's channel waits do ("'worker' WAITING: waiting to take from pipe
     * 'jobs'"). A run is closed to the outside: micro-threads started from other threads, or by
     * other runs, cannot touch its confined pipes, so such a report is never false (ADR 0019).
     * While it is in use, the counts read from other threads are approximate. Call it right after
     * making the pipe, before it is handed to anyone; calling it again from the same run is a no-op.
     * Once that run has ended, a micro-thread of a later run of the same loop may confine it again,
     * to its own run (with the same checks).
     *
     * @return this pipe
     * @throws IllegalStateException if the caller is not a micro-thread of a single-carrier loop,
     *                               the pipe is confined to another loop or to a run in progress
     *                               the caller is not of, or something that could not use the pipe
     *                               once confined waits on it or {@linkplain #ownedBy owns} it
     */
    public Pipe<T> confined() {
        MicroThread<?> self = Scope.confiningCaller(this);
        if (ticker != null) {
            throw new IllegalStateException(this + " is a ticker and cannot be confined: its timer puts from outside the loop");
        }
        if (!Scope.confinesAnew(confinedTo, self)) {
            touch(self); // confined already: a no-op for whoever may use it, refused to anyone else
            return this;
        }
        lock.lock();
        try {
            String outsider = takers.firstWaiterOutside(self.scope);
            if (outsider == null) outsider = putters.firstWaiterOutside(self.scope);
            if (outsider != null) { // it would have to give up its wait on a pipe it may no longer touch
                throw new IllegalStateException(this + " cannot be confined to " + self.scope.describe() + ": "
                        + outsider + " waits on it");
            }
            MicroThread<?> o = owner;
            if (o != null && closeState == OPEN && (o.loop != self.loop || self.scope.isRun() && o.scope != self.scope)) {
                // its end closes the pipe: a close from outside the run could end a wait counted as internal
                throw new IllegalStateException(this + " cannot be confined to " + self.scope.describe() + ": it is owned by micro-thread "
                        + o.quotedName() + " of " + o.scope.describe() + ", whose end closes it");
            }
            confinedTo = self.scope;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /**
     * Enters the critical section of a put, take, select, close or give-up, after checking that
     * {@code self} may use the pipe ({@link #touch}); {@link #exit} leaves it.
     *
     * <p>The fast path of a {@linkplain #confined() confined} pipe: its users are all
     * micro-threads of one single-carrier (or host) loop, which run on one thread, one at a time,
     * switching only where they block. So they need no lock, only a plain flag: a put, take or
     * close never blocks inside; a select that holds the flags of its first pipes may have to
     * wait for a later pipe's lock (pipes are entered in id order; {@link PipeLock} spins, then
     * yields), and then another micro-thread wanting one of those pipes yields until the select is
     * through, as it would wait for the lock.
     * {@link #lock} is still taken by anyone else, and by a confined user that finds it held:
     * an outsider that checked before the pipe was confined finds the confinement once it holds
     * the lock, and leaves before touching anything ({@link #confined()} refuses while an
     * outsider waits on the pipe, so no outsider ever has to give up a wait on a confined pipe).
     * The counts ({@link #size()} and the like) take the lock and so are approximate while a
     * confined pipe is in use. On the 2-core machine (2026-12-02) a buffered item on a
     * single-carrier loop cost ~23 ns with the lock ({@link PipeLock}; ~31-34 with the
     * {@code ReentrantLock} it replaced), ~11 without (Go: 29-33).
     */
    void enter(MicroThread<?> self) {
        Scope c = confinedTo;
        if (c != null && self != null && self.loop == c.loop) {
            if (self.scope != c) touch(self); // another run's, or outside any run: allowed only if c is not a run in progress
            while (insideConfined) Park.yieldNow(); // a select inside it waits for a later pipe's lock
            if (!lock.isLocked()) {
                insideConfined = true;
                return;
            }
        }
        lock.lock();
        try {
            touch(self);
        } catch (RuntimeException e) {
            lock.unlock();
            throw e;
        }
    }

    /** Leaves what {@link #enter} entered: the lock if the caller holds it, else the flag. */
    void exit() {
        if (lock.isHeldByCurrentThread()) lock.unlock(); else insideConfined = false;
    }

    /**
     * Refuses a use of a confined pipe by anything but a micro-thread of its loop and, while the
     * run that confined it is in progress, by anything but a micro-thread of that run.
     */
    void touch(MicroThread<?> self) {
        Scope c = confinedTo;
        if (c != null) c.checkConfinedUse(this, "pipes", "Pipe.confined()", self);
    }

    /**
     * Whether a wait of {@code self} on this pipe counts for the deadlock report: the pipe is
     * confined to the run {@code self} belongs to, so only that run's micro-threads can end it.
     */
    boolean isHome(MicroThread<?> self) {
        return self != null && confinedTo == self.scope && self.scope.isRun();
    }
}
