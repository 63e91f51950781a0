package org.microthreads;

/**
 * Thrown by {@link Loop#run(MicroThread.Body)} on a single-carrier loop when every live
 * micro-thread of the loop waits on the library's own primitives and nothing can wake any of
 * them: no timer, no outside event. The {@linkplain #getMessage() message} is the report: each
 * micro-thread, what it waits on, and its stack. By the time it is thrown the deadlocked
 * micro-threads have been cancelled and have ended.
 */
public final class DeadlockException extends RuntimeException {
    DeadlockException(String report) {
        super(report, null, false, false);
    }
}
