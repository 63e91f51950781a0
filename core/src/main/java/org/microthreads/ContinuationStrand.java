package org.microthreads;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Future;
import org.microthreads.internal.JdkInternals;

/**
 * The waiter object of a micro-thread of a host loop ({@link HostDriver}): a continuation mounted on the
 * loop's host thread whenever it runs. It is this micro-thread's "thread" for {@link Park}:
 * parking yields the continuation (the host thread goes on with its other tasks), unparking
 * resubmits it to the host executor, exactly once per park.
 *
 * <p>Permit semantics as {@link java.util.concurrent.locks.LockSupport}: an unpark before a
 * park makes that park return at once; parks may return spuriously (every library wait
 * re-checks its condition). Interruption is a flag of the strand, not the host thread's
 * interrupt status (the host thread is shared by all micro-threads of the loop).
 *
 * <pre>
 * State table; only the transitions out of PARKED race, and they are CASes:
 *   QUEUED   -> RUNNING    // the host runs this task (host thread)
 *   RUNNING  -> PARKING    // park() without a permit, just before yielding (the strand)
 *   RUNNING  -> YIELDING   // yieldNow(), just before yielding (the strand)
 *   PARKING  -> RUNNING    // the yield was refused (pinned): park() throws, still mounted
 *   YIELDING -> RUNNING    // the same, for yieldNow()
 *   PARKING  -> PARKED     // the host, once the continuation has yielded
 *   YIELDING -> QUEUED     // the host, once the continuation has yielded: resubmitted (FIFO)
 *   PARKED   -> QUEUED     // unpark() from any thread (CAS): resubmitted
 *   PARKED   -> QUEUED     // the host, right after PARKING -> PARKED, if a permit arrived (CAS)
 *   RUNNING  -> DONE       // the host, once the continuation has ended
 * </pre>
 * The permit is a separate volatile flag. unpark() sets it, then tries PARKED -> QUEUED; the
 * host writes PARKED, then reads the permit and tries the same CAS. Whichever order they run
 * in, at least one sees the other, and the CAS lets only one of them resubmit. park()
 * consumes the permit on entry (returning at once) and after resuming.
 */
final class ContinuationStrand implements Strand, Runnable {
    static final int QUEUED = 0, RUNNING = 1, PARKING = 2, YIELDING = 3, PARKED = 4, DONE = 5;

    /**
     * {@code -Dmicrothreads.ui.checkMonitors=false} turns off the check that refuses a wait inside
     * {@code synchronized} (a stack walk per park: ~1-2 µs when no frame can hold a monitor). Off,
     * such a wait can freeze the UI thread forever (docs/ui.md); for measurements and for code
     * known never to wait inside {@code synchronized}.
     */
    static final boolean CHECK_MONITORS = !"false".equals(System.getProperty("microthreads.ui.checkMonitors"));

    /** The strand whose continuation is mounted on the current (host) thread, if any. */
    private static final ThreadLocal<ContinuationStrand> CURRENT = new ThreadLocal<>();
    /** Set once the first host loop exists: until then no platform thread pays for {@link #CURRENT}. */
    static volatile boolean anyHostLoop;

    private static final VarHandle STATE, PERMIT, INTERRUPTED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(ContinuationStrand.class, "state", int.class);
            PERMIT = l.findVarHandle(ContinuationStrand.class, "permit", boolean.class);
            INTERRUPTED = l.findVarHandle(ContinuationStrand.class, "interrupted", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final HostDriver loop;
    final MicroThread<?> microThread;
    private final Object continuation;
    private volatile int state = QUEUED;
    private volatile boolean permit;
    private volatile boolean interrupted;

    ContinuationStrand(HostDriver loop, MicroThread<?> microThread, Runnable body) {
        this.loop = loop;
        this.microThread = microThread;
        this.continuation = JdkInternals.newContinuation(body);
    }

    /** The strand running the caller, or null (not on a host thread, or between its tasks). */
    static ContinuationStrand current() {
        return anyHostLoop ? CURRENT.get() : null;
    }

    // =====================================================================================
    // The host side
    // =====================================================================================

    /** Hands the continuation to the host (state must already be QUEUED). */
    void submit() {
        loop.submit(this, false);
    }

    /**
     * Hands the continuation to the host. {@code rethrow}: for the first start, so that the
     * loop can undo a start the host refused; later resubmissions can only log.
     */
    void submit(boolean rethrow) {
        loop.submit(this, rethrow);
    }

    /** One turn of the continuation on the host thread, until it parks, yields or ends. */
    @Override
    public void run() {
        loop.queued.decrementAndGet();
        Thread host = Thread.currentThread();
        if (host.isVirtual()) {
            throw new IllegalStateException("the host executor of loop '" + loop.name() + "' ran micro-thread '"
                    + microThread.name() + "' on a virtual thread; a host loop needs a platform host thread");
        }
        if (state != QUEUED) {
            Loop.LOG.log(System.Logger.Level.ERROR, "micro-thread '" + microThread.name() + "' submitted twice (a microthreads bug)");
            return;
        }
        state = RUNNING;
        loop.hostThread = host;
        // below: a micro-thread in a nested event loop (a modal dialog) under this turn, or null
        ContinuationStrand below = CURRENT.get();
        CURRENT.set(this);
        ContinuationStrand belowTurn = loop.turnBegins(this);
        try {
            JdkInternals.runHostContinuation(continuation);
        } finally {
            loop.turnEnds(belowTurn);
            if (below == null) CURRENT.remove(); else CURRENT.set(below);
        }
        try {
            afterTurn();
        } finally {
            if (loop.queued.get() == 0) loop.onIdle();
        }
    }

    private void afterTurn() {
        if (JdkInternals.isDone(continuation)) {
            state = DONE;
            return;
        }
        int s = state;
        if (s == YIELDING) {
            state = QUEUED;
            submit();
        } else if (s == PARKING) {
            state = PARKED;
            if (permit && STATE.compareAndSet(this, PARKED, QUEUED)) submit();
        } else {
            Loop.LOG.log(System.Logger.Level.ERROR, "micro-thread '" + microThread.name()
                    + "' left the host thread in state " + s + " (a microthreads bug)");
        }
    }

    // =====================================================================================
    // The strand side (inside the continuation, on the host thread)
    // =====================================================================================

    /** Parks until unparked (or spuriously). */
    void park() {
        if (consumePermit()) return;
        suspend(PARKING);
        consumePermit(); // the unpark that resumed us
    }

    /** Parks until unparked, or at most {@code nanos} on the loop's clock. */
    void parkNanos(long nanos) {
        if (nanos <= 0 || consumePermit()) return;
        Future<?> timer = loop.schedule(nanos, this::unpark);
        try {
            suspend(PARKING);
            consumePermit();
        } finally {
            timer.cancel(false);
        }
    }

    /** Goes to the back of the host's queue. */
    void yieldNow() {
        suspend(YIELDING);
    }

    /**
     * Throws if this strand cannot park now (it holds a monitor): for waits that must know before
     * they commit to parking, such as a generator's producer handing its turn over.
     */
    void checkCanPark() {
        if (!CHECK_MONITORS) return;
        String holder = JdkInternals.monitorHolderInContinuation(true);
        if (holder != null) {
            throw new IllegalStateException("micro-thread '" + microThread.name() + "' of loop '" + loop.name()
                    + "' (" + loop.kind() + ") cannot wait while it holds a monitor: synchronized in " + holder
                    + ". A continuation on the host thread that left with it would block every other thread that needs"
                    + " it, the host thread too, forever. Leave the synchronized block first, or use a"
                    + " java.util.concurrent lock or a Deferred");
        }
    }

    private void suspend(int how) {
        checkCanPark();
        state = how;
        try {
            JdkInternals.yieldContinuation(); // returns when the host runs us again
        } catch (RuntimeException | Error e) {
            state = RUNNING;
            throw e;
        }
    }

    private boolean consumePermit() {
        return permit && (boolean) PERMIT.getAndSet(this, false);
    }

    // =====================================================================================
    // Any thread
    // =====================================================================================

    /** Makes the strand runnable again, or its next park return at once. */
    @Override
    public void unpark() {
        microThread.parked = false; // see MicroThread.parked
        permit = true;
        if (state == PARKED && STATE.compareAndSet(this, PARKED, QUEUED)) submit();
    }

    /** Sets the strand's interrupt flag and unparks it. */
    @Override
    public void interrupt() {
        interrupted = true;
        unpark();
    }

    /** Tests and clears the strand's interrupt flag (as {@link Thread#interrupted()}). */
    boolean clearInterrupt() {
        return interrupted && (boolean) INTERRUPTED.getAndSet(this, false);
    }

    @Override
    public MicroThread<?> microThread() {
        return microThread;
    }

    /** Whether it is parked (for {@link MicroThread#state()}). */
    @Override
    public boolean blocked() {
        int s = state;
        return s == PARKED || s == PARKING;
    }

    /** Empty, for now: its frames are those of a continuation that may not be mounted. */
    @Override
    public StackTraceElement[] stackTrace() {
        return new StackTraceElement[0];
    }

    @Override
    public String toString() {
        return "ContinuationStrand['" + microThread.name() + "' on " + loop.name() + "]";
    }
}
