package org.microthreads.bench;

import java.awt.EventQueue;
import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import javafx.application.Platform;
import org.microthreads.Loop;
import org.microthreads.spi.UiLoops;
import org.microthreads.spi.UiToolkit;

/**
 * The two toolkits of the UI-loop benchmarks (issue 16), built on the core seam the way the
 * toolkit modules build theirs ({@link UiLoops#create} over a {@link UiToolkit}), so that the
 * benchmarks do not depend on those modules: Swing ({@code EventQueue.invokeLater}) and JavaFX
 * ({@code Platform.runLater}, started on the Headless glass platform unless another is set).
 *
 * <p>A toolkit may {@linkplain #swing(LongConsumer) time} every task the UI loop posts: those tasks
 * are the loop's time slices, so the timer sees each slice's length ({@code UiLatency} prints them).
 */
final class UiToolkits {
    private UiToolkits() {}

    /** Swing's toolkit; {@code slices}, if not null, gets the length in ns of every task the loop posts. */
    static UiToolkit swing(LongConsumer slices) {
        return new Timed("Swing", EventQueue::invokeLater, EventQueue::isDispatchThread, slices) {
            @Override
            public boolean isEventPump(StackTraceElement frame) {
                return frame.getClassName().equals("java.awt.EventDispatchThread") && frame.getMethodName().startsWith("pump");
            }
        };
    }

    /** JavaFX's toolkit ({@link #startFx()} first); {@code slices} as for {@link #swing}. */
    static UiToolkit fx(LongConsumer slices) {
        return new Timed("JavaFX", Platform::runLater, Platform::isFxApplicationThread, slices) {
            @Override
            public boolean isEventPump(StackTraceElement frame) {
                return frame.getClassName().startsWith("com.sun.glass.ui.") && frame.getMethodName().contains("NestedEventLoop");
            }
        };
    }

    /** A Swing UI loop (the EDT started). */
    static Loop swingLoop(String name, LongConsumer slices) {
        startSwing();
        return UiLoops.create(name, swing(slices));
    }

    /** A JavaFX UI loop (the platform started). */
    static Loop fxLoop(String name, LongConsumer slices) {
        startFx();
        return UiLoops.create(name, fx(slices));
    }

    /** Starts the EDT (headless AWT has one too) and waits until it runs. */
    static void startSwing() {
        try {
            EventQueue.invokeAndWait(() -> {});
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the EDT", e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Starts the JavaFX platform once (on the Headless glass platform unless {@code glass.platform}
     * is set: no X server needed) and waits until its thread runs; it stays up when no window is open.
     */
    static synchronized void startFx() {
        if (System.getProperty("glass.platform") == null) System.setProperty("glass.platform", "Headless");
        CountDownLatch up = new CountDownLatch(1);
        try {
            Platform.startup(up::countDown);
        } catch (IllegalStateException alreadyStarted) {
            Platform.runLater(up::countDown);
        }
        Platform.setImplicitExit(false);
        try {
            if (!up.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("the JavaFX platform did not start in 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting JavaFX", e);
        }
    }

    /**
     * The floor of one resume through the toolkit's queue: a task that posts itself again
     * {@code hops} times with {@code post}, on the UI thread; returns once the last has run.
     */
    static int chain(Consumer<Runnable> post, int hops) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        int[] left = {hops};
        Runnable[] hop = new Runnable[1];
        hop[0] = () -> {
            if (--left[0] == 0) done.countDown();
            else post.accept(hop[0]);
        };
        post.accept(hop[0]);
        done.await();
        return left[0];
    }

    /** A toolkit over a post function, timing each posted task if asked. */
    private abstract static class Timed implements UiToolkit {
        private final String name;
        private final Consumer<Runnable> post;
        private final java.util.function.BooleanSupplier isUi;
        private final LongConsumer slices;

        Timed(String name, Consumer<Runnable> post, java.util.function.BooleanSupplier isUi, LongConsumer slices) {
            this.name = name;
            this.post = post;
            this.isUi = isUi;
            this.slices = slices;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean isUiThread() {
            return isUi.getAsBoolean();
        }

        @Override
        public void post(Runnable task) {
            if (slices == null) {
                post.accept(task);
                return;
            }
            post.accept(() -> {
                long t0 = System.nanoTime();
                try {
                    task.run();
                } finally {
                    slices.accept(System.nanoTime() - t0);
                }
            });
        }

        @Override
        public String offloadCall() {
            return "UiLoops.offload(...)";
        }
    }
}
