package org.microthreads.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.TestInfo;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.Simulation;

/** Simulated tests as users write them, run by Surefire like any test (docs/testing.md quotes the first). */
class SimulatedTestUsageTest {

    @SimulatedTest
    void aPipelineSumsWhateverTheSchedule() throws InterruptedException {
        Pipe<Integer> numbers = Pipe.produce(Pipe.rendezvous(), sink -> {
            for (int i = 1; i <= 5; i++) sink.put(i);
        });
        int sum = 0;
        for (int n : numbers) sum += n;
        assertEquals(15, sum);
    }

    @SimulatedTest(seeds = 20)
    void anHourOfTimeoutsTakesNoWallTime() throws InterruptedException {
        long t0 = Loop.current().nanoTime();
        Pipe<String> never = Pipe.rendezvous();
        assertThrows(TimeoutException.class, () -> MicroThread.withTimeout(Duration.ofHours(1), never::take));
        assertEquals(Duration.ofHours(1).toNanos(), Loop.current().nanoTime() - t0);
    }

    @SimulatedTest(seeds = 5, firstSeed = 40)
    void parametersTellTheSeed(Simulation sim, long seed, TestInfo info) {
        assertEquals(seed, sim.seed());
        assertEquals(true, seed >= 40 && seed < 45, "seed " + seed);
        assertEquals("parametersTellTheSeed(Simulation, long, TestInfo)", info.getDisplayName());
    }
}
