package org.microthreads;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.microthreads.internal.JdkInternals;

/**
 * The driver of a host loop: its micro-threads are continuations mounted on one host thread (later: a UI
 * thread), reached through an {@link Executor} that runs its tasks on that thread, in order
 * ({@code SwingUtilities::invokeLater}; in tests, a platform thread draining a queue). Inside
 * its micro-threads {@code Thread.currentThread()} is the host thread, before and after any
 * wait. Each micro-thread is a {@link ContinuationStrand}: parking yields it, unparking
 * resubmits it to the executor. Like a single-carrier loop they run one at a time, in FIFO
 * order, switching only at the library's blocking points.
 *
 * <p>Limits (package-private for now; see docs/ARCHITECTURE.md): only the library's blocking
 * operations park a micro-thread; blocking JDK calls ({@code Thread.sleep}, socket I/O,
 * {@code ReentrantLock}) block the whole host thread. Parking inside {@code synchronized}
 * throws {@link IllegalStateException}. {@link #close()} and
 * {@link #run} must not be called from the host thread outside its micro-threads (they would
 * block the thread the micro-threads need).
 *
 * <p>Deadlock detection as on a single-carrier loop: {@link Loop#internalWaits} (host-confined:
 * waits begin and end inside micro-threads, which run only on the host) counts waits only
 * another micro-thread of this loop can end; {@link #queued} counts the micro-threads handed to
 * the host executor and not yet run. When a turn ends with none queued and every live
 * micro-thread in an internal wait, nothing can wake any of them.
 */
final class HostDriver extends LoopDriver {
    final Executor host;
    /** The host thread, once it has run a task (for the close() check and dumps). */
    volatile Thread hostThread;
    /** Micro-threads submitted to the host and not yet run. */
    final AtomicInteger queued = new AtomicInteger();

    /** Turns run so far: the stall monitor's sign that the host switches. Written on the host only. */
    private long turns;
    /** The strand whose turn runs on the host now, or null. Written on the host only. */
    private ContinuationStrand mounted;
    private static final java.lang.invoke.VarHandle TURNS, MOUNTED;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
            TURNS = l.findVarHandle(HostDriver.class, "turns", long.class);
            MOUNTED = l.findVarHandle(HostDriver.class, "mounted", ContinuationStrand.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Checks and prepares; nothing is watched before {@link #attach}. */
    HostDriver(Executor host) {
        Objects.requireNonNull(host, "host");
        JdkInternals.requireContinuations("host loops");   // throws without the flag, naming it
        JdkInternals.requireMonitorCheck("host loops");
        this.host = host;
    }

    @Override
    void attach(Loop loop) {
        super.attach(loop);
        ContinuationStrand.anyHostLoop = true;
        StallMonitor.watch(new Watch(loop.name(), new java.lang.ref.WeakReference<>(this)));
    }

    String name() {
        return loop.name();
    }

    /** On the host thread: {@code s}'s turn begins (non-null) or ends (null). Opaque stores: no fence. */
    void turn(ContinuationStrand s) {
        if (s != null) TURNS.setOpaque(this, turns + 1);
        MOUNTED.setOpaque(this, s);
    }

    @Override
    boolean holdsCarrier(MicroThread<?> m) {
        ContinuationStrand s = (ContinuationStrand) MOUNTED.getOpaque(this);
        return s != null && s.microThread == m;
    }

    /** What the stall monitor sees of a host loop: refers to it weakly. */
    private record Watch(String loopName, java.lang.ref.WeakReference<HostDriver> loop) implements StallMonitor.Watched {
        @Override
        public long switches() {
            HostDriver l = loop.get();
            return l == null ? -1 : (long) TURNS.getOpaque(l);
        }

        @Override
        public boolean sleeping() {
            HostDriver l = loop.get();
            return l == null || MOUNTED.getOpaque(l) == null; // the host's own work is not the loop's
        }

        @Override
        public boolean gone() {
            HostDriver l = loop.get();
            return l == null || l.loop.isClosed() && l.loop.liveCount() == 0;
        }

        @Override
        public String holder() {
            HostDriver l = loop.get();
            ContinuationStrand s = l == null ? null : (ContinuationStrand) MOUNTED.getOpaque(l);
            Thread t = l == null ? null : l.hostThread;
            if (s == null || t == null) return "nothing any more";
            return "micro-thread " + s.microThread.quotedName() + MicroThread.stackText(t.getStackTrace());
        }
    }

    @Override
    Strand newStrand(MicroThread<?> m, String name) {
        return new ContinuationStrand(this, m, m::runBody);
    }

    @Override
    void start(Strand s) {
        ((ContinuationStrand) s).submit(true); // a refusal undoes the start (Loop.spawnIn)
    }

    /** On the host thread, after a micro-thread's turn, when none is queued. */
    void onIdle() {
        if (queued.get() == 0 && !loop.checkDeadlock(loop.internalWaits)) {
            // registry busy: look again in a moment, on the host thread (a wall-clock retry of the driver's own)
            Timers.schedule(1_000_000, () -> host.execute(() -> {
                if (queued.get() == 0) onIdle();
            }));
        }
    }

    @Override
    boolean oneCarrier() {
        return true;
    }

    @Override
    String kind() {
        return "host thread";
    }

    /** Refuses the host thread outside a micro-thread: close() would block the thread its micro-threads need. */
    @Override
    void beforeClose() {
        if (Thread.currentThread() == hostThread && MicroThread.currentOrNull() == null && !loop.microThreads().isEmpty()) {
            throw new IllegalStateException("close() called on the host thread of loop '" + name()
                    + "': it would block the thread its micro-threads need to end");
        }
    }
}
