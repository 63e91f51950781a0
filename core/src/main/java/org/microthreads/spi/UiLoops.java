package org.microthreads.spi;

import java.util.Objects;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.internal.UiBridge;

/**
 * Makes UI loops for the toolkit modules, and the pieces every UI loop shares. A UI loop is a
 * host loop whose host is a toolkit's UI thread: its micro-threads are continuations mounted on
 * that thread, run in time slices posted with {@link UiToolkit#post} (docs/ui.md, ADR 0029).
 */
public final class UiLoops {
    private UiLoops() {}

    /**
     * A new UI loop on {@code toolkit}'s UI thread. It is never closed ({@link Loop#close()} does
     * nothing, as for the shared loop): it lives as long as the toolkit.
     *
     * @param name    the loop's name, for dumps and reports
     * @param toolkit the toolkit whose UI thread runs the loop
     * @return the new loop
     * @throws NullPointerException          if an argument is null
     * @throws UnsupportedOperationException if the JVM lacks
     *         {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} or
     *         {@code --add-opens java.base/java.lang=ALL-UNNAMED} (the message names the flag)
     */
    public static Loop create(String name, UiToolkit toolkit) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(toolkit, "toolkit");
        Loop.shared(); // initialises Loop, which registers the factory
        return (Loop) UiBridge.uiLoops().apply(name, toolkit);
    }

    /**
     * Runs {@code body} as a micro-thread of the shared loop (a virtual thread: JDK blocking calls
     * park only it) and waits for its value. The caller, a UI micro-thread, leaves the UI thread
     * meanwhile and resumes on it. If the caller is cancelled or interrupted while it waits, the
     * offloaded micro-thread is cancelled too (it is not waited for: its {@code finally} blocks run
     * on the shared loop).
     *
     * @param body the blocking work
     * @param <T>  its value's type
     * @return its value
     * @throws NullPointerException if {@code body} is null
     * @throws InterruptedException if the caller is interrupted or cancelled while it waits
     * @throws org.microthreads.FailedException if {@code body} fails (its failure is the cause)
     */
    public static <T> T offload(MicroThread.Body<T> body) throws InterruptedException {
        Objects.requireNonNull(body, "body");
        MicroThread<T> work = Loop.shared().parallel(body);
        boolean joined = false;
        try {
            T value = work.join();
            joined = true;
            return value;
        } finally {
            if (!joined) work.cancel();
        }
    }
}
