package org.microthreads;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Reports a micro-thread that holds the one thread of its loop (a single-carrier loop's carrier;
 * later a UI thread) too long without switching: meanwhile every other micro-thread of that loop
 * is starved. The anchor is gevent's {@code max_blocking_time} monitor: one daemon thread looks
 * at every watched loop each quarter of the limit, and when a loop's switch count has not moved
 * for the limit while its thread was busy, it logs a WARNING naming the holder, with its stack;
 * when the holder lets go, it logs how long it held on. Runs shorter than the limit are never
 * reported; a run is reported once it has lasted between the limit and the limit plus a look.
 * When the monitor itself oversleeps (a GC pause, a machine too busy to run it) it starts counting
 * afresh: a pause of the whole process is not a stall. A carrier thread that the operating system
 * alone does not run for the limit is, and is reported.
 *
 * <p>The limit is the system property {@code microthreads.stallMillis} (default 100; 0 turns the
 * monitor off), read when a loop is made. The watched loop pays one opaque counter write per
 * switch; the monitor never touches its loops' locks (it reads the registry like a dump does).
 */
final class StallMonitor {
    private StallMonitor() {}

    /** What a loop with one thread shows the monitor. */
    interface Watched {
        /** Grows each time the loop's thread switches to another task. */
        long switches();

        /** Whether the loop's thread sleeps now (holds nothing). */
        boolean sleeping();

        /** Whether the loop is gone (closed and its thread ended, or unreachable): stop watching. */
        boolean gone();

        /** The loop's name, for the report. */
        String loopName();

        /** Who holds the loop's thread now, with its stack, in words; for the report. */
        String holder();

        /** What the report advises, after naming the holder. */
        default String advice() {
            return "Every other micro-thread of the loop is starved meanwhile. Long computations belong on the shared loop"
                    + " or need MicroThread.yieldNow() now and then; blocking file I/O and native calls hold the thread too.";
        }
    }

    /** The limit in nanoseconds, from {@code microthreads.stallMillis}; 0: off. */
    static long limitNanos() {
        long millis = Long.getLong("microthreads.stallMillis", 100);
        return millis <= 0 ? 0 : millis * 1_000_000;
    }

    private static final Set<Entry> ENTRIES = ConcurrentHashMap.newKeySet();
    private static Thread thread; // guarded by StallMonitor.class

    /** Watches {@code w} with the current limit (nothing if the monitor is off). */
    static void watch(Watched w) {
        long limit = limitNanos();
        if (limit == 0) return;
        ENTRIES.add(new Entry(w, limit));
        Thread t;
        synchronized (StallMonitor.class) {
            if (thread == null) {
                thread = Thread.ofPlatform().daemon().name("microthreads-stall-monitor").start(StallMonitor::run);
            }
            t = thread;
        }
        LockSupport.unpark(t);
    }

    private static void run() {
        while (true) {
            if (ENTRIES.isEmpty()) {
                LockSupport.park(StallMonitor.class); // watch() unparks
                continue;
            }
            long look = Long.MAX_VALUE;
            for (Entry e : ENTRIES) look = Math.min(look, Math.max(1_000_000, e.limit / 4));
            long before = System.nanoTime();
            LockSupport.parkNanos(StallMonitor.class, look);
            long now = System.nanoTime();
            // Overslept: the whole process was stopped (a GC pause, the machine busy); the carriers
            // may not have run either, so that time is not counted against them.
            boolean overslept = now - before > 2 * look;
            for (Entry e : ENTRIES) {
                try {
                    if (e.watched.gone()) ENTRIES.remove(e); else e.look(now, overslept);
                } catch (Throwable bug) {
                    Loop.LOG.log(Level.ERROR, "the stall monitor failed on loop '" + e.watched.loopName() + "' (a microthreads bug)", bug);
                }
            }
        }
    }

    /** One watched loop and what the monitor saw of it last. Touched by the monitor thread only. */
    private static final class Entry {
        final Watched watched;
        final long limit;
        long lastSwitches = -1;
        long since;
        String reported; // the holder reported for the current stall, or null

        Entry(Watched watched, long limit) {
            this.watched = watched;
            this.limit = limit;
        }

        void look(long now, boolean overslept) {
            long s = watched.switches();
            if (overslept && reported == null) {
                lastSwitches = s;
                since = now;
                return;
            }
            if (s != lastSwitches || watched.sleeping()) { // sleeping() may take a stack: only when it did not switch
                if (reported != null) {
                    Loop.LOG.log(Level.WARNING, "loop '" + watched.loopName() + "' switches again: " + reported
                            + " let go of its thread after about " + (now - since) / 1_000_000 + " ms");
                    reported = null;
                }
                lastSwitches = s;
                since = now;
                return;
            }
            if (reported == null && now - since >= limit) {
                String holder = watched.holder(); // who, then its stack lines
                int end = holder.indexOf('\n') < 0 ? holder.length() : holder.indexOf('\n');
                reported = holder.substring(0, end);
                Loop.LOG.log(Level.WARNING, reported + " has held the thread of loop '"
                        + watched.loopName() + "' for over " + (now - since) / 1_000_000 + " ms without switching (limit "
                        + limit / 1_000_000 + " ms, system property microthreads.stallMillis). " + watched.advice()
                        + holder.substring(end));
            }
        }
    }
}
