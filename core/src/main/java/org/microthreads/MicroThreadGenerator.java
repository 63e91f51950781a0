package org.microthreads;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;

/**
 * {@link Generator.Implementation#MICRO_THREAD}, the fallback that needs no JVM flag: the body
 * runs in a micro-thread (the producer) started by the first {@code hasNext()} on the consumer's
 * loop, as a child of the consumer's micro-thread (so cancelling the consumer ends it).
 *
 * <p>Consumer and producer take turns, as a continuation and its caller do, through one volatile
 * {@link #turn}: the consumer hands the turn over and waits for it back; the producer fills the
 * buffer (one item when lazy), then hands the turn back and waits. The waiting side spins a
 * moment on multi-core loops before parking, as pipe waits do. Two switches per buffer: lazy
 * means two per item, as a rendezvous ping-pong. Strict alternation is what keeps the buffer
 * safe without a lock, so neither side ever runs out of turn:
 * <ul>
 *   <li>the producer, once it has handed the turn back, waits for it whatever happens: an
 *       interrupt meanwhile is kept for the body's next blocking point, as in
 *       {@link Generator.Implementation#CONTINUATION}, where the body does not run between
 *       calls at all; it stops waiting only when the generator is being closed;</li>
 *   <li>the consumer stops waiting when it is interrupted (then it closes the generator and
 *       waits for the producer's end) or when the producer micro-thread has ended, however it
 *       ended.</li>
 * </ul>
 *
 * <p>The producer is tied to the micro-thread that started it (the consumer of the first
 * {@code hasNext()}): when that micro-thread ends with the generator unfinished, the generator is
 * closed (its body stops in its emit), so an abandoned generator never keeps a {@code run}
 * waiting. A {@link #gate} makes that close and a consumer's call exclude each other; a call that
 * comes after it throws {@link IllegalStateException}, saying so.
 */
final class MicroThreadGenerator<T> extends GeneratorCore<T> {
    private static final int PRODUCER = 0, CONSUMER = 1;
    private static final int OUTSIDE = 0, INSIDE = 1, ORPHANED = 2;
    private static final int SPINS = Integer.getInteger("microthreads.generator.spins", 200);
    private static final boolean MULTI_CORE = Runtime.getRuntime().availableProcessors() > 1;
    private static final VarHandle GATE;

    static {
        try {
            GATE = MethodHandles.lookup().findVarHandle(MicroThreadGenerator.class, "gate", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Whose turn it is, and who waits for it: alone on its cache lines (see {@link Turn}). */
    private final Turn turn = new Turn();
    private MicroThread<Void> producer;
    /** Set once the producer micro-thread has ended, however (also when cancelled before its body ran). */
    private volatile boolean producerEnded;
    /** The producer's strand ({@link Park#currentWaiter()}), set when it starts. */
    private volatile Object producerStrand;
    /** OUTSIDE, INSIDE (a consumer call is in), ORPHANED (closed by the end of its starter). */
    private volatile int gate;
    /** Set when the starter micro-thread has ended (its name, for messages); the close follows. */
    private volatile String starterGone;
    /** The starter micro-thread, and the handle of the listener on its end; null for a plain thread. */
    private MicroThread<?> starter;
    private Object starterListener;

    MicroThreadGenerator(Generator.Body<T> body, int capacity) {
        super(body, capacity);
    }

    // ---- the consumer's side ----

    @Override
    void resume() {
        while (!GATE.compareAndSet(this, OUTSIDE, INSIDE)) {
            int g = gate;
            if (g == INSIDE) throw busy(); // another thread is in it
            if (g == ORPHANED) { // its starter's end closed it: wait for the body's end
                closing = true;
                joinProducer();
                dropBuffer();
                if (!closeCall) throw orphaned(); // a close() of it has nothing more to say
                return;
            }
        }
        MicroThread<?> self = MicroThread.currentOrNull();
        try {
            if (producer == null) {
                if (!start(self)) return;
            } else if (producerEnded) {
                producerGone();
                return;
            } else {
                pass(PRODUCER);
            }
            awaitTurn(CONSUMER, self, WaitKind.GENERATOR_ITEM);
            if (!bodyEnded && producerEnded) producerGone();
        } catch (InterruptedException e) {
            closing = true;
            pass(PRODUCER); // it stops waiting (closing), or stops at its next emit
            producer.cancel(); // and a body blocked elsewhere is interrupted
            joinProducer();
            dropBuffer();
            CancellationException ce = new CancellationException("interrupted while waiting for the next item of " + this
                    + "; the generator was closed");
            ce.initCause(e);
            Throwable f = failure;
            failure = null; // closed, not failed; a failure of the body's own goes with the exception
            if (f != null && !MicroThread.causedByCancellation(f)) ce.addSuppressed(f);
            Park.selfInterrupt();
            throw ce;
        } finally {
            if (bodyEnded) forgetStarter();
            gate = OUTSIDE;
            if (starterGone != null && !bodyEnded) starterEnded(); // it ended while we were in: close now
        }
    }

    /** What a call after the starter's end closed the generator throws. */
    private IllegalStateException orphaned() {
        IllegalStateException e = new IllegalStateException(this + " was closed when micro-thread '" + starterGone
                + "', which started it (its first hasNext()), ended: a MICRO_THREAD generator does not outlive that"
                + " micro-thread (a CONTINUATION one does)");
        if (failure != null) {
            e.addSuppressed(failure);
            failure = null;
        }
        return e;
    }

    /** The producer micro-thread ended without its body ending (cancelled, or its loop closed). */
    private void producerGone() {
        if (bodyEnded) return;
        bodyEnded = true;
        if (failure == null && !closing) {
            failure = new CancellationException("the micro-thread running the body of " + this
                    + " ended before the body did (cancelled, or its loop was closed)");
        }
    }

    /** Starts the producer; false if it could not be started (then the generator has failed). */
    private boolean start(MicroThread<?> self) {
        try {
            producer = Loop.current().parallelOutsideBlocks(name, () -> { // its lifetime is the generator's, not a block's
                producerStrand = Park.currentWaiter();
                try {
                    runBody();
                } finally {
                    if (gate == ORPHANED && failure != null) { // nobody will ask: never silent
                        Loop.LOG.log(System.Logger.Level.ERROR, this + " failed while being closed at the end of micro-thread '"
                                + starterGone + "', which started it", failure);
                        failure = null;
                    }
                    pass(CONSUMER); // the end, after bodyEnded
                }
                return null;
            });
        } catch (RuntimeException e) { // its loop is closed: the body never runs
            failure = e;
            bodyEnded = true;
            return false;
        }
        producer.onDone(() -> {
            producerEnded = true;
            Object w = turn.consumerWaiter;
            if (w != null) Park.unpark(w);
        });
        if (self != null) {
            starter = self;
            starterListener = self.onDoneRemovable(() -> {
                starterGone = self.name();
                starterEnded();
            });
        }
        return true;
    }

    /** The starter micro-thread has ended: close, unless a consumer is inside (which then does it on its way out). */
    private void starterEnded() {
        if (GATE.compareAndSet(this, OUTSIDE, ORPHANED)) {
            closing = true;
            pass(PRODUCER); // its emit throws Closing; run waits for it to end
        }
    }

    private void forgetStarter() {
        if (starter != null) {
            starter.removeListener(starterListener);
            starter = null;
            starterListener = null;
        }
    }

    @Override
    void afterClose() {
        joinProducer();
        forgetStarter();
    }

    /**
     * Waits for the producer micro-thread to end, without giving up: a close must leave nothing
     * running. An interruption meanwhile cancels the producer and is kept for later.
     */
    private void joinProducer() {
        if (producer == null || producer.settled()) return;
        MicroThread<?> self = MicroThread.currentOrNull();
        boolean interrupted = Park.interrupted(); // cleared while we wait, or the park would not block
        Object me = Park.currentWaiter();
        producer.onDone(() -> Park.unpark(me));
        Park.beginWait(self, WaitKind.JOIN, producer, false);
        try {
            while (!producer.settled()) {
                if (Park.interrupted()) {
                    interrupted = true;
                    producer.cancel();
                }
                Park.parkUntil(this, Park.NONE);
            }
        } finally {
            Park.endWait(self);
            if (interrupted) Park.selfInterrupt();
        }
    }

    // ---- the body's side (the producer) ----

    @Override
    void suspend() {
        Park.checkCanPark(); // before the turn is handed over: a refusal after it would break alternation
        Turn t = turn;
        t.side = CONSUMER; // handed over: from here the items are the consumer's
        try {
            Object w = t.consumerWaiter;
            if (w != null) Park.unpark(w);
            awaitTurn(PRODUCER, MicroThread.currentOrNull(), WaitKind.GENERATOR_DEMAND);
        } catch (InterruptedException cannotHappen) {
            throw new AssertionError(cannotHappen);
        } catch (RuntimeException | Error e) {
            // after the hand-off (a stack overflow deep in the wait): the consumer has the turn; the
            // body unwinds without touching the buffer, and waits for the turn at its top (regainTurn)
            turnLost = true;
            throw e;
        }
    }

    @Override
    void regainTurn() {
        if (!turnLost) return;
        Object w = turn.consumerWaiter; // the wake-up the failed wait may have missed
        if (w != null) Park.unpark(w);
        try {
            awaitTurn(PRODUCER, MicroThread.currentOrNull(), WaitKind.GENERATOR_DEMAND);
        } catch (InterruptedException cannotHappen) {
            throw new AssertionError(cannotHappen);
        }
    }

    @Override
    void checkRunner() {
        Object p = producerStrand;
        if (p != Park.currentWaiter()) throw wrongEmitter(p);
    }

    // ---- the turn ----

    /** Padding in front of {@link TurnFields} (a superclass's fields come first in an object). */
    @SuppressWarnings("unused")
    private static class TurnPadBefore {
        long p0, p1, p2, p3, p4, p5, p6, p7;
    }

    private static class TurnFields extends TurnPadBefore {
        /** Whose turn it is: the producer's first (it starts running). */
        volatile int side = PRODUCER;
        /** The parked (or about to park) waiter of each side, for {@link Park#unpark}. */
        volatile Object producerWaiter, consumerWaiter;
    }

    /**
     * The turn on cache lines of its own. The side waiting for it spins reading {@code side}; were
     * it next to the fields the other side writes while it has the turn (the buffer, the state,
     * the gate), each of those writes would pull the line away from the spinner and back. On the
     * 2-core machine (2026-12-02) this took a lazy item on the shared loop from ~690 to ~520 ns
     * (median of 25 runs); handing a boxed item over through a bare padded cell costs ~440 ns there.
     */
    @SuppressWarnings("unused")
    private static final class Turn extends TurnFields {
        long q0, q1, q2, q3, q4, q5, q6, q7;
    }

    /** Gives the turn to {@code side}, waking it if it waits. */
    private void pass(int side) {
        Turn t = turn;
        t.side = side;
        Object w = side == PRODUCER ? t.producerWaiter : t.consumerWaiter;
        if (w != null) Park.unpark(w);
    }

    /** Whether {@code side} may stop waiting: its turn, or (producer) a close, or (consumer) the producer's end. */
    private boolean mayGo(int side) {
        return turn.side == side || (side == PRODUCER ? closing : producerEnded);
    }

    /**
     * Waits until {@link #mayGo}. The consumer's wait honours interruption and cancellation
     * (throws); the producer's does not: an interrupt is kept for after it. The spin reads only
     * the turn (a close and the producer's end pass the turn too; the park loop checks them all).
     */
    private void awaitTurn(int side, MicroThread<?> self, WaitKind kind) throws InterruptedException {
        Turn t = turn;
        if (t.side == side) return;
        if (MULTI_CORE && (self == null || !self.loop.oneCarrier())) {
            for (int i = 0; i < SPINS; i++) {
                Thread.onSpinWait();
                if (t.side == side) return;
            }
        }
        boolean interrupted = false;
        Park.beginWait(self, kind, this, false);
        try {
            Object me = Park.currentWaiter();
            if (side == PRODUCER) t.producerWaiter = me; else t.consumerWaiter = me;
            while (!mayGo(side)) {
                if (side == CONSUMER) {
                    Park.checkCancelled(self);
                } else if (Park.interrupted()) {
                    interrupted = true; // cleared, or the park would not block
                }
                Park.parkUntil(this, Park.NONE);
            }
        } finally {
            if (side == PRODUCER) t.producerWaiter = null; else t.consumerWaiter = null;
            Park.endWait(self);
            if (interrupted) Park.selfInterrupt();
        }
    }
}
