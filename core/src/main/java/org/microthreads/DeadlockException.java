package org.microthreads;

/**
 * Thrown by {@link Loop#run(MicroThread.Body)} on a single-carrier loop when micro-threads of
 * the run wait for each other on the library's own primitives (joins, {@code parallelAll}, pipes
 * {@linkplain Pipe#confined() confined} to the run, permits of limiters
 * {@linkplain Limiter#confined() confined} to it) and nothing can wake any of them: no timer, no
 * outside event, no other micro-thread. The {@linkplain #getMessage() message} is the report: each
 * deadlocked micro-thread, what it waits on, and its stack. By the time it is thrown they have
 * been cancelled, and so has the rest of the run, and all have ended.
 */
public final class DeadlockException extends RuntimeException {
    DeadlockException(String report) {
        super(report, null, true, false); // suppression on: run() attaches main's earlier failure, a simulation its trace
    }
}
