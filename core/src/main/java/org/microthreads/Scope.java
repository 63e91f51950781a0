package org.microthreads;

import java.util.ArrayList;
import java.util.List;

/**
 * The micro-threads started by one {@link Loop#run(MicroThread.Body)} (or, for the root scope,
 * outside any run): children join their parent's scope, so {@code run} can wait for all of
 * them. Also collects failed {@code parallel} micro-threads whose failure nobody has observed
 * yet; when the scope empties, those go to the failure handler.
 */
final class Scope extends Gate {
    final Loop loop;
    /** Its live micro-threads: one atomic increment per start and decrement per end. */
    private final java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * Set by the deadlock detector (a {@link DeadlockException}) or a simulated loop that cannot go
     * on (a {@link SimulationException}); makes {@code run} stop waiting, cancel the scope and throw it.
     */
    volatile RuntimeException deadlock;
    /** Whether the run's main had failed before {@link #deadlock} was set (its failure is then attached to it). */
    volatile boolean mainFailedBeforeStop;
    /** The run's main micro-thread (null for the root scope): if it fails, the others are cancelled. */
    volatile MicroThread<?> main;
    /** Guarded by itself. */
    private final List<MicroThread<?>> failedParallel = new ArrayList<>();

    Scope(Loop loop) {
        this.loop = loop;
    }

    void recordFailedParallel(MicroThread<?> m) {
        synchronized (failedParallel) {
            // keep the list bounded by the unjoined ones: drop those a join has observed
            if (failedParallel.size() >= 64) failedParallel.removeIf(MicroThread::failureClaimed);
            failedParallel.add(m);
        }
    }

    /** Set once the scope has emptied and its unobserved failures have been handed over. */
    private volatile boolean drained;

    void enter() {
        live.incrementAndGet();
    }

    void exit() {
        if (live.decrementAndGet() == 0) {
            try {
                onEmpty();
            } finally {
                wakeAll();
            }
        }
    }

    int live() {
        return live.get();
    }

    /** The count itself, for a cleaner that must not refer to the scope (nor its loop). */
    java.util.concurrent.atomic.AtomicInteger liveCounter() {
        return live;
    }

    /** Whether this is a run's scope (not the loop's root scope: micro-threads started outside any run). */
    boolean isRun() {
        return this != loop.rootScope;
    }

    /**
     * Whether this run is still in progress: some micro-thread of it has not ended, or its last
     * one is handing what the run left unobserved to the failure handler (which may start more
     * micro-threads of the run). Final once false after its main was started: only the run's own
     * micro-threads start more of it.
     */
    boolean inProgress() {
        return live.get() > 0 || reporting.get() > 0;
    }

    /**
     * Whether the failure handler runs for this scope's end now (on its last micro-thread, which
     * is no longer listed): the deadlock check counts the scope as open meanwhile.
     */
    boolean reporting() {
        return reporting.get() > 0;
    }

    /** How messages name it: "the run of 'main' (#1) on loop 'app'", or "loop 'app' outside any run". */
    String describe() {
        MicroThread<?> m = main;
        if (!isRun() || m == null) return "loop '" + loop.name() + "' outside any run";
        return "the run of " + m.quotedName() + " (#" + m.id + ") on loop '" + loop.name() + "'";
    }

    /**
     * Refuses a use of {@code thing}, {@linkplain Pipe#confined() confined} to this scope, by
     * anything but a micro-thread of this scope's loop and, while this run is in progress, of this
     * run (ADR 0019): {@link IllegalStateException} naming {@code thing}, the run and the caller.
     * {@code kinds} names such things in the plural for the message, {@code see} the method that
     * confines them.
     */
    void checkConfinedUse(Object thing, String kinds, String see, MicroThread<?> self) {
        if (self != null && self.scope == this) return;
        if (self == null || self.loop != loop) {
            throw new IllegalStateException(thing + " is confined to loop '" + loop.name() + "' and cannot be used by "
                    + (self == null ? Thread.currentThread() : "micro-thread '" + self.name() + "' of loop '" + self.loop.name() + "'"));
        }
        if (isRun() && inProgress()) {
            throw new IllegalStateException(thing + " is confined to " + describe() + " while it runs, and cannot be used by micro-thread "
                    + self.quotedName() + " of " + self.scope.describe() + " (a run's confined " + kinds + " are its own, so that a wait on"
                    + " one is a deadlock exactly when no micro-thread of the run can end it; see " + see + ")");
        }
    }

    /**
     * The caller confining {@code thing} ({@link Pipe#confined()}, {@link Limiter#confined()}): it
     * must be a micro-thread of a loop with one carrier, else {@link IllegalStateException}.
     */
    static MicroThread<?> confiningCaller(Object thing) {
        MicroThread<?> self = MicroThread.currentOrNull();
        if (self == null || !self.loop.oneCarrier()) {
            throw new IllegalStateException(thing + " can only be confined by a micro-thread of a single-carrier loop, not by "
                    + (self == null ? Thread.currentThread() : "micro-thread " + self.quotedName() + " of loop '" + self.loop.name() + "'"));
        }
        return self;
    }

    /**
     * Whether a thing confined to {@code current} (null: not confined) is to be confined to
     * {@code self}'s scope now: it is not confined yet, or it was confined to a run of
     * {@code self}'s loop that has ended, which a later run may take over. Otherwise confining is a
     * use like any other ({@link #checkConfinedUse}): a no-op for whoever may use it.
     */
    static boolean confinesAnew(Scope current, MicroThread<?> self) {
        return current == null
                || current != self.scope && current.loop == self.loop && current.isRun() && !current.inProgress();
    }

    /** Hand-overs to the failure handler in progress (a handler may start micro-threads). */
    private final java.util.concurrent.atomic.AtomicInteger reporting = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * The tickers made in this scope and not stopped yet ({@link Pipe#ticker}), made on the first;
     * {@code tickersClosed} once they have been closed (the run ended, or the loop closed).
     * Guarded by {@link #tickerLock}.
     */
    private java.util.Set<Ticker> tickers;
    private boolean tickersClosed;
    private final Object tickerLock = new Object();

    /** Registers a ticker made here; false if the scope's tickers have already been closed. */
    boolean addTicker(Ticker t) {
        synchronized (tickerLock) {
            if (tickersClosed) return false;
            if (tickers == null) tickers = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            return tickers.add(t);
        }
    }

    void removeTicker(Ticker t) {
        synchronized (tickerLock) {
            if (tickers != null) tickers.remove(t);
        }
    }

    /** Closes the tickers made here, and any made later at once: the run has ended, or the loop closes. */
    void closeTickers() {
        java.util.Set<Ticker> list;
        synchronized (tickerLock) {
            tickersClosed = true;
            list = tickers;
            tickers = null;
        }
        if (list != null) {
            for (Ticker t : list) t.closePipe();
        }
    }

    /** Run by the micro-thread that leaves the scope empty, before waiters wake. */
    private void onEmpty() {
        reporting.incrementAndGet();
        try {
            if (isRun()) closeTickers(); // nothing outlives its run: no timer either
            reportUnobserved();
        } finally {
            drained = true;
            reporting.decrementAndGet();
        }
    }

    /** A run returns only after the failure handler has seen what it had to see. */
    @Override
    boolean isEmpty() {
        return live() == 0 && drained && reporting.get() == 0;
    }

    /** Hands each failed parallel micro-thread that nobody joined to the failure handler. */
    void reportUnobserved() {
        List<MicroThread<?>> copy;
        synchronized (failedParallel) {
            if (failedParallel.isEmpty()) return;
            copy = new ArrayList<>(failedParallel);
            failedParallel.clear();
        }
        for (MicroThread<?> m : copy) {
            if (m.claimFailureReport()) loop.reportFailure(m, m.failure());
        }
    }

    void cancelMembers() {
        for (MicroThread<?> m : loop.snapshot()) {
            if (m.scope == this) m.cancelOnly();
        }
    }
}
