package org.microthreads.test.examples;

import org.microthreads.test.SimulatedTest;

/** Each method has one bad attribute. */
@KitExample
public class BadAttributesExample {
    /** How many times any of the bodies ran (never, if the attributes are checked first). */
    public static int ran;

    @SimulatedTest(seeds = 0)
    void noSeeds() {
        ran++;
    }

    @SimulatedTest(seeds = -5)
    void negativeSeeds() {
        ran++;
    }

    @SimulatedTest(wallLimitSeconds = 0)
    void noWallTime() {
        ran++;
    }

    @SimulatedTest(horizonSeconds = -1)
    void negativeHorizon() {
        ran++;
    }

    @SimulatedTest(maxSteps = 0)
    void noSteps() {
        ran++;
    }

    @SimulatedTest(outsideWaitMillis = -1)
    void negativeOutsideWait() {
        ran++;
    }

    @SimulatedTest
    void fine() {
        ran++;
    }
}
