package org.microthreads.test.bugs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Simulation;

/**
 * Runs a body under {@link Simulation} seed after seed until it fails, and checks that the failing
 * seed replays to the same failure with the same schedule.
 *
 * <p>A failure's <em>signature</em> is the chain of its exception and causes, each as class name
 * and message, with two JVM-wide counters masked: thread ids ({@code #123}) and identity hash
 * codes ({@code @1b6d3586}), which appear in texts such as "closed here, by VirtualThread[#45]"
 * and differ from one run to the next whatever the schedule. Everything else must match.
 */
final class BugHunt {
    private static final Pattern THREAD_ID = Pattern.compile("#\\d+");
    private static final Pattern IDENTITY = Pattern.compile("@[0-9a-f]{4,}");

    private BugHunt() {}

    /** One failing run: its seed, its failure's signature, and the hash of its schedule. */
    record Failure(long seed, String signature, long scheduleHash, Throwable thrown) {}

    /**
     * The result of a hunt.
     *
     * @param firstSeed       the first failing seed, or -1 if none failed
     * @param seedsRun        how many seeds were run (up to and including the first failing one): the seeds to find it
     * @param wallNanos       wall time of the hunt, without the replays
     * @param failure         the first failure, or null
     * @param identicalReplays how many of the replays failed with the same signature and schedule hash
     * @param replays         how many replays were run
     */
    record Hunt(long firstSeed, long seedsRun, long wallNanos, Failure failure, int identicalReplays, int replays) {
        boolean found() {
            return failure != null;
        }
    }

    /**
     * Runs {@code body} with one seed.
     *
     * @return the failure, or null if the run passed
     */
    static Failure runOnce(MicroThread.Body<?> body, long seed) {
        Simulation sim = Simulation.withSeed(seed);
        try {
            sim.run(body);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the hunt was interrupted at seed " + seed, e);
        } catch (Throwable t) {
            if (sim.outsideWakeUps() > 0) {
                throw new IllegalStateException("seed " + seed + " was woken from outside the simulation ("
                        + sim.outsideWakeUps() + " times): not replayable", t);
            }
            return new Failure(seed, signature(t), sim.scheduleHash(), t);
        }
    }

    /** Runs seeds {@code 0, 1, ...} until one fails (at most {@code maxSeeds}), then replays it {@code replays} times. */
    static Hunt hunt(MicroThread.Body<?> body, long maxSeeds, int replays) {
        return hunt(body, 0, maxSeeds, replays);
    }

    /** As {@link #hunt(MicroThread.Body, long, int)}, from seed {@code from} on: seeds {@code from .. from + maxSeeds - 1}. */
    static Hunt hunt(MicroThread.Body<?> body, long from, long maxSeeds, int replays) {
        long t0 = System.nanoTime();
        for (long seed = from; seed < from + maxSeeds; seed++) {
            Failure f = runOnce(body, seed);
            if (f != null) {
                long wall = System.nanoTime() - t0;
                return new Hunt(seed, seed - from + 1, wall, f, identicalReplays(body, f, replays), replays);
            }
        }
        return new Hunt(-1, maxSeeds, System.nanoTime() - t0, null, 0, 0);
    }

    /** How many of {@code times} replays of {@code f}'s seed fail with the same signature and schedule hash. */
    static int identicalReplays(MicroThread.Body<?> body, Failure f, int times) {
        int same = 0;
        for (int i = 0; i < times; i++) {
            Failure again = runOnce(body, f.seed());
            if (again != null && again.signature().equals(f.signature()) && again.scheduleHash() == f.scheduleHash()) same++;
        }
        return same;
    }

    /** The seeds among {@code [from, from + count)} whose run fails. */
    static List<Failure> failures(MicroThread.Body<?> body, long from, long count) {
        List<Failure> failed = new ArrayList<>();
        for (long seed = from; seed < from + count; seed++) {
            Failure f = runOnce(body, seed);
            if (f != null) failed.add(f);
        }
        return failed;
    }

    /** The chain of {@code t} and its causes, each as class name and message, JVM-wide counters masked. */
    static String signature(Throwable t) {
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        for (Throwable c = t; c != null && depth < 16; c = c.getCause(), depth++) {
            if (depth > 0) sb.append("\ncaused by: ");
            sb.append(c.getClass().getName()).append(": ").append(mask(String.valueOf(c.getMessage())));
        }
        return sb.toString();
    }

    /**
     * Runs {@code body} once on a plain single-carrier loop (FIFO, no seed), as a control: the one
     * schedule that loop always picks. A deadlock of plain pipes is not reported there, so a run
     * still going after {@code limit} is reported as hanging, and the loop is closed.
     *
     * @return "passes", "fails: ..." or "hangs"
     */
    static String onSingleCarrierLoop(MicroThread.Body<?> body, Duration limit) throws InterruptedException {
        CompletableFuture<String> outcome = new CompletableFuture<>();
        Loop loop = Loop.singleCarrier("fifo-control");
        loop.failureHandler((m, failure) -> { }); // the outcome is what run() says
        Thread runner = null;
        try {
            runner = Thread.ofPlatform().name("fifo-control-run").start(() -> {
                try {
                    loop.run(body);
                    outcome.complete("passes");
                } catch (Throwable e) {
                    outcome.complete("fails: " + headline(e));
                }
            });
            return outcome.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return "hangs";
        } catch (ExecutionException impossible) {
            throw new AssertionError(impossible);
        } finally {
            loop.close(); // cancels what is left
            if (runner != null) runner.join();
        }
    }

    private static String mask(String s) {
        return IDENTITY.matcher(THREAD_ID.matcher(s).replaceAll("#N")).replaceAll("@H");
    }

    /** The first exception of a failure that is not a {@code FailedException} wrapper, one line, for tables. */
    static String headline(Failure f) {
        return headline(f.thrown());
    }

    /** The first exception of {@code t}'s chain that is not a {@code FailedException} wrapper, one line. */
    static String headline(Throwable t) {
        Throwable root = t; // the first exception of the chain that is not a wrapper
        while (root instanceof org.microthreads.FailedException && root.getCause() != null) root = root.getCause();
        String msg = String.valueOf(root.getMessage()).lines().findFirst().orElse("");
        if (msg.length() > 90) msg = msg.substring(0, 87) + "...";
        return root.getClass().getSimpleName() + ": " + msg;
    }
}
