package org.microthreads;

import java.util.concurrent.CancellationException;

/**
 * A one-shot result cell with waiters: the hidden Deferred behind {@link MicroThread#join()},
 * {@link Deferred} and awaiting futures.
 *
 * <p>States: {@code PENDING -> VALUE | FAILED | CANCELLED}, each transition once, under the
 * monitor; waiters and listeners are taken under the monitor and woken outside it.
 */
class Completion<T> {
    static final int PENDING = 0, VALUE = 1, FAILED = 2, CANCELLED = 3;

    private volatile int state;
    private T value;
    private Throwable failure;
    /** Waiters and listeners, newest first; guarded by {@code this}. */
    private Node waiters;

    private static final class Node {
        final Object waiter;
        final Runnable listener;
        Node next;

        Node(Object waiter, Runnable listener) {
            this.waiter = waiter;
            this.listener = listener;
        }
    }

    final int stateCode() {
        return state;
    }

    final boolean settled() {
        return state != PENDING;
    }

    boolean complete(T v) {
        return settle(VALUE, v, null);
    }

    boolean fail(Throwable t) {
        return settle(FAILED, null, t);
    }

    boolean settleCancelled(Throwable cause) {
        return settle(CANCELLED, null, cause);
    }

    private boolean settle(int newState, T v, Throwable t) {
        Node list;
        synchronized (this) {
            if (state != PENDING) return false;
            value = v;
            failure = t;
            state = newState;
            list = waiters;
            waiters = null;
        }
        Node fifo = null; // the list is newest first: wake in arrival order
        while (list != null) {
            Node next = list.next;
            list.next = fifo;
            fifo = list;
            list = next;
        }
        for (Node n = fifo; n != null; n = n.next) {
            if (n.waiter != null) {
                try {
                    Park.unpark(n.waiter);
                } catch (Throwable bug) { // a host executor that refused: wake the others anyway
                    Loop.LOG.log(System.Logger.Level.ERROR, "waking a waiter failed", bug);
                }
            } else {
                try {
                    n.listener.run();
                } catch (Throwable bug) {
                    Loop.LOG.log(System.Logger.Level.ERROR, "a completion listener threw (a microthreads bug)", bug);
                }
            }
        }
        return true;
    }

    /**
     * As {@link #onDone}, and returns a handle for {@link #removeListener} (null if it ran now).
     * For listeners that usually become moot before the end: removing them keeps a long-lived
     * completion from collecting them.
     */
    final Object onDoneRemovable(Runnable listener) {
        synchronized (this) {
            if (state == PENDING) {
                Node n = new Node(null, listener);
                n.next = waiters;
                waiters = n;
                return n;
            }
        }
        listener.run();
        return null;
    }

    /** Takes out a listener {@link #onDoneRemovable} added, if it has not run yet. */
    final void removeListener(Object handle) {
        if (handle != null) remove((Node) handle);
    }

    /**
     * As {@link #onDone}, unless a listener of the same class added by this method is still
     * pending: then that one is returned and {@code listener} is dropped. For a listener that must
     * exist at most once per completion without a field for it (the future view).
     */
    @SuppressWarnings("unchecked")
    final <L extends Runnable> L onDoneOnce(L listener) {
        synchronized (this) {
            if (state == PENDING) {
                for (Node n = waiters; n != null; n = n.next) {
                    if (n.listener != null && n.listener.getClass() == listener.getClass()) return (L) n.listener;
                }
                Node n = new Node(null, listener);
                n.next = waiters;
                waiters = n;
                return listener;
            }
        }
        listener.run();
        return listener;
    }

    /** Runs {@code listener} once this is done: now, in this thread, if it already is. */
    final void onDone(Runnable listener) {
        onDoneRemovable(listener);
    }

    /**
     * Waits until done or {@code deadline}; returns whether done. Honours interruption and the
     * sticky cancellation of {@code self}.
     */
    final boolean await(MicroThread<?> self, WaitKind kind, Object target, boolean internal, long deadline)
            throws InterruptedException {
        if (state != PENDING) return true;
        Park.checkCancelled(self);
        if (Park.expired(deadline)) return state != PENDING; // a timeout of zero or less: look once, never park
        Node me = new Node(Park.currentWaiter(), null);
        synchronized (this) {
            if (state != PENDING) return true;
            me.next = waiters;
            waiters = me;
        }
        Park.beginWait(self, kind, target, internal && deadline == Park.NONE);
        try {
            while (state == PENDING) {
                Park.checkCancelled(self);
                if (Park.expired(deadline)) return false;
                Park.parkUntil(this, deadline);
            }
            return true;
        } finally {
            Park.endWait(self);
            if (state == PENDING) remove(me);
        }
    }

    private synchronized void remove(Node target) {
        Node prev = null;
        for (Node n = waiters; n != null; prev = n, n = n.next) {
            if (n == target) {
                if (prev == null) waiters = n.next; else prev.next = n.next;
                return;
            }
        }
    }

    /** The value, or the failure as the exceptions of {@link MicroThread#join()}; only when done. */
    final T resultOrThrow(Object who) {
        if (state == VALUE) return value; // no message to build on the fast path
        return switch (state) {
            case VALUE -> value;
            case FAILED -> throw FailedException.of(describe(who) + " failed", failure);
            case CANCELLED -> {
                CancellationException ce = new CancellationException(describe(who) + " was cancelled");
                if (failure != null) ce.initCause(failure);
                throw ce;
            }
            default -> throw new IllegalStateException(describe(who) + " is not done");
        };
    }

    private static String describe(Object who) {
        return who instanceof MicroThread<?> m ? "micro-thread '" + m.name() + "'" : String.valueOf(who);
    }

    final Throwable failure() {
        return state == PENDING ? null : failure;
    }
}
