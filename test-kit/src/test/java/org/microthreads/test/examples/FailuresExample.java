package org.microthreads.test.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.test.SimulatedTest;

/** Each method fails in its own way, at every seed (so at the first) unless it says otherwise. */
@KitExample
public class FailuresExample {
    @SimulatedTest(firstSeed = 1000)
    void anAssertionInMain() {
        assertEquals("expected text", "actual text", "compared");
    }

    @SimulatedTest
    void failsOnlyAtSeedFive(long seed) {
        assertNotEquals(5, seed, "the seed");
    }

    @SimulatedTest(seeds = 3)
    void failsOnlyAtSeedOne(long seed) {
        assertNotEquals(1, seed, "the seed");
    }

    @SimulatedTest
    void anAssertionInAJoinedMicroThread() throws InterruptedException {
        MicroThread.parallel("checker", () -> {
            MicroThread.sleep(Duration.ofSeconds(3));
            assertEquals(1, 2, "in the checker");
            return null;
        }).join();
    }

    @SimulatedTest
    void anAssertionInAForgottenMicroThread() {
        MicroThread.startAndForget("forgotten", () -> fail("nobody joins me"));
    }

    @SimulatedTest
    void anUnjoinedParallelMicroThread() {
        MicroThread.parallel("unjoined", () -> {
            throw new IllegalStateException("nobody joins me either");
        });
    }

    @SimulatedTest
    void aDeadlock() throws InterruptedException {
        Pipe<Integer> a = Pipe.rendezvous(), b = Pipe.rendezvous();
        MicroThread<Integer> x = MicroThread.parallel("x", a::take);
        MicroThread<Integer> y = MicroThread.parallel("y", b::take);
        x.join();
        y.join();
    }

    @SimulatedTest(wallLimitSeconds = 1)
    void aRunawayPastTheWallLimit() throws InterruptedException {
        while (true) MicroThread.yieldNow();
    }

    @SimulatedTest(horizonSeconds = 60)
    void aRunawayPastTheHorizon() throws InterruptedException {
        while (true) MicroThread.sleep(Duration.ofSeconds(1));
    }

    @SimulatedTest
    void blockedOutside() throws InterruptedException {
        Thread.sleep(10);
    }

    @SimulatedTest(outsideWaitMillis = 5_000, seeds = 3)
    void blockedOutsideButWaitedFor() throws InterruptedException {
        Thread.sleep(10);
    }
}
