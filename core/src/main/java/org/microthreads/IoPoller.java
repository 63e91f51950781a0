package org.microthreads;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * The selector of an I/O loop (a single-carrier loop made by {@code org.microthreads.spi.IoLoops}):
 * its carrier selects on it instead of parking when no micro-thread is ready, and between tasks
 * while busy, so a channel's readiness wakes its micro-thread on the carrier itself, with no other
 * thread involved (what an event loop does; ADR 0030).
 *
 * <p>Everything here runs on the loop's carrier: {@link #await} in a micro-thread mounted on it,
 * {@link #selectNow()}/{@link #select(long)} in the carrier's own loop between tasks. One thread,
 * so a key's attachment needs no other synchronisation than the key's own.
 *
 * <p>A key's attachment is whoever waits for it: a micro-thread's strand (woken) or a
 * {@link Callback} (its {@code Runnable} run on the carrier, with no micro-thread mounted; it must not block). Readiness
 * detaches it: one wake-up per arming. Interest stays on after a wake-up (the woken micro-thread
 * reads or writes until the channel would block, then waits again: no system call to re-arm); a key
 * that fires with nobody attached has its interest cleared until someone waits again (not while a woken
 * waiter has yet to run: {@link #WOKEN}).
 */
final class IoPoller {
    private final Selector selector;
    private final String loopName;
    private final Consumer<SelectionKey> onReady = this::ready;

    IoPoller(String loopName) {
        this.loopName = loopName;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot open a selector for I/O loop '" + loopName + "'", e);
        }
    }

    /** Sets {@code ch}'s interest on this selector to {@code ops} and its attachment to {@code waiter}. */
    private SelectionKey arm(SelectableChannel ch, int ops, Object waiter) throws ClosedChannelException {
        SelectionKey k = ch.keyFor(selector);
        try {
            if (k == null) return ch.register(selector, ops, waiter);
            if (k.interestOps() != ops) k.interestOps(ops);
        } catch (CancelledKeyException | ClosedSelectorException e) {
            throw closed(ch, e);
        }
        k.attach(waiter);
        return k;
    }

    private ClosedChannelException closed(SelectableChannel ch, RuntimeException cause) {
        ClosedChannelException e = new ClosedChannelException();
        e.initCause(cause instanceof ClosedSelectorException
                ? new IllegalStateException("I/O loop '" + loopName + "' is closed", cause) : cause);
        return e;
    }

    /**
     * The attachment of a key whose waiter was woken and has not run yet: the key may fire again
     * meanwhile (a busy loop polls between tasks), and that costs nothing: no interest change, which
     * would cost two system calls per request under load. It lasts only until the waiter runs: its
     * {@link #await} detaches it first thing.
     */
    private static final Object WOKEN = new Object();

    /** When the last poll that found a channel ready saw its first one ({@link System#nanoTime()}). */
    private long readyAt = System.nanoTime();
    /** Whether the poll in progress has yet to stamp {@link #readyAt}. */
    private boolean unstamped;

    private void ready(SelectionKey k) {
        if (unstamped) {
            unstamped = false;
            readyAt = System.nanoTime();
        }
        Object w = k.attachment();
        if (w == WOKEN) return;
        if (w == null) {
            if (k.isValid()) k.interestOps(0); // nobody waits: stop reporting it until someone does
            return;
        }
        if (w instanceof Callback c) {
            k.attach(null); // a callback runs now: nothing is left to run later
            IN_CALLBACK.set(this);
            try {
                c.onReady.run();
            } catch (Throwable t) {
                Loop.LOG.log(Level.ERROR, "a readiness callback threw on I/O loop '" + loopName + "' (a bug of its caller)", t);
            } finally {
                IN_CALLBACK.remove();
            }
        } else {
            k.attach(WOKEN);
            Park.unpark(w);
        }
    }

    /** Wakes the micro-threads whose channels are ready; never blocks. {@return how many keys were ready} */
    int selectNow() {
        unstamped = true;
        try {
            return selector.selectNow(onReady);
        } catch (IOException | ClosedSelectorException e) {
            return failed(e);
        }
    }

    /** As {@link #selectNow()}, waiting up to {@code timeoutMillis} (0: until ready or {@link #wakeup()}). */
    int select(long timeoutMillis) {
        unstamped = true;
        try {
            return selector.select(onReady, timeoutMillis);
        } catch (IOException | ClosedSelectorException e) {
            return failed(e);
        }
    }

    private int failed(Exception e) {
        if (selector.isOpen()) Loop.LOG.log(Level.ERROR, "select failed on I/O loop '" + loopName + "'", e);
        return 0;
    }

    /** Ends a {@link #select(long)} in progress, or the next one at once. Any thread. */
    void wakeup() {
        selector.wakeup();
    }

    void close() {
        try {
            selector.close();
        } catch (IOException e) {
            Loop.LOG.log(Level.WARNING, "closing the selector of I/O loop '" + loopName + "'", e);
        }
    }

    // ---------------------------------------------------------------------------------------
    // What org.microthreads.spi.IoLoops calls, in a micro-thread of an I/O loop
    // ---------------------------------------------------------------------------------------

    /** A watch's attachment (a strand may be a {@code Runnable} itself: it is never run here). */
    private record Callback(Runnable onReady) {}

    /** The poller whose readiness callback runs on this carrier now, if any. */
    private static final ThreadLocal<IoPoller> IN_CALLBACK = new ThreadLocal<>();

    /** The I/O poller of the current micro-thread's loop (or of the callback running); refuses any other caller. */
    private static IoPoller current(String what) {
        if (!Thread.currentThread().isVirtual()) {
            IoPoller cb = IN_CALLBACK.get();
            if (cb != null) return cb;
        }
        MicroThread<?> self = MicroThread.currentOrNull();
        IoPoller io = self == null ? null : self.loop.driver.ioPoller();
        if (io == null || !Thread.currentThread().isVirtual()) {
            throw new IllegalStateException(what + " needs a micro-thread of an I/O loop (IoLoops.create), not "
                    + (self == null ? "thread '" + Thread.currentThread().getName() + "'"
                       : "micro-thread " + self.quotedName() + " of loop '" + self.loop.name() + "' (" + self.loop.kind() + ")"));
        }
        return io;
    }

    /**
     * Parks the current micro-thread until {@code ch} is ready for {@code ops} (or the key fires for
     * another reason: the caller retries its operation and waits again if it would block).
     * {@code what} describes the wait in dumps. {@return when the poll that woke it (or a later one)
     * saw readiness} (A woken micro-thread runs in the pass that poll queued, before the next poll.)
     */
    static long await(SelectableChannel ch, int ops, Object what) throws InterruptedException, ClosedChannelException {
        IoPoller io = current("waiting for a channel");
        MicroThread<?> self = MicroThread.currentOrNull();
        if (self == null) throw new IllegalStateException("waiting for a channel needs a micro-thread of an I/O loop, not its readiness callback");
        Park.checkCancelled(self);
        Object waiter = Park.currentWaiter();
        SelectionKey k = io.arm(ch, ops, waiter);
        Park.beginWait(self, WaitKind.IO, what, false);
        try {
            while (k.attachment() == waiter) {
                if (!k.isValid()) throw io.closed(ch, new CancelledKeyException());
                Park.checkCancelled(self);
                Park.parkUntil(io, Park.NONE);
            }
        } finally {
            Object a = k.attachment();
            if (a == waiter || a == WOKEN) k.attach(null);
            Park.endWait(self);
        }
        return io.readyAt;
    }

    /**
     * Runs {@code onReady} on the loop's carrier once {@code ch} is ready for {@code ops}, unless
     * {@link #unwatch} comes first. Called from a micro-thread of the I/O loop, or from such a
     * callback (to watch again).
     */
    static void watch(SelectableChannel ch, int ops, Runnable onReady) throws ClosedChannelException {
        current("watching a channel").arm(ch, ops, new Callback(onReady));
    }

    /** Undoes {@link #watch}, if it has not fired. */
    static void unwatch(SelectableChannel ch) {
        IoPoller io = current("unwatching a channel");
        SelectionKey k = ch.keyFor(io.selector);
        if (k != null && k.attachment() instanceof Callback) k.attach(null);
    }

    /** Whether {@code loop} is an I/O loop. */
    static boolean isIoLoop(Loop loop) {
        return loop.driver.ioPoller() != null;
    }
}
