package org.microthreads;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Review of the loop seam (issue 15, part 1): where a wait mixes the clocks of two loops. */
class SeamReviewTest {

    /**
     * Loop.close() waits for the cancelled micro-threads up to a wall-clock grace ("a framework
     * timeout: wall clock, also when simulated"): its deadline is System.nanoTime() + grace, but
     * the wait (Registry/Gate.await) checks it with Park.expired, on the caller's loop clock. From a
     * simulated micro-thread that clock is virtual (nanoseconds since 1970, ~9.5e17), so the
     * deadline has always passed: close() returns at once, logs the false "cancelled 10s ago and
     * have not ended", and leaves the closed loop's micro-thread running ("nothing outlives its loop").
     */
    @Test
    @Timeout(60)
    void closingARealLoopFromASimulatedMicroThreadWaitsForItsMicroThreads() throws Exception {
        AtomicBoolean ended = new AtomicBoolean();
        CountDownLatch release = new CountDownLatch(1);
        Thread releaser = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(300); // ends the cleanup below; its timing only changes how long close() waits
            } catch (InterruptedException e) {
                // end
            }
            release.countDown();
        });
        try {
            Simulation.withSeed(0).outsideWait(Duration.ofSeconds(10)).run(() -> {
                Loop real = Loop.singleCarrier("closed-from-a-simulation");
                real.startAndForget("slow-cleanup", () -> {
                    try {
                        Pipe.<Integer>rendezvous().take();
                    } finally {
                        release.await(5, TimeUnit.SECONDS); // a cleanup that takes a moment
                        ended.set(true);
                    }
                });
                real.close();
                assertTrue(ended.get(), "close() returned before the closed loop's micro-thread ended");
                return null;
            });
        } finally {
            releaser.interrupt();
            releaser.join();
        }
    }
}
