package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.microthreads.FailedException;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.Simulation;

/**
 * A simulated loop: the same code run under many seeds, each a different schedule, with a virtual
 * clock. Here it finds a check-then-act race (two buyers both see one seat left, because each
 * checks, then waits for its payment, then books), prints the failing seed, replays it exactly, and
 * shows that the fixed code passes every seed; then an hour of ticks in milliseconds of wall time.
 */
public final class Simulations {
    private Simulations() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** Two buyers of the last seat; {@code fixed}: the seat is reserved before the buyer waits. */
    static int sell(boolean fixed) throws InterruptedException {
        int[] seatsLeft = {1};
        int[] sold = {0};
        List<MicroThread<Void>> buyers = new ArrayList<>();
        for (String buyer : List.of("ann", "bob")) {
            buyers.add(MicroThread.parallel(buyer, () -> {
                if (seatsLeft[0] == 0) return null;
                if (fixed) seatsLeft[0]--;                 // reserve before waiting
                boolean paid = MicroThread.parallel("charge " + buyer, () -> true).join(); // waits: others run
                if (!fixed) seatsLeft[0]--;                // too late: the other buyer saw the same seat
                if (paid) sold[0]++;
                return null;
            }));
        }
        for (MicroThread<Void> b : buyers) b.join();
        if (sold[0] > 1) throw new IllegalStateException("sold " + sold[0] + " tickets for 1 seat");
        return sold[0];
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Simulated loop: seeded schedules, replay, virtual time ==");
        long failing = -1;
        String failure = null;
        int failures = 0;
        for (long seed = 0; seed < 100; seed++) {
            try {
                Simulation.withSeed(seed).run(() -> sell(false));
            } catch (FailedException e) { // main threw: its failure is the cause
                failures++;
                if (failing < 0) {
                    failing = seed;
                    failure = e.getCause().getMessage();
                }
            }
        }
        out.println("  the buggy seller failed under " + failures + " of 100 seeds, first under seed " + failing + ": " + failure);
        Simulation replay = Simulation.withSeed(failing);
        Simulation again = Simulation.withSeed(failing);
        String first = replayFailure(replay), second = replayFailure(again);
        out.println("  replayed seed " + failing + " twice: '" + first + "', same schedule: "
                + (replay.scheduleHash() == again.scheduleHash() && first.equals(second)));
        int passing = 0;
        for (long seed = 0; seed < 100; seed++) {
            if (Simulation.withSeed(seed).run(() -> sell(true)) <= 1) passing++;
        }
        out.println("  the fixed seller passed " + passing + " of 100 seeds");

        long wall = System.nanoTime();
        Simulation hour = Simulation.withSeed(7);
        hour.run(() -> {
            Pipe<Long> ticks = Pipe.ticker(Duration.ofSeconds(1));
            for (int i = 0; i < 3600; i++) ticks.take(); // one hour of one-second ticks
            ticks.close();
            return null;
        });
        out.println("  an hour of one-second ticks: " + hour.elapsed() + " of virtual time in "
                + Parallel.millisSince(wall) + " ms of wall time");
    }

    private static String replayFailure(Simulation sim) throws InterruptedException {
        try {
            sim.run(() -> sell(false));
            return "passed";
        } catch (FailedException e) {
            return e.getCause().getMessage();
        }
    }
}
