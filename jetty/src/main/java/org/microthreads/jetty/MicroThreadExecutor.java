package org.microthreads.jetty;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * An {@link Executor} that runs each task as a micro-thread: on a group of single-carrier loops,
 * one task after another spread round-robin over them, or on the {@linkplain Loop#shared() shared
 * loop}. A task that blocks (a socket, a lock, a sleep, a library wait) parks only its own
 * micro-thread; its loop runs the others meanwhile.
 *
 * {@snippet :
 * try (MicroThreadExecutor executor = MicroThreadExecutor.perCore("jetty")) { // one loop per core
 *     executor.execute(() -> System.out.println(MicroThread.current().loop().name())); // jetty-0
 * }
 * }
 *
 * <h2>Which to choose</h2>
 * {@link #perCore(String)} (or {@link #singleCarrierLoops(String, int)}): thread-per-core; the
 * micro-threads of one loop take turns on one carrier thread, never at the same time, and a task
 * that computes for long without blocking holds up only the tasks of its own loop.
 * {@link #onShared()}: the JDK's virtual-thread scheduler, which moves work between cores and
 * adds a carrier while one is pinned (in file I/O or native code); no loop to close.
 *
 * <h2>Failures</h2>
 * A task that throws is not lost: its micro-thread, which nobody waits for, hands the exception
 * once to its loop's {@link org.microthreads.FailureHandler} (by default logged at {@code ERROR}
 * through {@link System.Logger} {@code "org.microthreads"}, with the micro-thread's name, which
 * is this executor's name). Set another handler on the {@linkplain #loops() loops} to count or
 * route them.
 *
 * <h2>Children</h2>
 * A task is started with {@link Loop#startAndForget(String, MicroThread.Task)}, so a task
 * submitted <em>from a micro-thread</em> is that micro-thread's child: it is cancelled with it,
 * and it is a member of the scope the submitter is in ({@link MicroThread#scope}). A task
 * submitted from any other thread (a Jetty selector, for instance) is a root of its loop.
 *
 * <h2>Lifetime</h2>
 * {@link #close()} rejects new tasks ({@link RejectedExecutionException}, as an
 * {@link java.util.concurrent.ExecutorService} does once shut down) and closes the loops this
 * executor made, which cancels the tasks still running and waits for them (see
 * {@link Loop#close()}). The shared loop is never closed.
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread; {@link #close()} not from one of its own tasks.
 */
public final class MicroThreadExecutor implements Executor, AutoCloseable {
    private final String name;
    private final Loop[] loops;
    private final boolean ownsLoops;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    private MicroThreadExecutor(String name, Loop[] loops, boolean ownsLoops) {
        this.name = name;
        this.loops = loops;
        this.ownsLoops = ownsLoops;
    }

    /**
     * An executor over {@code n} new single-carrier loops named {@code name-0} to
     * {@code name-(n-1)}; tasks go to them in turn. Close it when done.
     *
     * @param name the name of the executor, of its tasks' micro-threads, and the prefix of its loops' names
     * @param n    how many loops (and carrier threads): 1 or more
     * @return the new executor
     * @throws NullPointerException          if {@code name} is null
     * @throws IllegalArgumentException      if {@code n} is less than 1
     * @throws UnsupportedOperationException if the JVM lacks the flag single-carrier loops need
     *                                       (see {@link Loop#singleCarrier(String)})
     */
    public static MicroThreadExecutor singleCarrierLoops(String name, int n) {
        Objects.requireNonNull(name, "name");
        if (n < 1) {
            throw new IllegalArgumentException("a group of single-carrier loops needs at least 1 loop, got n = " + n
                    + " (perCore(name) makes one per core; onShared() uses the shared loop)");
        }
        Loop[] loops = new Loop[n];
        try {
            for (int i = 0; i < n; i++) loops[i] = Loop.singleCarrier(name + "-" + i);
        } catch (RuntimeException | Error e) {
            for (Loop l : loops) {
                if (l != null) l.close();
            }
            throw e;
        }
        return new MicroThreadExecutor(name, loops, true);
    }

    /**
     * An executor over one new single-carrier loop per core ({@link Runtime#availableProcessors()});
     * see {@link #singleCarrierLoops(String, int)}. Close it when done.
     *
     * @param name the name of the executor, of its tasks' micro-threads, and the prefix of its loops' names
     * @return the new executor
     * @throws NullPointerException          if {@code name} is null
     * @throws UnsupportedOperationException if the JVM lacks the flag single-carrier loops need
     */
    public static MicroThreadExecutor perCore(String name) {
        return singleCarrierLoops(name, Runtime.getRuntime().availableProcessors());
    }

    /**
     * An executor whose tasks are micro-threads of the {@linkplain Loop#shared() shared loop}, named
     * {@code "shared"}. Needs no JVM flag; closing it only makes it reject tasks.
     *
     * @return the new executor
     */
    public static MicroThreadExecutor onShared() {
        return new MicroThreadExecutor("shared", new Loop[] {Loop.shared()}, false);
    }

    /**
     * Runs {@code task} as a new micro-thread of the next loop in turn, named as this executor.
     * Returns at once.
     *
     * @param task what the micro-thread runs
     * @throws NullPointerException       if {@code task} is null
     * @throws RejectedExecutionException if this executor is closed
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed) throw rejected(task);
        Loop loop = loops.length == 1 ? loops[0] : loops[Math.floorMod(next.getAndIncrement(), loops.length)];
        try {
            loop.startAndForget(name, task::run);
        } catch (IllegalStateException loopClosed) {
            if (!loop.isClosed()) throw loopClosed;
            RejectedExecutionException e = rejected(task); // closed meanwhile (or its loop closed by someone else)
            e.initCause(loopClosed);
            throw e;
        }
    }

    private RejectedExecutionException rejected(Runnable task) {
        return new RejectedExecutionException("micro-thread executor '" + name + "' is closed; task not run: " + task);
    }

    /** {@return this executor's name: its tasks' micro-threads are named so} */
    public String name() {
        return name;
    }

    /** {@return the loops its tasks run on, in the order they take turns} An unmodifiable list. */
    public List<Loop> loops() {
        return List.of(loops);
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Rejects new tasks from now on, then closes the loops this executor made, one after the
     * other: each cancels the tasks still running on it and waits for them (see
     * {@link Loop#close()}). On the shared loop it cancels nothing. Idempotent.
     *
     * @throws IllegalStateException if called from a micro-thread of one of its loops (it would
     *                               wait for itself)
     */
    @Override
    public void close() {
        if (ownsLoops) {
            MicroThread<?> caller = MicroThread.inMicroThread() ? MicroThread.current() : null;
            for (Loop l : loops) {
                if (caller != null && caller.loop() == l) {
                    throw new IllegalStateException("close() called from micro-thread '" + caller.name() + "' of loop '"
                            + l.name() + "', one of the executor's own loops: it would wait for itself");
                }
            }
        }
        closed = true;
        if (!ownsLoops) return;
        for (Loop l : loops) l.close(); // never throws here: the caller is not one of their micro-threads
    }

    @Override
    public String toString() {
        return "MicroThreadExecutor '" + name + "' on " + (ownsLoops ? loops.length + " single-carrier loop" + (loops.length == 1 ? "" : "s") : "the shared loop")
                + (closed ? " (closed)" : "");
    }
}
