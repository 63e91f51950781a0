package org.microthreads;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;

/**
 * {@link Generator.Implementation#MICRO_THREAD}, the fallback that needs no JVM flag: the body
 * runs in a micro-thread (the producer) started by the first {@code hasNext()} on the consumer's
 * loop, as a child of the consumer's micro-thread (so cancelling the consumer ends it).
 *
 * <p>Consumer and producer take turns, as a continuation and its caller do: the consumer hands
 * the turn over and waits for it back; the producer fills the buffer (one item when lazy), then
 * hands the turn back and waits. The hand-over is a {@link Baton}, a one-slot pipe specialised
 * for strict alternation (one volatile turn, the waiter's strand; the waiter spins a moment on
 * multi-core loops before parking, as pipe waits do). Two switches per buffer: lazy means two
 * per item, as a rendezvous ping-pong.
 *
 * <p>The producer is tied to the micro-thread that started it (the consumer of the first
 * {@code hasNext()}): when that micro-thread ends with the generator unfinished, the generator is
 * closed (its body stops in its emit), so an abandoned generator never keeps a {@code run}
 * waiting. A {@link #gate} makes that close and a consumer's call exclude each other.
 */
final class MicroThreadGenerator<T> extends GeneratorCore<T> {
    private static final int OUTSIDE = 0, INSIDE = 1, ORPHANED = 2;
    private static final VarHandle GATE;

    static {
        try {
            GATE = MethodHandles.lookup().findVarHandle(MicroThreadGenerator.class, "gate", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Baton baton = new Baton();
    private MicroThread<Void> producer;
    /** The producer's strand ({@link Park#currentWaiter()}), set when it starts. */
    private volatile Object producerStrand;
    /** OUTSIDE, INSIDE (a consumer call is in), ORPHANED (closed by the end of its starter). */
    private volatile int gate;
    /** The starter micro-thread, and the handle of the listener on its end; null for a plain thread. */
    private MicroThread<?> starter;
    private Object starterListener;

    MicroThreadGenerator(Generator.Body<T> body, int capacity) {
        super(body, capacity);
    }

    // ---- the consumer's side ----

    @Override
    void resume() {
        if (!GATE.compareAndSet(this, OUTSIDE, INSIDE)) {
            if (gate == INSIDE) throw busy(); // another thread is in it
            closing = true; // ORPHANED: its starter has ended, which closed it
            joinProducer();
            return;
        }
        MicroThread<?> self = MicroThread.currentOrNull();
        try {
            if (producer == null) {
                start(self);
            } else {
                baton.pass(Baton.PRODUCER);
            }
            baton.await(Baton.CONSUMER, self, WaitKind.GENERATOR_ITEM, this);
        } catch (InterruptedException e) {
            closing = true; // the body stops at its emit (which the interrupt reaches too)
            producer.cancel();
            joinProducer();
            CancellationException ce = new CancellationException("interrupted while waiting for the next item of " + this
                    + "; the generator was closed");
            ce.initCause(e);
            Throwable f = failure;
            failure = null; // closed, not failed; a failure of the body's own goes with the exception
            if (f != null && !causedByInterruption(f)) ce.addSuppressed(f);
            Park.selfInterrupt();
            throw ce;
        } finally {
            if (bodyEnded) forgetStarter();
            gate = OUTSIDE;
        }
    }

    private static boolean causedByInterruption(Throwable t) {
        for (; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof CancellationException) return true;
        }
        return false;
    }

    private void start(MicroThread<?> self) {
        producer = MicroThread.parallel(name, () -> {
            producerStrand = Park.currentWaiter();
            try {
                runBody();
            } finally {
                baton.pass(Baton.CONSUMER); // the end, after bodyEnded
            }
            return null;
        });
        if (self != null) {
            starter = self;
            starterListener = self.onDoneRemovable(this::starterEnded);
        }
    }

    /** The starter micro-thread ended (in its thread, or at once): close, unless a consumer is inside. */
    private void starterEnded() {
        if (GATE.compareAndSet(this, OUTSIDE, ORPHANED)) {
            closing = true;
            baton.pass(Baton.PRODUCER); // its emit throws Closing; run waits for it to end
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
        baton.pass(Baton.CONSUMER);
        try {
            baton.await(Baton.PRODUCER, MicroThread.currentOrNull(), WaitKind.GENERATOR_DEMAND, this);
        } catch (InterruptedException e) {
            Park.selfInterrupt();
            CancellationException ce = closing ? closing()
                    : new CancellationException("the producer of " + this + " was interrupted in emit");
            ce.initCause(e);
            throw ce;
        }
    }

    @Override
    void checkRunner() {
        Object p = producerStrand;
        if (p != Park.currentWaiter()) throw wrongEmitter(p);
    }

    /** The turn between a consumer and its producer. */
    static final class Baton {
        static final int PRODUCER = 0, CONSUMER = 1;
        private static final int SPINS = Integer.getInteger("microthreads.generator.spins", 200);
        private static final boolean MULTI_CORE = Runtime.getRuntime().availableProcessors() > 1;

        /** Whose turn it is: the producer's first (it starts running). */
        private volatile int turn = PRODUCER;
        /** The parked (or about to park) waiter of each side, for {@link Park#unpark}. */
        private volatile Object producerWaiter, consumerWaiter;

        /** Gives the turn to {@code side}, waking it if it waits. */
        void pass(int side) {
            turn = side;
            Object w = side == PRODUCER ? producerWaiter : consumerWaiter;
            if (w != null) Park.unpark(w);
        }

        /** Waits until it is {@code side}'s turn; {@code kind} and {@code target} for dumps. */
        void await(int side, MicroThread<?> self, WaitKind kind, Object target) throws InterruptedException {
            if (turn == side) return;
            if (MULTI_CORE && (self == null || !self.loop.oneCarrier())) {
                for (int i = 0; i < SPINS; i++) {
                    Thread.onSpinWait();
                    if (turn == side) return;
                }
            }
            Park.beginWait(self, kind, target, false);
            try {
                setWaiter(side, Park.currentWaiter());
                while (turn != side) {
                    Park.checkCancelled(self);
                    Park.parkUntil(target, Park.NONE);
                }
            } finally {
                setWaiter(side, null);
                Park.endWait(self);
            }
        }

        private void setWaiter(int side, Object w) {
            if (side == PRODUCER) producerWaiter = w; else consumerWaiter = w;
        }
    }
}
