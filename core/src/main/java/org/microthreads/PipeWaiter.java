package org.microthreads;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A blocked pipe operation: a plain {@code put}/{@code take} (one clause, {@code this} is also
 * its {@link Node}) or a {@link Select} (one {@link Node} per clause, all owned by one waiter).
 *
 * <p>State: {@code WAITING -> chosen(clause, closed)} (by a counterpart or a closing pipe, under
 * the lock of the pipe whose queue held the node) or {@code WAITING -> CANCELLED} (by the waiter
 * itself: interrupted, cancelled, timed out). One CAS decides, so an operation either happened or
 * did not: an interrupted put delivered its item or kept it, never both; an interrupted take
 * consumed nothing or returns what it consumed.
 */
class PipeWaiter {
    static final int WAITING = 0, CANCELLED = -1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PipeWaiter.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #WAITING}, {@link #CANCELLED}, or {@code 1 + 2 * clause + (closed ? 1 : 0)}. */
    private volatile int state;
    /** Who to {@link Park#unpark} when chosen. */
    final Object strand;

    PipeWaiter(Object strand) {
        this.strand = strand;
    }

    final int state() {
        return state;
    }

    static boolean chosen(int state) {
        return state > 0;
    }

    static int clause(int state) {
        return (state - 1) >> 1;
    }

    static boolean closed(int state) {
        return ((state - 1) & 1) != 0;
    }

    /** A counterpart (or close) picks {@code clause}; false if the waiter gave up or was already chosen. */
    final boolean choose(int clause, boolean closed) {
        return STATE.compareAndSet(this, WAITING, 1 + 2 * clause + (closed ? 1 : 0));
    }

    /** The waiter gives up; false if a counterpart chose it first (then the operation happened). */
    final boolean cancel() {
        return STATE.compareAndSet(this, WAITING, CANCELLED);
    }

    final void wake() {
        try {
            Park.unpark(strand);
        } catch (Throwable bug) { // a host executor that refused: the waiter's state is set anyway
            Loop.LOG.log(System.Logger.Level.ERROR, "waking a pipe waiter failed", bug);
        }
    }

    /**
     * One clause of a waiter, linked into a pipe's queue of takers or putters. Guarded by that
     * pipe's lock. For a plain operation the node is its own waiter.
     */
    static class Node extends PipeWaiter {
        final PipeWaiter owner;
        final int clause;
        /** A put's item; a take's received item (written before the owner is chosen). */
        Object item;
        Node prev, next;
        /** The queue this node is linked into, null once unlinked. */
        Queue queue;

        /** A plain operation's node: its own waiter. */
        Node(Object strand, Object item) {
            super(strand);
            this.owner = this;
            this.clause = 0;
            this.item = item;
        }

        /** Clause {@code clause} of a select. */
        Node(PipeWaiter owner, int clause, Object item) {
            super(null);
            this.owner = owner;
            this.clause = clause;
            this.item = item;
        }
    }

    /** A FIFO of nodes with O(1) removal; guarded by its pipe's lock. */
    static final class Queue {
        private Node head, tail;
        private int size;

        void add(Node n) {
            n.queue = this;
            n.prev = tail;
            if (tail == null) head = n; else tail.next = n;
            tail = n;
            size++;
        }

        Node poll() {
            Node n = head;
            if (n != null) unlink(n);
            return n;
        }

        void unlink(Node n) {
            if (n.queue != this) return; // already taken by a counterpart or close
            if (n.prev == null) head = n.next; else n.prev.next = n.next;
            if (n.next == null) tail = n.prev; else n.next.prev = n.prev;
            n.prev = n.next = null;
            n.queue = null;
            size--;
        }

        boolean isEmpty() {
            return head == null;
        }

        /** Nodes whose waiter still waits (dead ones are unlinked lazily). */
        int live() {
            int live = 0;
            for (Node n = head; n != null; n = n.next) {
                if (n.owner.state() == WAITING) live++;
            }
            return live;
        }

        int size() {
            return size;
        }
    }
}
