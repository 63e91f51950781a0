package org.microthreads;

/**
 * Thrown by {@link Simulation#run} when the simulated loop cannot go on: a micro-thread blocked on
 * something outside the simulation, a run that never ends (past its horizon of virtual time, its
 * step budget or its wall-clock limit), or micro-threads that did not end after such a failure.
 * The message names the micro-threads and says what to do; the seed and the trace of the schedule
 * are attached as a suppressed {@link SimulationTrace}. A deadlock is a {@link DeadlockException}.
 */
public final class SimulationException extends RuntimeException {
    SimulationException(String message) {
        super(message, null, true, false);
    }

    /** With the failure that led to it (an abandoned run: the failure its micro-threads did not end after). */
    SimulationException(String message, Throwable cause) {
        super(message, cause, true, false);
    }
}
