package org.microthreads;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The live micro-threads of a loop, for dumps, {@code close} and cancellation: an intrusive
 * doubly-linked list ({@link MicroThread#prev}/{@link MicroThread#next}), split into stripes
 * by id so that the shared loop's carriers rarely contend. Adding is one uncontended lock and
 * four field writes; no node object, no resizing, no hashing (a {@code ConcurrentHashMap} here
 * cost ~65% of a 1M-spawn profile and 32 bytes per micro-thread).
 *
 * <p><b>Ending.</b> On a loop with one carrier an ending micro-thread unlinks itself (all on one
 * core, cheap). On a multi-core loop it usually ends on another core than the one that started
 * it, and unlinking there meant taking the stripe's lock and writing its neighbours, cache lines
 * the starting core then pulls back; so there it only marks itself {@link MicroThread#unlisted}
 * and pushes itself on its stripe's {@link Stripe#ended} stack (one CAS), and the stack is
 * drained (its entries unlinked, under the lock) by every 64th add to the stripe, by any listing,
 * and by the ending that makes it {@value #DRAIN_DEPTH} deep. Listings skip marked entries. An
 * ending with a failure unlinks at once: an unobserved failure outside any run is reported when
 * its handle becomes unreachable, which the list must not delay.
 *
 * <p>It is also the loop's {@link Gate} ({@code close} waits for it to empty), counting under the
 * stripe locks. Dekker, as in {@code Gate}: an ending micro-thread marks itself, then reads the
 * waiter count; a waiter registers, then reads the marks under the locks. One of them sees the
 * other.
 */
final class Registry extends Gate {
    /**
     * A {@link ReentrantLock}, so that the carrier of a single-carrier loop can read the
     * registry without ever blocking ({@link #trySnapshot()}). A carrier that blocked here could
     * queue behind one of its own micro-threads (contended lock: the micro-thread unmounts and
     * waits in the queue) and wait for a micro-thread that only it can run: a deadlock seen in
     * the stress tests. Owners never park while holding the lock.
     */
    private static final class Stripe extends ReentrantLock {
        MicroThread<?> head; // guarded by this lock
        int size;            // linked entries (ended ones not yet drained included); guarded by this lock
        int adds;            // guarded by this lock
        /** Ended entries still linked: a stack through {@link MicroThread#nextEnded}. */
        volatile MicroThread<?> ended;
    }

    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(Stripe.class, "ended", MicroThread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** How deep an ended stack may grow before the ending that makes it so drains it. */
    static final int DRAIN_DEPTH = 256;

    private final Stripe[] stripes;
    private final int mask;

    Registry(int minStripes) {
        int n = Integer.highestOneBit(Math.max(1, minStripes - 1)) << 1;
        if (minStripes <= 1) n = 1;
        stripes = new Stripe[n];
        for (int i = 0; i < n; i++) stripes[i] = new Stripe();
        mask = n - 1;
    }

    void add(MicroThread<?> m) {
        Stripe s = stripes[(int) m.id & mask];
        s.lock();
        try {
            if ((++s.adds & 63) == 0) drain(s);
            MicroThread<?> h = s.head;
            m.next = h;
            if (h != null) h.prev = m;
            s.head = m;
            s.size++;
        } finally {
            s.unlock();
        }
    }

    /**
     * {@code m} has ended: no listing shows it from now on. {@code now}: unlink it at once, else
     * leave that to a drain (see the class comment).
     */
    void remove(MicroThread<?> m, boolean now) {
        Stripe s = stripes[(int) m.id & mask];
        if (now) {
            s.lock();
            try {
                unlink(s, m);
                m.unlisted = true;
            } finally {
                s.unlock();
            }
        } else {
            m.unlisted = true;
            MicroThread<?> h;
            do {
                h = s.ended;
                m.nextEnded = h;
                m.endedDepth = h == null ? 1 : h.endedDepth + 1;
            } while (!ENDED.compareAndSet(s, h, m));
            if (m.endedDepth >= DRAIN_DEPTH && s.tryLock()) { // busy: a later ending or add drains it
                try {
                    drain(s);
                } finally {
                    s.unlock();
                }
            }
        }
        if (hasWaiters() && isEmpty()) wakeAll();
    }

    /**
     * Whether a listing shows {@code m}: not once its outcome is settled. A micro-thread leaves the
     * registry just after settling (its last action), and whoever observed the end ({@code join},
     * {@code parallelAll}) must not find it listed in between.
     */
    private static boolean listed(MicroThread<?> m) {
        return !m.unlisted && !m.settled();
    }

    /** Under s's lock; a no-op if m is not linked. */
    private static void unlink(Stripe s, MicroThread<?> m) {
        MicroThread<?> p = m.prev, n = m.next;
        if (p == null && s.head != m) return;
        if (p != null) p.next = n; else s.head = n;
        if (n != null) n.prev = p;
        m.prev = m.next = null;
        s.size--;
    }

    /** Under s's lock: unlinks the ended entries pushed so far. */
    private static void drain(Stripe s) {
        if (s.ended == null) return;
        MicroThread<?> m = (MicroThread<?>) ENDED.getAndSet(s, null);
        while (m != null) {
            MicroThread<?> n = m.nextEnded;
            m.nextEnded = null;
            unlink(s, m);
            m = n;
        }
    }

    /** Entries linked now, ended ones not yet unlinked included (for tests: how many the list keeps). */
    int linkedForTest() {
        int n = 0;
        for (Stripe s : stripes) {
            s.lock();
            try {
                n += s.size;
            } finally {
                s.unlock();
            }
        }
        return n;
    }

    /** How many stripes (for tests). */
    int stripeCount() {
        return stripes.length;
    }

    /** How many are live now. */
    int size() {
        int n = 0;
        for (Stripe s : stripes) {
            s.lock();
            try {
                drain(s);
                n += s.size;
            } finally {
                s.unlock();
            }
        }
        return n;
    }

    @Override
    boolean isEmpty() {
        for (Stripe s : stripes) {
            s.lock();
            try {
                drain(s);
                if (s.size != 0) return false;
            } finally {
                s.unlock();
            }
        }
        return true;
    }

    /** Runs {@code action} on each live micro-thread, under its stripe's lock: keep it short. */
    void forEach(java.util.function.Consumer<MicroThread<?>> action) {
        for (Stripe s : stripes) {
            s.lock();
            try {
                drain(s);
                for (MicroThread<?> m = s.head; m != null; m = m.next) if (listed(m)) action.accept(m);
            } finally {
                s.unlock();
            }
        }
    }

    /**
     * For the deadlock check: as {@link #snapshot(boolean) snapshot(true)} but never blocks (for
     * carrier threads): null if a stripe is busy. Unsorted.
     */
    List<MicroThread<?>> trySnapshot() {
        List<MicroThread<?>> list = new ArrayList<>();
        for (Stripe s : stripes) {
            if (!s.tryLock()) return null;
            try {
                drain(s);
                for (MicroThread<?> m = s.head; m != null; m = m.next) if (!m.unlisted) list.add(m); // one may end meanwhile
            } finally {
                s.unlock();
            }
        }
        return list;
    }

    /**
     * A snapshot, oldest first. {@code settledToo}: also those whose outcome is settled but that
     * still run (their last steps: a failure handler, the end of a run's scope), for reports about
     * what holds a loop; listings for users leave them out.
     */
    List<MicroThread<?>> snapshot(boolean settledToo) {
        List<MicroThread<?>> list = new ArrayList<>();
        for (Stripe s : stripes) {
            s.lock();
            try {
                drain(s);
                for (MicroThread<?> m = s.head; m != null; m = m.next) {
                    if (settledToo ? !m.unlisted : listed(m)) list.add(m); // one may end meanwhile
                }
            } finally {
                s.unlock();
            }
        }
        list.sort(Comparator.comparingLong(m -> m.id));
        return list;
    }
}
