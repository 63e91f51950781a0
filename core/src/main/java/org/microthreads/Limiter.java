package org.microthreads;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A concurrency limit: a fixed number of permits that micro-threads (and plain threads) acquire
 * before some work and release after it, so that at most that many do the work at once. A
 * {@linkplain #mutex() mutex} is the one-permit case.
 *
 * {@snippet :
 * Limiter fetches = Limiter.of(8).named("fetch");
 * try (Limiter.Permit p = fetches.enter()) { // waits while 8 others hold a permit
 *     return fetch(url);
 * }                                           // released exactly once, however the block ends
 * }
 *
 * <h2>Acquiring</h2>
 * <table>
 *   <caption>forms</caption>
 *   <tr><th>form</th><th>waits</th><th>returns</th></tr>
 *   <tr><td>{@link #acquire()}</td><td>until a permit is free</td><td>nothing: it holds a permit</td></tr>
 *   <tr><td>{@link #enter()}</td><td>as {@code acquire}</td><td>a {@link Permit} whose {@code close()} releases it</td></tr>
 *   <tr><td>{@link #tryAcquire()}</td><td>never</td><td>whether it took a permit</td></tr>
 *   <tr><td>{@link #tryAcquire(Duration)}</td><td>at most the timeout</td><td>whether it took a permit</td></tr>
 * </table>
 * Each call takes one permit; there is no form that takes several at once (see ADR 0021).
 *
 * <h2>Order</h2>
 * First come, first served: a released permit goes straight to the longest waiting acquirer,
 * and no acquirer (not even a {@code tryAcquire}) takes a permit ahead of a waiting one.
 *
 * <h2>Releasing</h2>
 * Any thread may {@link #release()} a permit, not only the one that acquired it (hand-offs
 * between micro-threads are allowed, as with {@link java.util.concurrent.Semaphore}). But a limiter
 * never holds more free permits than it was made with: a release while every permit is free
 * throws {@link IllegalStateException}, since it is a bug (a permit released twice, or released
 * without having been acquired), unlike {@code Semaphore}, which silently grows.
 *
 * <h2>Waiting, cancellation and dumps</h2>
 * The waiting forms honour interruption and the sticky cancellation of micro-threads exactly
 * once: a call that throws {@link InterruptedException} holds nothing (a permit granted to it in
 * the same moment passes on to the next waiter), and a call that returns normally holds exactly
 * one permit. A micro-thread that is cancelled (or whose {@code withTimeout} expired) before it
 * calls one of them gets {@code InterruptedException} at once, even if a permit is free. A wait
 * shows in {@link MicroThread#waitingOn()} and loop dumps as
 * {@code waiting for a permit of limiter 'fetch' (0 of 8 free)}. A wait on a
 * {@linkplain #confined() confined} limiter takes part in the deadlock report of its
 * single-carrier loop, as a wait on a confined pipe does; waits on other limiters never do.
 *
 * <h2>Threads</h2>
 * Thread-safe: any mix of micro-threads on any loops and plain threads may use it. Actions of a
 * thread before it releases a permit happen-before the actions of the thread that acquires that
 * permit, after the acquire. Works on every loop kind.
 *
 * <h2>Exceptions</h2>
 * A {@code null} argument throws {@link NullPointerException} naming it.
 */
public final class Limiter {
    /*
     * state: >= 0 when nobody is queued: the free permits, plus the bit CONFINED once confined()
     * succeeded (B below: 0 or CONFINED, fixed from then on); WAITERS: no free permit and a queue
     * of waiters (live or given up, not yet unlinked).
     *
     *   B+n -> B+n-1      // acquire, fast path: one CAS (n > 0)
     *   B+n -> B+n+1      // release, fast path: one CAS (0 <= n < permits)
     *   B+0 -> WAITERS    // an acquirer queues                                     (under lock)
     *   WAITERS -> WAITERS // a release hands its permit to the first live waiter  (under lock)
     *   WAITERS -> B+0    // that waiter was the last one queued, or the last waiter gave up (under lock)
     *   WAITERS -> B+1    // a release found only waiters that had given up         (under lock)
     *   permits -> CONFINED+permits  // confined(): every permit free, nobody queued (under lock)
     *
     * Invariant: waiters queued <=> state == WAITERS (once the lock is free). The fast paths never
     * start from a negative state, so while it is negative every acquire and release takes the
     * lock, and a permit is never taken ahead of a waiter: the FIFO hand-off. A caller that read
     * no confinement takes its fast path only while the bit is clear, so an outsider racing
     * confined() either changed the state first (confined() then refuses) or finds the bit and
     * goes to the lock, where it is refused: it never holds a permit of a confined limiter. Cost
     * budget of the uncontended pair: one CAS each, as Semaphore; adding an atomic needs a
     * benchmark (LimiterBenchmark).
     */
    private static final int WAITERS = -1, CONFINED = 1 << 30, FREE = CONFINED - 1;
    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Limiter.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id = IDS.incrementAndGet();
    private final int permits;
    private volatile int state;
    /** Guards the queue and every change of state to or from a negative value. Never held while waiting. */
    private final PipeLock lock = new PipeLock();
    /** The waiting acquirers, in arrival order. Guarded by lock. */
    private final PipeWaiter.Queue waiters = new PipeWaiter.Queue();
    private volatile String name;
    /**
     * The scope (a run, or the loop's root scope) of the micro-thread that
     * {@linkplain #confined() confined} this limiter to its one-carrier loop, or null (see
     * {@link Pipe#confined()}, whose rule this follows).
     */
    private volatile Scope confinedTo;

    private Limiter(int permits) {
        this.permits = permits;
        this.state = permits;
        this.name = Loop.localName("limiter-"); // null but in a simulation
    }

    /**
     * A limiter with {@code permits} permits, all free.
     *
     * @param permits how many holders it allows at once
     * @return a new limiter
     * @throws IllegalArgumentException if {@code permits} is less than 1 or more than 2<sup>30</sup> - 1
     */
    public static Limiter of(int permits) {
        if (permits < 1) throw new IllegalArgumentException("permits must be at least 1, was " + permits);
        if (permits > FREE) throw new IllegalArgumentException("permits must be at most " + FREE + ", was " + permits);
        return new Limiter(permits);
    }

    /**
     * A mutex: a limiter with one permit ({@code of(1)}). Not reentrant: a holder that acquires it
     * again waits for itself (on a confined mutex, a deadlock report).
     *
     * @return a new limiter with one free permit
     */
    public static Limiter mutex() {
        return new Limiter(1);
    }

    /**
     * Names this limiter for dumps and messages (default {@code limiter-<n>}); returns it.
     *
     * @param name the new name
     * @return this limiter
     */
    public Limiter named(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /** {@return this limiter's name: the one given to {@link #named}, else {@code limiter-<n>}} */
    public String name() {
        String n = name;
        return n != null ? n : "limiter-" + id;
    }

    @Override
    public String toString() {
        return "limiter " + MicroThread.quote(name());
    }

    /** How a wait on it reads: {@code limiter 'fetch' (0 of 8 free)}. */
    String describeWait() {
        return this + " (" + available() + " of " + permits + " free)";
    }

    // =====================================================================================
    // Acquire
    // =====================================================================================

    /**
     * Takes a permit, waiting until one is free (behind those already waiting).
     *
     * <p>Cancellation: if the caller is interrupted or (a micro-thread) cancelled before this call
     * or while it waits, it throws and holds nothing; a permit granted to it in the same moment
     * passes on to the next waiter. If it returns, the caller holds one permit and must
     * {@link #release()} it.
     *
     * @throws InterruptedException if interrupted or cancelled first (no permit is held)
     * @throws IllegalStateException if the limiter is {@linkplain #confined() confined} and the
     *         caller may not use it
     */
    public void acquire() throws InterruptedException {
        MicroThread<?> self = MicroThread.currentOrNull();
        Park.checkCancelled(self);
        Scope c = confinedTo;
        if (c != null) touch(self);
        int s = state;
        if (canTake(s, c) && STATE.compareAndSet(this, s, s - 1)) return;
        acquireSlow(self, Park.NONE);
    }

    /**
     * As {@link #acquire()}, returning the permit as a {@link Permit} for a try-with-resources
     * block, whose end releases it exactly once.
     *
     * @return the permit now held
     * @throws InterruptedException if interrupted or cancelled first (no permit is held)
     * @throws IllegalStateException if the limiter is {@linkplain #confined() confined} and the
     *         caller may not use it
     */
    public Permit enter() throws InterruptedException {
        acquire();
        return new Permit(this);
    }

    /**
     * Takes a permit if one is free and nobody waits for one; never waits, and ignores
     * interruption and cancellation.
     *
     * @return true if the caller now holds a permit
     * @throws IllegalStateException if the limiter is {@linkplain #confined() confined} and the
     *         caller may not use it
     */
    public boolean tryAcquire() {
        Scope c = confinedTo;
        if (c != null) touch(MicroThread.currentOrNull());
        for (int s; canTake(s = state, c); ) {
            if (STATE.compareAndSet(this, s, s - 1)) return true;
        }
        if (c == null && state > CONFINED) return tryAcquireLocked(); // confined meanwhile: may the caller?
        return false;
    }

    /**
     * Takes a permit, waiting at most {@code timeout} for one (behind those already waiting). A
     * zero or negative timeout means "do not wait": it takes a permit only if one is free now, as
     * {@link #tryAcquire()}, but still throws if the caller is cancelled. A wait with a timeout
     * never counts for the deadlock report.
     *
     * <p>Cancellation as {@link #acquire()}. If the timeout and a grant happen in the same
     * moment, the grant wins: it returns true holding the permit.
     *
     * @param timeout how long to wait at most
     * @return true if the caller now holds a permit; false if none became free in time (nothing is held)
     * @throws InterruptedException if interrupted or cancelled first (no permit is held)
     * @throws IllegalStateException if the limiter is {@linkplain #confined() confined} and the
     *         caller may not use it
     */
    public boolean tryAcquire(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        MicroThread<?> self = MicroThread.currentOrNull();
        Park.checkCancelled(self);
        Scope c = confinedTo;
        if (c != null) touch(self);
        int s = state;
        if (canTake(s, c) && STATE.compareAndSet(this, s, s - 1)) return true;
        if (!timeout.isPositive()) return acquireSlow(self, Park.now()); // an expired deadline: try once
        return acquireSlow(self, Park.deadlineAfter(timeout, "timeout"));
    }

    /**
     * Whether the fast path may take a permit from state {@code s}: a free one, nobody queued, and
     * the caller, which read the confinement {@code c} (null: none), checked against it. A caller
     * that read none may not take from a confined limiter here (it raced {@code confined()}): it
     * goes to the lock, which checks it.
     */
    private static boolean canTake(int s, Scope c) {
        return c == null ? s > 0 && s < CONFINED : s > CONFINED;
    }

    /** Whether the fast path may return a permit to state {@code s} (as {@link #canTake}). */
    private boolean canGive(int s, Scope c) {
        return c == null ? s >= 0 && s < permits : s >= CONFINED && s - CONFINED < permits;
    }

    /** tryAcquire under the lock: a caller that raced confined(). */
    private boolean tryAcquireLocked() {
        lock.lock();
        try {
            touch(MicroThread.currentOrNull());
            for (int s; (s = state) >= 0 && (s & FREE) > 0; ) {
                if (STATE.compareAndSet(this, s, s - 1)) return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes a permit, queueing if none is free; waits until {@code deadline} ({@link Park#NONE}:
     * no limit; an expired one: does not queue). Returns false only on a timeout.
     */
    private boolean acquireSlow(MicroThread<?> self, long deadline) throws InterruptedException {
        Waiter w;
        lock.lock();
        try {
            touch(self); // under the lock: consistent with confined()
            while (true) {
                int s = state;
                if (s >= 0 && (s & FREE) > 0) {
                    if (STATE.compareAndSet(this, s, s - 1)) return true;
                } else if (deadline != Park.NONE && Park.expired(deadline)) {
                    return false;
                } else if (s == WAITERS || STATE.compareAndSet(this, s, WAITERS)) {
                    w = new Waiter(this, Park.currentWaiter());
                    waiters.add(w);
                    break;
                }
            }
        } finally {
            lock.unlock();
        }
        // The waiter's one CAS decides between a grant (by release) and giving up (timeout,
        // interruption, cancellation: then it unlinks itself, see giveUp, and holds nothing).
        int r = w.await(self, WaitKind.LIMITER, this, deadline == Park.NONE && isHome(self), deadline);
        if (r == PipeWaiter.CANCELLED) return false; // timed out
        try {
            Park.checkCancelled(self); // an interruption that lost the race to the grant
        } catch (InterruptedException e) {
            releaseGranted(); // to the next waiter: a call that throws holds nothing
            throw e;
        }
        return true;
    }

    // =====================================================================================
    // Release
    // =====================================================================================

    /**
     * Returns a permit: to the longest waiting acquirer if there is one (it is woken), else to
     * the free permits. May be called by any thread, not only the one that acquired the permit.
     * Never waits.
     *
     * @throws IllegalStateException if every permit is free already (a release without an
     *         acquire, or a second one), or the limiter is {@linkplain #confined() confined} and
     *         the caller may not use it
     */
    public void release() {
        Scope c = confinedTo;
        if (c != null) touch(MicroThread.currentOrNull());
        int s = state;
        if (canGive(s, c) && STATE.compareAndSet(this, s, s + 1)) return;
        releaseSlow(true);
    }

    /** Passes on a permit the caller was granted but must not keep (its acquire throws). */
    private void releaseGranted() {
        Scope c = confinedTo;
        int s = state;
        if (canGive(s, c) && STATE.compareAndSet(this, s, s + 1)) return;
        releaseSlow(false);
    }

    private void releaseSlow(boolean check) {
        PipeWaiter.Node granted;
        lock.lock();
        try {
            if (check) touch(MicroThread.currentOrNull());
            int b = idle(); // stable under the lock
            while (true) {
                int s = state;
                if (s >= 0 && (s & FREE) >= permits) {
                    throw new IllegalStateException(this + " was released more often than acquired: all " + permits
                            + " permits are free already");
                }
                if (s >= 0) {
                    if (STATE.compareAndSet(this, s, s + 1)) return;
                    continue;
                }
                // WAITERS: stable under the lock
                granted = waiters.chooseFirst(false);
                if (granted == null) {
                    state = b + 1; // every queued waiter had given up
                    return;
                }
                if (waiters.isEmpty()) state = b;
                break;
            }
        } finally {
            lock.unlock();
        }
        granted.wake();
    }

    /** The state with no permit free and nobody queued: {@code CONFINED} once confined, else 0. Under the lock. */
    private int idle() {
        return confinedTo != null ? CONFINED : 0;
    }

    /** A waiter that gave up (its CAS won) leaves the queue; the last one out ends WAITERS. */
    private void unlink(Waiter w) {
        lock.lock();
        try {
            waiters.unlink(w);
            if (waiters.isEmpty() && state == WAITERS) state = idle();
        } finally {
            lock.unlock();
        }
    }

    // =====================================================================================
    // Queries
    // =====================================================================================

    /** {@return how many permits it was made with} */
    public int permits() {
        return permits;
    }

    /**
     * {@return how many permits are free now} Unreliable for check-then-act, as any racy query:
     * use {@link #tryAcquire()}.
     */
    public int available() {
        int s = state;
        return s < 0 ? 0 : s & FREE;
    }

    /** {@return how many acquirers wait now} Unreliable for check-then-act, as any racy query. */
    public int waiting() {
        lock.lock();
        try {
            return waiters.live();
        } finally {
            lock.unlock();
        }
    }

    // =====================================================================================
    // Confinement and the deadlock rule
    // =====================================================================================

    /**
     * Confines this limiter to the single-carrier loop of the calling micro-thread and, while the
     * caller's {@link Loop#run run} is in progress, to that run, as {@link Pipe#confined()} does
     * for a pipe: from now on only that run's micro-threads may acquire or release it (once the
     * run has ended, or if the caller belongs to no run, any micro-thread of the loop may).
     * Anything else gets {@link IllegalStateException} naming the limiter, the run and the caller;
     * the queries stay open to all. In return the waits of the run's micro-threads on it take
     * part in the deadlock report: only they can release a permit, so when every live
     * micro-thread of the run is stuck, a wait for a permit is stuck too, and is reported ("'a'
     * WAITING: waiting for a permit of limiter 'db' (0 of 1 free)"). Call it right after making
     * the limiter; calling it again from the same run is a no-op. Once that run has ended, a
     * micro-thread of a later run of the same loop may confine it again, to its own run (again
     * only if every permit is free).
     *
     * @return this limiter
     * @throws IllegalStateException if the caller is not a micro-thread of a single-carrier loop,
     *         the limiter is confined to another loop or to a run in progress the caller is not
     *         of, or some of its permits are held (or waited for) already: they may have been
     *         taken by something that could not release them once confined
     */
    public Limiter confined() {
        MicroThread<?> self = Scope.confiningCaller(this);
        Scope old = confinedTo;
        if (!Scope.confinesAnew(old, self)) {
            touch(self); // confined already: a no-op for whoever may use it, refused to anyone else
            return this;
        }
        lock.lock();
        try {
            // The bit shuts out the fast path of callers that read no confinement: an outsider whose
            // CAS came earlier made this one fail; one that comes later finds the bit, goes to the lock
            // (held until confinedTo is published) and is refused there. (Re-confining: the bit stays.)
            int free = old != null ? CONFINED + permits : permits;
            int seen = (int) STATE.compareAndExchange(this, free, CONFINED + permits);
            if (seen != free) {
                int held = seen == WAITERS ? permits : permits - (seen & FREE);
                throw new IllegalStateException(this + " cannot be confined to " + self.scope.describe() + ": "
                        + (seen == WAITERS ? "all " + permits + " of its permits are held and acquirers wait"
                                : held + " of its " + permits + " permits are held")
                        + " (confine it when all its permits are free)");
            }
            confinedTo = self.scope;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /** Refuses a use by anything but the micro-threads that {@link #confined()} allows. */
    private void touch(MicroThread<?> self) {
        Scope c = confinedTo;
        if (c != null) c.checkConfinedUse(this, "limiters", "Limiter.confined()", self);
    }

    /** Whether a wait of {@code self} counts for the deadlock report: confined to {@code self}'s run. */
    private boolean isHome(MicroThread<?> self) {
        return self != null && confinedTo == self.scope && self.scope.isRun();
    }

    // =====================================================================================
    // Permit and waiter
    // =====================================================================================

    /**
     * A permit held, for a try-with-resources block ({@link #enter()}): {@link #close()} releases
     * it exactly once. Safe to close from several threads (a permit handed to a worker, closed by both): exactly one close releases.
     */
    public static final class Permit implements AutoCloseable {
        private static final java.lang.invoke.VarHandle RELEASED;

        static {
            try {
                RELEASED = java.lang.invoke.MethodHandles.lookup().findVarHandle(Permit.class, "released", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Limiter limiter;
        /** Set by the one close that releases (a CAS: a permit handed to another thread may be closed by both). */
        private volatile boolean released;

        private Permit(Limiter limiter) {
            this.limiter = limiter;
        }

        /** {@return the limiter this permit is of} */
        public Limiter limiter() {
            return limiter;
        }

        /**
         * Releases the permit the first time (from any thread; two closes at once release once); later calls do nothing.
         *
         * @throws IllegalStateException as {@link Limiter#release()} (the permit then stays held)
         */
        @Override
        public void close() {
            if (released || !RELEASED.compareAndSet(this, false, true)) return;
            try {
                limiter.release();
            } catch (RuntimeException | Error e) {
                released = false; // not released: the permit stays held
                throw e;
            }
        }

        @Override
        public String toString() {
            return (released ? "released permit of " : "permit of ") + limiter;
        }
    }

    /** A queued acquirer; granted by {@link #releaseSlow}, or gives up and unlinks itself. */
    private static final class Waiter extends PipeWaiter.Node {
        private final Limiter limiter;

        Waiter(Limiter limiter, Object strand) {
            super(null, strand, null); // no pipe: giveUp is overridden
            this.limiter = limiter;
        }

        @Override
        void giveUp() {
            limiter.unlink(this);
        }
    }
}
