package org.microthreads.spi;

import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.Objects;
import org.microthreads.Loop;
import org.microthreads.internal.IoBridge;

/**
 * I/O loops: single-carrier loops whose carrier is also an event loop. When no micro-thread is
 * ready, the carrier waits in a {@link java.nio.channels.Selector} of its own instead of parking,
 * and a channel's readiness wakes the micro-thread waiting for it on that carrier, with no other
 * thread in between (the JDK's own poller needs two hand-offs per wake-up). Between tasks a busy
 * carrier polls the selector without waiting, every few dozen tasks.
 *
 * <p>The server module's seam (ADR 0030): a connection is a micro-thread that reads and writes a
 * non-blocking channel and calls {@link #awaitReady} whenever the channel would block, which reads
 * as blocking code. Exported to {@code org.microthreads.server} only.
 *
 * <p>Everything about one channel happens on its loop's carrier: register a channel with one I/O
 * loop only, and close it from the micro-thread that waits on it (or cancel that micro-thread
 * first: a channel closed under a waiting micro-thread does not wake it).
 */
public final class IoLoops {
    private IoLoops() {}

    private static IoBridge.Ops ops() {
        Loop.shared(); // initialises Loop, which registers the implementation
        return IoBridge.ops();
    }

    /**
     * A new I/O loop with its own carrier thread and selector. Close it when done.
     *
     * @param name the loop's name, for its carrier thread, dumps, logs and reports
     * @return the new loop, open
     * @throws NullPointerException          if {@code name} is null
     * @throws UnsupportedOperationException if the JVM lacks the flag single-carrier loops need (named)
     */
    public static Loop create(String name) {
        Objects.requireNonNull(name, "name");
        return (Loop) ops().create(name);
    }

    /**
     * {@return whether {@code loop} is an I/O loop}
     *
     * @param loop any loop
     */
    public static boolean isIoLoop(Loop loop) {
        return ops().isIoLoop(Objects.requireNonNull(loop, "loop"));
    }

    /**
     * Parks the calling micro-thread until {@code channel} is ready for {@code interest} (or
     * possibly earlier: retry the operation, and wait again if it would still block). Cancellation
     * ends the wait with {@link InterruptedException}.
     *
     * @param channel  a non-blocking channel
     * @param interest {@link SelectionKey#OP_READ}, {@code OP_WRITE}, {@code OP_ACCEPT} or {@code OP_CONNECT}
     * @param what     what the wait is for, shown in dumps ({@code toString()} is called only then)
     * @return the {@link System#nanoTime()} at which the loop saw a channel ready in the poll that
     *         woke the caller (or in a later one): {@code System.nanoTime()} minus it is about how long
     *         the caller then waited for the busy carrier, which a server can use to shed load
     * @throws IllegalStateException   if the caller is not a micro-thread of an I/O loop
     * @throws ClosedChannelException  if the channel is closed, or its loop
     * @throws InterruptedException    if the micro-thread is cancelled or interrupted
     */
    public static long awaitReady(SelectableChannel channel, int interest, Object what)
            throws InterruptedException, ClosedChannelException {
        Objects.requireNonNull(channel, "channel");
        return ops().await(channel, interest, what);
    }

    /**
     * Runs {@code onReady} once on the loop's carrier when {@code channel} is ready for
     * {@code interest}, unless {@link #unwatch} comes first. {@code onReady} runs with no
     * micro-thread mounted and must not block; it may call {@code watch} again. Called from a
     * micro-thread of the I/O loop, or from such a callback. A later {@link #awaitReady} on the same
     * channel replaces the watch.
     *
     * @param channel  a non-blocking channel
     * @param interest the readiness to watch for, as in {@link #awaitReady}
     * @param onReady  what runs on the carrier once it is ready
     * @throws IllegalStateException  if the caller is neither a micro-thread of an I/O loop nor its callback
     * @throws ClosedChannelException if the channel is closed, or its loop
     */
    public static void watch(SelectableChannel channel, int interest, Runnable onReady) throws ClosedChannelException {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(onReady, "onReady");
        ops().watch(channel, interest, onReady);
    }

    /**
     * {@return the live micro-threads {@code starter} started, at any depth, on any loop} One scan
     * of the live micro-threads (for dumps, not hot paths); the list is a snapshot.
     *
     * @param starter the micro-thread whose descendants are listed
     */
    public static java.util.List<org.microthreads.MicroThread<?>> descendants(org.microthreads.MicroThread<?> starter) {
        return ops().descendants(Objects.requireNonNull(starter, "starter"));
    }

    /**
     * Undoes {@link #watch}, if it has not fired; as {@code watch}, on the loop's carrier.
     *
     * @param channel the watched channel
     */
    public static void unwatch(SelectableChannel channel) {
        ops().unwatch(Objects.requireNonNull(channel, "channel"));
    }
}
