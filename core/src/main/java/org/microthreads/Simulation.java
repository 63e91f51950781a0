package org.microthreads;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A simulated loop: deterministic runs of micro-thread code, with a virtual clock and a schedule
 * chosen by a seed. For tests (see docs/testing.md and the {@code microthreads-test} kit).
 *
 * {@snippet :
 * for (long seed = 0; seed < 1000; seed++) {
 *     int total = Simulation.withSeed(seed).run(() -> {
 *         var counter = new int[1];
 *         var a = MicroThread.parallel(() -> { MicroThread.sleep(Duration.ofHours(1)); return ++counter[0]; });
 *         var b = MicroThread.parallel(() -> ++counter[0]);
 *         return a.join() + b.join();   // an hour of virtual time, in microseconds of wall time
 *     });
 * }
 * }
 *
 * <h2>What it promises</h2>
 * <ul>
 *   <li><b>One at a time, chosen by the seed.</b> Micro-threads run one at a time on the thread
 *       that calls {@link #run}; whenever one parks, yields or ends, the next is picked at random
 *       among the ready ones by a generator seeded with the seed (xoshiro256**, seeded through
 *       SplitMix64, both our own so that a seed means the same on every JDK). {@code select}'s
 *       random choice comes from the same generator.
 *   <li><b>Virtual time.</b> Every timed wait of the library ({@code sleep}, {@code withTimeout},
 *       timed pipe operations, select timeouts, {@code join}/{@code await} timeouts, tickers) reads
 *       the simulation's clock ({@link Loop#nanoTime()}, starting at 2000-01-01T00:00:00Z). When no
 *       micro-thread is ready and a timer is pending, the clock jumps to the earliest timer; timers
 *       due at the same instant fire in the order they were armed.
 *   <li><b>Same seed, same run.</b> The same seed and the same code give the same schedule, the
 *       same {@link #scheduleHash()} and the same output, across runs and JVMs, as long as nothing
 *       outside the simulation wakes its micro-threads ({@link #outsideWakeUps()} stays 0) and the
 *       JVM flags are the same (without {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}
 *       a generator's body runs in a micro-thread of its own, which adds steps to the schedule).
 *   <li><b>Every wait is visible.</b> When every micro-thread waits in the library and no timer is
 *       pending, the run fails with a {@link DeadlockException} naming each of them and what it
 *       waits on (plain pipes too, not only confined ones).
 *   <li><b>The outside world fails clearly.</b> A micro-thread blocked in JDK code on something
 *       nothing inside the simulation ends ({@code Thread.sleep} and other JDK timed waits, a socket,
 *       a {@code java.util.concurrent} lock held by a plain thread) is not part of the schedule: when
 *       nothing else can run, the run fails with a {@link SimulationException} "micro-thread 'x'
 *       blocked on something outside the simulation: ..." and its stack; the clock never moves past
 *       a JDK timed wait. A lock or monitor held by another micro-thread of the simulation is part of
 *       it, even across the holder's timed waits (the JDK hands a monitor over from its own thread;
 *       the simulation waits a moment for that). A wait that only code outside could end (a
 *       {@code CompletableFuture} or {@code Deferred} completed by a plain thread, a micro-thread or
 *       run of a real loop) is reported with the deadlock, naming it. With
 *       {@link #outsideWait(Duration)} the simulation waits in real time for the outside world
 *       instead, as Go's synctest does for non-durable blocking, and the run is no longer replayable.
 *       A virtual thread started with {@code Thread.ofVirtual()} inside a simulated micro-thread is
 *       refused at its start ({@code RejectedExecutionException}): start a micro-thread instead.
 *   <li><b>Runaways end.</b> A run that never goes idle for good (a micro-thread that sleeps or
 *       ticks in an endless loop) fails with a {@link SimulationException} once it passes its
 *       {@link #horizon(Duration) horizon} of virtual time (default 24 hours), its
 *       {@link #maxSteps(long) step budget} (default 10,000,000) or its {@link #wallLimit(Duration)
 *       wall-clock limit} (default 60 s), naming the micro-threads that armed the most timers.
 *   <li><b>Failures say how to replay.</b> Whatever {@code run} throws carries a suppressed
 *       {@link SimulationTrace}: the seed, the schedule hash, the virtual time, and the last steps.
 * </ul>
 *
 * <p>Limits: a micro-thread is switched only where it parks, yields or ends (the library's
 * blocking calls, {@code yieldNow}, JDK blocking calls), never between two plain memory accesses:
 * races on plain fields between two such points are not explored (and cannot happen: micro-threads
 * of a simulation run one at a time). {@code System.nanoTime()}, {@code Instant.now()} and JDK
 * timeouts read the wall clock: use {@link Loop#nanoTime()} and the library's timed operations.
 * A micro-thread that spins without ever parking or yielding cannot be pre-empted.
 *
 * <p>Needs the JVM flag {@code --add-opens java.base/java.lang=ALL-UNNAMED} (its micro-threads are
 * virtual threads on the simulation's own scheduler). Not thread-safe: one thread configures and
 * runs a simulation.
 */
public final class Simulation {
    private final long seed;
    private long horizon = Duration.ofHours(24).toNanos();
    private long maxSteps = 10_000_000;
    private long wallLimit = Duration.ofSeconds(60).toNanos();
    private long outsideWait;
    private SimDriver last;

    private Simulation(long seed) {
        this.seed = seed;
    }

    /**
     * A simulation whose schedule is chosen by {@code seed}; any long is a good seed (sequential
     * seeds give unrelated schedules).
     *
     * @param seed the seed
     * @return a new simulation with the default limits
     */
    public static Simulation withSeed(long seed) {
        return new Simulation(seed);
    }

    /**
     * How much virtual time a run may take before it fails as a runaway (default 24 hours).
     *
     * @param d the horizon, positive
     * @return this simulation
     * @throws IllegalArgumentException if {@code d} is not positive
     */
    public Simulation horizon(Duration d) {
        horizon = positive(d, "horizon");
        return this;
    }

    /**
     * How many steps (a micro-thread running until it parks, yields or ends) a run may take before
     * it fails as a runaway (default 10,000,000).
     *
     * @param steps the budget, positive
     * @return this simulation
     * @throws IllegalArgumentException if {@code steps} is not positive
     */
    public Simulation maxSteps(long steps) {
        if (steps <= 0) throw new IllegalArgumentException("maxSteps must be positive, was " + steps);
        maxSteps = steps;
        return this;
    }

    /**
     * How much wall-clock time a run may take before it fails as a runaway (default 60 s); checked
     * between steps, so a micro-thread that spins without parking is not stopped by it.
     *
     * @param d the limit, positive
     * @return this simulation
     * @throws IllegalArgumentException if {@code d} is not positive
     */
    public Simulation wallLimit(Duration d) {
        wallLimit = positive(d, "wallLimit");
        return this;
    }

    /**
     * How long to wait, in real time, for a micro-thread blocked on something outside the
     * simulation before failing (default zero: fail at once). A run that needed it is not
     * replayable; {@link #outsideWakeUps()} counts the wake-ups that came from outside.
     *
     * @param d the wait, zero or positive
     * @return this simulation
     * @throws IllegalArgumentException if {@code d} is negative
     */
    public Simulation outsideWait(Duration d) {
        Objects.requireNonNull(d, "outsideWait");
        if (d.isNegative()) throw new IllegalArgumentException("outsideWait must not be negative, was " + d);
        outsideWait = saturatedNanos(d);
        return this;
    }

    /**
     * Runs {@code main} as the first micro-thread of a fresh simulated loop, on the calling thread,
     * and returns its value once it and every micro-thread it started have ended: as
     * {@link Loop#run}, with the schedule, clock and checks described above. The loop is closed
     * before it returns. May be called again (each run starts from the seed again).
     *
     * @param <T> the type of {@code main}'s value
     * @param main the body of the first micro-thread, named {@code main}
     * @return the value {@code main} returned
     * @throws FailedException       if {@code main} threw (cause: its failure)
     * @throws DeadlockException     if micro-threads came to wait for each other with nothing able to wake them
     * @throws SimulationException   if a micro-thread blocked outside the simulation, or the run ran away
     * @throws java.util.concurrent.CancellationException if {@code main} was cancelled
     * @throws InterruptedException  if the calling thread was interrupted
     * @throws IllegalStateException if called from a virtual thread or a micro-thread
     * @throws UnsupportedOperationException without the JVM flag (the message names it)
     */
    public <T> T run(MicroThread.Body<T> main) throws InterruptedException {
        Objects.requireNonNull(main, "main");
        if (MicroThread.currentOrNull() != null) {
            throw new IllegalStateException("Simulation.run called from micro-thread " + MicroThread.currentOrNull().quotedName()
                    + "; run a simulation from a plain (platform) thread, such as a test's");
        }
        SimDriver driver = new SimDriver(this, seed);
        last = driver;
        Loop loop = new Loop("simulation", driver);
        try {
            return loop.run(main);
        } catch (RuntimeException | Error | InterruptedException e) {
            e.addSuppressed(traceOf(driver));
            throw e;
        } finally {
            try {
                loop.close();
            } catch (SimulationException abandoned) {
                // reported by the run already (its micro-threads did not end)
            }
        }
    }

    /** {@return the seed} */
    public long seed() {
        return seed;
    }

    /** {@return how many steps the last run took (0 before any)} */
    public long steps() {
        return last == null ? 0 : last.steps;
    }

    /** {@return the hash of the last run's schedule: the same seed and code give the same hash} */
    public long scheduleHash() {
        return last == null ? 0 : last.hash;
    }

    /** {@return how much virtual time the last run took} */
    public Duration elapsed() {
        return last == null ? Duration.ZERO : Duration.ofNanos(last.now() - SimDriver.EPOCH);
    }

    /** {@return the virtual instant the last run ended at (runs start at 2000-01-01T00:00:00Z)} */
    public Instant now() {
        return Instant.ofEpochSecond(0, last == null ? SimDriver.EPOCH : last.now());
    }

    /** {@return how many wake-ups came from outside the simulation in the last run (0: replayable)} */
    public long outsideWakeUps() {
        return last == null ? 0 : last.outsideWakeUps;
    }

    /** {@return the last run's trace: its seed, hash, and last steps, as a failure would report it} */
    public String trace() {
        return last == null ? "no run yet" : traceOf(last).getMessage();
    }

    private SimulationTrace traceOf(SimDriver d) {
        String text = "simulation seed " + seed + ": schedule hash " + String.format("%016x", d.hash) + ", " + d.steps
                + " steps, " + d.virtualTimeText()
                + (d.outsideWakeUps > 0 ? ", " + d.outsideWakeUps + " wake-ups from outside (replay not guaranteed)" : "")
                + "\nreplay it with Simulation.withSeed(" + seed + ") (test kit: @SimulatedTest(seed = " + seed
                + ") or -Dmicrothreads.seed=" + seed + ")\nlast steps:\n" + d.trace();
        return new SimulationTrace(seed, d.hash, text);
    }

    long horizonNanos() {
        return horizon;
    }

    long maxSteps() {
        return maxSteps;
    }

    long wallLimitNanos() {
        return wallLimit;
    }

    long outsideWaitNanos() {
        return outsideWait;
    }

    private static long positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (!d.isPositive()) throw new IllegalArgumentException(what + " must be positive, was " + d);
        return saturatedNanos(d);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }

    @Override
    public String toString() {
        return "Simulation[seed " + seed + "]";
    }
}
