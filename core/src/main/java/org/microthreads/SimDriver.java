package org.microthreads;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.microthreads.internal.JdkInternals;

/**
 * The driver of a simulated loop ({@link Simulation}): virtual threads on a scheduler of our own
 * that runs them one at a time on the thread that made the simulation (its <em>owner</em>),
 * picking the next ready one with a seeded {@link SimRandom}; a virtual clock; timers in a heap
 * that fire on the owner between steps. See ADR 0028 and docs/testing.md.
 *
 * <p>One step: pick a ready task at random, run it until its micro-thread parks, yields or ends,
 * record it in the trace. When nothing is ready (the loop is <em>idle</em>), in this order:
 * <ol>
 *   <li>admit wake-ups that came from outside (other threads: a JDK timer, the JDK's monitor
 *       unblocker, a plain thread) in arrival order;
 *   <li>micro-threads blocked outside the library (a JDK lock, {@code Thread.sleep}, a socket):
 *       wait for them in real time up to a limit ({@link Simulation#outsideWait}; a monitor
 *       hand-off, which the JDK delivers from its own thread, and one already woken from outside
 *       whose wake-up is on its way, always get a short grace), then
 *       fail, naming them with their stacks: the clock never advances past them;
 *   <li>timers pending: the clock jumps to the earliest, and every timer due then fires, in the
 *       order they were armed; past the horizon the run fails as a runaway;
 *   <li>micro-threads still live: every one waits in the library for another, and nothing can
 *       wake any of them: a deadlock, reported as on a single-carrier loop;
 *   <li>otherwise the loop has nothing left to do.
 * </ol>
 *
 * <p>Confined to the owner thread, except {@link #execute} and {@link #schedule}: from any other
 * thread they queue the task or timer for the owner, which takes them in arrival order.
 */
final class SimDriver extends LoopDriver implements Executor {
    /** The virtual clock's origin: 2000-01-01T00:00:00Z in nanoseconds since the Unix epoch (as Go's synctest). */
    static final long EPOCH = 946_684_800L * 1_000_000_000L;
    /** How long a micro-thread entering a monitor is waited for when nothing else can happen: the JDK hands monitors over from its own thread. */
    private static final long MONITOR_GRACE = TimeUnit.SECONDS.toNanos(1);
    /** The same while timers are pending (the holder may be asleep on the virtual clock): a hand-off takes microseconds. */
    private static final long MONITOR_HANDOFF = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int TRACE = 64;

    private final Simulation sim;
    private final SimRandom random;
    private final Thread owner;
    private final ThreadFactory factory;

    // ---- the run queue (owner only, except `remote`) ----
    private final ArrayList<Runnable> ready = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> remote = new ConcurrentLinkedQueue<>();
    /** Each virtual thread's task (its one {@code runContinuation}, JDK 25) -> its strand; pinned by SimulationTest. */
    private final Map<Runnable, ThreadStrand> strands = new ConcurrentHashMap<>();
    private ThreadStrand starting;
    private volatile boolean ownerWaits;

    // ---- the clock and its timers ----
    private volatile long now = EPOCH;
    /** Owner only; timers armed by other threads wait in {@link #remoteTimers} until the owner takes them. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final ConcurrentLinkedQueue<Timer> remoteTimers = new ConcurrentLinkedQueue<>();
    private long timerSeq;

    // ---- the trace ----
    long steps;
    long hash = 0x9E3779B97F4A7C15L;
    long outsideWakeUps;
    private final long[] traceStep = new long[TRACE];
    private final long[] traceTime = new long[TRACE];
    private final MicroThread<?>[] traceWho = new MicroThread<?>[TRACE];
    /** What each traced step ended in: one of the AFTER_ codes; for a wait, its kind and target. */
    private final byte[] traceAfter = new byte[TRACE];
    private final WaitKind[] traceKind = new WaitKind[TRACE];
    private final Object[] traceTarget = new Object[TRACE];
    private static final byte AFTER_ENDED = 0, AFTER_WAITS = 1, AFTER_PAUSES = 2, AFTER_BLOCKS = 3, AFTER_YIELDS = 4, AFTER_UNKNOWN = 5;
    /** Micro-threads whose last step ended blocked in JDK code (not in a wait of the library). */
    private final List<MicroThread<?>> outside = new ArrayList<>();
    private final StringBuilder events = new StringBuilder();

    // ---- failing ----
    /** What the run failed with first (the runs involved throw it; null: not failed); the cause of an abandonment. */
    private RuntimeException firstFailure;

    private boolean failed() {
        return firstFailure != null;
    }
    private long wallDeadline;

    SimDriver(Simulation sim, long seed) {
        this.sim = sim;
        this.random = new SimRandom(seed);
        this.owner = Thread.currentThread();
        if (owner.isVirtual()) {
            throw new IllegalStateException("a simulation runs its micro-threads on the thread that runs it, which must be a"
                    + " platform thread; " + owner + " is virtual");
        }
        this.factory = JdkInternals.virtualThreadBuilder(this, "simulated loops").factory(); // throws without the flag
    }

    // =====================================================================================
    // Strands and the scheduler
    // =====================================================================================

    @Override
    ThreadFactory threadFactory() {
        return factory;
    }

    @Override
    void start(Strand s) {
        synchronized (this) { // the JDK submits the new thread's task from within start(), on this thread
            starting = (ThreadStrand) s;
            try {
                super.start(s);
            } finally {
                starting = null;
            }
        }
    }

    /** The virtual threads' scheduler: any thread may submit; only the owner's own submissions are local. */
    @Override
    public void execute(Runnable task) {
        ThreadStrand s = starting;
        if (s != null && Thread.holdsLock(this)) {
            strands.put(task, s);
        } else if (!strands.containsKey(task)) { // Thread.start() of a virtual thread made inside, not by the loop
            throw new java.util.concurrent.RejectedExecutionException("a virtual thread started inside a simulation ("
                    + (Thread.currentThread().isVirtual() ? "by " + Thread.currentThread() : "") + ") would run outside its"
                    + " schedule and clock: start a micro-thread instead (MicroThread.parallel or startAndForget)");
        }
        if (JdkInternals.currentCarrierThread() == owner) {
            ready.add(task);
            return;
        }
        remote.add(task);
        if (ownerWaits) LockSupport.unpark(owner);
    }

    @Override
    boolean oneCarrier() {
        return true;
    }

    @Override
    String kind() {
        return "simulated, seed " + sim.seed();
    }

    @Override
    RandomGenerator seededRandom() {
        return random;
    }

    // =====================================================================================
    // The clock
    // =====================================================================================

    @Override
    boolean virtualTime() {
        return true;
    }

    @Override
    long now() {
        return now;
    }

    @Override
    Future<?> schedule(long delayNanos, Runnable action) {
        Timer t = new Timer(now + Math.max(0, delayNanos), action);
        if (JdkInternals.currentCarrierThread() == owner) {
            MicroThread<?> by = MicroThread.currentOrNull();
            if (by != null) by.timersArmed++; // for the runaway report
            t.seq = timerSeq++;
            timers.add(t);
        } else { // another thread (outside the simulation): the owner takes it at its next step
            remoteTimers.add(t);
        }
        return t;
    }

    /** Fires every timer due at or before now, in order. Owner only. */
    private void fireDue() {
        if (!remoteTimers.isEmpty()) takeRemoteTimers();
        Timer t;
        while ((t = timers.peek()) != null && t.deadline - now <= 0) {
            timers.poll();
            if (!t.cancelled) {
                t.cancelled = true;
                t.action.run();
            }
        }
    }

    private void takeRemoteTimers() {
        Timer t;
        while ((t = remoteTimers.poll()) != null) {
            t.seq = timerSeq++;
            timers.add(t);
        }
    }

    /** Moves the clock to the earliest live timer, dropping cancelled ones; false if none. Owner only. */
    private boolean advanceToNextTimer() {
        if (!remoteTimers.isEmpty()) takeRemoteTimers();
        Timer t;
        while ((t = timers.peek()) != null && t.cancelled) timers.poll();
        if (t == null) return false;
        if (t.deadline - now > 0) now = t.deadline;
        return true;
    }

    /** A one-shot timer: a {@link Future} only for its {@code cancel}. Cancelled lazily (left in the heap). */
    private static final class Timer implements Future<Void>, Comparable<Timer> {
        final long deadline;
        /** The order it was armed in (ties at one instant fire in this order); set by the owner. */
        long seq;
        final Runnable action;
        volatile boolean cancelled;

        Timer(long deadline, Runnable action) {
            this.deadline = deadline;
            this.action = action;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }

        @Override
        public boolean cancel(boolean mayInterrupt) {
            boolean was = cancelled;
            cancelled = true;
            return !was;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled;
        }

        @Override
        public Void get() {
            throw new UnsupportedOperationException("a simulated timer has no value");
        }

        @Override
        public Void get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException("a simulated timer has no value");
        }
    }

    // =====================================================================================
    // Driving
    // =====================================================================================

    @Override
    void driveUntil(BooleanSupplier done) {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("simulated loop '" + loop.name() + "' runs on the thread that made its simulation ("
                    + owner.getName() + "), not on " + Thread.currentThread().getName());
        }
        if (wallDeadline == 0) wallDeadline = System.nanoTime() + sim.wallLimitNanos();
        while (!done.getAsBoolean()) {
            if (!ready.isEmpty()) {
                step();
                continue;
            }
            if (!remote.isEmpty()) {
                admitRemote();
                continue;
            }
            if (!idle()) return; // nothing left that could make `done` true
        }
    }

    private void step() {
        int n = ready.size();
        int i = n == 1 ? 0 : random.nextInt(n);
        Runnable task = ready.get(i);
        ready.set(i, ready.get(n - 1));
        ready.remove(n - 1);
        ThreadStrand s = strands.get(task);
        MicroThread<?> m = s == null ? null : s.microThread();
        long step = steps++;
        hash = SimRandom.mix(hash ^ (m == null ? -1 : m.id) ^ (now - EPOCH) * 31);
        if (!outside.isEmpty() && m != null) outside.remove(m);
        task.run();
        int k = (int) (step % TRACE);
        traceStep[k] = step;
        traceTime[k] = now;
        traceWho[k] = m;
        traceKind[k] = null;
        traceTarget[k] = null;
        if (m == null) {
            traceAfter[k] = AFTER_UNKNOWN;
        } else if (m.isDone()) {
            traceAfter[k] = AFTER_ENDED;
            if (s.thread.getState() == Thread.State.TERMINATED) strands.remove(task);
        } else if (m.waitKind != null) {
            traceAfter[k] = AFTER_WAITS;
            WaitKind kind = m.waitKind;
            traceKind[k] = kind;
            // what joins, sleeps and pipe waits wait on reads the same later; others (a limiter's free
            // permits, a deferred's state) are described now, as they were at this step
            traceTarget[k] = describesLater(kind) ? m.waitTarget : kind.describe(m.waitTarget);
        } else if (m.parkedOnLoopClock) {
            traceAfter[k] = AFTER_PAUSES;
        } else if (s.blocked()) {
            traceAfter[k] = AFTER_BLOCKS;
            outside.add(m);
        } else {
            traceAfter[k] = AFTER_YIELDS;
        }
        fireDue();
        if ((step & 1023) == 0) checkLimits();
    }

    /** Whether a wait's description does not change later (it is then made only when the trace is printed: cheap steps). */
    private static boolean describesLater(WaitKind k) {
        return switch (k) {
            case JOIN, SLEEP, PIPE_TAKE, PIPE_PUT, SELECT, GENERATOR_ITEM, GENERATOR_DEMAND, RUN -> true;
            default -> false; // a limiter's free permits, a deferred's or future's state, a scope's count
        };
    }

    private static String after(byte code, WaitKind kind, Object target) {
        return switch (code) {
            case AFTER_ENDED -> "ran, and ended";
            case AFTER_WAITS -> "ran, then waits: " + (describesLater(kind) ? kind.describe(target) : target);
            case AFTER_PAUSES -> "ran, then pauses";
            case AFTER_BLOCKS -> "ran, then blocks in JDK code";
            case AFTER_YIELDS -> "ran, then yields";
            default -> "ran (a virtual thread started inside the simulation, not a micro-thread)";
        };
    }

    private void admitRemote() {
        Runnable r;
        while ((r = remote.poll()) != null) {
            ready.add(r);
            outsideWakeUps++;
            ThreadStrand s = strands.get(r);
            event("a wake-up from outside the simulation admitted for "
                    + (s == null ? "a virtual thread" : s.microThread().quotedName()));
        }
    }

    /** Nothing ready, nothing from outside. Returns false if nothing can happen any more. */
    private boolean idle() {
        if (!outside.isEmpty()) {
            boolean timed = false, monitor = false, coming = false;
            for (MicroThread<?> m : outside) {
                Thread.State st = ((ThreadStrand) m.strand).thread.getState();
                timed |= st == Thread.State.TIMED_WAITING;
                monitor |= st == Thread.State.BLOCKED;
                // blocked at its last step, runnable now: another thread (the JDK's unblocker handing a
                // monitor over, an unpark from outside) has woken it and is submitting it (ADR 0028)
                coming |= st == Thread.State.RUNNABLE;
            }
            if (coming && waitForOutside(MONITOR_GRACE)) return true;
            if (timed) { // a JDK timed wait runs on the wall clock: the virtual clock must not pass it
                if (waitForOutside(sim.outsideWaitNanos())) return true;
                return failOutside();
            }
            // a monitor released inside is handed over by the JDK's own thread: give it a moment; one
            // held by a micro-thread that sleeps is released once its timer fires (below)
            if (monitor && waitForOutside(timersPending() ? MONITOR_HANDOFF : MONITOR_GRACE)) return true;
        }
        if (advanceToNextTimer()) {
            if (now - EPOCH > sim.horizonNanos() && !failed()) {
                fail(new SimulationException(runawayReport("ran past its horizon of "
                        + WaitKind.human(java.time.Duration.ofNanos(sim.horizonNanos())) + " of virtual time")), loop.snapshot());
            }
            fireDue();
            checkLimits();
            return true;
        }
        if (!outside.isEmpty()) { // a JDK lock or wait nothing inside will end
            if (waitForOutside(sim.outsideWaitNanos())) return true;
            return failOutside();
        }
        List<MicroThread<?>> live = loop.snapshot();
        if (live.isEmpty()) return false;
        if (waitForOutside(sim.outsideWaitNanos())) return true; // a deferred, future or loop outside may end a wait
        if (failed()) abandon(live);
        String report = "deadlock in the simulation (seed " + sim.seed() + ") at " + virtualTimeText() + ": every micro-thread"
                + " is waiting, and nothing inside the simulation can wake any of them.\n"
                + Loop.dump(live, "loop '" + loop.name() + "' (" + kind() + ")") + outsideHint(live) + "They have been cancelled.";
        event("deadlock: " + live.size() + " micro-thread" + (live.size() == 1 ? "" : "s") + " waiting");
        firstFailure = new DeadlockException(report);
        loop.deadlocked(report, live);
        return true;
    }

    private boolean failOutside() {
        if (failed()) abandon(loop.snapshot());
        fail(new SimulationException(outsideReport(outside)), List.copyOf(outside));
        return true;
    }

    private boolean timersPending() {
        if (!remoteTimers.isEmpty()) takeRemoteTimers();
        Timer t;
        while ((t = timers.peek()) != null && t.cancelled) timers.poll();
        return t != null;
    }

    /**
     * For a deadlock report: the waits that code outside the simulation could end (a future, a
     * deferred, a micro-thread or run of another loop), and how to let it.
     */
    private String outsideHint(List<MicroThread<?>> live) {
        StringBuilder sb = new StringBuilder();
        for (MicroThread<?> m : live) {
            WaitKind k = m.waitKind;
            boolean outsider = k == WaitKind.AWAIT_STAGE || k == WaitKind.AWAIT_FUTURE || k == WaitKind.DEFERRED || k == WaitKind.RUN
                    || k == WaitKind.JOIN && m.waitTarget instanceof MicroThread<?> t && t.loop != loop;
            if (outsider) sb.append(sb.isEmpty() ? "" : ", ").append(m.quotedName());
        }
        if (sb.isEmpty()) return "";
        return "Only code outside the simulation could end the waits of " + sb + " (a future, a deferred, another loop): if"
                + " it should, set Simulation.outsideWait(...) to wait for it in real time (the run is then not replayable).\n";
    }

    /** Waits in real time up to {@code nanos} for a wake-up from outside; true if one came. */
    private boolean waitForOutside(long nanos) {
        if (nanos <= 0) return false;
        long deadline = System.nanoTime() + nanos;
        ownerWaits = true;
        try {
            while (remote.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                LockSupport.parkNanos(this, left);
            }
            return true;
        } finally {
            ownerWaits = false;
        }
    }

    private void checkLimits() {
        if (failed()) {
            if (System.nanoTime() - wallDeadline > 0) abandon(loop.snapshot());
            return;
        }
        if (steps > sim.maxSteps()) {
            fail(new SimulationException(runawayReport("took more than " + sim.maxSteps() + " steps")), loop.snapshot());
        } else if (System.nanoTime() - wallDeadline > 0) {
            fail(new SimulationException(runawayReport("ran longer than its wall-clock limit of "
                    + WaitKind.human(java.time.Duration.ofNanos(sim.wallLimitNanos())))), loop.snapshot());
        }
    }

    /**
     * Ends the run with {@code failure}: the runs involved throw it, and {@code stuck} are cancelled
     * (they end as they see it). Later failures of the same run are not reported again.
     */
    private void fail(SimulationException failure, List<MicroThread<?>> stuck) {
        if (firstFailure == null) {
            firstFailure = failure;
            event("failed: " + failure.getMessage().lines().findFirst().orElse(""));
            loop.stopRuns(failure, stuck);
        } else {
            for (MicroThread<?> m : stuck) m.cancelOnly();
        }
        wallDeadline = System.nanoTime() + Math.min(sim.wallLimitNanos(), TimeUnit.SECONDS.toNanos(5));
    }

    /**
     * Cancelled micro-threads do not end: give up the simulation (they stay parked; nothing runs them
     * again). What is thrown names the failure, which is its cause: the abandonment replaces the
     * exception the run would have thrown.
     */
    private void abandon(List<MicroThread<?>> live) {
        RuntimeException why = firstFailure;
        throw new SimulationException("the simulation (seed " + sim.seed() + ") was abandoned: " + live.size() + " micro-thread"
                + (live.size() == 1 ? "" : "s") + " did not end after its failure and cancellation"
                + (why == null ? "" : " (the failure, attached as the cause: "
                        + String.valueOf(why.getMessage()).lines().findFirst().orElse("") + ")")
                + ".\n" + Loop.dump(live, "loop '" + loop.name() + "' (" + kind() + ")"), why);
    }

    private String outsideReport(List<MicroThread<?>> outside) {
        StringBuilder sb = new StringBuilder();
        for (MicroThread<?> m : outside) {
            Thread.State st = ((ThreadStrand) m.strand).thread.getState();
            sb.append("micro-thread ").append(m.quotedName()).append(" blocked on something outside the simulation: ")
                    .append(switch (st) {
                        case BLOCKED -> "entering a monitor (synchronized) that was not handed over within "
                                + WaitKind.human(java.time.Duration.ofNanos(Math.max(sim.outsideWaitNanos(), MONITOR_GRACE)))
                                + " (held outside the simulation, or a lock-order deadlock)";
                        case TIMED_WAITING -> "a timed wait in JDK code, which runs on the wall clock (Thread.sleep,"
                                + " Object.wait(ms), a socket timeout). Use MicroThread.sleep or a timed operation of the library";
                        default -> "a wait in JDK code (a java.util.concurrent lock or condition, Object.wait, a socket,"
                                + " Future.get) that nothing inside the simulation ended";
                    })
                    .append(MicroThread.stackText(m.stackTrace())).append('\n');
        }
        sb.append("at ").append(virtualTimeText()).append(", seed ").append(sim.seed())
                .append(". A simulation runs only what it can schedule; to wait for the outside world in real time (not"
                        + " replayable), set Simulation.outsideWait(...).");
        return sb.toString();
    }

    private String runawayReport(String what) {
        List<MicroThread<?>> top = new ArrayList<>(loop.snapshot());
        top.removeIf(m -> m.timersArmed == 0);
        top.sort((a, b) -> Long.compare(b.timersArmed, a.timersArmed));
        StringBuilder sb = new StringBuilder("the simulation (seed " + sim.seed() + ") " + what + " (at " + virtualTimeText()
                + ", step " + steps + "): something keeps it busy forever, such as a loop that sleeps or ticks and never ends.");
        if (!top.isEmpty()) sb.append(" The micro-threads that armed the most timers:");
        for (MicroThread<?> m : top.subList(0, Math.min(5, top.size()))) {
            sb.append("\n  ").append(m.quotedName()).append(": ").append(m.timersArmed).append(" timers");
        }
        sb.append("\nBound it (cancel it when done, or run it for a fixed number of rounds), or raise the limits: "
                + "Simulation.horizon, maxSteps, wallLimit.");
        return sb.toString();
    }

    // =====================================================================================
    // The trace
    // =====================================================================================

    /** The virtual time now, as an offset from the start ("+12.5s"). */
    String virtualTimeText() {
        return "virtual time +" + WaitKind.human(java.time.Duration.ofNanos(now - EPOCH));
    }

    private void event(String what) {
        if (events.length() < 20_000) {
            events.append("  step ").append(steps).append(", +").append(WaitKind.human(java.time.Duration.ofNanos(now - EPOCH)))
                    .append(": ").append(what).append('\n');
        }
    }

    /** The last steps, oldest first, then the events (outside wake-ups, failures). */
    String trace() {
        StringBuilder sb = new StringBuilder();
        long first = Math.max(0, steps - TRACE);
        if (first > 0) sb.append("  ... ").append(first).append(" earlier steps\n");
        for (long st = first; st < steps; st++) {
            int k = (int) (st % TRACE);
            MicroThread<?> m = traceWho[k];
            sb.append("  step ").append(traceStep[k]).append(", +")
                    .append(WaitKind.human(java.time.Duration.ofNanos(traceTime[k] - EPOCH))).append(": ")
                    .append(m == null ? "?" : m.quotedName()).append(' ').append(after(traceAfter[k], traceKind[k], traceTarget[k]))
                    .append('\n');
        }
        if (!events.isEmpty()) sb.append(" events:\n").append(events);
        return sb.toString();
    }
}
