package org.microthreads;

import java.lang.System.Logger.Level;
import java.lang.ref.WeakReference;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.microthreads.internal.JdkInternals;

/**
 * The driver of a single-carrier loop: virtual threads whose continuations all run on one
 * platform thread (a {@link CarrierExecutor}), one at a time, in FIFO order.
 *
 * <p>Deadlock detection: {@link Loop#internalWaits} counts micro-threads in a wait that only
 * another micro-thread of this loop can end (a join without timeout). Both it and the carrier's
 * idle check run on the carrier thread only. When the carrier is idle (no task queued), the
 * check finds the micro-threads nothing can wake ({@link Deadlocks}) and reports them.
 *
 * <p>The carrier thread refers to the loop only weakly (its idle check, the stall monitor), so a
 * loop nobody refers to any more is collected even if never closed; a cleaner then stops its
 * carrier, and says so if micro-threads were still in it.
 */
final class CarrierDriver extends LoopDriver {
    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create(
            Thread.ofPlatform().daemon().name("microthreads-loop-cleaner").factory());

    private final String name;
    private final CarrierExecutor carrier;
    /** An I/O loop's selector, or null. */
    private final IoPoller io;
    private final ThreadFactory factory;
    /** The loop, weakly: the carrier thread (through its idle check) must not keep an unreachable loop alive. */
    private final WeakLoop self = new WeakLoop();

    /** Checks and prepares; nothing starts before {@link #attach}. */
    CarrierDriver(String name) {
        this(name, false);
    }

    /** {@code withIo}: an I/O loop, whose carrier polls a selector of its own ({@link IoPoller}). */
    CarrierDriver(String name, boolean withIo) {
        this.name = name;
        this.io = withIo ? new IoPoller(name) : null;
        this.carrier = new CarrierExecutor(name, self::idle, io);
        this.factory = JdkInternals.virtualThreadBuilder(carrier, "single-carrier loops").factory(); // throws without the flag
    }

    @Override
    void attach(Loop loop) {
        super.attach(loop);
        self.loop = new WeakReference<>(loop);
        carrier.start();
        CLEANER.register(loop, new Release(name, carrier, loop.rootScope.liveCounter()));
        StallMonitor.watch(new Watch(name, carrier, self));
    }

    /** Holds the loop weakly; refers to nothing else (it is reachable from the carrier thread). */
    private static final class WeakLoop {
        volatile WeakReference<Loop> loop = new WeakReference<>(null);

        Loop get() {
            return loop.get();
        }

        /** The carrier's idle check; false: the registry was busy, check again in a moment. */
        boolean idle() {
            Loop l = get();
            return l == null || l.checkDeadlock(l.internalWaits);
        }
    }

    /** Whether the carrier sleeps, its idle check run after its last task (for tests). */
    boolean carrierSleepsForTest() {
        return carrier.sleeping();
    }

    @Override
    ThreadFactory threadFactory() {
        return factory;
    }

    @Override
    boolean oneCarrier() {
        return true;
    }

    @Override
    IoPoller ioPoller() {
        return io;
    }

    @Override
    String kind() {
        return io != null ? "single carrier, I/O" : "single carrier";
    }

    @Override
    void afterClose(boolean allEnded) {
        carrier.stop();
    }

    /** Whether {@code m} is mounted on this loop's carrier now (racy; for reports). */
    @Override
    boolean holdsCarrier(MicroThread<?> m) {
        return m.strand instanceof ThreadStrand s && JdkInternals.carrierOf(s.thread) == carrier.carrierThread();
    }

    @Override
    String afterCloseNote(MicroThread<?> holder) {
        String thread = "'" + carrier.carrierThread().getName() + "'";
        if (holder != null) {
            return "The carrier thread " + thread + " stays with " + holder.quotedName() + " until it blocks, yields or ends: no"
                    + " one can take it back. Then it stops, and whatever is left goes on, one at a time, on the"
                    + " orphan carrier thread 'microthreads-orphan-carrier' (shared by closed loops).";
        }
        return "The carrier thread " + thread + " stops once its queue is empty; what is left goes on, one at a time, on"
                + " the orphan carrier thread 'microthreads-orphan-carrier' (shared by closed loops).";
    }

    /** What the stall monitor sees of this loop: refers to it weakly. */
    private record Watch(String loopName, CarrierExecutor carrier, WeakLoop loop)
            implements StallMonitor.Watched {
        @Override
        public long switches() {
            return carrier.switches();
        }

        @Override
        public boolean sleeping() {
            return carrier.sleeping();
        }

        @Override
        public boolean gone() {
            return carrier.stopped() || loop.get() == null;
        }

        @Override
        public String holder() {
            Loop l = loop.get();
            MicroThread<?> m = l == null ? null : l.carrierHolder(l.snapshotWithEnding());
            if (m != null) return "micro-thread " + m.quotedName() + MicroThread.stackText(m.stackTrace());
            return "the carrier (no micro-thread of the loop is mounted on it: the JDK's own code; its stack follows)"
                    + MicroThread.stackText(carrier.carrierThread().getStackTrace());
        }
    }

    /** Run once the loop is unreachable: stops its carrier. Must not refer to the loop. */
    private record Release(String name, CarrierExecutor carrier, AtomicInteger outsideRuns) implements Runnable {
        @Override
        public void run() {
            if (carrier.stopped()) return; // closed
            carrier.stop();
            int left = outsideRuns.get();
            if (left > 0) {
                Loop.LOG.log(Level.WARNING, "loop '" + name + "' became unreachable without close() while " + left + " micro-thread"
                        + (left == 1 ? " was" : "s were") + " still in it, waiting for something nothing can do any more;"
                        + " its carrier thread is stopped. Close loops when done (try-with-resources).");
            }
        }
    }
}
