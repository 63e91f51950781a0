package org.microthreads.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;
import org.microthreads.DeadlockException;
import org.microthreads.SimulationException;
import org.microthreads.test.examples.BadAttributesExample;
import org.microthreads.test.examples.FailuresExample;
import org.microthreads.test.examples.KitExample;
import org.microthreads.test.examples.PassingExample;
import org.microthreads.test.examples.PinnedExample;
import org.microthreads.test.examples.RacyExample;
import org.microthreads.test.examples.RacyInheritedExample;
import org.microthreads.test.examples.RacyReplayExample;
import org.opentest4j.AssertionFailedError;

/**
 * The extension, seen from outside: example test classes (test-kit/src/test/.../examples, never
 * run by Surefire directly) run through JUnit's engine test kit, and what JUnit reports about them.
 */
class SimulatedTestExtensionTest {

    /** Runs the selected examples; {@code params}: configuration parameters (key, value, ...). */
    static Events run(DiscoverySelector selector, String... params) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put(KitExample.PARAMETER, "true");
        for (int i = 0; i < params.length; i += 2) config.put(params[i], params[i + 1]);
        return EngineTestKit.engine("junit-jupiter").configurationParameters(config).selectors(selector).execute().testEvents();
    }

    static Events run(Class<?> example, String... params) {
        return run(selectClass(example), params);
    }

    /** The one failed test's throwable. */
    static Throwable failure(Events events) {
        List<Event> failed = events.failed().list();
        assertThat(failed).as("failed tests").hasSize(1);
        return failed.getFirst().getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    /** {@code method}: its name, with its parameter types if it has any ({@code "m(long)"}). */
    static Throwable failure(Class<?> example, String method, String... params) {
        return failure(run(selectMethod(example.getName() + "#" + method), params));
    }

    private static final Pattern SEED = Pattern.compile("^seed (-?\\d+) failed");

    static long seedOf(Throwable t) {
        Matcher m = SEED.matcher(t.getMessage());
        assertThat(m.find()).as("the message starts with the seed: %s", t.getMessage()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** The part of a failure message from the simulation's trace on. */
    static String traceOf(Throwable t) {
        String msg = t.getMessage();
        int i = msg.indexOf("\nsimulation seed ");
        assertThat(i).as("the message has the trace: %s", msg).isPositive();
        return msg.substring(i + 1);
    }

    // =====================================================================================
    // Passing, and what runs where
    // =====================================================================================

    @Test
    void aPassingTestRunsAHundredSeedsInTheSimulationAndPasses() {
        PassingExample.reset();
        Events events = run(PassingExample.class);
        events.assertStatistics(s -> s.started(1).succeeded(1).failed(0));
        assertThat(PassingExample.seeds).containsExactlyElementsOf(LongStream.range(0, 100).boxed().toList());
        assertThat(PassingExample.allSimulated).as("each run: main micro-thread of a simulation, virtual time").isTrue();
        assertThat(PassingExample.beforeEach).as("@BeforeEach: once per test method, not per seed").isEqualTo(1);
        assertThat(PassingExample.runsSeenByOneInstance).as("one test instance for all seeds").isEqualTo(100);
    }

    @Test
    void aPassingTestReportsItsSeeds() {
        PassingExample.reset();
        List<String> entries = new ArrayList<>();
        EngineTestKit.engine("junit-jupiter").configurationParameter(KitExample.PARAMETER, "true")
                .selectors(selectClass(PassingExample.class)).execute().allEvents().reportingEntryPublished()
                .stream().forEach(e -> entries.add(e.getRequiredPayload(org.junit.platform.engine.reporting.ReportEntry.class)
                        .getKeyValuePairs().toString()));
        assertThat(entries).containsExactly("{microthreads.seeds=100 seeds passed (0 to 99)}");
    }

    // =====================================================================================
    // A racy test: found, named, replayed
    // =====================================================================================

    @Test
    void aRacyTestFailsNamingTheSeedAndHowToReplayItWithTheTraceAndTheCause() {
        Throwable t = failure(run(RacyExample.class));
        long seed = seedOf(t);
        assertThat(seed).isBetween(0L, 99L);
        String msg = t.getMessage();
        String passedBefore = seed == 0 ? "after 0 seeds passed;" : seed == 1 ? "after 1 seed passed (0);"
                : "after " + seed + " seeds passed (0 to " + (seed - 1) + ");";
        assertThat(msg.lines().findFirst().orElseThrow()).isEqualTo("seed " + seed + " failed " + passedBefore
                + " replay it with @SimulatedTest(seed = " + seed + ") on twoIncrementsAcrossAPut, or -Dmicrothreads.seed=" + seed
                + " (mvn test -Dtest=RacyExample#twoIncrementsAcrossAPut -Dmicrothreads.seed=" + seed + ")");
        assertThat(msg).contains("org.microthreads.FailedException: main micro-thread of loop 'simulation' failed: "
                        + "org.opentest4j.AssertionFailedError: two increments ==> expected: <2> but was: <1>")
                .contains("simulation seed " + seed + ": schedule hash ")
                .contains("last steps:\n  step 0, +0ns: 'main' ran, then")
                .containsPattern("'a' ran, then waits: waiting to put to pipe 'log'")
                .doesNotContain("Suppressed"); // the trace is in the message, once
        // the cause is the assertion itself, with its expected and actual; so is the failure
        assertThat(t).isInstanceOf(AssertionFailedError.class);
        assertThat(t.getCause()).isInstanceOf(AssertionFailedError.class).hasMessage("two increments ==> expected: <2> but was: <1>");
        AssertionFailedError afe = (AssertionFailedError) t;
        assertThat(afe.getExpected().getValue()).isEqualTo(2);
        assertThat(afe.getActual().getValue()).isEqualTo(1);
        assertThat(t.getStackTrace()).as("where the assertion failed").isEqualTo(t.getCause().getStackTrace());
        assertThat(t.getSuppressed()).noneMatch(s -> s instanceof org.microthreads.SimulationTrace);
    }

    @Test
    void theNamedSeedReplaysToTheSameFailureAndTheSameTrace() {
        Throwable first = failure(run(RacyExample.class));
        long seed = seedOf(first);
        for (int i = 0; i < 2; i++) {
            Throwable again = failure(run(RacyExample.class, "microthreads.seed", Long.toString(seed)));
            assertThat(seedOf(again)).isEqualTo(seed);
            assertThat(again.getMessage()).startsWith("seed " + seed + " failed (one seed run, set by microthreads.seed);");
            assertThat(traceOf(again)).isEqualTo(traceOf(first));
            assertThat(again.getMessage().lines().skip(1).toList()).isEqualTo(first.getMessage().lines().skip(1).toList());
        }
    }

    @Test
    void theSeedAttributeReplaysOneSeed() {
        Throwable first = failure(run(RacyExample.class));
        // RacyReplayExample pins, with @SimulatedTest(seed = ...), the seed RacyExample fails at first:
        // the same on every JVM, as a seed promises
        assertThat(seedOf(first)).isEqualTo(RacyReplayExample.SEED);
        Throwable replayed = failure(run(RacyReplayExample.class));
        assertThat(replayed.getMessage()).startsWith("seed " + RacyReplayExample.SEED + " failed (one seed run, set by "
                + "@SimulatedTest(seed = " + RacyReplayExample.SEED + "));");
        assertThat(traceOf(replayed)).isEqualTo(traceOf(first));
    }

    @Test
    void aSeedThatPassesReplaysAsAPass() {
        Throwable first = failure(run(RacyExample.class));
        long seed = seedOf(first);
        if (seed > 0) run(RacyExample.class, "microthreads.seed", "0").assertStatistics(s -> s.succeeded(1));
        // a failing seed is found again when the run starts there
        assertThat(seedOf(failure(run(RacyExample.class, "microthreads.firstSeed", Long.toString(seed))))).isEqualTo(seed);
    }

    // =====================================================================================
    // System properties and configuration parameters
    // =====================================================================================

    @Test
    void theSystemPropertyOverridesEverySimulatedTest() {
        PassingExample.reset();
        PinnedExample.seeds.clear();
        String before = System.getProperty("microthreads.seed");
        System.setProperty("microthreads.seed", "4242");
        try {
            run(PassingExample.class).assertStatistics(s -> s.succeeded(1));
            run(PinnedExample.class).assertStatistics(s -> s.succeeded(1));
            // and over a configuration parameter
            run(PinnedExample.class, "microthreads.seed", "1").assertStatistics(s -> s.succeeded(1));
        } finally {
            if (before == null) System.clearProperty("microthreads.seed");
            else System.setProperty("microthreads.seed", before);
        }
        assertThat(PassingExample.seeds).containsExactly(4242L);
        assertThat(PinnedExample.seeds).containsExactly(4242L, 4242L);
    }

    @Test
    void theSeedCountAndTheFirstSeedCanBeSetForEveryTest() {
        PassingExample.reset();
        run(PassingExample.class, "microthreads.seeds", "7", "microthreads.firstSeed", "-3").assertStatistics(s -> s.succeeded(1));
        assertThat(PassingExample.seeds).containsExactly(-3L, -2L, -1L, 0L, 1L, 2L, 3L);
        PinnedExample.seeds.clear();
        run(PinnedExample.class).assertStatistics(s -> s.succeeded(1));
        assertThat(PinnedExample.seeds).as("the seed attribute wins over seeds").containsExactly(7L);
        // a pinned seed (attribute or parameter) wins over the count
        assertThat(failure(run(RacyReplayExample.class, "microthreads.seeds", "7")).getMessage())
                .startsWith("seed " + RacyReplayExample.SEED + " failed (one seed run");
    }

    @Test
    void badParametersFailClearlyNamingThem() {
        assertThat(failure(run(PassingExample.class, "microthreads.seed", "forty-two")))
                .hasMessageContaining("system property (or configuration parameter) microthreads.seed must be a whole number, was 'forty-two'");
        assertThat(failure(run(PassingExample.class, "microthreads.seeds", "0")))
                .hasMessageContaining("system property (or configuration parameter) microthreads.seeds must be positive, was 0");
        assertThat(failure(run(PassingExample.class, "microthreads.firstSeed", "1e3")))
                .hasMessageContaining("microthreads.firstSeed must be a whole number, was '1e3'");
    }

    // =====================================================================================
    // Bad attributes
    // =====================================================================================

    @Test
    void badAttributesFailClearlyNamingTheAttributeBeforeAnyRun() {
        BadAttributesExample.ran = 0;
        Events events = run(BadAttributesExample.class);
        events.assertStatistics(s -> s.started(7).succeeded(1).failed(6));
        assertThat(BadAttributesExample.ran).as("only the fine one ran, 100 times").isEqualTo(100);
        List<String> messages = events.failed().stream()
                .map(e -> e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow().getMessage()).sorted().toList();
        String where = "@SimulatedTest on " + BadAttributesExample.class.getName() + ".";
        assertThat(messages).containsExactly(
                where + "negativeHorizon: horizonSeconds must be positive, was -1",
                where + "negativeOutsideWait: outsideWaitMillis must not be negative, was -1",
                where + "negativeSeeds: seeds must be positive, was -5",
                where + "noSeeds: seeds must be positive, was 0",
                where + "noSteps: maxSteps must be positive, was 0",
                where + "noWallTime: wallLimitSeconds must be positive, was 0");
    }

    // =====================================================================================
    // Failures of every kind fail the seed
    // =====================================================================================

    @Test
    void anAssertionInMainKeepsItsExpectedAndActualAndCountsFromTheFirstSeed() {
        Throwable t = failure(FailuresExample.class, "anAssertionInMain");
        assertThat(t.getMessage()).startsWith("seed 1000 failed after 0 seeds passed; replay it with @SimulatedTest(seed = 1000)");
        AssertionFailedError afe = (AssertionFailedError) t;
        assertThat(afe.getExpected().getStringRepresentation()).isEqualTo("expected text");
        assertThat(afe.getActual().getStringRepresentation()).isEqualTo("actual text");
        assertThat(t.getCause()).isInstanceOf(AssertionFailedError.class).hasMessageStartingWith("compared ==>");
    }

    @Test
    void theMessageCountsTheSeedsThatPassedBeforeTheFailingOne() {
        assertThat(failure(FailuresExample.class, "failsOnlyAtSeedFive(long)").getMessage())
                .startsWith("seed 5 failed after 5 seeds passed (0 to 4); replay it with @SimulatedTest(seed = 5) on failsOnlyAtSeedFive, "
                        + "or -Dmicrothreads.seed=5 (mvn test -Dtest=FailuresExample#failsOnlyAtSeedFive -Dmicrothreads.seed=5)\n");
        assertThat(failure(FailuresExample.class, "failsOnlyAtSeedOne(long)").getMessage())
                .startsWith("seed 1 failed after 1 seed passed (0); replay it");
        assertThat(failure(FailuresExample.class, "failsOnlyAtSeedOne(long)", "microthreads.firstSeed", "1").getMessage())
                .startsWith("seed 1 failed after 0 seeds passed; replay it");
        assertThat(failure(FailuresExample.class, "failsOnlyAtSeedOne(long)", "microthreads.firstSeed", "1", "microthreads.seeds", "1")
                .getMessage()).as("one seed, not pinned").startsWith("seed 1 failed after 0 seeds passed; replay it");
        // the command names the class run, not the one that declares the method
        assertThat(failure(RacyInheritedExample.class, "twoIncrementsAcrossAPut").getMessage())
                .contains("(mvn test -Dtest=RacyInheritedExample#twoIncrementsAcrossAPut -Dmicrothreads.seed=");
    }

    @Test
    void anAssertionInAJoinedMicroThreadIsTheCause() {
        Throwable t = failure(FailuresExample.class, "anAssertionInAJoinedMicroThread");
        assertThat(t.getMessage()).contains("main micro-thread of loop 'simulation' failed: micro-thread 'checker' failed: "
                + "org.opentest4j.AssertionFailedError: in the checker ==> expected: <1> but was: <2>")
                .contains("virtual time +3s");
        assertThat(t.getCause()).isInstanceOf(AssertionFailedError.class).hasMessageStartingWith("in the checker");
        assertThat(((AssertionFailedError) t).getExpected().getValue()).isEqualTo(1);
        // the hop (where main joined it) rides along
        assertThat(t.getSuppressed()).anyMatch(s -> s.getMessage().startsWith("micro-thread 'checker' failed"));
    }

    @Test
    void aFailureNobodyCollectedFailsTheSeed() {
        Throwable t = failure(FailuresExample.class, "anAssertionInAForgottenMicroThread");
        assertThat(t.getMessage()).startsWith("seed 0 failed")
                .contains("micro-thread 'forgotten' failed and nobody collected its failure: org.opentest4j.AssertionFailedError: nobody joins me")
                .contains("simulation seed 0: schedule hash");
        assertThat(t.getCause()).isInstanceOf(AssertionFailedError.class).hasMessage("nobody joins me");

        Throwable u = failure(FailuresExample.class, "anUnjoinedParallelMicroThread");
        assertThat(u.getMessage()).contains("micro-thread 'unjoined' failed and nobody collected its failure: "
                + "java.lang.IllegalStateException: nobody joins me either");
        assertThat(u.getCause()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aDeadlockFailsTheSeedWithTheReport() {
        Throwable t = failure(FailuresExample.class, "aDeadlock");
        assertThat(t.getMessage()).startsWith("seed 0 failed")
                .contains("org.microthreads.DeadlockException: deadlock in the simulation (seed 0)")
                .contains("'x'").contains("'y'")
                .contains("simulation seed 0: schedule hash");
        assertThat(t.getCause()).isInstanceOf(DeadlockException.class);
    }

    @Test
    void runawaysEndAtTheWallLimitAndTheHorizon() {
        long t0 = System.nanoTime();
        Throwable wall = failure(FailuresExample.class, "aRunawayPastTheWallLimit");
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds").isLessThan(30);
        assertThat(wall.getMessage()).startsWith("seed 0 failed").contains("ran longer than its wall-clock limit of 1s");
        assertThat(wall.getCause()).isInstanceOf(SimulationException.class);

        Throwable horizon = failure(FailuresExample.class, "aRunawayPastTheHorizon");
        assertThat(horizon.getMessage()).startsWith("seed 0 failed").contains("ran past its horizon of 1min of virtual time");
    }

    @Test
    void blockingOutsideTheSimulationFailsUnlessWaitedFor() {
        Throwable t = failure(FailuresExample.class, "blockedOutside");
        assertThat(t.getMessage()).startsWith("seed 0 failed")
                .contains("micro-thread 'main' blocked on something outside the simulation");
        run(selectMethod(FailuresExample.class, "blockedOutsideButWaitedFor")).assertStatistics(s -> s.succeeded(1));
    }
}
