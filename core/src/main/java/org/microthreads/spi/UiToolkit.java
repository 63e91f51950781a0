package org.microthreads.spi;

/**
 * What a UI toolkit gives a UI loop: its one UI thread, a queue to it, and how to recognise its
 * event pump. Implemented by the toolkit modules ({@code microthreads-swing},
 * {@code microthreads-javafx}); applications use those modules' loops, not this interface.
 *
 * <p>Contract: {@link #post} queues its task behind what the toolkit already has queued and runs
 * it later on the UI thread, in order; it never runs it inline, not even when called on the UI
 * thread. The UI loop posts one task per time slice, never one per resume.
 */
public interface UiToolkit {
    /** {@return the toolkit's name for messages and dumps: "Swing", "JavaFX"} */
    String name();

    /** {@return whether the caller runs on the toolkit's UI thread} */
    boolean isUiThread();

    /**
     * Queues {@code task} on the UI thread, behind what is already queued.
     *
     * @param task what to run there
     * @throws IllegalStateException if the toolkit is not running (the message says how to start it)
     */
    void post(Runnable task);

    /**
     * Whether {@code frame}, on the UI thread's stack, belongs to the toolkit's event pump (the
     * one a modal dialog or a nested event loop runs). A micro-thread below such a frame is not
     * blocking the UI thread: the toolkit pumps its events above it.
     *
     * @param frame a frame of the UI thread's stack
     * @return whether it is the toolkit's event pump
     */
    boolean isEventPump(StackTraceElement frame);

    /**
     * {@return the call that runs blocking work off the UI thread, as users write it, for
     * messages: "SwingLoop.offload(...)"}
     */
    String offloadCall();
}
