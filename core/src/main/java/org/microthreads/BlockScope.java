package org.microthreads;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One block in progress (ADR 0020): {@link MicroThread#scope}, {@link MicroThread#withTimeout} (a
 * scope with a deadline), or the private block of a {@link MicroThread#race}. Its body runs in the
 * caller, the <em>owner</em>; the micro-threads started while the body runs (by the body, or by
 * those it started, on any loop) are its <em>members</em>, and the block ends only once they all
 * have.
 *
 * <p>A block is <em>stopped</em> at most once: by its deadline, or (fail-fast blocks) by the first
 * failure of its body or of a member. Stopping cancels every member (and the members of blocks
 * nested in them) and, while the body still runs, interrupts the owner: stickily, through
 * {@link MicroThread#cancelRequested()}, which reads the owner's chain of open blocks.
 *
 * <p>The body's interruption: {@code RUNNING -> INTERRUPTING -> INTERRUPTED} (a stop, under the
 * monitor; the interrupt itself is delivered outside it, as a host loop's goes through its host
 * executor), or {@code -> ENDED} (the body ended; {@link #bodyEnded()} waits out an
 * {@code INTERRUPTING} in progress, so once it returns no interrupt of this block is on its way).
 */
final class BlockScope {
    private static final int RUNNING = 0, INTERRUPTING = 1, INTERRUPTED = 2, ENDED = 3;

    /** The enclosing block of the same body (the owner's innermost open block before this one), or null. */
    final BlockScope outer;
    /** The micro-thread running the body; null for a plain thread. */
    final MicroThread<?> owner;
    /** The owner's strand, as {@link Park#currentWaiter()} gives. */
    private final Object thread;
    /** Where the deadline's timer runs: the owner's loop (the shared loop for a plain thread). */
    private final Loop loop;
    /** Whether a failure (of the body or a member) stops the block; false for a race's block. */
    final boolean failFast;
    /** Whether this block or an enclosing one of the same body has a deadline: its timer can end the owner's waits. */
    final boolean timed;

    /** Set once, by the first stop; read by the owner's sticky cancellation check. */
    volatile boolean stopped;
    private int body = RUNNING;                       // guarded by this
    private Future<?> timer;                          // guarded by this
    private boolean disarmed;                         // guarded by this
    /** The first failure of a member while the block was not stopped yet, or null. Guarded by this. */
    private Throwable memberFailure;
    /** The quoted name of the member that failed first. Guarded by this. */
    private String failedMember;
    /** Whether the first stop was the deadline's. Guarded by this. */
    private boolean byDeadline;
    /** How many members the deadline found still running (it cancelled them). Guarded by this. */
    private int cutByDeadline;
    /** Failures after the first event (the members' that stop did not cause). Guarded by this. */
    private List<Throwable> laterFailures;

    /** Live members: incremented at each start, decremented as each one's very last action. */
    private final AtomicInteger live = new AtomicInteger();
    /** Set at the first member: only then does a stop look for members. */
    private volatile boolean hadMembers;
    /** Set if a member runs on another loop than the owner's: the deadlock check cannot see it. */
    volatile boolean crossLoop;
    /** The owner while it waits for the members to end; woken by the last one. */
    private volatile Object joiner;

    /** The innermost open block of each plain thread (micro-threads keep theirs in {@link MicroThread#blocks}). */
    private static final ThreadLocal<BlockScope> PLAIN = new ThreadLocal<>();
    /** Set once any plain thread has opened a block: until then, starts from plain threads skip the ThreadLocal. */
    private static volatile boolean plainUsed;

    /** What it is, for dumps and messages: "scope", "withTimeout", "race". */
    final String what;

    private BlockScope(BlockScope outer, MicroThread<?> owner, boolean failFast, boolean hasDeadline, String what) {
        this.what = what;
        this.outer = outer;
        this.owner = owner;
        this.thread = Park.currentWaiter();
        this.loop = owner != null ? owner.loop : Loop.shared();
        this.failFast = failFast;
        this.timed = hasDeadline || (outer != null && outer.timed);
    }

    /**
     * Opens a block in the caller ({@code self}: its micro-thread, or null) and makes it the
     * innermost one: what the caller starts from now on is a member. {@code deadline}:
     * {@link Park#NONE} or an instant of {@link Park#now()}.
     */
    static BlockScope open(MicroThread<?> self, boolean failFast, long deadline, String what) {
        BlockScope b;
        if (self != null) {
            b = new BlockScope(self.blocks, self, failFast, deadline != Park.NONE, what);
            self.blocks = b;
        } else {
            plainUsed = true;
            b = new BlockScope(PLAIN.get(), null, failFast, deadline != Park.NONE, what);
            PLAIN.set(b);
        }
        try {
            if (deadline != Park.NONE && Park.expired(deadline)) {
                b.stop(true); // already expired (a zero timeout): the body starts interrupted, deterministically
            } else if (deadline != Park.NONE) {
                Future<?> f = b.loop.schedule(deadline - Park.now(), b::deadline);
                synchronized (b) {
                    if (b.disarmed) f.cancel(false); else b.timer = f;
                }
            }
        } catch (Throwable t) { // no timer (out of memory?): the block never opened
            b.bodyEnded();
            throw t;
        }
        return b;
    }

    /**
     * The block a micro-thread started now by {@code starter} (null: a plain thread) belongs to:
     * the starter's innermost open block, else the block the starter itself belongs to; or null.
     */
    static BlockScope forStart(MicroThread<?> starter) {
        if (starter != null) return starter.blocks != null ? starter.blocks : starter.block;
        return plainUsed ? PLAIN.get() : null;
    }

    /** The block that encloses this one: the enclosing block of the same body, else the owner's own block. */
    BlockScope parent() {
        return outer != null ? outer : owner != null ? owner.block : null;
    }

    /** Whether this block or one enclosing it has been stopped: a member started now is cancelled at once. */
    boolean stoppedHere() {
        for (BlockScope b = this; b != null; b = b.parent()) {
            if (b.stopped) return true;
        }
        return false;
    }

    // ---- members ----

    void enter(MicroThread<?> m) {
        live.incrementAndGet();
        // this block and those enclosing it in the same body: a stop of any of them must scan
        for (BlockScope b = this; b != null && !b.hadMembers; b = b.outer) b.hadMembers = true;
        if (!crossLoop && (owner == null || m.loop != owner.loop)) crossLoop = true;
    }

    /** A member's very last action (after it left its loop's registry). */
    void exit() {
        if (live.decrementAndGet() == 0 || wakeOnEveryExit) {
            Object w = joiner;
            if (w != null) Park.unpark(w);
        }
    }

    /** Set while the owner waits in {@link #awaitExits}: each member's exit wakes it, not only the last. */
    private volatile boolean wakeOnEveryExit;

    /**
     * The owner waits until {@code done} holds (it must become true before some member's exit,
     * or once none is left), woken by each member's exit; the wait reads as {@code kind}
     * {@code target} in dumps ({@code internal}: counted by the deadlock check). Returns the
     * {@link InterruptedException} that ended it early, or null.
     */
    InterruptedException awaitExits(java.util.function.BooleanSupplier done, WaitKind kind, Object target, boolean internal) {
        joiner = thread;
        wakeOnEveryExit = true;
        Park.beginWait(owner, kind, target, internal);
        try {
            while (!done.getAsBoolean() && live.get() != 0) {
                Park.checkCancelled(owner);
                Park.parkUntil(this, Park.NONE);
            }
            Park.checkCancelled(owner); // a cancel that ended every member before the owner ran again is still the owner's
            return null;
        } catch (InterruptedException e) {
            return e;
        } finally {
            Park.endWait(owner);
            wakeOnEveryExit = false;
            joiner = null;
        }
    }

    /**
     * A member ended by failing ({@code f} is not how a cancellation ended it). In a fail-fast
     * block the block takes the failure (it will be thrown by the block, so nobody else reports it):
     * the first one stops the block. Returns whether the block took it.
     */
    void memberFailed(MicroThread<?> m, Throwable f) {
        boolean first;
        synchronized (this) {
            first = !stopped && memberFailure == null;
            if (first) {
                memberFailure = f;
                failedMember = m.quotedName();
            } else {
                later(f);
            }
        }
        if (first) stop(false);
    }

    private void later(Throwable f) { // guarded by this
        if (laterFailures == null) laterFailures = new ArrayList<>(2);
        laterFailures.add(f);
    }

    // ---- stopping ----

    private void deadline() {
        stop(true);
    }

    /**
     * Stops the block (once; {@code deadline}: by its deadline): interrupts the body if it still
     * runs, cancels every member.
     */
    void stop(boolean deadline) {
        boolean interrupt;
        synchronized (this) {
            if (stopped) return;
            stopped = true;
            byDeadline = deadline;
            if (deadline) cutByDeadline = live.get();
            interrupt = body == RUNNING;
            if (interrupt) body = INTERRUPTING;
        }
        try {
            if (interrupt) Park.interrupt(thread);
        } finally {
            if (interrupt) {
                synchronized (this) {
                    body = INTERRUPTED;
                }
            }
            cancelMembers();
        }
    }

    /**
     * Cancels every live member, and the members of blocks nested in members: one scan of the
     * live micro-threads, and only if the block ever had a member.
     */
    private void cancelMembers() {
        if (!hadMembers) return;
        List<MicroThread<?>> victims = new ArrayList<>();
        for (Loop l : Loop.withLiveMicroThreads()) {
            l.forEachLive(m -> {
                if (m.block != null && m.block.within(this)) victims.add(m);
            });
        }
        for (MicroThread<?> m : victims) m.cancelOnly();
    }

    private boolean within(BlockScope b) {
        for (BlockScope s = this; s != null; s = s.parent()) {
            if (s == b) return true;
        }
        return false;
    }

    // ---- the owner's side ----

    /**
     * The body has ended: no interrupt of this block reaches the owner from now on, and the block
     * is no longer the owner's innermost one (its stop no longer makes the owner's waits throw).
     * Returns whether this block interrupted the body.
     */
    boolean bodyEnded() {
        boolean interrupted;
        while (true) {
            synchronized (this) {
                if (body != INTERRUPTING) {
                    interrupted = body == INTERRUPTED;
                    body = ENDED;
                    break;
                }
            }
            Thread.onSpinWait(); // a stop is delivering its interrupt: brief
        }
        if (owner != null) owner.blocks = outer; else if (outer != null) PLAIN.set(outer); else PLAIN.remove();
        return interrupted;
    }

    /** The body ended by throwing {@code f}: a failure of the block if nothing stopped it before. */
    void bodyFailed() {
        if (failFast) stop(false);
    }

    /**
     * Waits until every member has ended. If the owner is interrupted or cancelled meanwhile, the
     * block is stopped and the wait goes on; the {@link InterruptedException} is then returned
     * (not thrown) for the caller to throw once nothing is left running.
     */
    InterruptedException joinMembers() {
        if (live.get() == 0) return null;
        InterruptedException interrupted = null;
        joiner = thread;
        // counted like a join only if every member runs on the owner's loop (the deadlock check sees them all)
        // (and only if no deadline of this block or an enclosing one of the body can end it: the
        // block is no longer in the owner's chain, which is where Park.beginWait would look)
        Park.beginWait(owner, WaitKind.SCOPE, this, !crossLoop && !timed);
        try {
            while (live.get() != 0) {
                if (interrupted == null) {
                    try {
                        Park.checkCancelled(owner);
                    } catch (InterruptedException e) {
                        interrupted = e;
                        stop(false);
                        continue;
                    }
                } else {
                    Park.interrupted(); // already acted on: keep waiting for the cancelled members
                }
                Park.parkUntil(this, Park.NONE);
            }
            if (interrupted == null) { // a cancel that ended every member before the owner ran again (found by a scenario, seed 5)
                try {
                    Park.checkCancelled(owner);
                } catch (InterruptedException e) {
                    interrupted = e;
                }
            }
        } finally {
            Park.endWait(owner);
            joiner = null;
        }
        return interrupted;
    }

    /** Cancels the deadline's timer, if any (after the members have ended). */
    void disarm() {
        Future<?> f;
        synchronized (this) {
            disarmed = true;
            f = timer;
        }
        if (f != null) f.cancel(false);
    }

    /** The first member failure that came before any stop, or null. */
    synchronized Throwable memberFailure() {
        return memberFailure;
    }

    /** The quoted name of the member whose failure {@link #memberFailure()} is. */
    synchronized String failedMember() {
        return failedMember;
    }

    /** Whether the block was stopped by its deadline (before any failure). */
    synchronized boolean stoppedByDeadline() {
        return byDeadline;
    }

    /** How many members were still running when the deadline stopped the block (0 if it did not). */
    synchronized int cutByDeadline() {
        return cutByDeadline;
    }

    /** Member failures that came after the first event (possibly empty). */
    synchronized List<Throwable> laterFailures() {
        return laterFailures == null ? List.of() : new ArrayList<>(laterFailures);
    }

    /** Whether an enclosing block of the same body has been stopped (its interruption passes through this one). */
    boolean outerStopped() {
        for (BlockScope b = outer; b != null; b = b.outer) {
            if (b.stopped) return true;
        }
        return false;
    }

    /** For dumps: "the end of 3 micro-threads started in its scope". */
    @Override
    public String toString() {
        int n = live.get();
        return "the end of " + n + " micro-thread" + (n == 1 ? "" : "s") + " started in its " + what;
    }
}
