package org.microthreads.bench;

import java.awt.EventQueue;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import org.microthreads.Deferred;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Resume cost on a UI thread (issue 16): our UI loop (micro-threads as continuations mounted on the
 * EDT / the JavaFX application thread, built on {@code UiLoops.create} as the toolkit modules do,
 * see {@link UiToolkits}) beside Kotlin's coroutines on {@code Dispatchers.Swing} /
 * {@code Dispatchers.JavaFx}, the same toolkit in the same run. ns per resume.
 *
 * <ul>
 *   <li>{@code ...Yield}: one micro-thread (coroutine) on the UI thread doing {@value #YIELDS}
 *       {@code MicroThread.yieldNow()} ({@code yield()}), started and joined from the benchmark
 *       thread. Kotlin's {@code yield()} dispatches through the toolkit's queue each time; ours puts
 *       the micro-thread at the back of the loop's ready queue, which a time slice (one toolkit task
 *       per 4 ms, {@code microthreads.sliceMicros}) drains: one toolkit task per slice, not per
 *       resume.
 *   <li>{@code ...PingPong}: two micro-threads (coroutines) on the UI thread, {@value #ROUND_TRIPS}
 *       round trips over two rendezvous pipes ({@code Channel<Int>()}): ns per round trip (two
 *       resumes).
 *   <li>{@code ...AwaitEvent}: one micro-thread (coroutine) on the UI thread, {@value #EVENTS} times:
 *       post a task to the toolkit's queue (as a listener would run) that completes a {@link Deferred}
 *       ({@code CompletableDeferred}), then await it. Each is one event through the queue plus one
 *       resume from it: our micro-thread parks, the completion posts a slice that resumes it; Kotlin's
 *       completion dispatches the resume through the queue. The resume a UI waits for most.
 *   <li>{@code plain...Chain}: the floor of one trip through the toolkit's queue: a task that posts
 *       itself again ({@code EventQueue.invokeLater}, {@code Platform.runLater}) {@value #YIELDS} times.
 * </ul>
 * Goal: ours ≤ 1.0 × Kotlin's resume on the same toolkit. AWT runs headless (the EDT exists without a
 * display); JavaFX on its Headless glass platform (OpenJFX 26, no X server).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, "-Djava.awt.headless=true", "-Dglass.platform=Headless", "--enable-native-access=ALL-UNNAMED"})
public class UiResumeBenchmark {
    static final int YIELDS = 10_000, ROUND_TRIPS = 5_000, EVENTS = 5_000;

    /** A Swing UI loop, made once per trial (UI loops are never closed). */
    @State(Scope.Benchmark)
    public static class Swing {
        Loop loop;

        /** Starts the EDT and makes the loop. */
        @Setup(Level.Trial)
        public void open() {
            loop = UiToolkits.swingLoop("bench-swing", null);
        }
    }

    /** A JavaFX UI loop, made once per trial; the platform started headless. */
    @State(Scope.Benchmark)
    public static class Fx {
        Loop loop;

        /** Starts the JavaFX platform and makes the loop. */
        @Setup(Level.Trial)
        public void open() {
            loop = UiToolkits.fxLoop("bench-fx", null);
        }
    }

    /** Fx's platform, started, for the peers that need no loop of ours. */
    @State(Scope.Benchmark)
    public static class FxPlatform {
        /** Starts the JavaFX platform. */
        @Setup(Level.Trial)
        public void open() {
            UiToolkits.startFx();
        }
    }

    /** Swing's EDT, started, for the peers that need no loop of ours. */
    @State(Scope.Benchmark)
    public static class SwingEdt {
        /** Starts the EDT. */
        @Setup(Level.Trial)
        public void open() {
            UiToolkits.startSwing();
        }
    }

    private static long yields(Loop loop, boolean fx) throws InterruptedException {
        return loop.parallel(() -> {
            checkUi(fx);
            long n = 0;
            for (int i = 0; i < YIELDS; i++) {
                MicroThread.yieldNow();
                n++;
            }
            checkUi(fx);
            return n;
        }).join();
    }

    private static long awaitEvents(Loop loop, boolean fx) throws InterruptedException {
        return loop.parallel(() -> {
            long sum = 0;
            for (int i = 0; i < EVENTS; i++) {
                Deferred<Integer> clicked = new Deferred<>();
                int v = i;
                post(fx, () -> clicked.complete(v));
                sum += clicked.await();
            }
            checkUi(fx);
            return sum;
        }).join();
    }

    private static void post(boolean fx, Runnable r) {
        if (fx) Platform.runLater(r); else EventQueue.invokeLater(r);
    }

    private static void checkUi(boolean fx) {
        if (!(fx ? Platform.isFxApplicationThread() : EventQueue.isDispatchThread())) {
            throw new IllegalStateException("not on the UI thread: " + Thread.currentThread());
        }
    }

    private static long check(long got, long expected) {
        if (got != expected) throw new AssertionError("expected " + expected + ", got " + got);
        return got;
    }

    // ---- Swing ----

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public long mtSwingYield(Swing s) throws InterruptedException {
        return check(yields(s.loop, false), YIELDS);
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public long kotlinSwingYield(SwingEdt s) {
        return check(KotlinUi.yields(false, YIELDS), YIELDS);
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int plainSwingInvokeLaterChain(SwingEdt s) throws InterruptedException {
        return UiToolkits.chain(EventQueue::invokeLater, YIELDS);
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public long mtSwingPingPong(Swing s) throws InterruptedException {
        return check(OurPipes.pingPong(s.loop, ROUND_TRIPS, false), (long) ROUND_TRIPS * (ROUND_TRIPS - 1) / 2);
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public long kotlinSwingPingPong(SwingEdt s) {
        return check(KotlinUi.pingPong(false, ROUND_TRIPS), (long) ROUND_TRIPS * (ROUND_TRIPS - 1) / 2);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long mtSwingAwaitEvent(Swing s) throws InterruptedException {
        return check(awaitEvents(s.loop, false), (long) EVENTS * (EVENTS - 1) / 2);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long kotlinSwingAwaitEvent(SwingEdt s) {
        return check(KotlinUi.awaitEvents(false, EVENTS), (long) EVENTS * (EVENTS - 1) / 2);
    }

    // ---- JavaFX ----

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public long mtFxYield(Fx s) throws InterruptedException {
        return check(yields(s.loop, true), YIELDS);
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public long kotlinFxYield(FxPlatform s) {
        return check(KotlinUi.yields(true, YIELDS), YIELDS);
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int plainFxRunLaterChain(FxPlatform s) throws InterruptedException {
        return UiToolkits.chain(Platform::runLater, YIELDS);
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public long mtFxPingPong(Fx s) throws InterruptedException {
        return check(OurPipes.pingPong(s.loop, ROUND_TRIPS, false), (long) ROUND_TRIPS * (ROUND_TRIPS - 1) / 2);
    }

    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public long kotlinFxPingPong(FxPlatform s) {
        return check(KotlinUi.pingPong(true, ROUND_TRIPS), (long) ROUND_TRIPS * (ROUND_TRIPS - 1) / 2);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long mtFxAwaitEvent(Fx s) throws InterruptedException {
        return check(awaitEvents(s.loop, true), (long) EVENTS * (EVENTS - 1) / 2);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long kotlinFxAwaitEvent(FxPlatform s) {
        return check(KotlinUi.awaitEvents(true, EVENTS), (long) EVENTS * (EVENTS - 1) / 2);
    }
    // ---- the same with the monitor check off (-Dmicrothreads.ui.checkMonitors=false): what the check costs ----

    static final String NO_CHECK = "-Dmicrothreads.ui.checkMonitors=false";

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, "-Djava.awt.headless=true", "-Dglass.platform=Headless", "--enable-native-access=ALL-UNNAMED", NO_CHECK})
    public long mtSwingYieldUnchecked(Swing s) throws InterruptedException {
        return check(yields(s.loop, false), YIELDS);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, "-Djava.awt.headless=true", "-Dglass.platform=Headless", "--enable-native-access=ALL-UNNAMED", NO_CHECK})
    public long mtSwingAwaitEventUnchecked(Swing s) throws InterruptedException {
        return check(awaitEvents(s.loop, false), (long) EVENTS * (EVENTS - 1) / 2);
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, "-Djava.awt.headless=true", "-Dglass.platform=Headless", "--enable-native-access=ALL-UNNAMED", NO_CHECK})
    public long mtFxYieldUnchecked(Fx s) throws InterruptedException {
        return check(yields(s.loop, true), YIELDS);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    @Fork(value = 1, jvmArgsAppend = {Jvm.OPENS, Jvm.EXPORTS, Jvm.HEAP, "-Djava.awt.headless=true", "-Dglass.platform=Headless", "--enable-native-access=ALL-UNNAMED", NO_CHECK})
    public long mtFxAwaitEventUnchecked(Fx s) throws InterruptedException {
        return check(awaitEvents(s.loop, true), (long) EVENTS * (EVENTS - 1) / 2);
    }
}
