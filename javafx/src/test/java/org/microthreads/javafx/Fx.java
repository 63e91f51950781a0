package org.microthreads.javafx;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;

/** Test helpers: the toolkit started once per JVM (Headless platform in the build), calls run on the FX thread. */
public final class Fx {
    private Fx() {}

    private static boolean started;

    /** Starts JavaFX once for the test JVM; implicit exit off, so closing a test's last window does not stop it. */
    public static synchronized void start() throws Exception {
        if (started) return;
        CountDownLatch up = new CountDownLatch(1);
        try {
            Platform.startup(up::countDown);
        } catch (IllegalStateException alreadyRunning) {
            up.countDown();
        }
        if (!up.await(30, TimeUnit.SECONDS)) throw new AssertionError("JavaFX did not start in 30 s");
        Platform.setImplicitExit(false);
        // warm up: the first control initialises CSS (hundreds of ms, cold) on the FX thread; no test should pay it as a stall
        onFx(() -> {
            javafx.stage.Stage s = new javafx.stage.Stage();
            s.setScene(new javafx.scene.Scene(new javafx.scene.layout.VBox(new javafx.scene.control.Label("warm-up"),
                    new javafx.scene.control.Button("warm-up"), new javafx.scene.control.TextField("warm-up")), 200, 100));
            s.show();
            s.hide();
        });
        started = true;
    }

    /** Runs {@code call} on the FX thread (outside any micro-thread) and returns its value. */
    public static <T> T onFx(Callable<T> call) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                f.complete(call.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception x) throw x;
            throw e;
        }
    }

    /** Runs {@code action} on the FX thread and waits for it. */
    public static void onFx(ThrowingRunnable action) throws Exception {
        onFx(() -> {
            action.run();
            return null;
        });
    }

    /** A bounded poll: waits until {@code condition}, evaluated on the FX thread, holds. */
    public static void waitUntil(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!onFx(condition::getAsBoolean)) {
            if (System.nanoTime() - end > 0) throw new AssertionError("timed out after " + timeout + " waiting until " + what);
            Thread.sleep(5); // polling interval of a bounded poll, not synchronisation
        }
    }

    /** An action that may throw. */
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
