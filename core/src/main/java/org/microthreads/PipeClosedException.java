package org.microthreads;

/**
 * Thrown by a put on a pipe that is closed or failed, and by a take on a pipe that is closed and
 * drained. Its {@linkplain #getCause() cause} shows where the pipe was closed (a trace taken by
 * {@link Pipe#close()}) or, for a failed pipe, the failure: so a cause does not mean a failure;
 * {@link #pipe()}{@code .}{@link Pipe#failure() failure()} says whether the pipe failed.
 */
public final class PipeClosedException extends IllegalStateException {
    private final transient Pipe<?> pipe;

    PipeClosedException(Pipe<?> pipe, String message, Throwable cause) {
        super(message, cause);
        this.pipe = pipe;
    }

    /** {@return the pipe that was closed (or failed)} */
    public Pipe<?> pipe() {
        return pipe;
    }
}
