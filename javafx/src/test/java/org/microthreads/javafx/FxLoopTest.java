package org.microthreads.javafx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javafx.application.Platform;
import javafx.event.ActionEvent;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.WindowEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.microthreads.Deferred;
import org.microthreads.FailedException;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/** The JavaFX UI loop on the Headless platform: order, scale, awaitables, window ties, offload, modal dialogs. */
class FxLoopTest {
    @BeforeAll
    static void startFx() throws Exception {
        Fx.start();
    }

    @Test
    void waitsEndInReadinessOrderNotInStackOrder() throws Exception {
        long t0 = System.nanoTime();
        AtomicLong slowEnded = new AtomicLong(), fastEnded = new AtomicLong();
        // the slow wait begins first, the fast one on top of it: nested event loops would end them LIFO
        MicroThread<Void> slow = FxLoop.start(() -> {
            MicroThread.sleep(Duration.ofSeconds(1));
            slowEnded.set(System.nanoTime() - t0);
        });
        MicroThread<Void> fast = FxLoop.start(() -> {
            Deferred<String> ready = new Deferred<>();
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                ready.complete("ready");
            });
            ready.await();
            fastEnded.set(System.nanoTime() - t0);
        });
        fast.join(Duration.ofSeconds(10));
        slow.join(Duration.ofSeconds(10));
        System.out.printf("readiness order: fast wait ended at %d ms, slow at %d ms%n",
                fastEnded.get() / 1_000_000, slowEnded.get() / 1_000_000);
        assertThat(fastEnded.get()).isLessThan(TimeUnit.MILLISECONDS.toNanos(600));
        assertThat(slowEnded.get()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(1_000));
    }

    @Test
    void tenThousandSuspendedAtOnceAllResume() throws Exception {
        int n = 10_000;
        Deferred<Integer> go = new Deferred<>();
        AtomicInteger waiting = new AtomicInteger(), resumedOnFx = new AtomicInteger();
        List<MicroThread<Void>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(FxLoop.start(() -> {
                waiting.incrementAndGet();
                go.await();
                if (Platform.isFxApplicationThread()) resumedOnFx.incrementAndGet();
            }));
        }
        Fx.waitUntil("all " + n + " wait", Duration.ofSeconds(60), () -> waiting.get() == n);
        assertThat(all).allSatisfy(m -> assertThat(m.state()).isEqualTo(MicroThread.State.WAITING));
        // the FX thread is free meanwhile
        assertThat(Fx.onFx(() -> "live")).isEqualTo("live");
        go.complete(1);
        for (MicroThread<Void> m : all) m.join(Duration.ofSeconds(60));
        assertThat(resumedOnFx.get()).isEqualTo(n);
    }

    @Test
    void awaitablesReturnWhatTheUserDid() throws Exception {
        Button button = Fx.onFx(() -> new Button("OK"));
        TextField field = Fx.onFx(() -> new TextField());
        ChoiceBox<String> choice = Fx.onFx(() -> new ChoiceBox<>(javafx.collections.FXCollections.observableArrayList("a", "b")));
        ComboBox<String> combo = Fx.onFx(() -> new ComboBox<>(javafx.collections.FXCollections.observableArrayList("x", "y")));
        ListView<String> list = Fx.onFx(() -> new ListView<>(javafx.collections.FXCollections.observableArrayList("p", "q")));
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger step = new AtomicInteger();
        MicroThread<Void> m = FxLoop.start(() -> {
            step.set(1);
            ActionEvent e = FxLoop.click(button);
            seen.add("click " + (e.getSource() == button));
            step.set(2);
            seen.add("text " + FxLoop.enteredText(field));
            step.set(3);
            seen.add("choice " + FxLoop.chosen(choice));
            step.set(4);
            seen.add("combo " + FxLoop.chosen(combo));
            step.set(5);
            seen.add("list " + FxLoop.chosen(list));
        });
        Fx.waitUntil("step 1", Duration.ofSeconds(10), () -> step.get() == 1);
        Fx.onFx(button::fire);
        Fx.waitUntil("step 2", Duration.ofSeconds(10), () -> step.get() == 2);
        Fx.onFx(() -> {
            field.setText("ada");
            field.fireEvent(new ActionEvent());
        });
        Fx.waitUntil("step 3", Duration.ofSeconds(10), () -> step.get() == 3);
        Fx.onFx(() -> choice.setValue("b"));
        Fx.waitUntil("step 4", Duration.ofSeconds(10), () -> step.get() == 4);
        Fx.onFx(() -> combo.setValue("y"));
        Fx.waitUntil("step 5", Duration.ofSeconds(10), () -> step.get() == 5);
        Fx.onFx(() -> list.getSelectionModel().select("q"));
        m.join(Duration.ofSeconds(10));
        assertThat(seen).containsExactly("click true", "text ada", "choice b", "combo y", "list q");
        // every handler and listener was removed: the controls hold nothing of the awaitables
        long failuresBefore = FxLoop.loop().failureCount();
        Fx.onFx(button::fire); // nobody waits: nothing happens, nothing fails
        Fx.onFx(() -> choice.setValue("a"));
        assertThat(FxLoop.loop().failureCount()).isEqualTo(failuresBefore);
    }

    @Test
    void windowClosingReturnsOnACloseRequest() throws Exception {
        Stage stage = Fx.onFx(() -> {
            Stage s = new Stage();
            s.setScene(new Scene(new VBox(new Label("closing")), 200, 100));
            s.show();
            return s;
        });
        AtomicBoolean waiting = new AtomicBoolean();
        MicroThread<Void> m = FxLoop.start(() -> {
            waiting.set(true);
            FxLoop.windowClosing(stage);
        });
        Fx.waitUntil("waiting", Duration.ofSeconds(10), waiting::get);
        Fx.onFx(() -> stage.fireEvent(new WindowEvent(stage, WindowEvent.WINDOW_CLOSE_REQUEST)));
        m.join(Duration.ofSeconds(10));
        Fx.onFx(stage::hide);
    }

    @Test
    void awaitablesOutsideAUiMicroThreadAreRefused() throws Exception {
        Button button = Fx.onFx(() -> new Button("OK"));
        assertThatThrownBy(() -> FxLoop.click(button)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("FxLoop.click(button) waits in a micro-thread of the JavaFX UI loop")
                .hasMessageContaining("FxLoop.start(");
        assertThatThrownBy(() -> Fx.onFx(() -> FxLoop.click(button))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outside a micro-thread");
        assertThatThrownBy(() -> Loop.shared().parallel(() -> FxLoop.click(button)).join())
                .isInstanceOf(FailedException.class).cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("of loop 'shared'");
    }

    @Test
    void aPlainWaitOnTheFxThreadOutsideAMicroThreadIsRefused() throws Exception {
        assertThatThrownBy(() -> Fx.onFx(() -> new Deferred<String>().await()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("JavaFX UI thread")
                .hasMessageContaining("FxLoop.offload(...)");
        assertThatThrownBy(() -> Fx.onFx(() -> {
            MicroThread.sleep(Duration.ofMillis(10));
            return null;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("outside a micro-thread of its UI loop");
    }

    @Test
    void aWaitInsideSynchronizedThrowsNamingTheFrameAndTheNextMicroThreadEntersTheMonitor() throws Exception {
        Object lock = new Object();
        MicroThread<Void> first = FxLoop.loop().parallel(() -> {
            synchronized (lock) {
                MicroThread.sleep(Duration.ofSeconds(10)); // long: a wait whose deadline has passed never parks, nor is checked
            }
            return null;
        });
        assertThatThrownBy(() -> first.join(Duration.ofSeconds(10))).isInstanceOf(FailedException.class)
                .cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot wait while it holds a monitor")
                .hasMessageContaining("FxLoopTest.lambda$aWaitInsideSynchronizedThrowsNamingTheFrameAndTheNextMicroThreadEntersTheMonitor$");
        // a second UI micro-thread entering the same monitor: the FX thread must not freeze
        AtomicInteger entered = new AtomicInteger();
        MicroThread<Void> second = FxLoop.start(() -> {
            synchronized (lock) {
                entered.incrementAndGet();
            }
            MicroThread.sleep(Duration.ofMillis(10));
            synchronized (lock) {
                entered.incrementAndGet();
            }
        });
        second.join(Duration.ofSeconds(10));
        assertThat(entered).hasValue(2);
        assertThat(Fx.onFx(() -> "the FX thread still runs")).isNotNull();
    }

    @Test
    void aJdkBlockingCallInAUiMicroThreadIsReportedAsAStall() throws Exception {
        try (LogRecorder log = new LogRecorder()) {
            FxLoop.loop().startAndForget("sleeps-on-the-ui-thread", () -> Thread.sleep(600)).join(Duration.ofSeconds(10));
            List<String> warnings = log.warnings().stream().filter(w -> w.contains("'sleeps-on-the-ui-thread' has held")).toList();
            assertThat(warnings).hasSize(1);
            assertThat(warnings.getFirst())
                    .contains("loop 'javafx'")
                    .contains("The JavaFX UI thread is blocked meanwhile")
                    .contains("FxLoop.offload(...)")
                    .contains("java.lang.Thread.sleep");
        }
    }

    @Test
    void failuresReachTheFailureHandlerExactlyOnce() throws Exception {
        ConcurrentHashMap<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        Loop loop = FxLoop.loop();
        loop.failureHandler((m, f) -> handled.computeIfAbsent(m.name() + ":" + f.getMessage(), k -> new AtomicInteger()).incrementAndGet());
        try {
            List<MicroThread<Void>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String msg = "boom " + i;
                all.add(loop.startAndForget("failing-" + i, () -> {
                    MicroThread.yieldNow();
                    throw new IllegalArgumentException(msg);
                }));
            }
            for (MicroThread<Void> m : all) {
                assertThatThrownBy(() -> m.join(Duration.ofSeconds(10))).isInstanceOf(FailedException.class);
            }
            // a join returns once the micro-thread has failed; its handler runs right after, in the same FX turn
            Fx.onFx(() -> null);
            assertThat(handled).hasSize(100);
            for (int i = 0; i < 100; i++) assertThat(handled.get("failing-" + i + ":boom " + i)).hasValue(1);
        } finally {
            loop.failureHandler((m, f) -> System.getLogger("org.microthreads").log(System.Logger.Level.ERROR,
                    "micro-thread '" + m.name() + "' on loop 'javafx' failed and nobody was waiting for it", f));
        }
    }

    @Test
    void closingTheWindowCancelsItsMicroThreadRunsFinallyOnTheFxThreadAndLetsTheWindowGo() throws Exception {
        AtomicReference<String> finallyOn = new AtomicReference<>();
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean waiting = new AtomicBoolean();
        AtomicReference<MicroThread<Void>> tied = new AtomicReference<>();
        WeakReference<Stage> gone = Fx.onFx(() -> {
            Button never = new Button("never clicked");
            Stage s = new Stage();
            s.setScene(new Scene(new VBox(never), 200, 100));
            s.show();
            tied.set(FxLoop.startIn(s, () -> {
                try {
                    waiting.set(true);
                    FxLoop.click(never);
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                } finally {
                    finallyOn.set(Thread.currentThread().getName() + " fx=" + Platform.isFxApplicationThread());
                }
            }));
            return new WeakReference<>(s);
        });
        Fx.waitUntil("the tied micro-thread waits", Duration.ofSeconds(10), waiting::get);
        Fx.onFx(() -> gone.get().close());
        assertThatThrownBy(() -> tied.get().join(Duration.ofSeconds(10))).isInstanceOf(CancellationException.class);
        assertThat(tied.get().state()).isEqualTo(MicroThread.State.CANCELLED);
        assertThat(interrupted).isTrue();
        assertThat(finallyOn.get()).endsWith("fx=true");
        assertThat(FxLoop.loop().microThreads()).doesNotContain(tied.get());
        tied.set(null); // the test's own handle refers to the body, hence to the window: drop it
        // nothing of the loop keeps the window: it becomes collectable (bounded poll over GCs)
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (gone.get() != null && System.nanoTime() - end < 0) {
            System.gc();
            Fx.onFx(() -> null); // lets the FX thread drop what it still refers to
            Thread.sleep(20);
        }
        assertThat(gone.get()).as("the closed stage was collected").isNull();
    }

    @Test
    void aNodeTiedMicroThreadIsCancelledWhenTheNodeLeavesItsScene() throws Exception {
        AtomicBoolean waiting = new AtomicBoolean();
        VBox root = Fx.onFx(() -> new VBox());
        Button node = Fx.onFx(() -> new Button("tied"));
        Stage stage = Fx.onFx(() -> {
            root.getChildren().add(node);
            Stage s = new Stage();
            s.setScene(new Scene(root, 200, 100));
            s.show();
            return s;
        });
        MicroThread<Void> m = Fx.onFx(() -> FxLoop.startIn(node, () -> {
            waiting.set(true);
            new Deferred<Void>().await();
        }));
        Fx.waitUntil("waiting", Duration.ofSeconds(10), waiting::get);
        Fx.onFx(() -> root.getChildren().remove(node));
        assertThatThrownBy(() -> m.join(Duration.ofSeconds(10))).isInstanceOf(CancellationException.class);
        Fx.onFx(stage::hide);
        // bad input at the call
        Button loose = Fx.onFx(() -> new Button("in no window"));
        assertThatThrownBy(() -> Fx.onFx(() -> FxLoop.startIn(loose, () -> {})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not in a window (it has no scene)");
        assertThatThrownBy(() -> FxLoop.startIn(stage, () -> {}))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("must be called on the JavaFX application thread");
    }

    @Test
    void offloadRunsOffTheFxThreadAndIsCancelledWithItsWaiter() throws Exception {
        CountDownLatch working = new CountDownLatch(1);
        CountDownLatch workInterrupted = new CountDownLatch(1);
        AtomicReference<Boolean> workOnFx = new AtomicReference<>();
        AtomicBoolean callerSawInterrupt = new AtomicBoolean();
        MicroThread<Void> waiter = FxLoop.start(() -> {
            try {
                FxLoop.offload(() -> {
                    workOnFx.set(Platform.isFxApplicationThread());
                    working.countDown();
                    try {
                        Thread.sleep(30_000);
                    } catch (InterruptedException e) {
                        workInterrupted.countDown();
                        throw e;
                    }
                    return "never";
                });
            } catch (InterruptedException | CancellationException e) {
                // cancelling the waiter cancels the work it started too: its join sees either first
                callerSawInterrupt.set(Platform.isFxApplicationThread());
                throw e;
            }
        });
        assertThat(working.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Fx.onFx(() -> "the FX thread is free while the work runs")).isNotNull();
        waiter.cancel();
        assertThat(workInterrupted.await(10, TimeUnit.SECONDS)).as("the offloaded work was interrupted").isTrue();
        assertThatThrownBy(() -> waiter.join(Duration.ofSeconds(10))).isInstanceOf(CancellationException.class);
        assertThat(workOnFx.get()).isFalse();
        assertThat(callerSawInterrupt).isTrue();
    }

    @Test
    void aModalDialogInsideOneMicroThreadLetsTheOthersRunAndIsNoStall() throws Exception {
        AtomicInteger stepsOfB = new AtomicInteger();
        AtomicBoolean bOnFx = new AtomicBoolean(true);
        AtomicReference<Stage> dialog = new AtomicReference<>();
        AtomicLong aResumedAfterSteps = new AtomicLong(-1);
        AtomicBoolean pumpSeen = new AtomicBoolean();
        try (LogRecorder log = new LogRecorder()) {
            // B waits until A opens its dialog: it is never ready in the turn where A enters the nested event
            // loop (see the disabled test aMicroThreadReadyBehindOneThatOpensADialogInTheSameSliceStillRuns)
            Deferred<Void> opening = new Deferred<>();
            AtomicBoolean bStarted = new AtomicBoolean();
            MicroThread<Void> b = FxLoop.start(() -> {
                bStarted.set(true);
                opening.await();
                assertThat(dialog.get().isShowing()).isTrue();
                // B runs above A's nested event loop, on the same thread: the toolkit recognises its frames
                pumpSeen.set(java.util.Arrays.stream(Thread.currentThread().getStackTrace()).anyMatch(FxToolkit.INSTANCE::isEventPump));
                for (int i = 0; i < 2_000; i++) {
                    MicroThread.yieldNow();
                    if (!Platform.isFxApplicationThread()) bOnFx.set(false);
                    stepsOfB.incrementAndGet();
                }
                MicroThread.sleep(Duration.ofMillis(300)); // the dialog stays open a while: no stall of A
                dialog.get().close();
            });
            Fx.waitUntil("B started", Duration.ofSeconds(10), bStarted::get);
            MicroThread<Void> a = FxLoop.loop().startAndForget("shows-a-dialog", () -> {
                Stage d = new Stage();
                d.setScene(new Scene(new VBox(new Label("modal")), 200, 100));
                dialog.set(d);
                opening.complete(null); // B runs in the next slice: inside the dialog's nested event loop
                d.showAndWait(); // a nested event loop above this micro-thread's frames
                assertThat(pumpSeen).isTrue();
                aResumedAfterSteps.set(stepsOfB.get());
            });
            try {
                b.join(Duration.ofSeconds(30));
                a.join(Duration.ofSeconds(30));
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("stuck: steps of B " + stepsOfB + ", dialog showing " + dialog.get().isShowing()
                        + "\n" + FxLoop.loop().dump(), e);
            }
            assertThat(log.warnings()).noneMatch(w -> w.contains("shows-a-dialog"));
        }
        assertThat(stepsOfB).hasValue(2_000);
        assertThat(bOnFx).isTrue();
        assertThat(aResumedAfterSteps.get()).isEqualTo(2_000);
    }

    @Test
    void aNestedEventLoopInsideOneMicroThreadLetsTheOthersRun() throws Exception {
        Object key = new Object();
        AtomicInteger stepsOfB = new AtomicInteger();
        AtomicBoolean nested = new AtomicBoolean();
        AtomicBoolean bStarted = new AtomicBoolean();
        Deferred<Void> entering = new Deferred<>();
        MicroThread<Void> b = FxLoop.start(() -> {
            bStarted.set(true);
            entering.await(); // never ready in the turn where A enters the nested loop (see the disabled test)
            for (int i = 0; i < 1_000; i++) {
                MicroThread.sleep(Duration.ofNanos(1));
                stepsOfB.incrementAndGet();
            }
            Platform.exitNestedEventLoop(key, "done");
        });
        Fx.waitUntil("B started", Duration.ofSeconds(10), bStarted::get);
        MicroThread<Object> a = FxLoop.loop().parallel(() -> {
            nested.set(true);
            entering.complete(null);
            return Platform.enterNestedEventLoop(key);
        });
        b.join(Duration.ofSeconds(30));
        assertThat(a.join(Duration.ofSeconds(30))).isEqualTo("done");
        assertThat(stepsOfB).hasValue(1_000);
    }

    /**
     * Found by this module's tests, fixed in core's HostDriver (a slice posts the next one before each
     * turn while others are ready): a micro-thread made ready before one that opens a modal dialog in
     * the same slice used to stay queued in the outer slice until the dialog closed. Here B is started
     * in the same turn as A: B must run while A's nested event loop is open.
     */
    @Test
    void aMicroThreadReadyBehindOneThatOpensADialogInTheSameSliceStillRuns() throws Exception {
        Object key = new Object();
        AtomicReference<MicroThread<Object>> a = new AtomicReference<>();
        // both started in one FX turn: both are queued for the same slice, A first
        MicroThread<Void> b = Fx.onFx(() -> {
            a.set(FxLoop.loop().parallel(() -> Platform.enterNestedEventLoop(key)));
            return FxLoop.start(() -> Platform.exitNestedEventLoop(key, "done"));
        });
        b.join(Duration.ofSeconds(10));
        assertThat(a.get().join(Duration.ofSeconds(10))).isEqualTo("done");
    }

    @Test
    void inputStaysLiveUnderLoad() throws Exception {
        int n = 10_000;
        long stepNanos = 20_000;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger running = new AtomicInteger();
        List<MicroThread<Void>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(FxLoop.start(() -> {
                running.incrementAndGet();
                while (!stop.get()) {
                    long end = System.nanoTime() + stepNanos;
                    while (System.nanoTime() < end) Thread.onSpinWait(); // a 20 µs step
                    MicroThread.yieldNow();
                }
            }));
        }
        Fx.waitUntil("all running", Duration.ofSeconds(60), () -> running.get() == n);
        Thread.sleep(1_000); // warm-up under load (JIT), before measuring: not synchronisation
        // a probe "input event" every 5 ms: its latency is from runLater to its run on the FX thread
        List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        int probes = 400;
        CountDownLatch done = new CountDownLatch(probes);
        for (int i = 0; i < probes; i++) {
            long posted = System.nanoTime();
            Platform.runLater(() -> {
                latencies.add(System.nanoTime() - posted);
                done.countDown();
            });
            Thread.sleep(5); // the probes' period
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        stop.set(true);
        for (MicroThread<Void> m : all) m.join(Duration.ofSeconds(60));
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        double p50 = sorted[sorted.length / 2] / 1e6, p99 = sorted[(int) (sorted.length * 0.99)] / 1e6;
        System.out.printf("input latency under load (%d micro-threads x 20 us steps, %d probes every 5 ms): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                n, probes, p50, p99, sorted[sorted.length - 1] / 1e6);
        // the median shows the slices (one post per resume would queue a probe behind all 10,000: ~200 ms);
        // the tail on a shared 2-core machine is the OS scheduler's and the GC's: the figure is bench/RESULTS.md's (UiLatency)
        assertThat(p50).as("median input latency, ms").isLessThanOrEqualTo(50.0);
    }
}
