package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.microthreads.spi.UiLoops;
import org.microthreads.spi.UiToolkit;

/**
 * The seam of the UI loops (issue 16), on a toolkit of the test's own: a platform thread pumping a
 * queue, as the Swing EDT does. Time slices, a modal dialog's nested pump inside a micro-thread,
 * the refusals, the stall report and offload.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UiLoopSeamTest {

    /** A fake UI toolkit: one thread pumping a FIFO queue; {@link #pumpUntil} is its "modal dialog". */
    static class FakeToolkit implements UiToolkit {
        final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final Thread thread = Thread.ofPlatform().name("fake-ui").daemon().start(() -> pumpUntil(() -> false));

        /** The toolkit's event pump; a modal dialog runs it nested, until {@code done}. */
        void pumpUntil(java.util.function.BooleanSupplier done) {
            while (!done.getAsBoolean()) {
                Runnable r;
                try {
                    r = queue.poll(10, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    errors.add(e);
                    continue;
                }
                if (r == null) continue;
                try {
                    r.run();
                } catch (Throwable t) {
                    errors.add(t);
                }
            }
        }

        @Override
        public String name() {
            return "Fake";
        }

        @Override
        public boolean isUiThread() {
            return Thread.currentThread() == thread;
        }

        @Override
        public void post(Runnable task) {
            queue.add(task);
        }

        @Override
        public boolean isEventPump(StackTraceElement frame) {
            return frame.getClassName().equals(FakeToolkit.class.getName()) && frame.getMethodName().equals("pumpUntil");
        }

        @Override
        public String offloadCall() {
            return "FakeLoop.offload(...)";
        }
    }

    private static void busy(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }

    @Test
    void microThreadsRunOnTheUiThreadAndTheLoopIsNeverClosed() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("fake", ui);
        List<Boolean> onUi = new CopyOnWriteArrayList<>();
        loop.run(() -> {
            for (int i = 0; i < 100; i++) {
                onUi.add(ui.isUiThread());
                MicroThread.sleep(Duration.ofMillis(0));
                MicroThread.yieldNow();
                onUi.add(ui.isUiThread());
            }
            return null;
        });
        assertThat(onUi).hasSize(200).containsOnly(true);
        assertThat(loop.toString()).contains("Fake UI thread");
        loop.close(); // does nothing: it lives as long as the toolkit
        assertThat(loop.isClosed()).isFalse();
        assertThat(loop.run(() -> ui.isUiThread())).isTrue();
        assertThat(ui.errors).isEmpty();
    }

    /** Ready micro-threads run in slices: a task the toolkit queued meanwhile (an input event) waits one slice, not a round of all. */
    @Test
    void aToolkitTaskWaitsOneSliceNotARoundOfEveryMicroThread() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("slices", ui);
        AtomicInteger steps = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<MicroThread<Void>> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            all.add(loop.parallel(() -> {
                while (!stop.get()) {
                    busy(200_000); // 0.2 ms: a round of all 500 takes 100 ms
                    steps.incrementAndGet();
                    MicroThread.yieldNow();
                }
                return null;
            }));
        }
        while (steps.get() < 1_000) Thread.onSpinWait();
        List<Integer> stepsWaited = new ArrayList<>();
        for (int probe = 0; probe < 20; probe++) {
            CompletableFuture<Integer> ran = new CompletableFuture<>();
            int before = steps.get();
            ui.post(() -> ran.complete(steps.get() - before));
            stepsWaited.add(ran.get(30, TimeUnit.SECONDS));
        }
        stop.set(true);
        for (var m : all) m.join();
        // a slice is 4 ms (20 steps of 0.2 ms); a probe waits at most about two of them, never a round of 500
        assertThat(stepsWaited).as("micro-thread steps each probe waited for").allSatisfy(n -> assertThat(n).isLessThan(150));
        assertThat(ui.errors).isEmpty();
    }

    /** A modal dialog in micro-thread A (a nested pump on its stack): B keeps running above it, on the UI thread. */
    @Test
    void otherMicroThreadsRunWhileOneWaitsInANestedEventPump() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("modal", ui);
        AtomicBoolean dialogClosed = new AtomicBoolean();
        List<String> log = new CopyOnWriteArrayList<>();
        loop.run(() -> {
            MicroThread<Void> a = MicroThread.parallel("a", () -> {
                log.add("a opens its dialog");
                ui.pumpUntil(dialogClosed::get); // what JOptionPane.showMessageDialog does inside
                log.add("a after its dialog, on the UI thread: " + ui.isUiThread());
                MicroThread.sleep(Duration.ofMillis(1));
                log.add("a ends");
                return null;
            });
            MicroThread<Integer> b = MicroThread.parallel("b", () -> {
                int n = 0;
                while (log.isEmpty()) MicroThread.yieldNow();
                for (; n < 2_000; n++) {
                    if (!ui.isUiThread()) throw new AssertionError("b off the UI thread");
                    MicroThread.yieldNow();
                }
                MicroThread.sleep(Duration.ofMillis(1));
                log.add("b closes the dialog after " + n + " steps");
                dialogClosed.set(true);
                return n;
            });
            b.join();
            a.join();
            return null;
        });
        assertThat(log).containsExactly("a opens its dialog", "b closes the dialog after 2000 steps",
                "a after its dialog, on the UI thread: true", "a ends");
        assertThat(ui.errors).isEmpty();
    }

    /** B is ready behind A in the same slice, and A's turn opens a dialog: B must not wait for the dialog (found by the JavaFX tests). */
    @Test
    void aMicroThreadReadyBehindOneThatOpensADialogInTheSameSliceStillRuns() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("same-slice", ui);
        AtomicBoolean closed = new AtomicBoolean();
        CompletableFuture<MicroThread<?>[]> started = new CompletableFuture<>();
        ui.post(() -> started.complete(new MicroThread<?>[] { // both ready before the slice that runs them
                loop.parallel(() -> {
                    ui.pumpUntil(closed::get);
                    return "a";
                }),
                loop.parallel(() -> {
                    closed.set(true);
                    return "b";
                })}));
        MicroThread<?>[] ab = started.get(30, TimeUnit.SECONDS);
        assertThat(ab[1].join(Duration.ofSeconds(30))).isEqualTo("b");
        assertThat(ab[0].join(Duration.ofSeconds(30))).isEqualTo("a");
        assertThat(ui.errors).isEmpty();
    }

    @Test
    void aPlainWaitOnTheUiThreadOutsideAMicroThreadIsRefusedNotFrozen() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("refuse", ui);
        loop.run(() -> null); // the loop has met its UI thread
        CompletableFuture<Throwable> got = new CompletableFuture<>();
        ui.post(() -> {
            try {
                new Deferred<String>().await(); // from a listener: would freeze the window
                got.complete(null);
            } catch (Throwable t) {
                got.complete(t);
            }
        });
        assertThat(got.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("on the Fake UI thread (fake-ui), outside a micro-thread of its UI loop 'refuse'")
                .hasMessageContaining("FakeLoop.offload(...)");
    }

    @Test
    void aToolkitThatRunsTasksInlineIsRefusedAtTheStart() {
        UiToolkit inline = new FakeToolkit() {
            @Override
            public void post(Runnable task) {
                task.run();
            }
        };
        Loop loop = UiLoops.create("inline", inline);
        assertThatThrownBy(() -> loop.startAndForget(() -> {}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ran a task inline");
        assertThat(loop.microThreads()).isEmpty();
    }

    @Test
    void waitingInsideSynchronizedFailsNamingTheFrameAndTheUiThreadStaysLive() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("monitor", ui);
        Object lock = new Object();
        MicroThread<Void> holder = loop.parallel(() -> {
            synchronized (lock) {
                MicroThread.sleep(Duration.ofSeconds(10)); // long: a short sleep may expire before it parks (no check then)
            }
            return null;
        });
        assertThatThrownBy(holder::join).isInstanceOf(FailedException.class).cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot wait while it holds a monitor: synchronized in org.microthreads.UiLoopSeamTest.lambda$")
                .hasMessageContaining("Fake UI thread");
        // a second micro-thread entering the same monitor finds it free (the first never left with it)
        assertThat(loop.run(() -> {
            synchronized (lock) {
                return ui.isUiThread();
            }
        })).isTrue();
    }

    /** A wait in a pinned section (a critical section here; a native frame is the same to the JDK) fails at the wait, the UI thread stays live. */
    @Test
    void aWaitInAPinnedSectionFailsAtTheWait() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("pinned", ui);
        Class<?> continuation = Class.forName("jdk.internal.vm.Continuation");
        java.lang.reflect.Method pin = continuation.getMethod("pin"), unpin = continuation.getMethod("unpin");
        assertThatThrownBy(() -> loop.run(() -> {
            pin.invoke(null);
            try {
                MicroThread.sleep(Duration.ofSeconds(10)); // long: a wait whose deadline has passed never parks
            } finally {
                unpin.invoke(null);
            }
            return null;
        })).isInstanceOf(FailedException.class).cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot park while pinned").hasMessageContaining("Pinned: CRITICAL_SECTION");
        assertThat(loop.run(() -> {
            MicroThread.sleep(Duration.ofMillis(1));
            return ui.isUiThread();
        })).isTrue();
    }

    @Test
    void aStallIsReportedWithTheOffloadCallButANestedPumpIsNotAStall() throws Exception {
        String before = System.getProperty("microthreads.stallMillis");
        System.setProperty("microthreads.stallMillis", "50");
        try (LogCapture log = LogCapture.start()) {
            FakeToolkit ui = new FakeToolkit();
            Loop loop = UiLoops.create("stall", ui);
            AtomicBoolean closed = new AtomicBoolean();
            loop.run(() -> MicroThread.parallel("dialog", () -> {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
                ui.pumpUntil(() -> System.nanoTime() > end); // a modal dialog open for 400 ms: the UI is live
                closed.set(true);
                return null;
            }).join());
            assertThat(closed).isTrue();
            assertThat(log.messages).noneMatch(m -> m.contains("has held the thread"));
            loop.run(() -> MicroThread.parallel("sleeper", () -> {
                Thread.sleep(400); // a JDK blocking call: the UI thread itself sleeps
                return null;
            }).join());
            DeadlockRuleTest.waitUntil(() -> log.messages.stream().anyMatch(m -> m.contains("let go of its thread")));
            String report = log.messages.stream().filter(m -> m.contains("has held the thread")).findFirst().orElseThrow();
            assertThat(report).startsWith("micro-thread 'sleeper' has held the thread of loop 'stall'")
                    .contains("The Fake UI thread is blocked meanwhile")
                    .contains("run it with FakeLoop.offload(...)")
                    .contains("java.lang.Thread.sleep");
        } finally {
            if (before == null) System.clearProperty("microthreads.stallMillis"); else System.setProperty("microthreads.stallMillis", before);
        }
    }

    @Test
    void offloadRunsOffTheUiThreadAndIsCancelledWithItsWaiter() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("offload", ui);
        assertThat(loop.run(() -> {
            String v = UiLoops.offload(() -> ui.isUiThread() + " " + Thread.currentThread().isVirtual());
            return v + " then " + ui.isUiThread();
        })).isEqualTo("false true then true");
        CompletableFuture<Boolean> workInterrupted = new CompletableFuture<>();
        AtomicBoolean started = new AtomicBoolean();
        MicroThread<String> waiter = loop.parallel(() -> UiLoops.offload(() -> {
            started.set(true);
            try {
                Thread.sleep(60_000);
                workInterrupted.complete(false);
            } catch (InterruptedException e) {
                workInterrupted.complete(true);
                throw e;
            }
            return "never";
        }));
        while (!started.get()) Thread.onSpinWait();
        waiter.cancel();
        assertThatThrownBy(waiter::join).isInstanceOf(java.util.concurrent.CancellationException.class);
        assertThat(workInterrupted.get(30, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> loop.run(() -> UiLoops.offload(() -> {
            throw new java.io.IOException("backend down");
        }))).isInstanceOf(FailedException.class).rootCause().hasMessage("backend down");
    }

    // =====================================================================================
    // Review findings (issue 16 review): each test failed before its fix
    // =====================================================================================

    /**
     * A listener that a modal dialog's pump runs inside micro-thread A is the toolkit's code, not A:
     * it must not see A as the current micro-thread, and its wait must be refused as any listener's
     * is (else it parks A's continuation, the dialog's pump frames with it).
     */
    @Test
    @org.junit.jupiter.api.Disabled("review finding, not fixed yet: the listener is taken for A (CURRENT is A's) and its wait parks A")
    void aListenerRunByANestedPumpInsideAMicroThreadIsNotThatMicroThread() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("nested-listener", ui);
        AtomicBoolean closed = new AtomicBoolean();
        CompletableFuture<String> current = new CompletableFuture<>();
        CompletableFuture<Throwable> got = new CompletableFuture<>();
        MicroThread<Void> a = loop.parallel(() -> {
            ui.post(() -> { // a listener of the dialog, run by its pump
                try {
                    current.complete(String.valueOf(MicroThread.currentOrNull()));
                    new Deferred<String>().await(Duration.ofSeconds(2));
                    got.complete(null);
                } catch (Throwable t) {
                    got.complete(t);
                } finally {
                    closed.set(true);
                }
            });
            ui.pumpUntil(closed::get); // a modal dialog
            return null;
        });
        assertThat(current.get(30, TimeUnit.SECONDS)).isEqualTo("null");
        assertThat(got.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outside a micro-thread of its UI loop 'nested-listener'");
        a.join(Duration.ofSeconds(30));
    }

    /** A toolkit whose UI thread is replaced (Swing starts a new EDT after an AWT auto-shutdown). */
    static class ReplaceableToolkit implements UiToolkit {
        final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        volatile Thread current = Thread.ofPlatform().name("ui-1").daemon().unstarted(this::pump);

        ReplaceableToolkit() {
            current.start();
        }

        void pump() {
            while (Thread.currentThread() == current) {
                try {
                    Runnable r = queue.poll(10, TimeUnit.MILLISECONDS);
                    if (r != null) r.run();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Starts a new UI thread once the old one has ended. */
        void replace() throws InterruptedException {
            Thread old = current;
            current = Thread.ofPlatform().name("ui-2").daemon().unstarted(this::pump);
            old.join();
            current.start();
        }

        @Override
        public String name() {
            return "Fake";
        }

        @Override
        public boolean isUiThread() {
            return Thread.currentThread() == current;
        }

        @Override
        public void post(Runnable task) {
            queue.add(task);
        }

        @Override
        public boolean isEventPump(StackTraceElement frame) {
            return false;
        }

        @Override
        public String offloadCall() {
            return "FakeLoop.offload(...)";
        }
    }

    @Test
    void aPlainWaitOnANewUiThreadIsRefusedToo() throws Exception {
        ReplaceableToolkit ui = new ReplaceableToolkit();
        Loop loop = UiLoops.create("new-edt", ui);
        assertThat(loop.run(() -> Thread.currentThread().getName())).isEqualTo("ui-1");
        ui.replace();
        CompletableFuture<Throwable> got = new CompletableFuture<>();
        ui.post(() -> {
            try {
                new Deferred<String>().await(Duration.ofSeconds(2));
                got.complete(null);
            } catch (Throwable t) {
                got.complete(t);
            }
        });
        assertThat(got.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("on the Fake UI thread (ui-2)");
    }

    private static void deleteTree(java.nio.file.Path root) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(root)) {
            for (java.nio.file.Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(f);
        }
    }

    /**
     * An application shaded into one jar with the library: its classes share the library's class
     * loader and code source, and must not be taken for the library's own by the monitor check.
     */
    @Test
    void waitingInsideSynchronizedIsRefusedInAShadedJarToo() throws Exception {
        java.nio.file.Path lib = java.nio.file.Path.of(org.microthreads.internal.JdkInternals.class.getProtectionDomain()
                .getCodeSource().getLocation().toURI());
        java.nio.file.Path app = java.nio.file.Path.of(shadedapp.ShadedApp.class.getProtectionDomain()
                .getCodeSource().getLocation().toURI());
        java.nio.file.Path jar = java.nio.file.Files.createTempDirectory("shaded");
        try (var files = java.nio.file.Files.walk(lib)) {
            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                java.nio.file.Path to = jar.resolve(lib.relativize(f).toString());
                if (java.nio.file.Files.isDirectory(f)) java.nio.file.Files.createDirectories(to); else java.nio.file.Files.copy(f, to);
            }
        }
        java.nio.file.Files.createDirectories(jar.resolve("shadedapp"));
        try (var files = java.nio.file.Files.list(app.resolve("shadedapp"))) {
            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                java.nio.file.Files.copy(f, jar.resolve("shadedapp").resolve(f.getFileName().toString()));
            }
        }
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> c = Class.forName("shadedapp.ShadedApp", true, loader);
            assertThat(c.getClassLoader()).isSameAs(loader);
            assertThat(Class.forName("org.microthreads.Loop", false, loader).getClassLoader()).isSameAs(loader);
            String result = (String) c.getMethod("waitInsideSynchronized").invoke(null);
            assertThat(result).startsWith("refused: ").contains("synchronized in shadedapp.ShadedApp.lambda$");
        } finally {
            deleteTree(jar);
        }
    }

    /**
     * A child-first class loader (a plugin, a web app) defines its own version of a class that its
     * parent has too: the monitor check must read the bytes of the class that runs, not the parent's.
     */
    @Test
    void theMonitorCheckReadsTheClassThatRunsNotAParentsNamesake() throws Exception {
        String name = "shadedapp.PlainTask";
        // the plugin's own version of shadedapp.PlainTask: it waits inside synchronized
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("plugin");
        java.nio.file.Path src = java.nio.file.Files.createDirectories(dir.resolve("shadedapp")).resolve("PlainTask.java");
        java.nio.file.Files.writeString(src, """
                package shadedapp;
                public class PlainTask implements org.microthreads.MicroThread.Body<String> {
                    private static final Object LOCK = new Object();
                    public String run() throws Exception {
                        synchronized (LOCK) {
                            org.microthreads.MicroThread.sleep(java.time.Duration.ofSeconds(10));
                        }
                        return "not refused";
                    }
                }
                """);
        int rc = java.util.spi.ToolProvider.findFirst("javac").orElseThrow().run(System.out, System.err,
                "-cp", System.getProperty("java.class.path"), "-d", dir.toString(), src.toString());
        assertThat(rc).isZero();
        byte[] sync = java.nio.file.Files.readAllBytes(dir.resolve("shadedapp").resolve("PlainTask.class"));
        deleteTree(dir);
        ClassLoader childFirst = new ClassLoader("plugin", UiLoopSeamTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
                if (!n.equals(name)) return super.loadClass(n, resolve);
                synchronized (getClassLoadingLock(n)) {
                    Class<?> c = findLoadedClass(n);
                    return c != null ? c : defineClass(n, sync, 0, sync.length);
                }
            }
        };
        @SuppressWarnings("unchecked")
        MicroThread.Body<String> body = (MicroThread.Body<String>) childFirst.loadClass(name).getConstructor().newInstance();
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("plugin", ui);
        MicroThread<String> m = loop.parallel(body);
        assertThatThrownBy(() -> m.join(Duration.ofSeconds(30))).isInstanceOf(FailedException.class).cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot wait while it holds a monitor: synchronized in plugin//shadedapp.PlainTask.run");
    }

    /**
     * The monitor check counts the frames of the continuations that would leave the UI thread with
     * the waiting micro-thread, no more: micro-thread A holding a monitor under a modal dialog's pump
     * (lower on the UI thread's stack) does not stop B, running above that pump, from waiting.
     */
    @Test
    void aMonitorHeldByAMicroThreadLowerOnTheStackDoesNotStopOneAboveFromWaiting() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("nested-monitor", ui);
        Object lock = new Object();
        AtomicBoolean dialogOpen = new AtomicBoolean(), closed = new AtomicBoolean();
        MicroThread<String> a = loop.parallel(() -> {
            synchronized (lock) { // legacy code: a modal dialog opened inside synchronized
                dialogOpen.set(true);
                ui.pumpUntil(closed::get);
            }
            return "a";
        });
        MicroThread<String> b = loop.parallel(() -> {
            try {
                while (!dialogOpen.get()) MicroThread.yieldNow();
                MicroThread.sleep(Duration.ofMillis(1)); // B holds no monitor: its continuation may leave
                return "b slept";
            } finally {
                closed.set(true);
            }
        });
        assertThat(b.join(Duration.ofSeconds(30))).isEqualTo("b slept");
        assertThat(a.join(Duration.ofSeconds(30))).isEqualTo("a");
    }

    /** Holds its own monitor while it waits: a synchronized method, no monitorenter instruction. */
    static final class Account {
        synchronized String waitInside() throws InterruptedException {
            MicroThread.sleep(Duration.ofSeconds(10)); // long: a short one may have expired before it parks (no check then)
            return "not refused";
        }
    }

    @Test
    void waitingInsideASynchronizedMethodIsRefusedToo() throws Exception {
        FakeToolkit ui = new FakeToolkit();
        Loop loop = UiLoops.create("sync-method", ui);
        Account account = new Account();
        MicroThread<String> m = loop.parallel(account::waitInside);
        assertThatThrownBy(() -> m.join(Duration.ofSeconds(30))).isInstanceOf(FailedException.class).cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("synchronized in org.microthreads.UiLoopSeamTest$Account.waitInside");
    }

    /**
     * A micro-thread woken while it is mounted lower on the UI thread's stack (in a dialog's pump,
     * RUNNING) is not queued, so never run twice nor inside itself: the wake is kept for its next wait.
     */
    @Test
    void aMicroThreadWokenWhileInANestedPumpIsNotRunTwice() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            FakeToolkit ui = new FakeToolkit();
            Loop loop = UiLoops.create("woken-below", ui);
            AtomicBoolean dialogOpen = new AtomicBoolean(), closed = new AtomicBoolean();
            AtomicInteger entries = new AtomicInteger();
            MicroThread<String> a = loop.parallel(() -> {
                entries.incrementAndGet();
                dialogOpen.set(true);
                ui.pumpUntil(closed::get);
                MicroThread.sleep(Duration.ofSeconds(30)); // the cancel it got meanwhile ends this at once
                return "slept";
            });
            MicroThread<Void> b = loop.parallel(() -> {
                while (!dialogOpen.get()) MicroThread.yieldNow();
                a.cancel(); // wakes A, which is RUNNING under this very turn
                MicroThread.yieldNow();
                MicroThread.yieldNow();
                closed.set(true);
                return null;
            });
            b.join(Duration.ofSeconds(30));
            assertThatThrownBy(() -> a.join(Duration.ofSeconds(30))).isInstanceOf(java.util.concurrent.CancellationException.class);
            assertThat(entries).hasValue(1);
            assertThat(log.messages).noneMatch(m -> m.contains("microthreads bug"));
            assertThat(ui.errors).isEmpty();
        }
    }
}
