package org.microthreads.test.bugs;

import java.util.List;
import org.microthreads.MicroThread;

/**
 * A small program that uses the library the way users do, with a real concurrency bug that shows
 * only in some schedules, and its fixed twin. Both bodies run as the main micro-thread of a
 * {@link org.microthreads.Simulation}; the buggy one fails (throws, or deadlocks) when the bug shows.
 */
interface BugProgram {

    /** {@return the kind of bug, for the table (e.g. "check-then-act across a put")} */
    String kind();

    /** {@return the buggy program} */
    MicroThread.Body<?> buggy();

    /** {@return its fixed twin, which must never fail} */
    MicroThread.Body<?> fixed();

    /** {@return the program's name (its class's simple name)} */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Every program, in the order of the table. */
    static List<BugProgram> all() {
        return List.of(
                new OversoldSeats(),
                new LostWakeUp(),
                new StopFlagMissed(),
                new CloseBeforeAudit(),
                new LoginBeforeClicks(),
                new StaleReplyAfterTimeout(),
                new StolenWakeUp(),
                new LeakedShardProducer(),
                new NestedPermits(),
                new DuplicateLoad());
    }
}
