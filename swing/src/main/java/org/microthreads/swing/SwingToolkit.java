package org.microthreads.swing;

import java.awt.EventQueue;
import org.microthreads.spi.UiToolkit;

/** Swing as a UI toolkit of the core's UI loops: the event-dispatch thread and its queue. */
final class SwingToolkit implements UiToolkit {
    static final SwingToolkit INSTANCE = new SwingToolkit();

    private SwingToolkit() {}

    @Override
    public String name() {
        return "Swing";
    }

    @Override
    public boolean isUiThread() {
        return EventQueue.isDispatchThread();
    }

    /** {@code EventQueue.invokeLater}: queued behind what is queued, never run inline; starts the EDT if needed. */
    @Override
    public void post(Runnable task) {
        EventQueue.invokeLater(task);
    }

    /** The EDT's pump loops ({@code pumpEvents}, {@code pumpEventsForFilter}, ...), which a modal dialog or a secondary loop runs. */
    @Override
    public boolean isEventPump(StackTraceElement frame) {
        return frame.getClassName().equals("java.awt.EventDispatchThread") && frame.getMethodName().startsWith("pump");
    }

    @Override
    public String offloadCall() {
        return "SwingLoop.offload(...)";
    }
}
