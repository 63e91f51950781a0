package org.microthreads.test.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.Simulation;
import org.microthreads.test.SimulatedTest;

/** Correct concurrent code: passes for every seed. Records what ran, for the kit's tests. */
@KitExample
public class PassingExample {
    /** The seeds the parameters saw, in order. */
    public static final List<Long> seeds = new ArrayList<>();
    /** How many times {@code @BeforeEach} ran. */
    public static int beforeEach;
    /** How many runs of the first test this instance saw (fields persist across seeds). */
    public static int runsSeenByOneInstance;
    /** Whether every run was on a micro-thread of a simulated loop with virtual time. */
    public static boolean allSimulated;

    private int runsOfThisInstance;

    /** Clears the records. */
    public static void reset() {
        seeds.clear();
        beforeEach = 0;
        runsSeenByOneInstance = 0;
        allSimulated = true;
    }

    @BeforeEach
    void before() {
        beforeEach++;
    }

    @SimulatedTest
    void aPipelineSumsWhateverTheSchedule(Simulation sim, long seed) throws InterruptedException {
        seeds.add(seed);
        if (sim.seed() != seed || !MicroThread.current().name().equals("main") || !Loop.current().name().equals("simulation")) {
            allSimulated = false;
        }
        runsSeenByOneInstance = ++runsOfThisInstance;
        long t0 = Loop.current().nanoTime();
        Pipe<Integer> numbers = Pipe.produce(Pipe.rendezvous(), sink -> {
            for (int i = 1; i <= 5; i++) {
                MicroThread.sleep(Duration.ofMinutes(1)); // virtual time: no wall-clock wait
                sink.put(i);
            }
        });
        Pipe<Integer> squares = Pipe.produce(Pipe.buffered(2), sink -> numbers.consumeEach(n -> sink.put(n * n)));
        int sum = 0;
        for (int s : squares) sum += s;
        assertEquals(55, sum);
        if (Loop.current().nanoTime() - t0 != Duration.ofMinutes(5).toNanos()) allSimulated = false;
    }
}
