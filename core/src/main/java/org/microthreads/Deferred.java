package org.microthreads;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * A value that some callback will deliver, awaited in blocking style: the hidden Deferred of
 * the micro-threading proposal, made small. Any callback API (an HTTP client, Netty, a GUI
 * listener) completes it from any thread; a micro-thread {@linkplain #await() awaits} it and
 * only that micro-thread parks.
 *
 * {@snippet :
 * Deferred<String> reply = new Deferred<>();
 * client.send(request, reply::complete, reply::fail);   // any callback style
 * String body = reply.await();                          // parks only this micro-thread
 * }
 *
 * <p>Completes once: the first of {@link #complete}, {@link #fail} wins, later calls return
 * {@code false}. Completing happens-before an {@code await} that returns.
 *
 * @param <T> the value's type; {@code null} values are allowed
 */
public final class Deferred<T> {
    private final Completion<T> cell = new Completion<>();

    /** Creates a pending deferred. */
    public Deferred() {}

    /**
     * Completes it with {@code value}.
     *
     * @param value the value awaiters get; may be null
     * @return whether this call completed it (false if it was already completed or failed)
     */
    public boolean complete(T value) {
        return cell.complete(value);
    }

    /**
     * Completes it with a failure; awaiters get a {@link FailedException} with it as cause.
     *
     * @param failure the cause awaiters' {@link FailedException} carries
     * @return whether this call completed it (false if it was already completed or failed)
     * @throws NullPointerException if {@code failure} is null
     */
    public boolean fail(Throwable failure) {
        return cell.fail(Objects.requireNonNull(failure, "failure"));
    }

    /**
     * A {@code (value, failure)} callback that completes this deferred, as {@code whenComplete} takes.
     *
     * @return a callback that completes this deferred with the value if the failure is null, else
     *         fails it (with the cause of a {@link java.util.concurrent.CompletionException})
     */
    public BiConsumer<T, Throwable> asCallback() {
        return (v, e) -> {
            if (e == null) {
                complete(v);
            } else {
                fail(e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        };
    }

    /** {@return whether it is completed (or failed)} Unreliable for check-then-act. */
    public boolean isDone() {
        return cell.settled();
    }

    /**
     * Parks the caller until completed, then returns the value.
     *
     * @return the value it was completed with (possibly null)
     * @throws FailedException      if completed by {@link #fail} (cause: that failure)
     * @throws InterruptedException if the caller is interrupted or cancelled while waiting
     */
    public T await() throws InterruptedException {
        cell.await(MicroThread.currentOrNull(), WaitKind.DEFERRED, this, false, Park.NONE);
        return cell.resultOrThrow(this);
    }

    /**
     * As {@link #await()}, at most {@code timeout}. A {@code timeout} of zero or less does not wait
     * (ADR 0023): if it is completed, its value (or failure) as {@link #await()} gives it;
     * otherwise {@link InterruptedException} if the caller is interrupted or cancelled, else
     * {@link TimeoutException} at once.
     *
     * @param timeout how long to wait at most; zero or less: not at all
     * @return the value it was completed with (possibly null)
     * @throws TimeoutException         if not completed in time
     * @throws FailedException          if completed by {@link #fail} (cause: that failure)
     * @throws InterruptedException     if the caller is interrupted or cancelled while waiting
     */
    public T await(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = Park.deadlineAfter(timeout, "timeout");
        if (!cell.await(MicroThread.currentOrNull(), WaitKind.DEFERRED, this, false, deadline)) {
            throw new TimeoutException("deferred not completed " + WaitKind.within(timeout));
        }
        return cell.resultOrThrow(this);
    }

    @Override
    public String toString() {
        return "Deferred@" + Integer.toHexString(System.identityHashCode(this)) + (isDone() ? " (done)" : " (pending)");
    }
}
