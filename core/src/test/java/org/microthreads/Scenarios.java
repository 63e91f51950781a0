package org.microthreads;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Runs the core's {@code *ScenarioTest}s under the simulated loop, once per seed: seeds 0 to 99
 * in every build. (Core's tests cannot use the {@code microthreads-test} kit, which depends on
 * core; this is the few lines of it they need.)
 *
 * <p>A scenario asserts what must hold in <em>every</em> schedule: values, the orders the library
 * promises, exceptions and their messages, what ended and at which virtual instant. A failure
 * names the seed that replays it; {@code -Dmicrothreads.scenario.seed=17} runs seed 17 alone, and
 * {@code -Dmicrothreads.scenario.seeds=1000} runs seeds 0 to 999.
 */
final class Scenarios {
    /** How many seeds each scenario runs (seeds 0 to SEEDS - 1), unless a system property says otherwise. */
    static final int SEEDS = Integer.getInteger("microthreads.scenario.seeds", 100);
    private static final Long ONLY = Long.getLong("microthreads.scenario.seed");
    /** Generous: a scenario's seed takes milliseconds; a runaway fails clearly instead of hanging the build. */
    private static final Duration WALL_LIMIT = Duration.ofSeconds(20);

    private Scenarios() {}

    /** A scenario given its simulation: it calls {@code sim.run(...)} (once or more) and may assert afterwards. */
    @FunctionalInterface
    interface Scenario {
        void run(Simulation sim) throws Exception;
    }

    /** Runs {@code main} as the first micro-thread of a simulation, for each seed. */
    static void forSeeds(MicroThread.Body<?> main) {
        forSeeds(SEEDS, main);
    }

    /** Runs {@code main} as the first micro-thread of a simulation, for seeds 0 to {@code seeds - 1}. */
    static void forSeeds(int seeds, MicroThread.Body<?> main) {
        eachSeed(seeds, sim -> sim.run(main));
    }

    /** Runs {@code scenario} once for each seed, with a fresh simulation of that seed. */
    static void eachSeed(Scenario scenario) {
        eachSeed(SEEDS, scenario);
    }

    /**
     * Runs {@code scenario} for seeds 0 to {@code seeds - 1} (or only the seed of
     * {@code -Dmicrothreads.scenario.seed}); the first failure is thrown as an
     * {@link AssertionError} naming the seed, with the schedule's trace.
     */
    static void eachSeed(int seeds, Scenario scenario) {
        long from = ONLY == null ? 0 : ONLY;
        long to = ONLY == null ? seeds : ONLY + 1;
        for (long seed = from; seed < to; seed++) {
            Simulation sim = Simulation.withSeed(seed).wallLimit(WALL_LIMIT);
            try {
                scenario.run(sim);
            } catch (Throwable e) {
                throw failure(sim, e);
            }
        }
    }

    /**
     * Checks that the seeds drove a race every way listed, and no other: a scenario that asserts
     * what holds either way should see both ways. Skipped when one seed is replayed.
     */
    static void assertExplored(java.util.Collection<String> seen, String... ways) {
        if (ONLY != null) return;
        org.assertj.core.api.Assertions.assertThat(new java.util.TreeSet<>(seen)).as("the ways the seeds drove the race")
                .containsExactlyInAnyOrder(ways);
    }

    /** Yields until {@code condition} holds: how a scenario waits for another micro-thread to reach a point. */
    static void yieldUntil(BooleanSupplier condition) throws InterruptedException {
        while (!condition.getAsBoolean()) MicroThread.yieldNow();
    }

    /** Yields until {@code m} waits (parked in a wait of the library). */
    static void yieldUntilWaiting(MicroThread<?> m) throws InterruptedException {
        yieldUntil(() -> m.state() == MicroThread.State.WAITING);
    }

    /** Virtual nanoseconds since the simulation started (its clock starts at {@link SimDriver#EPOCH}). */
    static long elapsedNanos() {
        return Loop.current().nanoTime() - SimDriver.EPOCH;
    }

    /** Virtual time since the simulation started. */
    static Duration elapsed() {
        return Duration.ofNanos(elapsedNanos());
    }

    private static AssertionError failure(Simulation sim, Throwable e) {
        boolean traced = hasTrace(e, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        StringBuilder sb = new StringBuilder("scenario failed with seed ").append(sim.seed())
                .append(" (replay: -Dmicrothreads.scenario.seed=").append(sim.seed())
                .append(", or Simulation.withSeed(").append(sim.seed()).append(")): ");
        List<String> chain = new ArrayList<>();
        for (Throwable t = e; t != null && chain.size() < 4; t = t.getCause()) chain.add(String.valueOf(t));
        sb.append(String.join("\n  caused by: ", chain));
        if (!traced) sb.append("\n").append(sim.trace());
        AssertionError error = new AssertionError(sb.toString(), e);
        return error;
    }

    private static boolean hasTrace(Throwable e, Set<Throwable> seen) {
        if (e == null || !seen.add(e)) return false;
        if (e instanceof SimulationTrace) return true;
        for (Throwable s : e.getSuppressed()) if (hasTrace(s, seen)) return true;
        return hasTrace(e.getCause(), seen);
    }
}
