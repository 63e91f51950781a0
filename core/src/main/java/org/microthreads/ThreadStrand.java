package org.microthreads;

import java.util.concurrent.locks.LockSupport;

/**
 * A strand that is a {@link Thread}: a micro-thread's virtual thread, or a plain thread (platform,
 * or a virtual thread the library did not start) while it waits in the library.
 *
 * <p>For a micro-thread it is also the thread's task and the way to find the micro-thread of the
 * current thread: it is installed as the thread's uncaught-exception handler, a slot every thread
 * has. A {@code ScopedValue} or {@code ThreadLocal} would cost every micro-thread ~150–200 bytes of
 * binding and cache; this costs one small object that is also the thread's task. (Bodies catch
 * everything, so the handler itself only ever sees a library bug.)
 */
final class ThreadStrand implements Strand, Runnable, Thread.UncaughtExceptionHandler {
    /** The strand of each plain thread that has waited in the library (stable identity per thread). */
    private static final ThreadLocal<ThreadStrand> PLAIN = ThreadLocal.withInitial(() -> new ThreadStrand(null, Thread.currentThread()));

    private final MicroThread<?> microThread;
    /** Whether {@link #waking()} clears {@link MicroThread#parked} (a micro-thread of a one-carrier loop). */
    private final boolean tracksParks;
    /** Set once, right after the thread is made (before it starts). */
    Thread thread;

    ThreadStrand(MicroThread<?> microThread, Thread thread) {
        this.microThread = microThread;
        this.tracksParks = microThread != null && microThread.loop.oneCarrier();
        this.thread = thread;
    }

    /** The strand of the current thread when it runs no micro-thread. */
    static ThreadStrand plain() {
        return PLAIN.get();
    }

    /** The micro-thread's strand if {@code t} is a micro-thread's virtual thread, else null. */
    static ThreadStrand of(Thread t) {
        return t.getUncaughtExceptionHandler() instanceof ThreadStrand s && s.thread == t ? s : null;
    }

    /** The micro-thread {@code t} runs if it is a micro-thread's virtual thread, else null. */
    static MicroThread<?> microThreadOf(Thread t) {
        return t.getUncaughtExceptionHandler() instanceof ThreadStrand s && s.thread == t ? s.microThread : null;
    }

    /**
     * Just before a wake-up: its micro-thread is no longer {@linkplain MicroThread#parked parked}.
     * Only on a one-carrier loop, the one kind that checks for deadlocks: on the shared loop the
     * waker runs on another core, and writing the sleeper's fields there cost ping-pong a third.
     */
    void waking() {
        if (tracksParks) microThread.parked = false;
    }

    @Override
    public void run() {
        microThread.runBody();
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
        Loop.LOG.log(System.Logger.Level.ERROR, "micro-thread '" + microThread.name() + "' escaped its body (a microthreads bug)", e);
    }

    @Override
    public void unpark() {
        waking();
        LockSupport.unpark(thread);
    }

    @Override
    public void interrupt() {
        waking();
        thread.interrupt();
    }

    @Override
    public MicroThread<?> microThread() {
        return microThread;
    }

    @Override
    public boolean blocked() {
        return switch (thread.getState()) {
            case WAITING, TIMED_WAITING, BLOCKED -> true;
            default -> false;
        };
    }

    @Override
    public StackTraceElement[] stackTrace() {
        return thread.getStackTrace();
    }

    @Override
    public String toString() {
        return "thread '" + thread.getName() + "'";
    }
}
