package org.microthreads;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.microthreads.internal.JdkInternals;
import org.microthreads.spi.UiToolkit;

/**
 * The driver of a host loop: its micro-threads are continuations mounted on one host thread (a UI
 * thread, for the UI loops), reached through an {@link Executor} that runs its tasks on that thread, in order
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
    /** A slice's length: ready micro-threads run until it has passed, then the host's other tasks get their turn. */
    static final long SLICE_NANOS = Long.getLong("microthreads.sliceMicros", 4_000) * 1_000;
    /** The UI loops, for {@link #refuseUiThread()}: a few per process, never closed. */
    private static final CopyOnWriteArrayList<HostDriver> UI = new CopyOnWriteArrayList<>();

    final Executor host;
    /** The toolkit of a UI loop, or null. */
    final UiToolkit toolkit;
    /** Micro-threads ready to run, in the order they became ready. */
    private final ConcurrentLinkedQueue<ContinuationStrand> ready = new ConcurrentLinkedQueue<>();
    /** Whether a slice is posted to the host and has not begun. */
    private final AtomicBoolean posted = new AtomicBoolean();
    private final Runnable slice = this::slice;
    /** The thread inside {@code host.execute(slice)} now: a slice run there ran inline. */
    private volatile Thread posting;
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
        this(Objects.requireNonNull(host, "host"), null);
    }

    /** A UI loop's driver. */
    HostDriver(UiToolkit toolkit) {
        this(Objects.requireNonNull(toolkit, "toolkit")::post, toolkit);
    }

    private HostDriver(Executor host, UiToolkit toolkit) {
        String what = toolkit == null ? "host loops" : toolkit.name() + " UI loops";
        JdkInternals.requireContinuations(what);   // throws without the flag, naming it
        JdkInternals.requireMonitorCheck(what);
        this.host = host;
        this.toolkit = toolkit;
    }

    @Override
    void attach(Loop loop) {
        super.attach(loop);
        ContinuationStrand.anyHostLoop = true;
        if (toolkit != null) UI.add(this);
        StallMonitor.watch(new Watch(loop.name(), new java.lang.ref.WeakReference<>(this)));
    }

    /**
     * Throws if the caller is the UI thread of a UI loop, outside its micro-threads: a wait of the
     * library there would block the UI thread, and the window would freeze until it ends.
     */
    static void refuseUiThread() {
        Thread t = Thread.currentThread();
        if (t.isVirtual()) return;
        for (HostDriver d : UI) {
            Thread h = d.hostThread;
            // h dead: the toolkit has replaced its UI thread (Swing starts a new EDT after an AWT auto-shutdown)
            if (h == t || (h == null || !h.isAlive()) && d.toolkit.isUiThread()) {
                throw new IllegalStateException("a wait of microthreads on the " + d.toolkit.name() + " UI thread ("
                        + t.getName() + "), outside a micro-thread of its UI loop '" + d.name() + "': it would block the UI"
                        + " thread, and the window would freeze until it ends. Wait inside a micro-thread of the UI loop"
                        + " (start one from the listener), or run the work with " + d.toolkit.offloadCall());
            }
        }
    }

    // =====================================================================================
    // Ready queue and time slices
    // =====================================================================================

    /**
     * Makes {@code s} ready (its state is already QUEUED) and posts a slice unless one is posted.
     * {@code rethrow}: for the first start, so that the loop can undo a start the host refused;
     * later ones can only log.
     */
    void submit(ContinuationStrand s, boolean rethrow) {
        queued.incrementAndGet();
        ready.add(s);
        RuntimeException refused = postUnlessPosted();
        if (refused != null) {
            if (ready.remove(s)) queued.decrementAndGet();
            if (rethrow) throw refused;
            Loop.LOG.log(System.Logger.Level.ERROR, "the host of loop '" + name() + "' refused micro-thread '"
                    + s.microThread.name() + "': it cannot run any more", refused);
        }
    }

    /** Posts a slice unless one is posted; returns the host's refusal, if it refused. */
    private RuntimeException postUnlessPosted() {
        if (posted.get() || !posted.compareAndSet(false, true)) return null;
        posting = Thread.currentThread();
        try {
            host.execute(slice);
            return null;
        } catch (RuntimeException e) {
            posted.set(false);
            return e;
        } finally {
            posting = null;
        }
    }

    /** On the host thread: runs ready micro-threads for up to a slice. */
    private void slice() {
        if (posting == Thread.currentThread()) {
            posted.set(false);
            throw new IllegalStateException("the host executor of loop '" + name() + "' ran a task inline, inside its"
                    + " execute(...); a host executor must queue its tasks (as SwingUtilities.invokeLater does)");
        }
        posted.set(false); // from now on a micro-thread made ready posts the next slice (see the class comment)
        long end = System.nanoTime() + SLICE_NANOS;
        ContinuationStrand s;
        while ((s = ready.poll()) != null) {
            // others still ready: the next slice is posted before this turn, which may not come back
            // soon (a modal dialog's nested pump inside it runs the next slice, so they still run)
            if (!ready.isEmpty()) postNext();
            s.run();
            if (System.nanoTime() - end >= 0) break;
        }
        if (!ready.isEmpty()) postNext();
    }

    /** Posts the next slice unless one is posted; a refusal can only be logged. */
    private void postNext() {
        RuntimeException refused = postUnlessPosted();
        if (refused != null) {
            Loop.LOG.log(System.Logger.Level.ERROR, "the host of loop '" + name() + "' refused its next slice: "
                    + ready.size() + " micro-threads cannot run any more", refused);
        }
    }

    String name() {
        return loop.name();
    }

    /**
     * On the host thread: {@code s}'s turn begins; returns the strand it runs above (one in a
     * nested event loop below it), for {@link #turnEnds}. Opaque stores: no fence.
     */
    ContinuationStrand turnBegins(ContinuationStrand s) {
        ContinuationStrand below = mounted;
        TURNS.setOpaque(this, turns + 1);
        MOUNTED.setOpaque(this, s);
        return below;
    }

    /** On the host thread: a turn ends; {@code below} as {@link #turnBegins} returned it. */
    void turnEnds(ContinuationStrand below) {
        MOUNTED.setOpaque(this, below);
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
            if (l == null || MOUNTED.getOpaque(l) == null) return true; // the host's own work is not the loop's
            return l.toolkit != null && l.pumpsAboveMicroThread();
        }

        @Override
        public String advice() {
            HostDriver l = loop.get();
            if (l == null || l.toolkit == null) return StallMonitor.Watched.super.advice();
            return "The " + l.toolkit.name() + " UI thread is blocked meanwhile: the window does not repaint nor take input."
                    + " A JDK blocking call (Thread.sleep, a socket read, Future.get, a lock) or a long computation in a UI"
                    + " micro-thread holds the UI thread itself: run it with " + l.toolkit.offloadCall()
                    + ", which waits for it without holding the UI thread.";
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

    /**
     * Whether the UI thread runs the toolkit's event pump above the mounted micro-thread (a modal
     * dialog opened inside it): then it is not holding the UI thread. Takes the thread's stack.
     */
    private boolean pumpsAboveMicroThread() {
        Thread t = hostThread;
        if (t == null) return false;
        for (StackTraceElement f : t.getStackTrace()) {
            if (toolkit.isEventPump(f)) return true;
            if (JdkInternals.isHostContinuationEntry(f)) return false; // the micro-thread's own frames end here
        }
        return false;
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
        return toolkit == null ? "host thread" : toolkit.name() + " UI thread";
    }

    /** A UI loop lives as long as its toolkit: never closed. */
    @Override
    boolean closeable() {
        return toolkit == null;
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
