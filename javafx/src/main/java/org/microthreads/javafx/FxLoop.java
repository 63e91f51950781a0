package org.microthreads.javafx;

import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import javafx.application.Platform;
import javafx.beans.value.ChangeListener;
import javafx.beans.value.ObservableValue;
import javafx.event.ActionEvent;
import javafx.event.EventHandler;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.ButtonBase;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.stage.Window;
import javafx.stage.WindowEvent;
import org.microthreads.Deferred;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.spi.UiLoops;

/**
 * The JavaFX UI loop: micro-threads that run on the JavaFX application thread and wait for the
 * user, for timers or for slow work without freezing the window, without callbacks and without a
 * nested event loop.
 *
 * {@snippet :
 * button.setOnAction(e -> FxLoop.start(() -> {
 *     String name = FxLoop.enteredText(nameField);                // waits for Enter
 *     Report report = FxLoop.offload(() -> fetchReport(name));    // slow work off the UI thread
 *     label.setText(report.summary());                            // back on the UI thread
 * }));
 * }
 *
 * <h2>The model</h2>
 * A micro-thread of {@link #loop()} is a continuation mounted on the JavaFX application thread:
 * {@code Platform.isFxApplicationThread()} is true in it before and after every wait, so every
 * JavaFX call is legal there. When it waits for something of the library ({@code sleep},
 * {@code join}, a {@code Deferred}, a pipe, {@code select}, a generator, or the awaitables below)
 * it leaves the thread, which goes on handling events; when its wait ends it is run again from a
 * {@link Platform#runLater} task. Ready micro-threads run in time slices of a few milliseconds, one
 * {@code runLater} per slice, so input events get their turn even when thousands are ready. Waits
 * end in the order their causes happen, not in stack order as nested event loops do.
 *
 * <h2>Hazards</h2>
 * <ul>
 *   <li>A JDK blocking call ({@code Thread.sleep}, a socket read, {@code Future.get}) or a long
 *       computation in a UI micro-thread holds the UI thread itself: run it with
 *       {@link #offload}. One that holds the thread longer than the system property
 *       {@code microthreads.stallMillis} (default 100 ms) is logged as a WARNING (logger
 *       {@code org.microthreads}) naming it, with its stack.
 *   <li>A wait inside {@code synchronized} throws {@link IllegalStateException} naming the frame
 *       that holds the monitor (the next micro-thread entering it would otherwise freeze the UI
 *       thread).
 *   <li>A wait of the library on the JavaFX thread outside a micro-thread (in a plain event
 *       handler) throws {@link IllegalStateException}: start a micro-thread from the handler.
 *   <li>Using the loop before the JavaFX toolkit is started throws {@link IllegalStateException}
 *       naming {@code Platform.startup} and {@code Application.launch}.
 * </ul>
 * A modal dialog ({@code showAndWait()}) inside a micro-thread works: other micro-threads keep
 * running under its nested event loop, and the time spent in it is no stall.
 *
 * <h2>Lifetime</h2>
 * The loop is made once, on first use, and lives as long as the JVM ({@link Loop#close()} does
 * nothing). Micro-threads tied to a window with {@link #startIn(Window, MicroThread.Task)} are
 * cancelled when it is hidden. If the application exits the toolkit ({@link Platform#exit()},
 * or implicitly when its last window closes) its waiting micro-threads never run again.
 *
 * <h2>Flags</h2>
 * The JVM needs {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} and
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} (on the module path: naming
 * {@code org.microthreads}); without them {@link #loop()} throws
 * {@link UnsupportedOperationException} naming the flag.
 *
 * <h2>Thread safety</h2>
 * {@link #loop()}, {@link #start}, {@link #runApp} and {@link #offload} may be called from any
 * thread; {@link #startIn} on the JavaFX thread; the awaitables inside a micro-thread of this loop.
 */
public final class FxLoop {
    private FxLoop() {}

    private static volatile Loop loop;

    /**
     * {@return the JavaFX UI loop} Made on the first call (thread-safe); the toolkit need not run
     * yet, but starting a micro-thread needs it.
     *
     * @throws UnsupportedOperationException if the JVM lacks a flag continuations need (the message
     *         names it)
     */
    public static Loop loop() {
        Loop l = loop;
        if (l != null) return l;
        synchronized (FxLoop.class) {
            if (loop == null) loop = UiLoops.create("javafx", FxToolkit.INSTANCE);
            return loop;
        }
    }

    /**
     * Starts {@code body} as a micro-thread on the JavaFX thread, from anywhere: one line in an
     * event handler. It begins in a later turn of the JavaFX thread, never inside this call. A
     * failure goes to the loop's {@link org.microthreads.FailureHandler} (default: logged).
     *
     * @param body what it runs
     * @return its handle, to {@link MicroThread#cancel()} or {@link MicroThread#join()} it
     * @throws NullPointerException  if {@code body} is null
     * @throws IllegalStateException if the JavaFX toolkit is not started
     */
    public static MicroThread<Void> start(MicroThread.Task body) {
        Objects.requireNonNull(body, "body");
        return startOnLoop(body);
    }

    /**
     * As {@link #start}, tied to {@code owner}: when the window is hidden (closed by the user,
     * {@code Stage.close()}, {@code hide()}) the micro-thread is cancelled, so its current or next
     * wait throws {@link InterruptedException} and its {@code finally} blocks run on the JavaFX
     * thread. The listener it adds to the window is removed when the micro-thread ends, so nothing
     * keeps the window reachable. A window that is not showing yet does not cancel it: hiding it
     * after it was shown does.
     *
     * @param owner the window whose hiding cancels the micro-thread
     * @param body  what it runs
     * @return its handle
     * @throws NullPointerException  if an argument is null
     * @throws IllegalStateException if not called on the JavaFX thread
     */
    public static MicroThread<Void> startIn(Window owner, MicroThread.Task body) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(body, "body");
        requireFxThread("FxLoop.startIn(window, body)");
        Tie tie = new Tie(owner, null);
        return tie.start(body);
    }

    /**
     * As {@link #startIn(Window, MicroThread.Task)}, tied to {@code owner}'s window: cancelled
     * when that window is hidden, or when {@code owner} leaves its scene (is removed from the
     * scene graph, or its scene is replaced).
     *
     * @param owner a node shown in a window
     * @param body  what it runs
     * @return its handle
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code owner} is not in a scene that is in a window
     * @throws IllegalStateException    if not called on the JavaFX thread
     */
    public static MicroThread<Void> startIn(Node owner, MicroThread.Task body) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(body, "body");
        requireFxThread("FxLoop.startIn(node, body)");
        Scene scene = owner.getScene();
        Window window = scene == null ? null : scene.getWindow();
        if (window == null) {
            throw new IllegalArgumentException("FxLoop.startIn(node, body): node " + owner + " is not in a window"
                    + (scene == null ? " (it has no scene)" : " (its scene is in no window)")
                    + ", so nothing could cancel the micro-thread: add it to a shown window first, or use FxLoop.start(...)");
        }
        return new Tie(window, owner).start(body);
    }

    /**
     * Runs a whole JavaFX application from {@code main()}: starts the toolkit if it is not
     * running ({@link Platform#startup}), runs {@code main} as a micro-thread on the JavaFX thread
     * and waits for it and for the micro-threads it started, and returns its value. If this call
     * started the toolkit, it turns the toolkit's implicit exit off meanwhile (closing the last
     * window must not stop the thread {@code main} runs on) and exits the toolkit
     * ({@link Platform#exit()}) before it returns or throws; otherwise it leaves the toolkit as
     * it is.
     *
     * {@snippet :
     * public static void main(String[] args) throws Exception {
     *     String result = FxLoop.runApp(() -> new Wizard().run());
     *     System.out.println(result);
     * }
     * }
     *
     * @param main the application's body
     * @param <T>  its value's type
     * @return its value
     * @throws NullPointerException              if {@code main} is null
     * @throws IllegalStateException             if called on the JavaFX thread (it would block the
     *                                           thread {@code main} needs; start a micro-thread
     *                                           with {@link #start} instead)
     * @throws org.microthreads.FailedException  if {@code main} failed (cause: its failure)
     * @throws java.util.concurrent.CancellationException if {@code main} was cancelled
     * @throws InterruptedException              if the caller was interrupted (the micro-threads
     *                                           of the run are cancelled and awaited first)
     */
    public static <T> T runApp(MicroThread.Body<T> main) throws InterruptedException {
        Objects.requireNonNull(main, "main");
        if (Platform.isFxApplicationThread()) {
            throw new IllegalStateException("FxLoop.runApp(...) called on the JavaFX application thread: it waits for the"
                    + " app to end, which needs that thread; from an event handler start a micro-thread with FxLoop.start(...)");
        }
        Loop l = loop();
        boolean started = startToolkit();
        try {
            if (started) Platform.setImplicitExit(false);
            return l.run(main);
        } finally {
            if (started) Platform.exit();
        }
    }

    /** Starts the toolkit and waits until it runs; false if it was running already. */
    private static boolean startToolkit() throws InterruptedException {
        CountDownLatch up = new CountDownLatch(1);
        try {
            Platform.startup(up::countDown);
        } catch (IllegalStateException alreadyStarted) {
            return false;
        }
        up.await();
        return true;
    }

    /**
     * Runs blocking work ({@code Thread.sleep}, I/O, {@code Future.get}, long computations) on
     * the shared loop, a virtual thread, and waits for its value without holding the JavaFX
     * thread: the caller, a UI micro-thread, resumes on the JavaFX thread with it. If the caller is
     * cancelled while it waits (its window closed, a Cancel button won a race), the work is
     * cancelled too (interrupted; not waited for). See {@link UiLoops#offload}.
     *
     * @param body the blocking work
     * @param <T>  its value's type
     * @return its value
     * @throws NullPointerException             if {@code body} is null
     * @throws InterruptedException             if the caller is cancelled or interrupted while it waits
     * @throws org.microthreads.FailedException if {@code body} failed (cause: its failure)
     * @throws IllegalStateException            if called on the JavaFX thread outside a micro-thread
     */
    public static <T> T offload(MicroThread.Body<T> body) throws InterruptedException {
        return UiLoops.offload(body);
    }

    // =====================================================================================
    // Awaitables
    // =====================================================================================

    /**
     * Waits for the next click of {@code button} (its next {@link ActionEvent}, however fired:
     * mouse, keyboard, {@code fire()}). Adds a handler beside the button's own and removes it
     * before returning or throwing.
     *
     * @param button the button
     * @return the click's event
     * @throws NullPointerException  if {@code button} is null
     * @throws IllegalStateException if not called in a micro-thread of this loop
     * @throws InterruptedException  if the caller is cancelled or interrupted meanwhile
     */
    public static ActionEvent click(ButtonBase button) throws InterruptedException {
        Objects.requireNonNull(button, "button");
        requireUiMicroThread("FxLoop.click(button)");
        Deferred<ActionEvent> clicked = new Deferred<>();
        EventHandler<ActionEvent> handler = clicked::complete;
        button.addEventHandler(ActionEvent.ACTION, handler);
        try {
            return clicked.await();
        } finally {
            button.removeEventHandler(ActionEvent.ACTION, handler);
        }
    }

    /**
     * Waits until the user enters text in {@code field} (presses Enter there: its next
     * {@link ActionEvent}) and returns the field's text then.
     *
     * @param field the text field
     * @return its text when Enter was pressed
     * @throws NullPointerException  if {@code field} is null
     * @throws IllegalStateException if not called in a micro-thread of this loop
     * @throws InterruptedException  if the caller is cancelled or interrupted meanwhile
     */
    public static String enteredText(TextField field) throws InterruptedException {
        Objects.requireNonNull(field, "field");
        requireUiMicroThread("FxLoop.enteredText(field)");
        Deferred<String> entered = new Deferred<>();
        EventHandler<ActionEvent> handler = e -> entered.complete(field.getText());
        field.addEventHandler(ActionEvent.ACTION, handler);
        try {
            return entered.await();
        } finally {
            field.removeEventHandler(ActionEvent.ACTION, handler);
        }
    }

    /**
     * Waits for the next value chosen in {@code box}: its value's next change to a value that is
     * not null (choosing the value it already has is no change).
     *
     * @param box the choice box
     * @param <T> its values' type
     * @return the value chosen
     * @throws NullPointerException  if {@code box} is null
     * @throws IllegalStateException if not called in a micro-thread of this loop
     * @throws InterruptedException  if the caller is cancelled or interrupted meanwhile
     */
    public static <T> T chosen(ChoiceBox<T> box) throws InterruptedException {
        Objects.requireNonNull(box, "box");
        requireUiMicroThread("FxLoop.chosen(choiceBox)");
        return nextValue(box.valueProperty());
    }

    /**
     * Waits for the next value chosen or entered in {@code box}: its value's next change to a
     * value that is not null.
     *
     * @param box the combo box
     * @param <T> its values' type
     * @return the value chosen
     * @throws NullPointerException  if {@code box} is null
     * @throws IllegalStateException if not called in a micro-thread of this loop
     * @throws InterruptedException  if the caller is cancelled or interrupted meanwhile
     */
    public static <T> T chosen(ComboBox<T> box) throws InterruptedException {
        Objects.requireNonNull(box, "box");
        requireUiMicroThread("FxLoop.chosen(comboBox)");
        return nextValue(box.valueProperty());
    }

    /**
     * Waits for the next item selected in {@code list}: its selection model's selected item's
     * next change to an item that is not null.
     *
     * @param list the list view
     * @param <T>  its items' type
     * @return the item selected
     * @throws NullPointerException  if {@code list} is null
     * @throws IllegalStateException if not called in a micro-thread of this loop
     * @throws InterruptedException  if the caller is cancelled or interrupted meanwhile
     */
    public static <T> T chosen(ListView<T> list) throws InterruptedException {
        Objects.requireNonNull(list, "list");
        requireUiMicroThread("FxLoop.chosen(listView)");
        return nextValue(list.getSelectionModel().selectedItemProperty());
    }

    /** Waits for {@code value}'s next change to a non-null value. */
    private static <T> T nextValue(ObservableValue<T> value) throws InterruptedException {
        Deferred<T> chosen = new Deferred<>();
        ChangeListener<T> listener = (o, was, now) -> {
            if (now != null) chosen.complete(now);
        };
        value.addListener(listener);
        try {
            return chosen.await();
        } finally {
            value.removeListener(listener);
        }
    }

    /**
     * Waits until {@code window} is asked to close (its next
     * {@link WindowEvent#WINDOW_CLOSE_REQUEST}, as the window's close button sends) or is hidden;
     * returns at once if it is not showing. It does not consume the request: the window closes as
     * it would anyway, unless another handler consumes it.
     *
     * @param window the window
     * @throws NullPointerException  if {@code window} is null
     * @throws IllegalStateException if not called in a micro-thread of this loop
     * @throws InterruptedException  if the caller is cancelled or interrupted meanwhile
     */
    public static void windowClosing(Window window) throws InterruptedException {
        Objects.requireNonNull(window, "window");
        requireUiMicroThread("FxLoop.windowClosing(window)");
        if (!window.isShowing()) return;
        Deferred<Void> closing = new Deferred<>();
        EventHandler<WindowEvent> request = e -> closing.complete(null);
        ChangeListener<Boolean> hidden = (o, was, showing) -> {
            if (!showing) closing.complete(null);
        };
        window.addEventHandler(WindowEvent.WINDOW_CLOSE_REQUEST, request);
        window.showingProperty().addListener(hidden);
        try {
            closing.await();
        } finally {
            window.removeEventHandler(WindowEvent.WINDOW_CLOSE_REQUEST, request);
            window.showingProperty().removeListener(hidden);
        }
    }

    // =====================================================================================
    // Checks and helpers
    // =====================================================================================

    /** Starts on the loop; the toolkit's post refuses with a clear message if JavaFX is not started. */
    private static MicroThread<Void> startOnLoop(MicroThread.Task body) {
        return loop().startAndForget(body);
    }

    private static void requireFxThread(String call) {
        if (!Platform.isFxApplicationThread()) {
            throw new IllegalStateException(call + " must be called on the JavaFX application thread (from an event"
                    + " handler or a UI micro-thread), not on " + Thread.currentThread().getName()
                    + ": windows and nodes belong to that thread; from elsewhere use FxLoop.start(...)");
        }
    }

    private static void requireUiMicroThread(String call) {
        Loop l = loop;
        if (l != null && Platform.isFxApplicationThread() && MicroThread.inMicroThread() && MicroThread.current().loop() == l) {
            return;
        }
        String where = !MicroThread.inMicroThread()
                ? (Platform.isFxApplicationThread() ? "on the JavaFX thread outside a micro-thread (a plain event handler:"
                        + " waiting there would freeze the window)" : "on thread " + Thread.currentThread().getName())
                : "in micro-thread '" + MicroThread.current().name() + "' of loop '" + MicroThread.current().loop().name() + "'";
        throw new IllegalStateException(call + " waits in a micro-thread of the JavaFX UI loop, and was called " + where
                + ": wrap the code in FxLoop.start(() -> ...) (one line in the event handler)");
    }

    /** A micro-thread tied to a window (and maybe a node): cancelled when the window hides or the node leaves its scene. */
    private static final class Tie {
        private final Window window;
        private final Node node;
        private MicroThread<Void> microThread; // FX thread only
        private final ChangeListener<Boolean> onShowing = (o, was, showing) -> {
            if (!showing) cancel();
        };
        private final ChangeListener<Scene> onScene = (o, was, now) -> cancel();

        Tie(Window window, Node node) {
            this.window = window;
            this.node = node;
        }

        /** On the FX thread: listens, then starts; the micro-thread's first step is a later FX turn. */
        MicroThread<Void> start(MicroThread.Task body) {
            window.showingProperty().addListener(onShowing);
            if (node != null) node.sceneProperty().addListener(onScene);
            try {
                microThread = startOnLoop(() -> {
                    try {
                        body.run();
                    } finally {
                        untie();
                    }
                });
                return microThread;
            } catch (RuntimeException | Error e) {
                untie();
                throw e;
            }
        }

        private void cancel() {
            MicroThread<Void> m = microThread;
            if (m != null) m.cancel();
        }

        private void untie() {
            window.showingProperty().removeListener(onShowing);
            if (node != null) node.sceneProperty().removeListener(onScene);
        }
    }
}
