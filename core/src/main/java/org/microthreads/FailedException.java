package org.microthreads;

import java.util.Optional;

/**
 * Thrown when collecting a value produced elsewhere ({@link MicroThread#join()},
 * {@link MicroThread#await(java.util.concurrent.CompletionStage)}, {@link Deferred#await()},
 * {@link Loop#run(MicroThread.Body)}, or a take from a {@linkplain Pipe#fail failed} pipe) finds
 * that it failed. The stack trace of this exception is the collector's; its
 * {@linkplain #getCause() cause} is the original failure with its own stack, so both are visible.
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
}
