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

    CarrierExecutor(String loopName, java.util.function.BooleanSupplier onIdle) {
        this.loopName = loopName;
        this.onIdle = onIdle;
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
        if (sleeping) LockSupport.unpark(carrier);
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
                continue;
            }
            if (stopping) break;
            boolean recheck = remote.isEmpty() && !idle();
            if (!local.isEmpty()) continue;
            sleeping = true;
            if (remote.isEmpty() && !stopping) {
                if (recheck) LockSupport.parkNanos(this, RECHECK_NANOS); else LockSupport.park(this);
            }
            sleeping = false;
        }
        stopped = true;
        drainRemoteToOrphans();
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
        LockSupport.unpark(carrier);
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
