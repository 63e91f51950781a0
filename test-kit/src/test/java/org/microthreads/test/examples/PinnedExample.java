package org.microthreads.test.examples;

import java.util.ArrayList;
import java.util.List;
import org.microthreads.test.SimulatedTest;

/** A test that pins its seed with the attribute; records the seeds it ran. */
@KitExample
public class PinnedExample {
    /** The seeds run, in order. */
    public static final List<Long> seeds = new ArrayList<>();

    @SimulatedTest(seed = 7, seeds = 5)
    void pinned(long seed) {
        seeds.add(seed);
    }
}
