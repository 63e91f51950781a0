package org.microthreads;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import org.microthreads.internal.JdkInternals;

/**
 * The scheduler of a single-carrier loop: one platform thread runs the continuations of the
 * loop's virtual threads, one at a time, in FIFO order of submission.
 *
 * <p>Fast path (the budget of a {@code yieldNow} switch): a submission made on the carrier
 * itself (a yield, or one micro-thread unparking another) is an {@link ArrayDeque} append with
 * no synchronisation, recognised by {@link JdkInternals#currentCarrierThread()}. Submissions
 * from other threads go through a {@link ConcurrentLinkedQueue} and unpark the carrier only
 * if it sleeps. Before each task, remote submissions that have arrived are moved behind the
 * local ones already queued, so neither kind can starve the other: FIFO within each kind, and
 * a remote task waits at most for the local tasks queued before it was moved.
 *
 * <p>An I/O loop's carrier has an {@link IoPoller}: idle, it waits in the poller's select instead of
 * parking (a remote submission wakes the selector instead of unparking), and while busy it polls
 * the selector without waiting after each pass through its queue (at least {@link #IO_EVERY} tasks), so
 * readiness is seen within a pass even when the queue never runs dry.
 *
 * <p>States: {@code RUNNING -> STOPPING (stop()) -> STOPPED (the carrier thread exits)}. After
 * that, late submissions (virtual threads that outlived the loop, or that the JDK created on
 * it) go to a shared orphan carrier, logged once, never dropped.
 */
final class CarrierExecutor implements Executor {
    private final Thread carrier;
    private final ArrayDeque<Runnable> local = new ArrayDeque<>();   // carrier only
    private final ConcurrentLinkedQueue<Runnable> remote = new ConcurrentLinkedQueue<>();
    /** The idle check; false: the registry was busy, check again in a moment. */
    private final java.util.function.BooleanSupplier onIdle;
    private final String loopName;
    /** An I/O loop's selector, or null. */
    private final IoPoller io;
    /** Tasks left before the poller is polled again while busy (carrier only). */
    private int untilIo;
    private volatile boolean sleeping;
    private volatile boolean stopping;
    private volatile boolean stopped;
    private volatile boolean orphanLogged;
    /** Tasks started so far: the stall monitor's sign that the carrier switches. Written by the carrier only. */
    private long switches;
    private static final java.lang.invoke.VarHandle SWITCHES;

    static {
        try {
            SWITCHES = java.lang.invoke.MethodHandles.lookup().findVarHandle(CarrierExecutor.class, "switches", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    CarrierExecutor(String loopName, java.util.function.BooleanSupplier onIdle, IoPoller io) {
        this.loopName = loopName;
        this.onIdle = onIdle;
        this.io = io;
        this.carrier = Thread.ofPlatform().daemon().name("microthreads-carrier-" + loopName).unstarted(this::loop);
    }

    void start() {
        carrier.start();
    }

    Thread carrierThread() {
        return carrier;
    }

    @Override
    public void execute(Runnable task) {
        if (stopped) {
            orphan(task);
            return;
        }
        if (JdkInternals.currentCarrierThread() == carrier) {
            local.addLast(task);
            return;
        }
        remote.add(task);
        if (sleeping) wake();
        if (stopped) drainRemoteToOrphans(); // the carrier may have exited before seeing it
    }

    private void loop() {
        while (true) {
            Runnable r;
            while ((r = remote.poll()) != null) local.addLast(r);
            r = local.pollFirst();
            if (r != null) {
                SWITCHES.setOpaque(this, switches + 1); // a plain store on x86: the monitor may read late, never torn
                runTask(r);
                if (io != null && --untilIo <= 0) {
                    io.selectNow();
                    untilIo = nextPoll();
                }
                continue;
            }
            if (stopping) break;
            if (io != null) {
                idleWithIo();
                continue;
            }
            boolean recheck = remote.isEmpty() && !idle();
            if (!local.isEmpty()) continue;
            sleeping = true;
            if (remote.isEmpty() && !stopping) {
                if (recheck) LockSupport.parkNanos(this, RECHECK_NANOS); else LockSupport.park(this);
            }
            sleeping = false;
        }
        stopped = true;
        if (io != null) io.close();
        drainRemoteToOrphans();
    }

    /**
     * An I/O loop's carrier with nothing to run: it waits in its selector. Events come often (an
     * idle spell may last microseconds), so the idle check (deadlock detection, a scan of the loop's
     * micro-threads when some wait for others) runs only after a quiet spell of {@link #QUIET_MILLIS},
     * or if it has not run for {@link #CHECK_EVERY_NANOS} however busy the loop is.
     */
    private void idleWithIo() {
        sleeping = true;
        try {
            if (!remote.isEmpty() || stopping) return;
            boolean due = System.nanoTime() - lastCheck > CHECK_EVERY_NANOS;
            if (!due && (io.select(QUIET_MILLIS) > 0 || !local.isEmpty() || !remote.isEmpty() || stopping)) return;
            lastCheck = System.nanoTime();
            boolean checked = idle();
            if (!local.isEmpty() || !remote.isEmpty() || stopping) return;
            io.select(checked ? 0 : RECHECK_NANOS / 1_000_000);
        } finally {
            sleeping = false;
            untilIo = nextPoll(); // the micro-threads the select woke are this pass
        }
    }

    /** An I/O loop's quiet spell before its idle check; and the longest it goes without one. */
    private static final long QUIET_MILLIS = 10, CHECK_EVERY_NANOS = 1_000_000_000L;
    /** When the idle check last ran (an I/O loop's carrier only). */
    private long lastCheck = System.nanoTime();

    /**
     * The fewest tasks an I/O loop's carrier runs between polls of its selector while busy. It polls
     * again once it has also run every task queued at the last poll (a pass, as an event loop runs the
     * events of one {@code epoll_wait} before the next): the selector is level-triggered, so a poll
     * before the woken micro-threads have read reports their channels again, and at 10,000 busy
     * connections polls every 64 tasks spent a quarter of the loop re-reporting them.
     */
    static final int IO_EVERY = 64;

    /** Tasks to run before the next busy poll: {@link #IO_EVERY}, or the pass queued now if longer. */
    private int nextPoll() {
        return Math.max(IO_EVERY, local.size());
    }

    private void wake() {
        if (io != null) io.wakeup(); else LockSupport.unpark(carrier);
    }

    /** How soon a busy idle check is retried (the registry is only ever held briefly). */
    private static final long RECHECK_NANOS = 1_000_000;

    /**
     * Whether the carrier sleeps now: it has run the idle check after its last task (tests wait
     * for it to pass a state they set up).
     */
    boolean sleeping() {
        return sleeping;
    }

    /** How many tasks the carrier has started (racy; for the stall monitor). */
    long switches() {
        return (long) SWITCHES.getOpaque(this);
    }

    /** Whether the carrier thread has ended (the loop closed and its queue ran dry). */
    boolean stopped() {
        return stopped;
    }

    /** Returns false if the check must be retried. */
    private boolean idle() {
        try {
            return onIdle.getAsBoolean();
        } catch (Throwable t) {
            Loop.LOG.log(Level.ERROR, "the idle check of loop '" + loopName + "' threw (a microthreads bug)", t);
            return true;
        }
    }

    private static void runTask(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            Loop.LOG.log(Level.ERROR, "a continuation task threw on a carrier (a JDK-level bug)", t);
        }
    }

    /** Lets the carrier thread exit once its queue is empty. */
    void stop() {
        stopping = true;
        wake();
    }

    private void drainRemoteToOrphans() {
        Runnable r;
        while ((r = remote.poll()) != null) orphan(r);
    }

    private void orphan(Runnable task) {
        if (!orphanLogged) {
            orphanLogged = true;
            Loop.LOG.log(Level.WARNING, "virtual threads outlived loop '" + loopName
                    + "' (started with Thread.ofVirtual() inside it, or ignoring cancellation); they continue on the orphan carrier");
        }
        Orphans.EXECUTOR.execute(task);
    }

    /** The carrier of last resort for virtual threads whose loop has closed. */
    private static final class Orphans {
        static final Executor EXECUTOR = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "microthreads-orphan-carrier");
            t.setDaemon(true);
            return t;
        });
    }
}
