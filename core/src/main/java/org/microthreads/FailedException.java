package org.microthreads;

/**
 * Thrown when collecting a value produced elsewhere ({@link MicroThread#join()},
 * {@link MicroThread#await(java.util.concurrent.CompletionStage)}, {@link Deferred#await()},
 * {@link Loop#run(MicroThread.Body)}) finds that it failed. The stack trace of this exception is
 * the collector's; its {@linkplain #getCause() cause} is the original failure with its own
 * stack, so both are visible.
 */
public final class FailedException extends RuntimeException {
    FailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
