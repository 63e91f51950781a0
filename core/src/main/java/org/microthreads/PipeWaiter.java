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
     * Called once by the waiter itself when it gave up ({@link #cancel()} won): takes its nodes
     * out of their pipes' queues, so that nothing is left registered.
     */
    void giveUp() {}

    /**
     * Waits, in the waiting strand, until a counterpart or a closing pipe chooses this waiter, and
     * returns the chosen state; or gives up: on a timeout it returns {@link #CANCELLED}, on
     * interruption or cancellation it throws, both after {@link #giveUp()}. If giving up loses to
     * a counterpart, the operation happened: it returns normally and keeps the interrupt for the
     * next blocking point. {@code target} is what dumps show after {@code kind}, and the park's
     * blocker.
     */
    final int await(MicroThread<?> self, WaitKind kind, Object target, boolean internal, long deadline)
            throws InterruptedException {
        int s = spin(self);
        if (s != WAITING) return s;
        Park.beginWait(self, kind, target, internal);
        try {
            while ((s = state) == WAITING) {
                try {
                    Park.checkCancelled(self);
                } catch (InterruptedException e) {
                    if (cancel()) {
                        giveUp();
                        throw e;
                    }
                    Park.selfInterrupt(); // lost the race: the operation happened
                    continue;
                }
                if (Park.expired(deadline) && cancel()) {
                    giveUp();
                    return CANCELLED;
                }
                Park.parkUntil(target, deadline);
            }
            return s;
        } finally {
            Park.endWait(self);
        }
    }

    /** How many {@link Thread#onSpinWait()}s a waiter spins before parking; {@code -Dmicrothreads.pipe.spins=0} turns it off. */
    private static final int SPINS = Integer.getInteger("microthreads.pipe.spins", 50);
    private static final boolean MULTI_CORE = Runtime.getRuntime().availableProcessors() > 1;

    /**
     * Before parking on a multi-core loop (or a platform thread), spins a moment for a counterpart
     * running on another core to choose this waiter: a park and the unpark that ends it cost
     * microseconds there. Never on a one-carrier loop: the counterpart cannot run meanwhile.
     */
    private int spin(MicroThread<?> self) {
        int s = state;
        if (!MULTI_CORE || (self != null && self.loop.oneCarrier())) return s;
        for (int i = 0; i < SPINS && (s = state) == WAITING; i++) Thread.onSpinWait();
        return s;
    }

    /**
     * One clause of a waiter, linked into a pipe's queue of takers or putters. Guarded by that
     * pipe's lock. For a plain operation the node is its own waiter.
     */
    static class Node extends PipeWaiter {
        /** The pipe whose queue holds it (its lock guards the links below). */
        final Pipe<?> pipe;
        final PipeWaiter owner;
        final int clause;
        /** A put's item; a take's received item (written before the owner is chosen). */
        Object item;
        Node prev, next;
        /** The queue this node is linked into, null once unlinked. */
        Queue queue;

        /** A plain operation's node: its own waiter. */
        Node(Pipe<?> pipe, Object strand, Object item) {
            super(strand);
            this.pipe = pipe;
            this.owner = this;
            this.clause = 0;
            this.item = item;
        }

        /** Clause {@code clause} of a select. */
        Node(Pipe<?> pipe, PipeWaiter owner, int clause, Object item) {
            super(null);
            this.pipe = pipe;
            this.owner = owner;
            this.clause = clause;
            this.item = item;
        }

        @Override
        void giveUp() {
            pipe.unlink(this);
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

        /**
         * Takes nodes out until one whose waiter it could choose ({@code closed}: for the end of
         * the pipe); returns that node, whose waiter the caller must {@link #wake()}, or null.
         * Dead nodes (waiters that gave up or chose another clause) are dropped on the way.
         */
        Node chooseFirst(boolean closed) {
            for (Node n; (n = poll()) != null; ) {
                if (n.owner.choose(n.clause, closed)) return n;
            }
            return null;
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

        /**
         * The first live waiter that may not use a pipe confined to {@code scope} (see
         * {@link Pipe#confined()}): described for a message, or null.
         */
        String firstWaiterOutside(Scope scope) {
            for (Node n = head; n != null; n = n.next) {
                if (n.owner.state() != WAITING) continue;
                Object strand = n.owner.strand;
                MicroThread<?> m = MicroThread.ofStrand(strand);
                if (m == null || m.loop != scope.loop) return strand + ", which is not a micro-thread of that loop,";
                if (scope.isRun() && m.scope != scope) return "micro-thread " + m.quotedName() + ", which is not of that run,";
            }
            return null;
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
