package org.microthreads.test.examples;

import org.microthreads.test.SimulatedTest;

/** {@link RacyExample}'s test, replaying the first seed it fails at with the {@code seed} attribute. */
@KitExample
public class RacyReplayExample extends RacyExample {
    /** The first seed at which {@link RacyExample} fails. */
    public static final long SEED = 0;

    @Override
    @SimulatedTest(seed = SEED)
    void twoIncrementsAcrossAPut() throws InterruptedException {
        super.twoIncrementsAcrossAPut();
    }
}
