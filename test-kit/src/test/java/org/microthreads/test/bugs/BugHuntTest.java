package org.microthreads.test.bugs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.microthreads.MicroThread;

/**
 * Bug-finding, measured (issue 15, part 3): each buggy program is found by the simulated loop
 * within 1,000 seeds and its failing seed replays identically; each fixed twin passes.
 *
 * <p>Every build runs the CI-sized checks. The full measurement (seeds 0..999 of every buggy
 * program, 10,000 seeds of every fixed twin, a markdown table) runs only with
 * {@code -Dmicrothreads.bughunt.full=true}; it prints the table and writes it to
 * {@code target/bughunt.md}.
 */
class BugHuntTest {
    static final int MAX_SEEDS = 1_000;
    static final int REPLAYS = 10;
    static final int CI_FIXED_SEEDS = 200;
    static final int FULL_FIXED_SEEDS = 10_000;
    /** The full measurement also hunts from seeds 1 x, 2 x, ... {@code HUNTS} x {@code HUNT_STRIDE}: the spread of seeds to find. */
    static final int HUNTS = 100;
    static final long HUNT_STRIDE = 1_000_000;

    static Stream<BugProgram> programs() {
        return BugProgram.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void theBugIsFoundWithinAThousandSeedsAndItsSeedReplaysIdentically(BugProgram program) {
        BugHunt.Hunt h = BugHunt.hunt(program.buggy(), MAX_SEEDS, REPLAYS);
        if (!h.found()) fail(program.name() + ": no failure in seeds 0.." + (MAX_SEEDS - 1));
        assertEquals(REPLAYS, h.identicalReplays(), program.name() + ": seed " + h.firstSeed()
                + " did not replay identically (signature and schedule hash) every time; first failure:\n"
                + h.failure().signature());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void theFixedTwinPasses(BugProgram program) {
        List<BugHunt.Failure> failed = BugHunt.failures(program.fixed(), 0, CI_FIXED_SEEDS);
        if (!failed.isEmpty()) {
            BugHunt.Failure f = failed.get(0);
            AssertionError e = new AssertionError(program.name() + ": the fixed twin failed with " + failed.size() + " of "
                    + CI_FIXED_SEEDS + " seeds, first seed " + f.seed() + ":\n" + f.signature(), f.thrown());
            throw e;
        }
    }

    @Test
    void theProgramsAreDistinctAndAtLeastEight() {
        List<BugProgram> all = BugProgram.all();
        assertTrue(all.size() >= 8, "only " + all.size() + " programs");
        assertEquals(all.size(), all.stream().map(BugProgram::kind).distinct().count(), "two programs of the same kind");
    }

    @Test
    void theHuntStopsAtTheFirstFailingSeedAndEarlierSeedsPass() {
        BugProgram p = new LoginBeforeClicks();
        BugHunt.Hunt h = BugHunt.hunt(p.buggy(), MAX_SEEDS, 2);
        assertTrue(h.found());
        assertEquals(h.firstSeed() + 1, h.seedsRun());
        assertEquals(List.of(), BugHunt.failures(p.buggy(), 0, h.firstSeed()));
        assertEquals(h.failure().signature(), BugHunt.runOnce(p.buggy(), h.firstSeed()).signature());
    }

    @Test
    void aBodyThatNeverFailsIsNotFound() {
        BugHunt.Hunt h = BugHunt.hunt(() -> {
            MicroThread.yieldNow();
            return 1;
        }, 20, REPLAYS);
        assertFalse(h.found());
        assertEquals(-1, h.firstSeed());
        assertEquals(20, h.seedsRun());
    }

    @Test
    void aFailureThatChangesFromRunToRunDoesNotReplayIdentically() {
        int[] runs = {0};
        BugHunt.Hunt h = BugHunt.hunt(() -> {
            MicroThread.yieldNow();
            throw new AssertionError("run " + runs[0]++);
        }, 20, 3);
        assertEquals(0, h.firstSeed());
        assertEquals(0, h.identicalReplays(), "the message differed each time");
    }

    @Test
    void theSignatureMasksThreadIdsAndIdentityHashesOnly() {
        Throwable t = new IllegalStateException("wrapped",
                new IllegalArgumentException("closed by VirtualThread[#123,x] of Deferred@1b6d3586 at step 42"));
        assertEquals("java.lang.IllegalStateException: wrapped\ncaused by: java.lang.IllegalArgumentException: closed by"
                + " VirtualThread[#N,x] of Deferred@H at step 42", BugHunt.signature(t));
    }

    /** The full measurement: see the class comment and bench/BUGHUNT.md. */
    @Test
    @EnabledIfSystemProperty(named = "microthreads.bughunt.full", matches = "true")
    void fullMeasurement() throws IOException, InterruptedException {
        for (BugProgram p : BugProgram.all()) { // warm-up, so that the first program's time to find is not class loading
            BugHunt.failures(p.buggy(), 500_000, 50);
            BugHunt.failures(p.fixed(), 500_000, 50);
        }
        StringBuilder found = new StringBuilder("| program | bug | first failing seed | failing seeds of 0..999"
                + " | seeds per find (1,000 / failing) | seeds to find, 100 hunts: median / 90th pct / max | wall to find"
                + " | wall per run | first failure replayed identically"
                + " | every failing seed replayed identically (once each) | schedule hash of the first failure | failure |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        StringBuilder fixed = new StringBuilder("| program | fixed twin: failing seeds of 10,000 | wall, 10,000 seeds"
                + " | wall per run | buggy, plain single-carrier loop | fixed, plain single-carrier loop |\n"
                + "|---|---:|---:|---:|---|---|\n");
        List<Long> firsts = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (BugProgram p : BugProgram.all()) {
            BugHunt.Hunt h = BugHunt.hunt(p.buggy(), MAX_SEEDS, REPLAYS);
            long t0 = System.nanoTime();
            List<BugHunt.Failure> failing = BugHunt.failures(p.buggy(), 0, MAX_SEEDS);
            long buggyWall = System.nanoTime() - t0;
            long[] toFind = new long[HUNTS];
            for (int k = 0; k < HUNTS; k++) {
                BugHunt.Hunt hk = BugHunt.hunt(p.buggy(), HUNT_STRIDE * (k + 1), MAX_SEEDS, 0);
                toFind[k] = hk.found() ? hk.seedsRun() : Long.MAX_VALUE;
                if (!hk.found()) problems.add(p.name() + ": not found in seeds " + HUNT_STRIDE * (k + 1) + " + 0.." + (MAX_SEEDS - 1));
            }
            Arrays.sort(toFind);
            int replayedAll = 0;
            for (BugHunt.Failure f : failing) replayedAll += BugHunt.identicalReplays(p.buggy(), f, 1);
            t0 = System.nanoTime();
            List<BugHunt.Failure> falseAlarms = BugHunt.failures(p.fixed(), 0, FULL_FIXED_SEEDS);
            long fixedWall = System.nanoTime() - t0;
            if (h.found()) firsts.add(h.firstSeed()); else problems.add(p.name() + ": not found");
            if (h.found() && h.identicalReplays() != h.replays()) problems.add(p.name() + ": a replay of the first failure differed");
            if (replayedAll != failing.size()) {
                problems.add(p.name() + ": " + (failing.size() - replayedAll) + " failing seeds replayed differently");
            }
            for (BugHunt.Failure f : falseAlarms) {
                problems.add(p.name() + " fixed twin failed at seed " + f.seed() + ":\n" + f.signature());
                if (problems.size() > 50) break;
            }
            found.append("| ").append(p.name()).append(" | ").append(p.kind()).append(" | ")
                    .append(h.found() ? String.valueOf(h.firstSeed()) : "not found").append(" | ")
                    .append(failing.size()).append(" | ")
                    .append(failing.isEmpty() ? "-" : String.format("%.1f", (double) MAX_SEEDS / failing.size())).append(" | ")
                    .append(toFind[HUNTS / 2]).append(" / ").append(toFind[HUNTS * 9 / 10]).append(" / ").append(toFind[HUNTS - 1]).append(" | ")
                    .append(ms(h.wallNanos())).append(" | ")
                    .append(us(buggyWall / MAX_SEEDS)).append(" | ")
                    .append(h.found() ? h.identicalReplays() + "/" + h.replays() : "-").append(" | ")
                    .append(replayedAll).append('/').append(failing.size()).append(" | ")
                    .append(h.found() ? String.format("`%016x`", h.failure().scheduleHash()) : "-").append(" | ")
                    .append(h.found() ? "`" + BugHunt.headline(h.failure()).replace("|", "\\|") + "`" : "-").append(" |\n");
            fixed.append("| ").append(p.name()).append(" | ")
                    .append(falseAlarms.size()).append(" | ")
                    .append(ms(fixedWall)).append(" | ")
                    .append(us(fixedWall / FULL_FIXED_SEEDS)).append(" | ")
                    .append(BugHunt.onSingleCarrierLoop(p.buggy(), Duration.ofSeconds(5)).replace("|", "\\|")).append(" | ")
                    .append(BugHunt.onSingleCarrierLoop(p.fixed(), Duration.ofSeconds(5)).replace("|", "\\|")).append(" |\n");
        }
        long[] sorted = firsts.stream().mapToLong(Long::longValue).sorted().toArray();
        String median = sorted.length == 0 ? "-" : sorted.length % 2 == 1 ? String.valueOf(sorted[sorted.length / 2])
                : String.valueOf((sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0);
        String text = found + "\nFirst failing seeds from seed 0, sorted: " + Arrays.toString(sorted) + ", median " + median
                + " (counted from 0: seed s is found after s + 1 runs). Seeds to find, 100 hunts: each hunt starts at seed"
                + " k x " + HUNT_STRIDE + " (k = 1..." + HUNTS + ") and counts the runs up to and including the first failure.\n\n" + fixed
                + "\nThe plain single-carrier loop (`Loop.singleCarrier`, FIFO) runs each program once, in the one schedule it"
                + " always picks; it reports no deadlock of plain pipes, so a run still going after 5 s counts as hanging.\n";
        System.out.println(text);
        if (!problems.isEmpty()) System.out.println("PROBLEMS:\n" + String.join("\n", problems));
        Path out = Path.of("target", "bughunt.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, text + (problems.isEmpty() ? "" : "\nPROBLEMS:\n" + String.join("\n", problems) + "\n"));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static String us(long nanos) {
        return String.format("%d µs", nanos / 1_000);
    }

    private static String ms(long nanos) {
        return nanos >= 10_000_000_000L ? String.format("%.1f s", nanos / 1e9) : String.format("%d ms", nanos / 1_000_000);
    }
}
