package org.microthreads;

import java.util.concurrent.CancellationException;

/**
 * {@link Generator.Implementation#MICRO_THREAD}, the fallback that needs no JVM flag: the body
 * runs in a micro-thread (the producer) started by the first {@code hasNext()} on the consumer's
 * loop, as a child of the consumer's micro-thread (so cancelling the consumer ends it). Items go
 * through a pipe the producer {@linkplain Pipe#ownedBy owns}: its end closes the pipe, its
 * failure fails it.
 *
 * <p>Lazy: the items pipe is a rendezvous, and after each item the producer waits on a second
 * rendezvous pipe for the consumer's next demand, so the body runs only as far as asked (two
 * hand-offs per item). Buffered: the items pipe is {@code buffered(capacity)} and there is no
 * demand pipe. Closing closes both pipes: the producer's next emit throws
 * {@link GeneratorCore.Closing}; {@code close()} then joins the producer.
 */
final class MicroThreadGenerator<T> extends GeneratorCore<T> {
    private static final Object DEMAND = "next item, please";

    private final Pipe<T> items;
    /** Lazy only: the consumer's request for the next item. */
    private final Pipe<Object> demand;
    private MicroThread<Void> producer;
    private volatile Thread producerThread;
    private volatile boolean closing;
    /** An item taken from the pipe and not yet returned by next(). */
    private T lookahead;

    MicroThreadGenerator(Generator.Body<T> body, int capacity) {
        super(body, capacity);
        this.items = (capacity == 0 ? Pipe.<T>rendezvous() : Pipe.<T>buffered(capacity)).named("items of " + name);
        this.demand = capacity == 0 ? Pipe.rendezvous().named("demand of " + name) : null;
    }

    // ---- the consumer's side ----

    @Override
    boolean hasNext() {
        if (lookahead != null) return true;
        switch (state) {
            case NEW, SUSPENDED -> { }
            case RUNNING -> throw busy();
            case FAILED -> {
                if (failureDelivered) return false;
                throw deliverFailure();
            }
            default -> {
                return false;
            }
        }
        boolean first = state == NEW;
        state = RUNNING;
        try {
            if (first) start();
            else if (demand != null) demand.put(DEMAND);
            T item = items.takeOrClosed();
            if (item != null) {
                lookahead = item;
                state = SUSPENDED;
                return true;
            }
            state = DONE;
            return false;
        } catch (FailedException e) { // the producer failed: the pipe carries its failure
            state = FAILED;
            failure = e.getCause();
            throw deliverFailure();
        } catch (InterruptedException e) {
            state = SUSPENDED;
            shutDown(true);
            Park.selfInterrupt();
            CancellationException ce = new CancellationException("interrupted while waiting for the next item of " + this
                    + "; the generator was closed");
            ce.initCause(e);
            throw ce;
        } finally {
            if (state == RUNNING) state = SUSPENDED; // anything else thrown (a bug): leave it usable for close
        }
    }

    private void start() {
        producer = MicroThread.parallel(name, () -> {
            producerThread = Thread.currentThread();
            try {
                body.run(this);
            } catch (CancellationException e) {
                if (!closing || !isClosingSignal(e)) throw e;
            }
            return null;
        });
        items.ownedBy(producer);
    }

    @Override
    T take() {
        T item = lookahead;
        lookahead = null;
        return item;
    }

    @Override
    void close() {
        switch (state) {
            case NEW -> {
                state = CLOSED;
                return;
            }
            case SUSPENDED -> { }
            case RUNNING -> throw busy();
            default -> {
                return;
            }
        }
        shutDown(false);
    }

    /** Closes the pipes (the producer's next emit throws Closing), then joins it; {@code cancel}: cancels it first. */
    private void shutDown(boolean cancel) {
        closing = true;
        lookahead = null;
        if (demand != null) demand.close();
        items.close();
        state = CLOSED;
        if (cancel) producer.cancel();
        try {
            producer.join();
        } catch (FailedException e) {
            if (!isClosingSignal(e.getCause())) {
                state = FAILED;
                failure = e.getCause();
                failureDelivered = true;
                throw new FailedException(this + " failed while being closed: " + failure, failure);
            }
        } catch (CancellationException e) {
            // the producer was cancelled (with its consumer): it has ended
        } catch (InterruptedException e) {
            producer.cancel(); // we cannot wait: make sure it ends
            Park.selfInterrupt();
        }
    }

    // ---- the body's side (the producer) ----

    @Override
    public void emit(T item) {
        if (item == null) throw nullItem();
        checkEmitter();
        try {
            items.put(item);
            if (demand != null) demand.take();
        } catch (PipeClosedException e) {
            throw closing();
        } catch (InterruptedException e) {
            Park.selfInterrupt();
            CancellationException ce = new CancellationException("the producer of " + this + " was interrupted in emit");
            ce.initCause(e);
            throw ce;
        }
    }

    @Override
    void checkEmitter() {
        Thread p = producerThread;
        if (p != Thread.currentThread()) throw wrongEmitter(p);
        if (closing) throw closing();
    }
}
