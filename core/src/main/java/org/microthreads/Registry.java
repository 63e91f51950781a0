package org.microthreads;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The live micro-threads of a loop, for dumps, {@code close} and cancellation: an intrusive
 * doubly-linked list ({@link MicroThread#prev}/{@link MicroThread#next}), split into stripes
 * by id so that the shared loop's carriers rarely contend. Adding and removing is one
 * uncontended lock and four field writes; no node object, no resizing, no hashing (a
 * {@code ConcurrentHashMap} here cost ~65% of a 1M-spawn profile and 32 bytes per micro-thread).
 *
 * <p>It is also the loop's {@link Gate} ({@code close} waits for it to empty), counting under
 * the stripe locks it takes anyway instead of with a loop-wide atomic counter that every start
 * and end on every carrier would contend for. Dekker, as in {@code Gate}: a remover that empties
 * a stripe reads the waiter count after releasing the lock; a waiter registers, then reads the
 * sizes under the locks. One of them sees the other.
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
        int size;            // guarded by this lock
    }

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
            MicroThread<?> h = s.head;
            m.next = h;
            if (h != null) h.prev = m;
            s.head = m;
            s.size++;
        } finally {
            s.unlock();
        }
    }

    void remove(MicroThread<?> m) {
        Stripe s = stripes[(int) m.id & mask];
        boolean stripeEmptied;
        s.lock();
        try {
            MicroThread<?> p = m.prev, n = m.next;
            if (p != null) p.next = n; else if (s.head == m) s.head = n;
            if (n != null) n.prev = p;
            m.prev = m.next = null;
            stripeEmptied = --s.size == 0;
        } finally {
            s.unlock();
        }
        if (stripeEmptied && hasWaiters() && isEmpty()) wakeAll();
    }

    /** How many are live now. */
    int size() {
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

    @Override
    boolean isEmpty() {
        for (Stripe s : stripes) {
            s.lock();
            try {
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
                for (MicroThread<?> m = s.head; m != null; m = m.next) action.accept(m);
            } finally {
                s.unlock();
            }
        }
    }

    /**
     * As {@link #snapshot()} but never blocks (for carrier threads): null if a stripe is busy.
     * Unsorted.
     */
    List<MicroThread<?>> trySnapshot() {
        List<MicroThread<?>> list = new ArrayList<>();
        for (Stripe s : stripes) {
            if (!s.tryLock()) return null;
            try {
                for (MicroThread<?> m = s.head; m != null; m = m.next) list.add(m);
            } finally {
                s.unlock();
            }
        }
        return list;
    }

    /** A snapshot, oldest first. */
    List<MicroThread<?>> snapshot() {
        List<MicroThread<?>> list = new ArrayList<>();
        for (Stripe s : stripes) {
            s.lock();
            try {
                for (MicroThread<?> m = s.head; m != null; m = m.next) list.add(m);
            } finally {
                s.unlock();
            }
        }
        list.sort(Comparator.comparingLong(m -> m.id));
        return list;
    }
}
