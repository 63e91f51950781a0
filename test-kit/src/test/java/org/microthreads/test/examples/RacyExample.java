package org.microthreads.test.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.test.SimulatedTest;

/** A lost update across a blocking put: fails for some seeds, not all. */
@KitExample
public class RacyExample {
    @SimulatedTest
    void twoIncrementsAcrossAPut() throws InterruptedException {
        int[] counter = new int[1];
        Pipe<Integer> log = Pipe.<Integer>rendezvous().named("log"); // named: an unnamed pipe's name differs from run to run
        MicroThread<Void> reader = MicroThread.parallel("reader", () -> {
            for (int ignored : log) MicroThread.yieldNow();
            return null;
        });
        MicroThread<Void> a = MicroThread.parallel("a", () -> increment(counter, log));
        MicroThread<Void> b = MicroThread.parallel("b", () -> increment(counter, log));
        a.join();
        b.join();
        log.close();
        reader.join();
        assertEquals(2, counter[0], "two increments");
    }

    private static Void increment(int[] counter, Pipe<Integer> log) throws InterruptedException {
        int read = counter[0];
        log.put(read); // may block: the other one runs here
        counter[0] = read + 1;
        return null;
    }
}
