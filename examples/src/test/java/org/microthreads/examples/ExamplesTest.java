package org.microthreads.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.microthreads.Generator;
import org.microthreads.Loop;

/**
 * Runs every example, and the whole tour, and checks what they print: the examples (and the
 * README snippets taken from them) compile and behave as they say, in every build.
 *
 * <p>Each test has a timeout in a separate thread, so a hang fails the build instead of
 * stalling it.
 */
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
class ExamplesTest {

    /**
     * Whether a single-carrier loop can be created and closed at all, found out once, in a daemon
     * thread: if that hangs, every test that needs one fails within seconds, saying so, instead
     * of each waiting for its own timeout.
     */
    private static final FutureTask<Void> SINGLE_CARRIER_PROBE = new FutureTask<>(() -> {
        Loop.singleCarrier("probe").close();
        return null;
    });
    private static volatile boolean probeHung;

    static {
        Thread.ofPlatform().daemon().name("single-carrier-probe").start(SINGLE_CARRIER_PROBE);
    }

    private static void requireSingleCarrierLoops() throws Exception {
        if (probeHung) throw new AssertionError("creating a single-carrier loop hangs (see the first failing test)");
        try {
            SINGLE_CARRIER_PROBE.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            probeHung = true;
            throw new AssertionError("Loop.singleCarrier(...) followed by close() did not return within 20 s: a hang in the core", e);
        } catch (ExecutionException e) {
            // without the flag it throws UnsupportedOperationException: let the example itself show that
        }
    }

    /** Runs {@code example} with its output captured. */
    private static String output(Tour.Section example) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            example.run(out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The integer that follows {@code prefix} in {@code text}. */
    private static long numberAfter(String text, String prefix) {
        Matcher m = Pattern.compile(Pattern.quote(prefix) + "(\\d+)").matcher(text);
        assertThat(m.find()).as("'%s<number>' in:%n%s", prefix, text).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void startAndForgetFailureReachesTheHandler() throws Exception {
        requireSingleCarrierLoops();
        String out = output(StartAndForget::run);
        assertThat(out)
                .contains("greeter: hello")
                .contains("failure handler: 'careless' failed with java.lang.IllegalStateException: disk full")
                .contains("failures handed to the handler: 1");
    }

    @Test
    void parallelJoinsValuesAndParallelAllFailsFast() throws Exception {
        long sharedFailuresBefore = Loop.shared().failureCount();
        String out = output(Parallel::run);
        assertThat(out)
                .contains("teapot costs 42")
                .contains("slow sibling: cancelled")
                .contains("parallelAll failed fast with java.io.IOException: connection reset");
        assertThat(numberAfter(out, "slow sibling: cancelled, after ")).isLessThan(5_000);
        // parallelAll delivered the failure to its caller: the failure handler must not see it too
        assertThat(Loop.shared().failureCount()).isEqualTo(sharedFailuresBefore);
    }

    @Test
    void oneCarrierRunsHundredThousandWithoutRaces() throws Exception {
        requireSingleCarrierLoops();
        String out = output(ManyOnOneCarrier::run);
        assertThat(out).contains("reads 100000: no update was lost").doesNotContain("LOST");
        // thousands asleep at once on one carrier (the exact peak depends on timing, so no exact figure)
        assertThat(numberAfter(out, "up to ")).isGreaterThan(1_000);
    }

    @Test
    void cancellationIsSticky() throws Exception {
        String out = output(Cancellation::run);
        assertThat(out)
                .contains("stubborn: caught the cancellation and ignored it")
                .contains("join: micro-thread 'stubborn' was cancelled (state CANCELLED)")
                .doesNotContain("never reached");
        assertThat(numberAfter(out, "its second sleep threw at once: ")).isLessThan(5_000);
    }

    @Test
    void withTimeoutReturnsInTimeAndTimesOutOtherwise() throws Exception {
        String out = output(Timeouts::run);
        assertThat(out).contains("returned: in time").contains("timed out after").doesNotContain("too late");
        assertThat(numberAfter(out, "(after ")).isBetween(90L, 4_000L);
    }

    @Test
    void scopesEndWhatTheyStartedRaceKeepsTheFirstSuccessAndScopedValuesFlow() throws Exception {
        requireSingleCarrierLoops();
        String out = output(Scopes::run);
        assertThat(out).contains("timed out after 100ms").contains("fetches still running: 0")
                .contains("micro-thread 'upload', started in a scope, failed: java.io.IOException: upload refused")
                .contains("race of three mirrors: mirror C won")
                .contains("ScopedValue bound around run: child sees req-42");
        assertThat(numberAfter(out, "the scope took ")).isLessThan(5_000);
    }

    @Test
    void awaitsAFutureAndADeferredWhileTheLoopRunsOthers() throws Exception {
        requireSingleCarrierLoops();
        String out = output(Deferreds::run);
        assertThat(out)
                .contains("awaited a CompletableFuture: 42")
                .contains("awaited a Deferred completed by a callback: colour is blue (answered on thread 'callback-thread')");
        assertThat(numberAfter(out, "ran the ticker micro-thread ")).isPositive();
    }

    @Test
    void deadlockIsReportedNamingWhoWaitsOnWhom() throws Exception {
        requireSingleCarrierLoops();
        String out = output(Deadlock::run);
        assertThat(out)
                .contains("run() threw DeadlockException")
                .contains("'alice' WAITING: joining micro-thread 'bob'")
                .contains("'bob' WAITING: joining micro-thread 'alice'")
                .doesNotContain("NO DEADLOCK");
    }

    @Test
    void dumpShowsWhatEachMicroThreadWaitsOn() throws Exception {
        requireSingleCarrierLoops();
        String out = output(Dump::run);
        assertThat(out)
                .contains("loop 'dump-demo' (single carrier): 4 live micro-threads")
                .contains("'napper' WAITING")
                .contains("'config-reader' WAITING: awaiting Deferred@")
                .contains("'joiner' WAITING: joining micro-thread 'config-reader'");
    }

    @Test
    void pipesRunAPipelineAndAWorkerPoolAndTellClosingFromFailing() throws Exception {
        requireSingleCarrierLoops();
        long sharedFailuresBefore = Loop.shared().failureCount();
        String out = output(Pipes::run);
        assertThat(out)
                .contains("pipeline of three micro-threads on one carrier: main took [1, 4, 9, 16, 25]")
                .contains("4 workers on the shared loop took 12 jobs of 10 ms from one pipe")
                .contains("sum of their squares 650")
                .contains("after close(): a for-each drained [first, second], then ended normally")
                .contains("a put after close() threw PipeClosedException (pipe 'log' is closed: cannot put); "
                        + "its cause points at the close() call, Pipes.java:")
                .contains("a producer that threw: the for-each drained [line 1], then threw FailedException, "
                        + "cause java.io.IOException: disk gone");
        // each worker needs 10 ms per job: 12 jobs on 4 workers take at least 3 rounds
        assertThat(numberAfter(out, "from one pipe in ")).isGreaterThanOrEqualTo(30);
        Matcher perWorker = Pattern.compile("jobs per worker \\[(\\d+), (\\d+), (\\d+), (\\d+)]").matcher(out);
        assertThat(perWorker.find()).as(out).isTrue();
        int jobs = 0;
        for (int g = 1; g <= 4; g++) jobs += Integer.parseInt(perWorker.group(g));
        assertThat(jobs).as("each job taken by exactly one worker").isEqualTo(12);
        // the failing producer's failure reached the taker, so it is not reported a second time
        assertThat(Loop.shared().failureCount()).isEqualTo(sharedFailuresBefore);
    }

    @Test
    void aPipelineTearsDownOnAnEarlyExitAndOnAFailure() throws Exception {
        requireSingleCarrierLoops();
        String out = output(Pipeline::run);
        assertThat(out)
                .contains("main took [1, 4, 9] and closed 'squares'; the squarer ended, closing 'numbers',")
                .contains("the endless producer of 'numbers' ended at its next put: run returned, 0 failures, no deadlock")
                .contains("main took [1, 2], then pipe 'records' failed: java.lang.NumberFormatException: For input string: \"three\"")
                .contains("'lines' was closed, not failed (failure() Optional.empty), so its reader ended normally");
    }

    @Test
    void aTickerDropsWhatASlowConsumerMissedAndStopsWithItsRun() throws Exception {
        requireSingleCarrierLoops();
        String out = output(Tickers::run);
        Matcher ticks = Pattern.compile("took tick (\\d+), was busy for 110 ms, then took tick (\\d+): "
                + "the ticks in between were dropped, not queued").matcher(out);
        assertThat(ticks.find()).as(out).isTrue();
        assertThat(Long.parseLong(ticks.group(2))).isGreaterThan(Long.parseLong(ticks.group(1)));
        assertThat(out)
                .containsPattern("after close\\(\\): a for-each took the [01] tick\\(s\\) still buffered, then ended")
                .contains("heartbeats while waiting, then 'result'")
                .contains("the run has ended: its tickers were stopped with it");
    }

    @Test
    void aSimulationFindsTheRaceReplaysItAndRunsAnHourInMilliseconds() throws Exception {
        requireSingleCarrierLoops();
        String out = output(Simulations::run);
        Matcher failed = Pattern.compile("the buggy seller failed under (\\d+) of 100 seeds, first under seed (\\d+): "
                + "sold 2 tickets for 1 seat").matcher(out);
        assertThat(failed.find()).as(out).isTrue();
        assertThat(Integer.parseInt(failed.group(1))).as(out).isBetween(1, 99); // schedule-dependent, not always
        assertThat(out)
                .containsPattern("replayed seed \\d+ twice: 'sold 2 tickets for 1 seat', same schedule: true")
                .contains("the fixed seller passed 100 of 100 seeds")
                .contains("an hour of one-second ticks: PT1H of virtual time in");
    }

    @Test
    void selectTakesWhatIsReadyTimesOutHasADefaultAndIsFair() throws Exception {
        requireSingleCarrierLoops();
        String out = output(Selects::run);
        assertThat(out)
                .containsSubsequence("news: rain at noon", "news: road closed", "news: sun later",
                        "nothing came for 50 ms: the timeout case returned null")
                .contains("alert: fire drill")
                .contains("with onDefault the select never waits: 'nobody ready, did it myself'")
                .contains("with a worker waiting on the pipe: 'handed over' (the worker got 'resize photo')")
                .contains("selectFirst took 1000 from a and 0 from b");
        Matcher merged = Pattern.compile("merged \\[(.*)] from two pipes, each in its own order, until both had ended").matcher(out);
        assertThat(merged.find()).as(out).isTrue();
        assertThat(List.of(merged.group(1).split(", ")))
                .containsExactlyInAnyOrder("l1", "l2", "r1", "r2", "r3")
                .containsSubsequence("l1", "l2")
                .containsSubsequence("r1", "r2", "r3");
        // 1000 fair picks between two: mean 500, standard deviation ~16, so 400..600 is over 6 sigma
        assertThat(numberAfter(out, "1000 selects: select took ")).isBetween(400L, 600L);
    }

    @Test
    void aPipeDeadlockIsReportedNamingThePipes() throws Exception {
        requireSingleCarrierLoops();
        String out = output(PipeDeadlock::run);
        assertThat(out)
                .contains("run() threw DeadlockException")
                .contains("'main' WAITING: waiting to take from pipe 'replies'")
                .contains("'server' WAITING: waiting to take from pipe 'requests'")
                .doesNotContain("NO DEADLOCK");
    }

    @Test
    void generatorsWalkATreeIncludeAnotherAndRunOnlyAsFarAsAsked() throws Exception {
        long sharedFailuresBefore = Loop.shared().failureCount();
        String out = output(Generators::run);
        assertThat(out)
                .contains("implementation: " + Generator.defaultImplementation())
                .contains("in-order walk of a tree, by a method that calls itself: [ant, bee, cat, dog, eel, fox, gnu]")
                .contains("emitAll of a title generator, then the walk: [Animals:, ant, bee, cat, dog, eel, fox, gnu]")
                .contains("a generator feeding a pipe, three workers, and a generator reading their results: [ANT, BEE, CAT, DOG, EEL, FOX, GNU]")
                // lazy: the body makes each item only when the consumer asks for it, and stops when closed
                .containsSubsequence(
                        "body: making 1", "consumer: took 1",
                        "body: making 2", "consumer: took 2",
                        "body: making 3", "consumer: took 3",
                        "body: close() stopped me in emit(3); my finally runs",
                        "the body made only the 3 items asked for")
                .doesNotContain("body: making 4");
        assertThat(Loop.shared().failureCount()).isEqualTo(sharedFailuresBefore);
    }

    /** The same example with the fallback implementation, which needs no JVM flag. */
    @Test
    void generatorsBehaveTheSameOnMicroThreads() {
        List<String> labels = new ArrayList<>();
        try (Generator<String> walking = Generator.of(Generator.Implementation.MICRO_THREAD, 0,
                emitter -> Generators.walk(Generators.TREE, emitter))) {
            assertThat(walking.implementation()).isEqualTo(Generator.Implementation.MICRO_THREAD);
            for (String label : walking) labels.add(label);
        }
        assertThat(labels).containsExactly("ant", "bee", "cat", "dog", "eel", "fox", "gnu");
    }

    @Test
    void aMicroThreadServesCallbackApisThroughItsFutureView() throws Exception {
        requireSingleCarrierLoops();
        String out = output(Futures::run);
        assertThat(out)
                .contains("callback of allOf + thenApply over two micro-threads: 'tea' costs 42")
                .contains("cancelling the view cancelled micro-thread 'slow': CANCELLED")
                .contains("a callback saw java.lang.NumberFormatException: For input string: \"x\"")
                // seen only through a callback, so not observed: the failure handler has it too
                .containsSubsequence("a callback saw", "failure handler: 'broken' failed with java.lang.NumberFormatException");
    }

    @Test
    void aLimiterKeepsTwentyFetchesToThreeAtOnceAndItsWaitReadsInADump() throws Exception {
        String out = output(Limits::run);
        assertThat(out)
                .contains("20 fetches of 20 ms each, at most ")
                .contains("a dump shows: 'second' waiting for a permit of limiter 'db' (0 of 1 free)");
        assertThat(numberAfter(out, "20 ms each, at most ")).isBetween(1L, 3L); // 3 unless the machine is very slow
        assertThat(numberAfter(out, "at once, took ")).isBetween(7 * 20L - 5, 10_000L); // 20 fetches, 3 at a time
    }

    @Test
    void theCrawlerFansOutWithALimitAndADeadlineAndLeavesNothingRunning() throws Exception {
        requireSingleCarrierLoops();
        String out = output(Crawler::run);
        assertThat(out).contains("timed out after 250ms: ").contains("at most 4 at once; still running: 0");
        assertThat(numberAfter(out, "  fetched ")).isBetween(1L, 19L); // the slow pages cannot make it in 250 ms
    }

    @Test
    void theWholeTourRunsFromMainQuickly() throws Exception {
        requireSingleCarrierLoops();
        long sharedFailuresBefore = Loop.shared().failureCount();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream original = System.out;
        long t0 = System.nanoTime();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            Tour.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        String out = bytes.toString(StandardCharsets.UTF_8);
        for (String section : List.of("(a) ", "(b) ", "(c) ", "(d) ", "(e) ", "(f) ", "(g) ", "(h) ", "(i) ", "(j) ", "(k) ",
                "(l) ", "(m) ", "(n) ", "(o) ", "(p) ", "(q) ", "(r) ", "(s) ", "Tour finished in ")) {
            assertThat(out).contains(section);
        }
        assertThat(out).doesNotContain("skipped:");
        assertThat(seconds).isLessThan(30);
        assertThat(Loop.shared().failureCount()).isEqualTo(sharedFailuresBefore);
    }

    /**
     * Without the JVM flags, the tour still runs what the shared loop can do, and each
     * single-carrier section says which flag it needs.
     */
    @Test
    void withoutTheFlagsSingleCarrierLoopsNameTheFlagAndTheSharedLoopWorks() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), Tour.class.getName())
                .redirectErrorStream(true)
                .start();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                p.getInputStream().transferTo(bytes);
            } catch (IOException ignored) {
                // the process was destroyed
            }
        });
        boolean ended = p.waitFor(30, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly();
        reader.join(5_000);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(ended).as("the flag-free tour ended in time; its output so far:%n%s", out).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out)
                .contains("teapot costs 42")                              // shared loop: no flag needed
                .contains("join: micro-thread 'stubborn' was cancelled")
                .contains("returned: in time")
                .contains("skipped: single-carrier loops need the JVM flag --add-opens java.base/java.lang=ALL-UNNAMED")
                // generators fall back to micro-threads taking turns, with the same behaviour
                .contains("implementation: MICRO_THREAD (no --add-exports flag")
                .contains("in-order walk of a tree, by a method that calls itself: [ant, bee, cat, dog, eel, fox, gnu]")
                .contains("emitAll of a title generator, then the walk: [Animals:, ant, bee, cat, dog, eel, fox, gnu]")
                .containsSubsequence("body: making 3", "consumer: took 3", "body: close() stopped me in emit(3)")
                .contains("a generator feeding a pipe, three workers, and a generator reading their results: [ANT, BEE, CAT, DOG, EEL, FOX, GNU]")
                .doesNotContain("body: making 4");
    }

    /**
     * Every snippet of the README and of the pages in {@code docs/} that is introduced by a link to
     * an example file appears in that file, line for line (indentation and blank lines aside): the
     * documentation shows code that compiles and runs. A snippet is checked when the line with the
     * link is followed (blank lines allowed) by a {@code ```java} block.
     */
    @Test
    void readmeAndDocsSnippetsAreTakenVerbatimFromTheExamples() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        if (!Files.exists(root.resolve("README.md"))) root = root.getParent();
        assertThat(checkSnippets(root, root.resolve("README.md")))
                .as("README snippets linked to example files").hasSizeGreaterThanOrEqualTo(9);
        List<String> fromDocs = new ArrayList<>();
        try (var pages = Files.list(root.resolve("docs"))) {
            for (Path page : pages.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
                fromDocs.addAll(checkSnippets(root, page));
            }
        }
        assertThat(fromDocs).as("docs snippets linked to example files")
                .contains("examples/src/main/java/org/microthreads/examples/Pipes.java",
                        "examples/src/main/java/org/microthreads/examples/Selects.java",
                        "examples/src/main/java/org/microthreads/examples/Generators.java");
    }

    /** Checks the snippets of one page; returns the example files they came from. */
    private static List<String> checkSnippets(Path root, Path page) throws IOException {
        String text = Files.readString(page);
        Matcher m = Pattern.compile("\\]\\((?:\\.\\./)?(examples/src/main/java/[^)]+\\.java)\\)[^\\n]*\\n+```java\\n(.*?)```",
                Pattern.DOTALL).matcher(text);
        List<String> checked = new ArrayList<>();
        while (m.find()) {
            List<String> snippet = stripped(m.group(2));
            List<String> source = stripped(Files.readString(root.resolve(m.group(1))));
            assertThat(java.util.Collections.indexOfSubList(source, snippet))
                    .as("%s: snippet from %s is not verbatim in that file:%n%s", root.relativize(page), m.group(1), m.group(2))
                    .isNotNegative();
            checked.add(m.group(1));
        }
        return checked;
    }

    private static List<String> stripped(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) lines.add(line.strip());
        }
        return lines;
    }
}
