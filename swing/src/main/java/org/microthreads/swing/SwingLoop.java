package org.microthreads.swing;

import java.awt.Component;
import java.awt.EventQueue;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.awt.event.ActionListener;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.awt.event.WindowListener;
import java.lang.ref.WeakReference;
import java.util.Objects;
import javax.swing.AbstractButton;
import javax.swing.JComboBox;
import javax.swing.JList;
import javax.swing.JTextField;
import javax.swing.SwingUtilities;
import javax.swing.event.ListSelectionListener;
import org.microthreads.Deferred;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.spi.UiLoops;

/**
 * The Swing UI loop: micro-threads that run <em>on</em> the event-dispatch thread (EDT) and wait
 * for the user or for slow work without freezing the window, with no modal dialog, no
 * {@code SwingWorker} and no callbacks.
 *
 * {@snippet :
 * button.addActionListener(e -> SwingLoop.start(() -> {
 *     String name = SwingLoop.enteredText(nameField);                    // waits for Enter; the window stays live
 *     Report r = SwingLoop.offload(() -> server.fetch(name));           // blocking work off the EDT
 *     status.setText(r.summary());                                      // back on the EDT: legal Swing
 * }));
 * }
 *
 * <h2>The model</h2>
 * A micro-thread of this loop is a continuation mounted on the EDT: inside it
 * {@link SwingUtilities#isEventDispatchThread()} is true before and after every wait, so every
 * Swing call is legal. A wait of the library ({@link MicroThread#sleep}, {@link MicroThread#join},
 * {@link Deferred#await}, {@link MicroThread#await(java.util.concurrent.CompletableFuture)}, pipes,
 * select, generators, and the awaitables of this class) unmounts it and gives the EDT back to the
 * event queue; it resumes on the EDT when its wait ends, in the order waits become ready. Ready
 * micro-threads run in time slices of a few milliseconds, one {@code EventQueue.invokeLater} per
 * slice, so input events get their turn even with thousands of them busy. Everything the library
 * offers works inside, cancellation included.
 *
 * <h2>Hazards</h2>
 * A JDK blocking call ({@code Thread.sleep}, a socket read, {@code Future.get}, a lock) inside a
 * micro-thread of this loop blocks the EDT itself: run it with {@link #offload}. Holding the EDT
 * longer than {@code microthreads.stallMillis} (default 100 ms) is logged as a WARNING naming the
 * micro-thread and its stack; time spent in a modal dialog's event loop opened inside it does not
 * count. A wait inside {@code synchronized} throws {@link IllegalStateException} naming the frame
 * (it would freeze the EDT as soon as another micro-thread entered the same monitor). A wait of the
 * library on the EDT outside a micro-thread (in a plain listener) throws {@link IllegalStateException}.
 * A failure of a micro-thread started with {@link #start} goes to the loop's
 * {@linkplain Loop#failureHandler failure handler} (default: logged), never lost.
 *
 * <p>The loop needs the JVM flags {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} and
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} (on the module path: name the module
 * {@code org.microthreads} instead of {@code ALL-UNNAMED}); {@link #loop()} names the missing one.
 * It works in a headless JVM too (the EDT runs there; windows do not).
 */
public final class SwingLoop {
    private SwingLoop() {}

    private static volatile Loop loop;

    /**
     * {@return the Swing UI loop} Made once, on the first call from any thread; never closed
     * ({@link Loop#close()} does nothing): it lives as long as the EDT.
     *
     * @throws UnsupportedOperationException if the JVM lacks a flag the UI loops need (the message
     *         names it); later calls try again and throw again
     */
    public static Loop loop() {
        Loop l = loop;
        if (l != null) return l;
        synchronized (SwingLoop.class) {
            if (loop == null) loop = UiLoops.create("swing", SwingToolkit.INSTANCE);
            return loop;
        }
    }

    /**
     * Starts {@code body} as a micro-thread of the Swing UI loop, from any thread; it runs on the
     * EDT, later (never inside this call). One line from a listener:
     * {@code button.addActionListener(e -> SwingLoop.start(() -> ...))}. Nobody waits for it: a
     * failure goes to the loop's failure handler. For a value, use {@code loop().parallel(body)}.
     *
     * @param body what it runs
     * @return its handle, to {@link MicroThread#cancel()} or {@link MicroThread#join()} it
     * @throws NullPointerException if {@code body} is null
     */
    public static MicroThread<Void> start(MicroThread.Task body) {
        Objects.requireNonNull(body, "body");
        return loop().startAndForget(body);
    }

    /**
     * As {@link #start}, tied to {@code owner}'s window (the window itself, or a component's window
     * ancestor now): when that window is closed ({@code windowClosed}: it was disposed, by
     * {@code dispose()} or by a close with {@code DISPOSE_ON_CLOSE}) the micro-thread is cancelled:
     * its current or next wait throws {@link InterruptedException} and its {@code finally} blocks
     * run on the EDT. Hiding the window ({@code JFrame}'s default {@code HIDE_ON_CLOSE}) does not
     * cancel it. The listener this adds to the window is removed when the micro-thread ends, and the
     * micro-thread's handle refers to the window only through {@code body}: once it has ended,
     * nothing of this loop keeps the window reachable.
     *
     * @param owner a window, or a component inside one
     * @param body  what it runs
     * @return its handle
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code owner} is a component with no window ancestor
     */
    public static MicroThread<Void> startIn(Component owner, MicroThread.Task body) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(body, "body");
        Window window = owner instanceof Window w ? w : SwingUtilities.getWindowAncestor(owner);
        if (window == null) {
            throw new IllegalArgumentException("startIn(" + owner.getClass().getName() + ", ...): the component has no"
                    + " window ancestor, so nothing could close it; add it to a window first, or use SwingLoop.start(...)");
        }
        WindowTie tie = new WindowTie(window);
        window.addWindowListener(tie);
        MicroThread<Void> m;
        try {
            m = loop().startAndForget(() -> {
                try {
                    tie.begins();
                    body.run();
                } finally {
                    tie.ends();
                }
            });
        } catch (RuntimeException | Error e) {
            window.removeWindowListener(tie);
            throw e;
        }
        tie.started(m);
        return m;
    }

    /** Cancels its micro-thread when its window is closed; removed from the window when the micro-thread ends. */
    private static final class WindowTie extends WindowAdapter {
        private final WeakReference<Window> window;
        private volatile MicroThread<?> thread;
        private volatile boolean closed;

        WindowTie(Window window) {
            this.window = new WeakReference<>(window);
        }

        @Override
        public void windowClosed(WindowEvent e) {
            closed = true;
            MicroThread<?> m = thread;
            if (m != null) m.cancel();
        }

        /** The starter has the handle (a close may have come first, from another thread). */
        void started(MicroThread<?> m) {
            if (m.isDone()) return;
            thread = m;
            if (closed) m.cancel();
        }

        /** In the micro-thread, first: closed before it ran? */
        void begins() {
            if (closed) MicroThread.current().cancel();
        }

        /** In the micro-thread, last: forget the window and the micro-thread. */
        void ends() {
            thread = null;
            Window w = window.get();
            if (w != null) w.removeWindowListener(this);
        }
    }

    /**
     * Runs {@code main} as a micro-thread of the Swing UI loop and waits for it and every
     * micro-thread it started: one line in an application's {@code main(String[])}, which then
     * runs its whole UI as sequential code on the EDT. See {@link Loop#run}.
     *
     * @param main the application's UI code, run on the EDT
     * @param <T>  its value's type
     * @return the value {@code main} returned
     * @throws NullPointerException  if {@code main} is null
     * @throws IllegalStateException if called on the EDT (it would block the thread {@code main} needs)
     *                               or from a micro-thread of the Swing UI loop
     * @throws org.microthreads.FailedException if {@code main} failed (cause: its failure)
     * @throws java.util.concurrent.CancellationException if {@code main} was cancelled
     * @throws InterruptedException  if the caller is interrupted (the run's micro-threads are cancelled and awaited first)
     */
    public static <T> T runApp(MicroThread.Body<T> main) throws InterruptedException {
        Objects.requireNonNull(main, "main");
        if (EventQueue.isDispatchThread()) {
            throw new IllegalStateException("SwingLoop.runApp(...) called on the EDT (" + Thread.currentThread().getName()
                    + "): it waits for its micro-thread, which needs the EDT; call it from main(), or use SwingLoop.start(...)"
                    + " on the EDT");
        }
        return loop().run(main);
    }

    /**
     * Runs blocking work off the EDT, on the shared loop (a virtual thread), and waits for its
     * value; the calling UI micro-thread leaves the EDT meanwhile and resumes on it. If the caller
     * is cancelled (its window closed, a Cancel button raced against it) the work is cancelled
     * too: it is interrupted. Usable from any micro-thread. See {@link UiLoops#offload}.
     *
     * @param body the blocking work
     * @param <T>  its value's type
     * @return its value
     * @throws NullPointerException if {@code body} is null
     * @throws InterruptedException if the caller is interrupted or cancelled while it waits
     * @throws org.microthreads.FailedException if {@code body} fails (cause: its failure)
     */
    public static <T> T offload(MicroThread.Body<T> body) throws InterruptedException {
        return UiLoops.offload(body);
    }

    // =====================================================================================
    // Awaitables: each registers a listener that completes a Deferred, awaits it, and removes
    // the listener in finally (also when the wait is cancelled).
    // =====================================================================================

    /**
     * Waits for the next click of {@code button} (its next action event: a mouse click, the
     * keyboard, {@code doClick()}). Only inside a micro-thread of the Swing UI loop.
     *
     * @param button the button
     * @return the click's action event
     * @throws NullPointerException  if {@code button} is null
     * @throws IllegalStateException if the caller is not a micro-thread of the Swing UI loop
     * @throws InterruptedException  if the caller is interrupted or cancelled while it waits
     */
    public static ActionEvent click(AbstractButton button) throws InterruptedException {
        Objects.requireNonNull(button, "button");
        requireUiMicroThread("click(button)");
        Deferred<ActionEvent> clicked = new Deferred<>();
        ActionListener l = clicked::complete;
        button.addActionListener(l);
        try {
            return clicked.await();
        } finally {
            button.removeActionListener(l);
        }
    }

    /**
     * Waits for the next click of any of the buttons, and says which: "OK or Cancel?" in one line.
     * Only inside a micro-thread of the Swing UI loop.
     *
     * @param first a button
     * @param more  the other buttons
     * @return the button clicked first
     * @throws NullPointerException  if a button is null
     * @throws IllegalStateException if the caller is not a micro-thread of the Swing UI loop
     * @throws InterruptedException  if the caller is interrupted or cancelled while it waits
     */
    public static AbstractButton clickAny(AbstractButton first, AbstractButton... more) throws InterruptedException {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(more, "more");
        AbstractButton[] buttons = new AbstractButton[more.length + 1];
        buttons[0] = first;
        for (int i = 0; i < more.length; i++) buttons[i + 1] = Objects.requireNonNull(more[i], "more[" + i + "]");
        requireUiMicroThread("clickAny(buttons)");
        Deferred<AbstractButton> clicked = new Deferred<>();
        ActionListener l = e -> clicked.complete((AbstractButton) e.getSource());
        int added = 0;
        try {
            for (AbstractButton b : buttons) {
                b.addActionListener(l);
                added++;
            }
            return clicked.await();
        } finally {
            for (int i = 0; i < added; i++) buttons[i].removeActionListener(l);
        }
    }

    /**
     * Waits for the next action of {@code field} (Enter pressed in it) and returns its text then.
     * Only inside a micro-thread of the Swing UI loop.
     *
     * @param field the text field
     * @return its text when Enter was pressed
     * @throws NullPointerException  if {@code field} is null
     * @throws IllegalStateException if the caller is not a micro-thread of the Swing UI loop
     * @throws InterruptedException  if the caller is interrupted or cancelled while it waits
     */
    public static String enteredText(JTextField field) throws InterruptedException {
        Objects.requireNonNull(field, "field");
        requireUiMicroThread("enteredText(field)");
        Deferred<String> entered = new Deferred<>();
        ActionListener l = e -> entered.complete(field.getText());
        field.addActionListener(l);
        try {
            return entered.await();
        } finally {
            field.removeActionListener(l);
        }
    }

    /**
     * Waits for the next choice in {@code box} (its next action event: an item selected, or Enter in
     * an editable box) and returns the selected item then. Only inside a micro-thread of the Swing
     * UI loop.
     *
     * @param box the combo box
     * @param <E> its items' type
     * @return the selected item (in an editable box, what was typed, which may not be an {@code E}: then a
     *         {@link ClassCastException} at the caller's use of it, as with {@code getSelectedItem()})
     * @throws NullPointerException  if {@code box} is null
     * @throws IllegalStateException if the caller is not a micro-thread of the Swing UI loop
     * @throws InterruptedException  if the caller is interrupted or cancelled while it waits
     */
    @SuppressWarnings("unchecked")
    public static <E> E chosen(JComboBox<E> box) throws InterruptedException {
        Objects.requireNonNull(box, "box");
        requireUiMicroThread("chosen(comboBox)");
        Deferred<Object> chosen = new Deferred<>();
        ActionListener l = e -> chosen.complete(box.getSelectedItem());
        box.addActionListener(l);
        try {
            return (E) chosen.await();
        } finally {
            box.removeActionListener(l);
        }
    }

    /**
     * Waits for the next selection in {@code list} (a selection change that is not adjusting and
     * leaves a value selected) and returns the selected value then. Only inside a micro-thread of
     * the Swing UI loop.
     *
     * @param list the list
     * @param <E>  its values' type
     * @return the selected value (the first one, if several are selected)
     * @throws NullPointerException  if {@code list} is null
     * @throws IllegalStateException if the caller is not a micro-thread of the Swing UI loop
     * @throws InterruptedException  if the caller is interrupted or cancelled while it waits
     */
    public static <E> E chosen(JList<E> list) throws InterruptedException {
        Objects.requireNonNull(list, "list");
        requireUiMicroThread("chosen(list)");
        Deferred<E> chosen = new Deferred<>();
        ListSelectionListener l = e -> {
            if (!e.getValueIsAdjusting() && list.getSelectedValue() != null) chosen.complete(list.getSelectedValue());
        };
        list.addListSelectionListener(l);
        try {
            return chosen.await();
        } finally {
            list.removeListSelectionListener(l);
        }
    }

    /**
     * Waits until the user asks to close {@code window} (its next {@code windowClosing} event: the
     * close button of its title bar). What the window then does is its default close operation's
     * business. Only inside a micro-thread of the Swing UI loop.
     *
     * @param window the window
     * @throws NullPointerException  if {@code window} is null
     * @throws IllegalStateException if the caller is not a micro-thread of the Swing UI loop
     * @throws InterruptedException  if the caller is interrupted or cancelled while it waits
     */
    public static void windowClosing(Window window) throws InterruptedException {
        Objects.requireNonNull(window, "window");
        requireUiMicroThread("windowClosing(window)");
        Deferred<Void> closing = new Deferred<>();
        WindowListener l = new WindowAdapter() {
            @Override
            public void windowClosing(WindowEvent e) {
                closing.complete(null);
            }
        };
        window.addWindowListener(l);
        try {
            closing.await();
        } finally {
            window.removeWindowListener(l);
        }
    }

    /** Throws unless the caller is a micro-thread of the Swing UI loop. */
    private static void requireUiMicroThread(String call) {
        MicroThread<?> me = MicroThread.inMicroThread() ? MicroThread.current() : null;
        if (me != null && me.loop() == loop()) return;
        String who = me == null ? "thread '" + Thread.currentThread().getName() + "'"
                : "micro-thread '" + me.name() + "' of loop '" + me.loop().name() + "' (thread '" + Thread.currentThread().getName() + "')";
        throw new IllegalStateException("SwingLoop." + call + " called from " + who + ", outside a micro-thread of the Swing"
                + " UI loop: it waits for the user, which only a UI micro-thread can do without freezing the window. Start one"
                + " with SwingLoop.start(() -> ...) (from a listener) or SwingLoop.runApp(...) (from main)");
    }
}
