package org.microthreads;

import java.util.Optional;

/**
 * Thrown when collecting a value produced elsewhere ({@link MicroThread#join()},
 * {@link MicroThread#await(java.util.concurrent.CompletionStage)}, {@link Deferred#await()},
 * {@link Loop#run(MicroThread.Body)}, taking from a {@linkplain Pipe#fail failed} {@link Pipe} (then
 * {@link #pipe()} names it), iterating a failed
 * {@link Generator}) finds that it failed. The stack trace of this exception is the collector's;
 * its {@linkplain #getCause() cause} is the original failure with its own stack, so both are visible.
 *
 * <p><b>One wrapper, whatever the number of hops</b> (ADR 0025): the cause of a
 * {@code FailedException} is the original failure, never another {@code FailedException}. When
 * what failed had itself failed by collecting a failure (a {@code main} whose for-each over a pipe
 * threw, a micro-thread that joined a failed one), the message names each hop once, outermost
 * first, then the original failure:
 * {@snippet lang=text :
 * main micro-thread of loop 'etl' failed: pipe 'recs' failed: java.lang.NumberFormatException: For input string: "x"
 * }
 * and the intermediate {@code FailedException} (with its stack: where that hop collected the
 * failure) rides along as a {@linkplain #getSuppressed() suppressed} exception of this one.
 */
public final class FailedException extends RuntimeException {
    private final transient Pipe<?> pipe;

    FailedException(String message, Throwable cause) {
        this(message, cause, null);
    }

    FailedException(String message, Throwable cause, Pipe<?> pipe) {
        super(message, cause);
        this.pipe = pipe;
    }

    /**
     * The pipe whose failure this is, when it was thrown by a take (or a for-each, a stream, a
     * select case) on a failed pipe; empty when it was thrown by a join, an await or a run. Its
     * {@link Pipe#failure()} is this exception's cause.
     *
     * @return the failed pipe, or empty
     */
    public Optional<Pipe<?>> pipe() {
        return Optional.ofNullable(pipe);
    }

    /**
     * What a collector throws: "{@code whatFailed}: {@code failure}"; if {@code failure} is itself a
     * {@code FailedException} (an intermediate hop), "{@code whatFailed}: <its message>" with its
     * cause as cause and the hop as suppressed. Since every instance is made here, a cause is never
     * a {@code FailedException}, and one level of unwrapping is enough.
     *
     * <p>The suppressed hop is a copy without the cause: same message, stack and suppressed
     * exceptions. With the cause, a printed stack trace would show the original failure inside the
     * "Suppressed:" section (Java prints suppressed exceptions before the cause) and then only
     * "Caused by: [CIRCULAR REFERENCE ...]" where a reader looks for it.
     *
     * @param whatFailed who failed, in words: {@code "micro-thread 'x' failed"}
     * @param failure    the failure collected
     */
    static FailedException of(String whatFailed, Throwable failure) {
        return of(whatFailed, failure, null);
    }

    /** As {@link #of(String, Throwable)}, thrown by a take on the failed {@code pipe} (null: not a pipe's failure). */
    static FailedException of(String whatFailed, Throwable failure, Pipe<?> pipe) {
        if (failure instanceof FailedException hop) { // (a hop without cause: a suppressed copy someone rethrew)
            FailedException e = new FailedException(whatFailed + ": " + hop.getMessage(), hop.getCause(), pipe);
            FailedException where = new FailedException(hop.getMessage(), null, hop.pipe);
            where.setStackTrace(hop.getStackTrace());
            for (Throwable s : hop.getSuppressed()) where.addSuppressed(s);
            e.addSuppressed(where);
            return e;
        }
        return new FailedException(whatFailed + ": " + failure, failure, pipe);
    }
}
