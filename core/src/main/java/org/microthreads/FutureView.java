package org.microthreads;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The future view of a micro-thread ({@link MicroThread#toCompletableFuture()}, ADR 0026): a
 * {@link CompletableFuture} completed by the micro-thread's end, and by nothing else that would
 * fake its outcome.
 *
 * <ul>
 *   <li>Completed from the micro-thread's outcome ({@link #settle}, a listener of its end): its value;
 *       its failure, exactly what the body threw; or a {@link CancellationException} naming it.
 *   <li>An outside <em>exceptional</em> completion ({@link #cancel}, {@link #completeExceptionally},
 *       so {@link #orTimeout}) completes the view, as on any {@code CompletableFuture}, and cancels
 *       the micro-thread.
 *   <li>An outside <em>value</em> ({@code complete}, {@code completeAsync}, {@code completeOnTimeout},
 *       {@code obtrude*}) is refused with {@link UnsupportedOperationException}.
 *   <li>The failure counts as observed (as by a {@code join}) when {@link #get()}, {@link #join()},
 *       {@link #getNow}, {@link #get(long, TimeUnit)} or {@link #exceptionNow()} hands it to a caller;
 *       not when it merely passes into a dependent stage, which may be dropped unread.
 * </ul>
 * Dependent stages are plain {@code CompletableFuture}s ({@link #newIncompleteFuture()} is not
 * overridden).
 */
final class FutureView<T> extends CompletableFuture<T> {
    private final MicroThread<T> microThread;

    FutureView(MicroThread<T> microThread) {
        this.microThread = microThread;
    }

    /**
     * The listener of the micro-thread's end that completes a view; also where the view of a running
     * micro-thread is kept ({@link Completion#onDoneOnce}), so that {@code MicroThread} needs no field
     * for it. Not the view itself: a view must not be a {@code Runnable} that anyone could run.
     */
    static final class Settler<T> implements Runnable {
        final FutureView<T> view;

        Settler(FutureView<T> view) {
            this.view = view;
        }

        @Override
        public void run() {
            view.settle();
        }
    }

    /**
     * Set once the view was completed with the micro-thread's own failure (not by an outside
     * exceptional completion that came first): then any exceptional exit of a method that hands
     * the outcome to a caller observes that failure, whatever form the JDK gives it (it wraps or
     * unwraps {@code CompletionException}s and {@code CancellationException}s as it sees fit).
     */
    private volatile boolean holdsFailure;

    /** Completes the view from the micro-thread's outcome; run once it has ended. */
    void settle() {
        switch (microThread.stateCode()) {
            case Completion.VALUE -> super.complete(microThread.resultOrThrow(microThread));
            case Completion.FAILED -> {
                if (super.completeExceptionally(microThread.failure())) holdsFailure = true;
            }
            default -> {
                CancellationException ce = new CancellationException("micro-thread '" + microThread.name() + "' was cancelled");
                if (microThread.failure() != null) ce.initCause(microThread.failure());
                super.completeExceptionally(ce);
            }
        }
    }

    // ---- outside completions: exceptional ones cancel the micro-thread, values are refused ----

    /**
     * Completes the view with {@code ex} if it is not done, and then cancels the micro-thread
     * (this is what {@link #orTimeout} calls when time is up).
     */
    @Override
    public boolean completeExceptionally(Throwable ex) {
        Objects.requireNonNull(ex, "ex");
        boolean done = super.completeExceptionally(ex);
        if (done) microThread.cancel();
        return done;
    }

    /** Completes the view with a {@link CancellationException} if it is not done, and cancels the micro-thread. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) microThread.cancel(); // no effect once it has ended
        return cancelled;
    }

    @Override
    public boolean complete(T value) {
        throw refused("complete(value)");
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        throw refused("completeAsync");
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        throw refused("completeAsync");
    }

    @Override
    public CompletableFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
        throw refused("completeOnTimeout");
    }

    @Override
    public void obtrudeValue(T value) {
        throw refused("obtrudeValue");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw refused("obtrudeException");
    }

    private UnsupportedOperationException refused(String what) {
        return new UnsupportedOperationException(what + " on the future view of micro-thread '" + microThread.name()
                + "': only the micro-thread's end completes it with a value (cancel(), completeExceptionally()"
                + " and orTimeout() complete it exceptionally and cancel the micro-thread); use a dependent stage"
                + " (thenApply, exceptionally, completeOnTimeout on copy()) for a value of your own");
    }

    // ---- observing the failure: as a join does ----

    @Override
    public T get() throws InterruptedException, ExecutionException {
        try {
            return super.get();
        } catch (ExecutionException | RuntimeException e) {
            observed();
            throw e;
        }
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return super.get(timeout, unit);
        } catch (ExecutionException | RuntimeException e) {
            observed();
            throw e;
        }
    }

    @Override
    public T join() {
        try {
            return super.join();
        } catch (RuntimeException e) {
            observed();
            throw e;
        }
    }

    @Override
    public T getNow(T valueIfAbsent) {
        try {
            return super.getNow(valueIfAbsent);
        } catch (RuntimeException e) {
            observed();
            throw e;
        }
    }

    @Override
    public Throwable exceptionNow() {
        Throwable t = super.exceptionNow(); // throws IllegalStateException unless completed exceptionally
        observed();
        return t;
    }

    /**
     * A caller received the view's exceptional outcome: if that outcome is the micro-thread's own
     * failure, this counts as observing it (as a {@code join} does). Also called by
     * {@link MicroThread#await} for a view it was given.
     */
    void observed() {
        if (holdsFailure) microThread.claimFailureReport();
    }

    @Override
    public String toString() {
        String s = super.toString(); // ...@hash[Completed normally]
        int i = s.lastIndexOf('[');
        return "future view of micro-thread '" + microThread.name() + "'" + (i >= 0 ? s.substring(i) : "");
    }
}
