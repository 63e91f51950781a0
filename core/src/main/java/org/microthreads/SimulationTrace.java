package org.microthreads;

/**
 * The seed and the schedule of a simulated run that failed, attached by {@link Simulation#run} as
 * a suppressed exception to whatever the run threw, so that every test report shows how to replay
 * it: the seed, the schedule's hash, how many steps ran, the virtual time, and the last steps
 * (which micro-thread ran, what it waited on next, at which virtual time). Not thrown on its own.
 */
public final class SimulationTrace extends RuntimeException {
    /** The seed that replays the run. */
    private final long seed;
    /** The hash of the run's schedule. */
    private final long scheduleHash;

    SimulationTrace(long seed, long scheduleHash, String text) {
        super(text, null, false, false);
        this.seed = seed;
        this.scheduleHash = scheduleHash;
    }

    /** {@return the seed that replays the run} */
    public long seed() {
        return seed;
    }

    /** {@return the hash of the run's schedule (the same seed gives the same hash)} */
    public long scheduleHash() {
        return scheduleHash;
    }
}
