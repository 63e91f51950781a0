package org.microthreads.swing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.EventQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javax.swing.JButton;
import javax.swing.JComboBox;
import javax.swing.JList;
import javax.swing.JTextField;
import javax.swing.SwingUtilities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.microthreads.Deferred;
import org.microthreads.FailedException;
import org.microthreads.Generator;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.Select;

/**
 * The Swing UI loop's logic, with no window: the EDT runs headless too (invokeLater, doClick), so
 * these run in every build, with or without a display.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SwingLoopTest {
    static final int N = 10_000;

    static Loop ui() {
        return SwingLoop.loop();
    }

    /** Runs {@code body} as a UI micro-thread and waits for its value on the test thread. */
    static <T> T onUi(MicroThread.Body<T> body) throws Exception {
        return ui().parallel(body).join(Duration.ofSeconds(90));
    }

    /** Throws unless the caller runs on the EDT, as both of Swing's and AWT's checks see it. */
    static void assertOnEdt(String where) {
        if (!SwingUtilities.isEventDispatchThread() || !EventQueue.isDispatchThread()) {
            throw new AssertionError("not on the EDT " + where + ": " + Thread.currentThread());
        }
    }

    /** Polls {@code condition} until it holds, at most {@code seconds}. */
    static void waitUntil(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(5);
        }
    }

    /** Runs {@code task} on the EDT outside any micro-thread (a plain listener) and returns what it threw. */
    static Throwable thrownOnEdt(MicroThread.Task task) throws Exception {
        FutureTask<Throwable> t = new FutureTask<>(() -> {
            try {
                task.run();
                return null;
            } catch (Throwable e) {
                return e;
            }
        });
        EventQueue.invokeLater(t);
        return t.get(30, TimeUnit.SECONDS);
    }

    // =====================================================================================
    // Identity: on the EDT before and after every wait
    // =====================================================================================

    @Test
    void identityOverTenThousandSleeps() throws Exception {
        int waits = onUi(() -> {
            for (int i = 0; i < N; i++) {
                assertOnEdt("before sleep " + i);
                MicroThread.sleep(Duration.ofNanos(1_000));
                assertOnEdt("after sleep " + i);
            }
            return N;
        });
        assertThat(waits).isEqualTo(N);
    }

    @Test
    void identityOverTenThousandDeferredAwaits() throws Exception {
        int sum = onUi(() -> {
            int s = 0;
            for (int i = 0; i < N; i++) {
                Deferred<Integer> d = new Deferred<>();
                int v = i;
                // even: completed on the EDT, which runs it only after this micro-thread has parked;
                // odd: completed by a micro-thread of the shared loop
                if (i % 2 == 0) EventQueue.invokeLater(() -> d.complete(v)); else Loop.shared().startAndForget(() -> d.complete(v));
                assertOnEdt("before await " + i);
                s += d.await() == v ? 1 : 0;
                assertOnEdt("after await " + i);
            }
            return s;
        });
        assertThat(sum).isEqualTo(N);
    }

    @Test
    void identityOverTenThousandPipeTakes() throws Exception {
        Pipe<Integer> pipe = Pipe.rendezvous();
        Loop.shared().startAndForget(() -> {
            for (int i = 0; i < N; i++) pipe.put(i);
        });
        int inOrder = onUi(() -> {
            int ok = 0;
            for (int i = 0; i < N; i++) {
                assertOnEdt("before take " + i);
                if (pipe.take() == i) ok++;
                assertOnEdt("after take " + i);
            }
            return ok;
        });
        assertThat(inOrder).isEqualTo(N);
    }

    @Test
    void identityOverTenThousandClicks() throws Exception {
        JButton button = new JButton("unparented");
        int clicks = onUi(() -> {
            int n = 0;
            for (int i = 0; i < N; i++) {
                // runs once this micro-thread has registered its listener and parked in click()
                EventQueue.invokeLater(() -> button.doClick(0));
                assertOnEdt("before click " + i);
                if (SwingLoop.click(button).getSource() == button) n++;
                assertOnEdt("after click " + i);
            }
            return n;
        });
        assertThat(clicks).isEqualTo(N);
        assertThat(button.getActionListeners()).as("every click's listener removed").isEmpty();
    }

    @Test
    void identityOverTenThousandOffloads() throws Exception {
        int sum = onUi(() -> {
            int s = 0;
            for (int i = 0; i < N; i++) {
                int v = i;
                assertOnEdt("before offload " + i);
                boolean offEdt = SwingLoop.offload(() -> !EventQueue.isDispatchThread() && Thread.currentThread().isVirtual() && v >= 0);
                assertOnEdt("after offload " + i);
                if (offEdt) s++;
            }
            return s;
        });
        assertThat(sum).isEqualTo(N);
    }

    @Test
    void theOtherAwaitablesAndTheRestOfTheLibraryWorkInside() throws Exception {
        JTextField field = new JTextField();
        JComboBox<String> box = new JComboBox<>(new String[] {"tea", "coffee"});
        JList<String> list = new JList<>(new String[] {"red", "green"});
        JButton ok = new JButton("ok"), cancel = new JButton("cancel");
        int boxListeners = box.getActionListeners().length, listListeners = list.getListSelectionListeners().length;
        List<String> got = onUi(() -> {
            List<String> r = new ArrayList<>();
            EventQueue.invokeLater(() -> {
                field.setText("Ada");
                field.postActionEvent();
            });
            r.add(SwingLoop.enteredText(field));
            EventQueue.invokeLater(() -> box.setSelectedItem("coffee"));
            r.add(SwingLoop.chosen(box));
            EventQueue.invokeLater(() -> list.setSelectedIndex(1));
            r.add(SwingLoop.chosen(list));
            EventQueue.invokeLater(() -> cancel.doClick(0));
            r.add(SwingLoop.clickAny(ok, cancel).getText());
            assertOnEdt("after the awaitables");
            // the rest of the library
            r.add(MicroThread.withTimeout(Duration.ofSeconds(5), () -> SwingLoop.offload(() -> "offloaded")));
            try {
                MicroThread.withTimeout(Duration.ofMillis(20), () -> new Deferred<String>().await());
            } catch (TimeoutException e) {
                r.add("timed out");
            }
            r.add(MicroThread.await(CompletableFuture.supplyAsync(() -> "future")));
            MicroThread<String> child = MicroThread.parallel(() -> {
                assertOnEdt("in a child");
                return "child";
            });
            r.add(child.join());
            Pipe<String> p = Pipe.buffered(1);
            r.add(Select.select(p.onTake(s -> s), Select.onTimeout(Duration.ofMillis(10), () -> "select timeout")));
            try (Generator<String> g = Generator.of(out -> {
                out.emit("g1");
                out.emit("g2");
            })) {
                for (String s : g) r.add(s);
            }
            assertOnEdt("at the end");
            return r;
        });
        assertThat(got).containsExactly("Ada", "coffee", "green", "cancel", "offloaded", "timed out", "future", "child",
                "select timeout", "g1", "g2");
        assertThat(field.getActionListeners()).isEmpty();
        assertThat(box.getActionListeners()).hasSize(boxListeners);
        assertThat(list.getListSelectionListeners()).hasSize(listListeners);
        assertThat(ok.getActionListeners()).isEmpty();
        assertThat(cancel.getActionListeners()).isEmpty();
    }

    @Test
    void aCancelledAwaitRemovesItsListener() throws Exception {
        JButton button = new JButton("never clicked");
        CountDownLatch waiting = new CountDownLatch(1);
        MicroThread<Object> m = ui().parallel(() -> {
            EventQueue.invokeLater(waiting::countDown); // after it parked in click()
            return SwingLoop.click(button);
        });
        assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(button.getActionListeners()).hasSize(1);
        m.cancel();
        assertThatThrownBy(() -> m.join(Duration.ofSeconds(30))).isInstanceOf(CancellationException.class);
        assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
        assertThat(button.getActionListeners()).isEmpty();
    }

    // =====================================================================================
    // Readiness order and many suspended
    // =====================================================================================

    @Test
    void waitsEndInReadinessOrderNotInTheOrderTheyBegan() throws Exception {
        for (String kind : List.of("sleep", "deferred")) {
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            try {
                List<String> order = new CopyOnWriteArrayList<>();
                Deferred<Void> slowBegan = new Deferred<>();
                long t0 = System.nanoTime();
                MicroThread<Long> slow = ui().parallel(() -> {
                    Deferred<Void> ready = new Deferred<>();
                    if (kind.equals("deferred")) timer.schedule(() -> ready.complete(null), 1_000, TimeUnit.MILLISECONDS);
                    slowBegan.complete(null);
                    if (kind.equals("sleep")) MicroThread.sleep(Duration.ofSeconds(1)); else ready.await();
                    order.add("slow");
                    assertOnEdt("after the slow wait");
                    return (System.nanoTime() - t0) / 1_000_000;
                });
                MicroThread<Long> fast = ui().parallel(() -> {
                    slowBegan.await(); // begins its wait after the slow one began
                    Deferred<Void> ready = new Deferred<>();
                    if (kind.equals("deferred")) timer.schedule(() -> ready.complete(null), 100, TimeUnit.MILLISECONDS);
                    if (kind.equals("sleep")) MicroThread.sleep(Duration.ofMillis(100)); else ready.await();
                    order.add("fast");
                    assertOnEdt("after the fast wait");
                    return (System.nanoTime() - t0) / 1_000_000;
                });
                long fastMs = fast.join(Duration.ofSeconds(30));
                long slowMs = slow.join(Duration.ofSeconds(30));
                System.out.printf("readiness order (%s): fast returned at %d ms, slow at %d ms%n", kind, fastMs, slowMs);
                assertThat(order).containsExactly("fast", "slow");
                assertThat(fastMs).as(kind + ": the 100 ms wait").isGreaterThanOrEqualTo(100).isLessThan(600);
                assertThat(slowMs).as(kind + ": the 1 s wait").isGreaterThanOrEqualTo(1_000).isLessThan(5_000);
            } finally {
                timer.shutdownNow();
            }
        }
    }

    @Test
    void tenThousandMicroThreadsSuspendedAtOnceAllResume() throws Exception {
        Deferred<Void> gate = new Deferred<>();
        AtomicInteger waiting = new AtomicInteger(), resumedOnEdt = new AtomicInteger();
        CountDownLatch ended = new CountDownLatch(N);
        for (int i = 0; i < N; i++) {
            ui().startAndForget(() -> {
                try {
                    waiting.incrementAndGet();
                    gate.await();
                    if (EventQueue.isDispatchThread()) resumedOnEdt.incrementAndGet();
                } finally {
                    ended.countDown();
                }
            });
        }
        waitUntil("all " + N + " wait", 60, () -> waiting.get() == N);
        long parked = ui().microThreads().stream().filter(m -> m.state() == MicroThread.State.WAITING).count();
        assertThat(parked).isGreaterThanOrEqualTo(N);
        gate.complete(null);
        assertThat(ended.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(resumedOnEdt.get()).isEqualTo(N);
    }

    // =====================================================================================
    // Hazards: each a clear error, not a frozen window
    // =====================================================================================

    @Test
    void aJdkBlockingCallInAUiMicroThreadIsReportedAsAStall() throws Exception {
        try (LogCapture log = new LogCapture()) {
            MicroThread<Void> m = ui().startAndForget("sleepy-ui-micro-thread", () -> Thread.sleep(600));
            m.join(Duration.ofSeconds(30));
            waitUntil("the stall is reported", 10, () -> log.messages.stream()
                    .anyMatch(s -> s.startsWith("WARNING") && s.contains("'sleepy-ui-micro-thread'") && s.contains("held")));
            String report = log.messages.stream().filter(s -> s.contains("'sleepy-ui-micro-thread'") && s.contains("held"))
                    .findFirst().orElseThrow();
            System.out.println("stall report: " + report.lines().limit(6).toList());
            assertThat(report).contains("Swing UI thread").contains("SwingLoop.offload(...)").contains("Thread.sleep")
                    .contains("microthreads.stallMillis");
        }
    }

    @Test
    void aWaitInsideSynchronizedThrowsNamingTheFrameAndTheEdtKeepsRunning() throws Exception {
        Object monitor = new Object();
        Deferred<Void> aHolds = new Deferred<>();
        AtomicInteger bEntered = new AtomicInteger();
        // A: a wait inside synchronized, with B ready to enter the same monitor meanwhile
        MicroThread<String> a = ui().parallel("holds-a-monitor", () -> {
            synchronized (monitor) {
                aHolds.complete(null);
                MicroThread.yieldNow(); // refused here: B would run next and block the EDT on the monitor
                return "yielded holding the monitor";
            }
        });
        MicroThread<Integer> b = ui().parallel("enters-the-monitor", () -> {
            aHolds.await();
            synchronized (monitor) {
                return bEntered.incrementAndGet();
            }
        });
        FailedException failed = org.junit.jupiter.api.Assertions.assertThrows(FailedException.class, () -> a.join(Duration.ofSeconds(30)));
        assertThat(failed.getCause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("SwingLoopTest");
        System.out.println("wait inside synchronized: " + failed.getCause().getMessage());
        assertThat(b.join(Duration.ofSeconds(30))).isEqualTo(1);
        // and the EDT is alive
        FutureTask<Boolean> probe = new FutureTask<>(EventQueue::isDispatchThread);
        EventQueue.invokeLater(probe);
        assertThat(probe.get(10, TimeUnit.SECONDS)).isTrue();
        // other waits too: sleep, Deferred.await
        for (MicroThread.Body<Object> wait : List.<MicroThread.Body<Object>>of(
                () -> { MicroThread.sleep(Duration.ofMillis(1)); return null; },
                () -> new Deferred<>().await())) {
            Object other = new Object();
            MicroThread<Object> m = ui().parallel(() -> {
                synchronized (other) {
                    return wait.run();
                }
            });
            assertThatThrownBy(() -> m.join(Duration.ofSeconds(30))).isInstanceOf(FailedException.class)
                    .cause().isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aPlainWaitOnTheEdtOutsideAMicroThreadThrows() throws Exception {
        Throwable e = thrownOnEdt(() -> new Deferred<String>().await());
        assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("Swing UI thread")
                .hasMessageContaining("SwingLoop.offload(...)");
        // the awaitables of SwingLoop, on the EDT outside a micro-thread, on a test thread, and in a shared-loop micro-thread
        Throwable onEdt = thrownOnEdt(() -> SwingLoop.click(new JButton()));
        assertThat(onEdt).isInstanceOf(IllegalStateException.class).hasMessageContaining("AWT-EventQueue")
                .hasMessageContaining("SwingLoop.start(");
        assertThatThrownBy(() -> SwingLoop.enteredText(new JTextField())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(Thread.currentThread().getName()).hasMessageContaining("SwingLoop.start(");
        MicroThread<Object> shared = Loop.shared().parallel("on-the-shared-loop", () -> SwingLoop.chosen(new JList<String>()));
        assertThatThrownBy(() -> shared.join(Duration.ofSeconds(30))).cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'on-the-shared-loop'");
        // runApp on the EDT
        Throwable run = thrownOnEdt(() -> SwingLoop.runApp(() -> 1));
        assertThat(run).isInstanceOf(IllegalStateException.class).hasMessageContaining("main()");
    }

    @Test
    void startInRefusesAComponentWithNoWindow() {
        assertThatThrownBy(() -> SwingLoop.startIn(new JButton(), () -> {})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("javax.swing.JButton").hasMessageContaining("no window ancestor");
        assertThatThrownBy(() -> SwingLoop.start(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("body");
    }

    @Test
    void runAppRunsMainOnTheEdtAndWaitsForWhatItStarted() throws Exception {
        AtomicBoolean childRan = new AtomicBoolean();
        String v = SwingLoop.runApp(() -> {
            assertOnEdt("in main");
            MicroThread.startAndForget(() -> {
                MicroThread.sleep(Duration.ofMillis(50));
                childRan.set(EventQueue.isDispatchThread());
            });
            return "main";
        });
        assertThat(v).isEqualTo("main");
        assertThat(childRan).as("runApp waits for what main started").isTrue();
    }

    @Test
    void failuresOfAHundredUiMicroThreadsEachReachTheFailureHandlerOnce() throws Exception {
        Map<MicroThread<?>, AtomicInteger> seen = new ConcurrentHashMap<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        long before = ui().failureCount();
        ui().failureHandler((m, f) -> {
            seen.computeIfAbsent(m, k -> new AtomicInteger()).incrementAndGet();
            failures.add(f);
        });
        try {
            List<MicroThread<Void>> started = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                started.add(SwingLoop.start(() -> {
                    if (n % 2 == 0) MicroThread.yieldNow();
                    throw new IllegalStateException("failure " + n);
                }));
            }
            waitUntil("100 failures reported", 30, () -> ui().failureCount() - before >= 100);
            for (MicroThread<Void> m : started) {
                assertThatThrownBy(() -> m.join(Duration.ofSeconds(10))).isInstanceOf(FailedException.class);
            }
            assertThat(ui().failureCount() - before).isEqualTo(100);
            assertThat(seen).hasSize(100).allSatisfy((m, count) -> assertThat(count.get()).isEqualTo(1));
            assertThat(failures).extracting(Throwable::getMessage).doesNotHaveDuplicates().allMatch(s -> s.startsWith("failure "));
        } finally {
            ui().failureHandler((m, f) -> System.getLogger("org.microthreads").log(System.Logger.Level.ERROR,
                    "micro-thread '" + m.name() + "' on loop '" + m.loop().name() + "' failed", f));
        }
    }

    @Test
    void offloadedWorkIsCancelledWhenTheWaitingMicroThreadIsCancelled() throws Exception {
        CountDownLatch started = new CountDownLatch(1), workEnded = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean callerFinallyOnEdt = new AtomicBoolean();
        MicroThread<String> caller = ui().parallel(() -> {
            try {
                return SwingLoop.offload(() -> {
                    started.countDown();
                    try {
                        Thread.sleep(60_000);
                        return "slept";
                    } catch (InterruptedException e) {
                        interrupted.set(true);
                        throw e;
                    } finally {
                        workEnded.countDown();
                    }
                });
            } finally {
                callerFinallyOnEdt.set(EventQueue.isDispatchThread());
            }
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        caller.cancel();
        assertThatThrownBy(() -> caller.join(Duration.ofSeconds(30))).isInstanceOf(CancellationException.class);
        assertThat(workEnded.await(30, TimeUnit.SECONDS)).as("the offloaded work ended").isTrue();
        assertThat(interrupted).as("the offloaded work was interrupted").isTrue();
        assertThat(callerFinallyOnEdt).isTrue();
        assertThat(caller.state()).isEqualTo(MicroThread.State.CANCELLED);
    }

    // =====================================================================================
    // Input latency under load
    // =====================================================================================

    /** Posts an input-like event every 5 ms, {@code latency.length} times; returns how long each waited to run. */
    static long[] probe(long[] latency) throws InterruptedException {
        AtomicInteger recorded = new AtomicInteger();
        for (int i = 0; i < latency.length; i++) {
            long posted = System.nanoTime();
            int slot = i;
            EventQueue.invokeLater(() -> {
                latency[slot] = System.nanoTime() - posted;
                recorded.incrementAndGet();
            });
            Thread.sleep(5); // the probe's rate: one input event every 5 ms (not a synchronisation)
        }
        waitUntil("every probe ran", 30, () -> recorded.get() == latency.length);
        return latency;
    }

    @Test
    void inputStaysLiveWithTenThousandBusyMicroThreads() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger running = new AtomicInteger();
        AtomicLong steps = new AtomicLong();
        CountDownLatch ended = new CountDownLatch(N);
        for (int i = 0; i < N; i++) {
            ui().startAndForget(() -> {
                try {
                    running.incrementAndGet();
                    while (!stop.get()) {
                        long end = System.nanoTime() + 20_000;
                        while (System.nanoTime() - end < 0) Thread.onSpinWait();
                        steps.incrementAndGet();
                        MicroThread.yieldNow();
                    }
                } finally {
                    ended.countDown();
                }
            });
        }
        try {
            waitUntil("all " + N + " run", 60, () -> running.get() == N);
            probe(new long[200]); // a second of warm-up (the JIT), not counted
            long stepsBefore = steps.get(), t0 = System.nanoTime();
            long[] latency = probe(new long[400]);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long stepsDone = steps.get() - stepsBefore;
            long[] sorted = latency.clone();
            java.util.Arrays.sort(sorted);
            double p50 = sorted[sorted.length / 2] / 1e6, p99 = sorted[(int) (sorted.length * 0.99)] / 1e6;
            System.out.printf("input latency with %d busy micro-threads (20 us steps): p50 %.2f ms, p99 %.2f ms, max %.2f ms;"
                    + " %.0f steps/s%n", N, p50, p99, sorted[sorted.length - 1] / 1e6, stepsDone / seconds);
            assertThat(stepsDone).as("the micro-threads kept stepping").isGreaterThan(N);
            // the median shows the slices (one post per resume would queue a probe behind all 10,000: ~200 ms);
            // the tail on a shared 2-core machine is the OS scheduler's and the GC's: the figure is bench/RESULTS.md's (UiLatency)
            assertThat(p50).as("median input latency, ms").isLessThanOrEqualTo(50.0);
        } finally {
            stop.set(true);
            assertThat(ended.await(60, TimeUnit.SECONDS)).isTrue();
        }
    }
}
