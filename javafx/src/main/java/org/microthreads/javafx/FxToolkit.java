package org.microthreads.javafx;

import javafx.application.Platform;
import org.microthreads.spi.UiToolkit;

/** JavaFX as a {@link UiToolkit}: its application thread, {@link Platform#runLater}, its nested event loops. */
final class FxToolkit implements UiToolkit {
    static final FxToolkit INSTANCE = new FxToolkit();

    private FxToolkit() {}

    @Override
    public String name() {
        return "JavaFX";
    }

    @Override
    public boolean isUiThread() {
        return Platform.isFxApplicationThread();
    }

    @Override
    public void post(Runnable task) {
        try {
            Platform.runLater(task);
        } catch (IllegalStateException e) {
            throw notRunning(e);
        }
    }

    /** The exception for a toolkit that is not started, with what JavaFX said as cause. */
    static IllegalStateException notRunning(Throwable cause) {
        return new IllegalStateException("the JavaFX toolkit is not running, so the JavaFX UI loop cannot run its"
                + " micro-threads: start it first, with Platform.startup(...) or Application.launch(...) (or start the"
                + " whole app with FxLoop.runApp(...), which starts it)", cause);
    }

    /**
     * The frames of a nested event loop ({@code Stage.showAndWait()}, {@code Alert.showAndWait()},
     * {@code Platform.enterNestedEventLoop}): Quantum's and Glass's {@code enterNestedEventLoop}
     * and Glass's {@code EventLoop.enter}.
     */
    @Override
    public boolean isEventPump(StackTraceElement frame) {
        String c = frame.getClassName();
        String m = frame.getMethodName();
        if (c.startsWith("com.sun.glass.ui.")) {
            return m.equals("enterNestedEventLoop") || m.equals("_enterNestedEventLoop")
                    || c.equals("com.sun.glass.ui.EventLoop") && m.equals("enter");
        }
        return c.startsWith("com.sun.javafx.tk.quantum.") && m.equals("enterNestedEventLoop");
    }

    @Override
    public String offloadCall() {
        return "FxLoop.offload(...)";
    }
}
