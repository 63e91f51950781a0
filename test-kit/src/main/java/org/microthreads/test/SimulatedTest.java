package org.microthreads.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test method run as the main micro-thread of a simulated loop
 * ({@link org.microthreads.Simulation}), once per seed: by default for the 100 seeds 0 to 99, each
 * a different schedule of the micro-threads it starts, on a virtual clock. The first seed that
 * fails stops the test, and the test fails with a message that starts with that seed and how to
 * replay it, then what failed and the simulation's trace (the last steps of its schedule); the
 * original failure is the cause, so an assertion's expected and actual values still show.
 *
 * {@snippet :
 * @SimulatedTest
 * void aPipelineSumsWhateverTheSchedule() throws InterruptedException {
 *     Pipe<Integer> numbers = Pipe.produce(Pipe.rendezvous(), sink -> {   // state in locals: new for each seed
 *         for (int i = 1; i <= 5; i++) sink.put(i);
 *     });
 *     int sum = 0;
 *     for (int n : numbers) sum += n;
 *     assertEquals(15, sum);   // a plain assertion; its failure names the seed
 * }
 * }
 *
 * <h2>Seeds, and replaying one</h2>
 * <ul>
 *   <li>{@link #seeds()} seeds are run, from {@link #firstSeed()} on, until one fails.
 *   <li>{@link #seed()} runs that one seed only (the other two are then ignored): the replay of a
 *       failure, as the failure message says.
 *   <li>The system property {@code microthreads.seed} runs only that seed in every simulated
 *       test, whatever the attributes say: {@code mvn test -Dtest=ShopTest -Dmicrothreads.seed=42}.
 *       {@code microthreads.seeds} sets the number of seeds of every simulated test that does not
 *       replay one (a nightly run with {@code -Dmicrothreads.seeds=10000}), and
 *       {@code microthreads.firstSeed} where they start. Each is read as a system property, or
 *       else as a JUnit configuration parameter (for instance from
 *       {@code junit-platform.properties}).
 * </ul>
 * A bad value (a count that is not positive, a limit that is not positive, a parameter that is not
 * a number) fails the test at once with a message naming the attribute or the parameter.
 *
 * <h2>What runs where</h2>
 * <ul>
 *   <li>The test method runs in the simulation, as its micro-thread {@code main}, on the test's
 *       thread (a platform thread; the simulation needs the JVM flag
 *       {@code --add-opens java.base/java.lang=ALL-UNNAMED}). Its parameters may be a
 *       {@link org.microthreads.Simulation} (the one running it: its {@code seed()}), a
 *       {@code long} (the seed), or whatever other extensions resolve ({@code TestInfo}, ...).
 *   <li>{@code @BeforeEach}, {@code @AfterEach} and the other callbacks run once per test method,
 *       outside the simulation, not once per seed. The test instance, and so its fields, persists
 *       across the seeds of one method: state that a run changes belongs in locals of the method.
 *   <li>A failure anywhere in the run fails the seed: the method throwing (an assertion, or a
 *       {@code join} of a micro-thread that failed), a deadlock, a micro-thread blocked outside the
 *       simulation, a runaway past a limit below, and a failure of a micro-thread that nobody
 *       collected (started with {@code startAndForget}, or started with {@code parallel} and
 *       never joined): the extension installs the loop's failure handler for that, unless the
 *       method installs its own.
 *   <li>The limits of a seed ({@link #wallLimitSeconds()}, {@link #horizonSeconds()},
 *       {@link #maxSteps()}) end a run that keeps switching forever; they are checked between
 *       steps, so a micro-thread that spins without ever parking or yielding is not stopped.
 * </ul>
 *
 * <h2>Why {@code @Test} and an interceptor, not a test template</h2>
 * The annotation is meta-annotated with {@link Test} and {@link ExtendWith}: the method is one
 * test, which the extension's invocation interceptor runs once per seed. A
 * {@code @TestTemplate} would make every seed a test of its own, with its own
 * {@code @BeforeEach}: 100 entries per method in every report, a per-seed lifecycle costing more
 * than most simulated runs, and no natural way to stop at the first failing seed. One test per
 * method reports one outcome, and the failing seed in its message.
 *
 * <p>See docs/testing.md for a worked example: a race found, replayed and fixed.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Test
@ExtendWith(SimulatedTestExtension.class)
@SuppressWarnings("exports") // the extension is package-private on purpose: JUnit alone makes it (the package is open to it)
public @interface SimulatedTest {
    /** The value of {@link #seed()} that means "none": explore {@link #seeds()} seeds. */
    long NO_SEED = Long.MIN_VALUE;

    /**
     * How many seeds to run, starting at {@link #firstSeed()} (default 100: a few hundred
     * milliseconds for a typical scenario, fine for every build). Must be positive.
     *
     * @return the number of seeds
     */
    int seeds() default 100;

    /**
     * The first seed run; the others follow it ({@code firstSeed + 1}, ...).
     *
     * @return the first seed
     */
    long firstSeed() default 0;

    /**
     * The one seed to run, replaying it, instead of {@link #seeds()} from {@link #firstSeed()};
     * default {@link #NO_SEED} (none), so {@code Long.MIN_VALUE} cannot be replayed this way (use
     * {@code -Dmicrothreads.seed}).
     *
     * @return the seed to replay, or {@link #NO_SEED}
     */
    long seed() default NO_SEED;

    /**
     * How long one seed may run in wall-clock time before it fails as a runaway (default 10 s;
     * {@link org.microthreads.Simulation#wallLimit}). Must be positive.
     *
     * @return the limit, in seconds
     */
    long wallLimitSeconds() default 10;

    /**
     * How much virtual time one seed may take before it fails as a runaway (default 24 hours;
     * {@link org.microthreads.Simulation#horizon}). Must be positive.
     *
     * @return the horizon, in seconds of virtual time
     */
    long horizonSeconds() default 24 * 60 * 60;

    /**
     * How many steps one seed may take before it fails as a runaway (default 10,000,000;
     * {@link org.microthreads.Simulation#maxSteps}). Must be positive.
     *
     * @return the step budget
     */
    long maxSteps() default 10_000_000;

    /**
     * How long to wait in real time for a micro-thread blocked outside the simulation (a socket,
     * {@code Thread.sleep}, a plain thread's signal) before failing (default 0: fail at once;
     * {@link org.microthreads.Simulation#outsideWait}). A seed that needed it may not replay
     * exactly. Must not be negative.
     *
     * @return the wait, in milliseconds
     */
    long outsideWaitMillis() default 0;
}
