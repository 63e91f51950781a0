package org.microthreads;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.microthreads.internal.JdkInternals;

/**
 * A loop whose micro-threads are continuations mounted on one host thread (later: a UI
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
final class HostLoop extends Loop {
    final Executor host;
    /** The host thread, once it has run a task (for the close() check and dumps). */
    volatile Thread hostThread;
    /** Micro-threads submitted to the host and not yet run. */
    final AtomicInteger queued = new AtomicInteger();

    HostLoop(String name, Executor host) {
        super(name, 1);
        Objects.requireNonNull(host, "host");
        JdkInternals.requireContinuations("host loops");   // throws without the flag, naming it
        JdkInternals.requireMonitorCheck("host loops");
        this.host = host;
        ContinuationStrand.anyHostLoop = true;
    }

    @Override
    ThreadFactory factory() {
        throw new UnsupportedOperationException("a host loop's micro-threads are continuations, not threads");
    }

    @Override
    Object newStrand(MicroThread<?> m, MicroThread.Anchor anchor, String name) {
        return new ContinuationStrand(this, m, anchor);
    }

    @Override
    void startStrand(Object strand) {
        ((ContinuationStrand) strand).submit(true); // a refusal undoes the start (Loop.spawnIn)
    }


    /** On the host thread, after a micro-thread's turn, when none is queued. */
    void onIdle() {
        if (queued.get() == 0 && !checkDeadlock(internalWaits)) {
            // registry busy: look again in a moment, on the host thread
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

    /** @throws IllegalStateException also if called from the host thread outside a micro-thread */
    @Override
    public void close() {
        if (Thread.currentThread() == hostThread && MicroThread.currentOrNull() == null && !microThreads().isEmpty()) {
            throw new IllegalStateException("close() called on the host thread of loop '" + name()
                    + "': it would block the thread its micro-threads need to end");
        }
        super.close();
    }
}
