package org.microthreads;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.microthreads.internal.JdkInternals;

/**
 * A loop: where micro-threads run. The hidden Reactor of the micro-threading proposal.
 *
 * <ul>
 *   <li>{@link #shared()}: the JDK's default virtual-thread scheduler; multi-core; needs no flag.
 *   <li>{@link #singleCarrier(String)}: one carrier thread; its micro-threads run one at a time,
 *       in FIFO order, switching only when one blocks or yields, so they never race each other;
 *       blocking I/O still parks just the micro-thread. Reports deadlocks. Needs
 *       {@code --add-opens java.base/java.lang=ALL-UNNAMED}.
 * </ul>
 * For tests, {@link Simulation} runs micro-threads on a simulated loop: one at a time in an order
 * chosen by a seed, on a virtual clock ({@link #nanoTime()}).
 *
 * {@snippet :
 * try (Loop loop = Loop.singleCarrier("app")) {
 *     int sum = loop.run(() -> {
 *         var a = MicroThread.parallel(() -> 20);
 *         var b = MicroThread.parallel(() -> 22);
 *         return a.join() + b.join();
 *     });
 * }
 * }
 *
 * <h2>Lifetime</h2>
 * Nothing outlives its loop: {@link #run(MicroThread.Body)} returns only when its main
 * micro-thread and every micro-thread started from it have ended; {@link #close()} cancels and
 * joins whatever is left and logs what it cancelled.
 *
 * <h2>Failures</h2>
 * Failures nobody collects go to the loop's {@link FailureHandler}; see {@link MicroThread}.
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread, unless a method says otherwise.
 */
public final class Loop implements AutoCloseable {
    static final System.Logger LOG = System.getLogger("org.microthreads");

    /** How long {@link #close()} waits for cancelled micro-threads; shrinkable for tests. */
    static final Duration CLOSE_GRACE = Duration.ofMillis(Long.getLong("microthreads.closeGraceMillis", 10_000));

    private final String name;
    final Scope rootScope = new Scope(this);
    private final Registry registry;
    /**
     * Loops that have started micro-threads and are not closed: where cancel() looks for children.
     * Weak: a loop nobody refers to any more (its micro-threads included) must be collectable.
     */
    private static final Set<Loop> LIVE_LOOPS = java.util.Collections.synchronizedSet(
            java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));
    private volatile boolean listed;
    private final Set<Scope> runs = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    volatile boolean closed;
    private volatile FailureHandler failureHandler;
    private final LongAdder failures = new LongAdder();

    /** All that differs between loop kinds (ADR 0027); its hot-path properties are cached below. */
    final LoopDriver driver;
    /** {@link LoopDriver#oneCarrier()}, read once. */
    private final boolean oneCarrier;
    /** {@link LoopDriver#virtualTime()}, read once. */
    final boolean virtualTime;
    /** {@link LoopDriver#seededRandom()}, read once; null: each thread's {@code ThreadLocalRandom}. */
    final java.util.random.RandomGenerator seededRandom;

    private static final Loop SHARED = new Loop("shared", new SharedDriver());

    static { // how org.microthreads.spi.UiLoops makes UI loops (the toolkit modules' seam)
        org.microthreads.internal.UiBridge.register((name, toolkit) ->
                new Loop(name, new HostDriver((org.microthreads.spi.UiToolkit) toolkit)));
        // how org.microthreads.spi.IoLoops makes and uses I/O loops (the server module's seam, ADR 0030)
        org.microthreads.internal.IoBridge.register(new org.microthreads.internal.IoBridge.Ops() {
            @Override
            public Object create(String name) {
                return new Loop(name, new CarrierDriver(name, true));
            }

            @Override
            public boolean isIoLoop(Object loop) {
                return IoPoller.isIoLoop((Loop) loop);
            }

            @Override
            public long await(java.nio.channels.SelectableChannel ch, int ops, Object what)
                    throws InterruptedException, java.nio.channels.ClosedChannelException {
                return IoPoller.await(ch, ops, what);
            }

            @Override
            public void watch(java.nio.channels.SelectableChannel ch, int ops, Runnable onReady)
                    throws java.nio.channels.ClosedChannelException {
                IoPoller.watch(ch, ops, onReady);
            }

            @Override
            public void unwatch(java.nio.channels.SelectableChannel ch) {
                IoPoller.unwatch(ch);
            }

            @Override
            public List<MicroThread<?>> descendants(MicroThread<?> m) {
                return MicroThread.liveDescendantsOf(m);
            }
        });
    }

    /** A loop driven by {@code driver}, which it {@linkplain LoopDriver#attach attaches} last. */
    Loop(String name, LoopDriver driver) {
        this.name = Objects.requireNonNull(name, "name");
        this.driver = driver;
        this.oneCarrier = driver.oneCarrier();
        this.virtualTime = driver.virtualTime();
        this.seededRandom = driver.seededRandom();
        this.registry = new Registry(oneCarrier ? 1 : 4 * Runtime.getRuntime().availableProcessors());
        this.failureHandler = this::logFailure;
        if (virtualTime) Park.anyVirtualTime = true;
        driver.attach(this);
    }

    // =====================================================================================
    // Factories
    // =====================================================================================

    /**
     * {@return the shared loop: the JDK's default virtual-thread scheduler} Never closed: its
     * {@link #close()} does nothing, so it may be used in a try-with-resources like any loop.
     */
    public static Loop shared() {
        return SHARED;
    }

    /**
     * A new single-carrier loop with its own carrier platform thread. Close it when done.
     *
     * @param name the loop's name, for its carrier thread, dumps, logs and reports
     * @return the new loop, open
     * @throws NullPointerException          if {@code name} is null
     * @throws UnsupportedOperationException if the JVM lacks
     *         {@code --add-opens java.base/java.lang=ALL-UNNAMED} (the message names the flag)
     */
    public static Loop singleCarrier(String name) {
        Objects.requireNonNull(name, "name");
        return new Loop(name, new CarrierDriver(name));
    }

    /**
     * A new host loop: its micro-threads are continuations run by {@code host} on one thread,
     * keeping that thread's identity; see {@link HostDriver}. Package-private: applications get
     * host loops as UI loops (the Swing and JavaFX modules, through {@code org.microthreads.spi}).
     * Close it when done (not from the host thread).
     *
     * @throws UnsupportedOperationException if the JVM lacks
     *         {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} (the message names the
     *         flag), or {@code --add-opens java.base/java.lang=ALL-UNNAMED}
     */
    static Loop onHost(String name, java.util.concurrent.Executor host) {
        Objects.requireNonNull(name, "name");
        return new Loop(name, new HostDriver(host));
    }

    /** {@return the loop of the calling micro-thread, or {@link #shared()} outside micro-threads} */
    public static Loop current() {
        MicroThread<?> m = MicroThread.currentOrNull();
        return m != null ? m.loop : shared();
    }

    // =====================================================================================
    // Running
    // =====================================================================================

    /**
     * Runs {@code main} as a micro-thread of this loop and returns its value once it and every
     * micro-thread it started (directly or not) have ended. If {@code main} fails, the run's outcome
     * is decided: the micro-threads it started that are still running are cancelled (as Kotlin's
     * {@code coroutineScope} does), then awaited, and the failure is thrown.
     *
     * <p>Call it from a thread that is not a micro-thread of this loop: typically the
     * application's main thread, or a micro-thread of another loop (which then just waits).
     *
     * @param <T> the type of {@code main}'s value
     * @param main the body of the run's first micro-thread, named {@code main}
     * @return the value {@code main} returned
     * @throws FailedException       if {@code main} threw (cause: its failure)
     * @throws java.util.concurrent.CancellationException if {@code main} was cancelled (for
     *                               instance by a concurrent {@link #close()}) and ended by throwing
     * @throws DeadlockException     on a single-carrier loop, if micro-threads of this run came to
     *                               wait for each other with nothing able to wake them (see
     *                               {@link DeadlockException}); they and the rest of the run have
     *                               been cancelled and have ended
     * @throws InterruptedException  if the caller was interrupted: the run's micro-threads
     *                               are cancelled and awaited first (like {@code StructuredTaskScope},
     *                               a micro-thread that ignores cancellation keeps {@code run} waiting)
     * @throws IllegalStateException if called from a micro-thread of this loop, or the loop is closed
     */
    public final <T> T run(MicroThread.Body<T> main) throws InterruptedException {
        Objects.requireNonNull(main, "main");
        MicroThread<?> caller = MicroThread.currentOrNull();
        if (caller != null && caller.loop == this) {
            throw new IllegalStateException("run() called from micro-thread '" + caller.name() + "' of loop '" + name
                    + "' itself; start another micro-thread with MicroThread.parallel(...) instead");
        }
        ensureOpen();
        Scope scope = new Scope(this);
        runs.add(scope);
        try {
            // run itself reports main's failure; main belongs to no block: its run is its scope, and run() waits for it
            MicroThread<T> m = spawnIn(scope, null, "main", main, false, true, null);
            boolean ended = false;
            try {
                driver.driveUntil(() -> scope.isEmpty() || scope.deadlock != null); // a simulated loop runs here
                scope.await(caller, WaitKind.RUN, "'" + name + "'", Park.NONE, true, () -> scope.deadlock != null);
                ended = scope.isEmpty();
            } finally {
                if (!ended) {
                    scope.cancelMembers();
                    driver.driveUntil(scope::isEmpty);
                    scope.await(caller, WaitKind.RUN, "'" + name + "'", Park.NONE, false, () -> false);
                }
            }
            if (scope.deadlock != null) {
                if (scope.mainFailedBeforeStop) { // main ended first: its failure may be why the others wait
                    scope.deadlock.addSuppressed(FailedException.of("main micro-thread of loop '" + name
                            + "' had failed before the deadlock", m.failure()));
                }
                throw scope.deadlock;
            }
            return m.resultOrThrow("main micro-thread of loop '" + name + "'");
        } finally {
            runs.remove(scope);
        }
    }

    /**
     * Starts a micro-thread on this loop that nobody waits for; see {@link MicroThread#startAndForget(MicroThread.Task)}.
     *
     * @param task what it runs
     * @return its handle, for {@link MicroThread#cancel()} or inspection
     * @throws IllegalStateException if this loop is closed
     */
    public final MicroThread<Void> startAndForget(MicroThread.Task task) {
        return startAndForget(null, task);
    }

    /**
     * As {@link #startAndForget(MicroThread.Task)}, named.
     *
     * @param name its name, for dumps, logs and reports; null: a generated name. Any string is
     *        accepted and kept as given; dumps and reports show line breaks and other control
     *        characters in it escaped ({@code 'a\nb'}), on one line
     * @param task what it runs
     * @return its handle, for {@link MicroThread#cancel()} or inspection
     * @throws IllegalStateException if this loop is closed
     */
    public final MicroThread<Void> startAndForget(String name, MicroThread.Task task) {
        Objects.requireNonNull(task, "task");
        return spawn(name, task, true, true);
    }

    /**
     * Starts a micro-thread on this loop whose value is collected later; see {@link MicroThread#parallel(MicroThread.Body)}.
     *
     * @param <T> the type of the body's value
     * @param body what it runs
     * @return its handle, to {@link MicroThread#join()}
     * @throws IllegalStateException if this loop is closed
     */
    public final <T> MicroThread<T> parallel(MicroThread.Body<T> body) {
        return parallel(null, body);
    }

    /**
     * As {@link #parallel(MicroThread.Body)}, named.
     *
     * @param <T> the type of the body's value
     * @param name its name, for dumps, logs and reports; null: a generated name. Any string is
     *        accepted and kept as given; dumps and reports show line breaks and other control
     *        characters in it escaped ({@code 'a\nb'}), on one line
     * @param body what it runs
     * @return its handle, to {@link MicroThread#join()}
     * @throws IllegalStateException if this loop is closed
     */
    public final <T> MicroThread<T> parallel(String name, MicroThread.Body<T> body) {
        Objects.requireNonNull(body, "body");
        return spawn(name, body, false, true);
    }

    /** {@code inBlock}: a member of the starter's block, if any (see {@link #parallelOutsideBlocks}). */
    private <T> MicroThread<T> spawn(String name, Object body, boolean forgotten, boolean inBlock) {
        MicroThread<?> parent = MicroThread.currentOrNull();
        Scope scope = parent != null && parent.loop == this ? parent.scope : rootScope;
        return spawnIn(scope, parent, name, body, forgotten, false, inBlock ? BlockScope.forStart(parent) : null);
    }

    /**
     * As {@link #parallel(String, MicroThread.Body)}, but a member of no block ({@code scope},
     * {@code withTimeout}, race): for a generator's producer, whose lifetime is its generator's
     * (closed by its consumer or when unreachable), not that of the block its first item was asked in.
     */
    final <T> MicroThread<T> parallelOutsideBlocks(String name, MicroThread.Body<T> body) {
        return spawn(name, body, false, false);
    }

    /** {@code body}: a {@link MicroThread.Body}, or a {@link MicroThread.Task} when forgotten. */
    private <T> MicroThread<T> spawnIn(Scope scope, MicroThread<?> parent, String name, Object body,
                                       boolean forgotten, boolean failureClaimed, BlockScope block) {
        ensureOpen();
        MicroThread<T> m = new MicroThread<>(this, scope, block, parent, body, name, forgotten, ids.incrementAndGet());
        if (failureClaimed) { // a run's main
            m.claimFailureReport();
            scope.main = m; // before it starts: its failure cancels the rest of the run (ADR 0014)
        }
        Strand strand = driver.newStrand(m, name);
        m.strand = strand;
        scope.enter();
        if (block != null) block.enter(m);
        if (!listed) {
            LIVE_LOOPS.add(this); // before `listed`: a cancel scan must find this loop
            listed = true;
        }
        if (parent != null) parent.compressAncestors();
        registry.add(m);
        boolean started = false;
        try {
            if (closed) throw closedException(); // re-check: close() may have swept already
            driver.start(strand);
            started = true;
            if (parent != null && (parent.cancelFlag() || parent.hasCancelledAncestor())) {
                m.cancelOnly(); // started by a cancelled one (or a descendant of one)
            } else if (block != null && block.stoppedHere()) {
                m.cancelOnly(); // started in a block that has been stopped (its scan may have missed it)
            }
        } finally {
            if (!started) {
                registry.remove(m, true);
                scope.exit();
                if (block != null) block.exit();
                if (closed && registry.isEmpty()) LIVE_LOOPS.remove(this);
            }
        }
        return m;
    }

    static List<Loop> withLiveMicroThreads() {
        List<Loop> loops;
        synchronized (LIVE_LOOPS) {
            loops = new ArrayList<>(LIVE_LOOPS);
        }
        List<Loop> list = new ArrayList<>();
        for (Loop l : loops) {
            if (l.registry.size() > 0) list.add(l);
        }
        return list;
    }

    final void forEachLive(java.util.function.Consumer<MicroThread<?>> action) {
        registry.forEach(action);
    }

    /**
     * Called by each micro-thread as its very last action; {@code promptly}: its handle must
     * become unreachable soon (an unobserved failure waits for that).
     */
    final void exited(MicroThread<?> m, boolean promptly) {
        // registry first: when a run returns (its scope drained), its micro-threads are unlisted
        try {
            registry.remove(m, promptly || oneCarrier());
        } finally {
            try {
                m.scope.exit();
            } finally {
                if (m.block != null) m.block.exit(); // last: its owner may return once it is zero
            }
            if (closed && registry.isEmpty()) LIVE_LOOPS.remove(this); // a straggler after close
        }
    }

    // =====================================================================================
    // Hooks for the loop kinds
    // =====================================================================================

    /**
     * How many micro-threads are in a wait that only another micro-thread of this loop can end.
     * Kept by the loops with one carrier (or host) thread only, and confined to that thread: the
     * waits begin and end on it, and {@link #checkDeadlock} reads it there.
     */
    int internalWaits;

    /** Whether this loop runs its micro-threads one at a time on one thread (deadlock detection). */
    boolean oneCarrier() {
        return oneCarrier;
    }

    /**
     * Whether this loop runs its micro-threads <em>one at a time, on one thread</em>: true for
     * {@link #singleCarrier(String)} loops, false for the {@linkplain #shared() shared loop}. Fixed
     * for the loop's lifetime (closed or not).
     *
     * <p>What it promises when true: two micro-threads of this loop never run at the same time, and
     * they switch only where one parks (a blocking call: a library wait, a JDK blocking call) or
     * {@linkplain MicroThread#yieldNow() yields}. So a plain field (or a plain {@code HashMap})
     * used <em>only by micro-threads of this loop</em> needs no lock, atomic or {@code volatile}: there
     * is no data race. It does not promise that a sequence of steps is atomic across a blocking
     * call: another micro-thread may run while one is parked in the middle. Code outside the loop
     * (plain threads, callbacks, micro-threads of other loops) is not covered; hand values to it
     * through the library ({@link Pipe}, {@link Deferred}, {@link MicroThread#join()}).
     *
     * @return whether its micro-threads run one at a time on one thread
     */
    public final boolean isSingleCarrier() {
        return oneCarrier();
    }

    /** A micro-thread of this loop starts a library wait; {@code internal}: only this loop can end it. */
    final void onWaitBegin(boolean internal) {
        if (internal && oneCarrier()) internalWaits++;
    }

    final void onWaitEnd(boolean internal) {
        if (internal && oneCarrier()) internalWaits--;
    }

    /** Runs {@code action} after {@code delayNanos} on this loop's clock. */
    Future<?> schedule(long delayNanos, Runnable action) {
        return driver.schedule(delayNanos, action);
    }

    /** Numbers the unnamed pipes, limiters and generators made in a simulated loop (replay prints the same names). */
    private final AtomicLong localIds = new AtomicLong();

    /**
     * A name for an unnamed pipe, limiter or generator made by the caller: {@code prefix + n} with a
     * number of the caller's simulated loop, so that a replay names it the same; null anywhere else
     * (such things are numbered JVM-wide, in the order they are made).
     */
    static String localName(String prefix) {
        MicroThread<?> m = Park.anyVirtualTime ? MicroThread.currentOrNull() : null;
        return m != null && m.loop.virtualTime ? prefix + m.loop.localIds.incrementAndGet() : null;
    }

    /** This loop's clock (nanoseconds): the wall clock's {@link System#nanoTime()}, or a simulated loop's virtual time. */
    long now() {
        return virtualTime ? driver.now() : System.nanoTime();
    }

    /**
     * This loop's clock, in nanoseconds: {@link System#nanoTime()} on real loops; on a
     * {@linkplain Simulation simulated} loop, its virtual time (nanoseconds since the Unix epoch,
     * starting at 2000-01-01T00:00:00Z). Every timed operation of the library measures time on
     * the clock of the loop of the micro-thread that calls it. For code that must run both for
     * real and simulated, read time here rather than from {@code System.nanoTime()}.
     *
     * @return the loop's clock now, in nanoseconds (differences are meaningful, as for {@code System.nanoTime()})
     */
    public long nanoTime() {
        return now();
    }

    /**
     * The deadlock check of the loops with one carrier, run by that carrier (or host thread)
     * outside any micro-thread when nothing is queued. {@code internalWaits}: how many
     * micro-threads are in a wait only another micro-thread of this loop can end. It must never
     * block: a carrier waiting for a lock can wait for one of its own micro-threads (hence the
     * non-blocking snapshot).
     *
     * @return false if the registry was busy and the check must be retried soon
     */
    final boolean checkDeadlock(int internalWaits) {
        if (internalWaits == 0) return true;
        List<MicroThread<?>> list = registry.trySnapshot();
        if (list == null) return false;
        List<MicroThread<?>> stuck = Deadlocks.find(list);
        if (stuck.isEmpty()) return true;
        String who = stuck.size() == list.size() ? "every micro-thread is waiting for another one"
                : stuck.size() + " of its " + list.size() + " micro-threads wait for each other";
        deadlocked("deadlock on loop '" + name + "': " + who + ", and nothing can wake any of them.\n"
                + dump(stuck, "loop '" + name + "' (" + kind() + ")")
                + "They have been cancelled.", stuck);
        return true;
    }

    /**
     * Tells every run in progress (and the log, if none) about a deadlock, then cancels
     * {@code stuck}. Called on a carrier thread: never blocks (the log is written elsewhere).
     */
    final void deadlocked(String report, List<MicroThread<?>> stuck) {
        stopRuns(() -> new DeadlockException(report), report, stuck);
    }

    /** As {@link #deadlocked}, for a simulated loop that cannot go on: the runs involved throw {@code failure}. */
    final void stopRuns(SimulationException failure, List<MicroThread<?>> stuck) {
        stopRuns(() -> failure, failure.getMessage(), stuck);
    }

    private void stopRuns(java.util.function.Supplier<RuntimeException> failure, String report, List<MicroThread<?>> stuck) {
        java.util.Set<Scope> involved = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (MicroThread<?> m : stuck) involved.add(m.scope);
        for (Scope s : involved) { // before the cancellation below: main may then fail of it
            MicroThread<?> main = s.main;
            if (main != null && main.isDone() && main.failure() != null) s.mainFailedBeforeStop = true;
        }
        for (MicroThread<?> m : stuck) m.cancelOnly(); // nothing below may prevent it
        boolean told = false;
        for (Scope s : runs) {
            if (!involved.contains(s)) continue; // a run starting meanwhile is not part of it
            s.deadlock = failure.get();
            s.wakeAll();
            told = true;
        }
        if (!told) { // log from a fresh thread: the carrier must not block, not even in a logger
            try {
                Thread.ofPlatform().daemon().name("microthreads-deadlock-report").start(() -> LOG.log(Level.WARNING, report));
            } catch (Throwable e) {
                // cannot start a thread (out of memory?): the stuck ones are cancelled anyway
            }
        }
    }

    // =====================================================================================
    // Failures
    // =====================================================================================

    /**
     * Replaces the handler of failures nobody else will see (default: log through
     * {@link System.Logger} "org.microthreads" at ERROR with the name and stack trace).
     *
     * @param handler the new handler
     * @return this loop
     */
    public final Loop failureHandler(FailureHandler handler) {
        this.failureHandler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /** {@return how many failures have been handed to the failure handler so far} */
    public final long failureCount() {
        return failures.sum();
    }

    final void reportFailure(MicroThread<?> m, Throwable f) {
        failures.increment();
        try {
            failureHandler.failed(m, f);
        } catch (Throwable secondary) {
            if (secondary != f) secondary.addSuppressed(f);
            LOG.log(Level.ERROR, "the failure handler of loop '" + name + "' threw while handling the failure of micro-thread "
                    + m.quotedName() + " (attached as suppressed)", secondary);
        }
    }

    private void logFailure(MicroThread<?> m, Throwable f) {
        LOG.log(Level.ERROR, "micro-thread " + m.quotedName() + " on loop '" + name + "' failed and nobody was waiting for it", f);
    }

    // =====================================================================================
    // Inspection
    // =====================================================================================

    /** {@return the loop's name} */
    public final String name() {
        return name;
    }

    /** {@return its live micro-threads now, oldest first} A snapshot, unreliable for check-then-act. */
    public final List<MicroThread<?>> microThreads() {
        return snapshot();
    }

    final Registry registry() {
        return registry;
    }

    /** How many micro-threads of this loop are live now. */
    final int liveCount() {
        return registry.size();
    }

    final List<MicroThread<?>> snapshot() {
        return registry.snapshot(false);
    }

    /** As {@link #snapshot()}, with those whose outcome is settled but that still run (for reports). */
    final List<MicroThread<?>> snapshotWithEnding() {
        return registry.snapshot(true);
    }

    /** {@return a text dump: each live micro-thread's name, state, what it waits on, and its stack} */
    public final String dump() {
        return dump(snapshot(), "loop '" + name + "' (" + kind() + ")");
    }

    static String dump(List<MicroThread<?>> list, String title) {
        StringBuilder sb = new StringBuilder(title).append(": ").append(list.size()).append(" live micro-thread")
                .append(list.size() == 1 ? "" : "s").append('\n');
        for (MicroThread<?> m : list) {
            sb.append("  ").append(m.quotedName()).append(' ').append(m.state());
            m.waitingOn().ifPresent(w -> sb.append(": ").append(w));
            sb.append(MicroThread.stackText(m.stackTrace())).append('\n');
        }
        return sb.toString();
    }

    String kind() {
        return driver.kind();
    }

    /** {@return whether {@link #close()} has been called} */
    public final boolean isClosed() {
        return closed;
    }

    final void ensureOpen() {
        if (closed) throw closedException();
    }

    final IllegalStateException closedException() {
        return new IllegalStateException("loop '" + name + "' is closed");
    }

    // =====================================================================================
    // Closing
    // =====================================================================================

    /**
     * Closes the loop: no new micro-thread may start; every live one is cancelled and joined;
     * the log says which were cancelled. Idempotent. Micro-threads that ignore cancellation for
     * longer than a grace period (10 s; system property {@code microthreads.closeGraceMillis})
     * are reported with their stacks and left to end on their own.
     *
     * <p>On the {@linkplain #shared() shared loop} it does nothing (no micro-thread is cancelled,
     * it stays open, nothing is thrown, from any thread), as {@code ForkJoinPool.commonPool().close()}
     * does nothing: code that closes whatever loop it was given, {@code try (Loop loop = pick())},
     * works for the shared loop too.
     *
     * @throws IllegalStateException if called from a micro-thread of this loop (except on the shared loop)
     */
    @Override
    public void close() {
        if (!driver.closeable()) return; // the shared loop (issue 14)
        driver.beforeClose();
        MicroThread<?> caller = MicroThread.currentOrNull();
        if (caller != null && caller.loop == this) {
            throw new IllegalStateException("close() called from micro-thread '" + caller.name() + "' of loop '" + name
                    + "' itself: it would wait for itself");
        }
        boolean first;
        synchronized (this) {
            first = !closed;
            closed = true;
        }
        rootScope.closeTickers(); // tickers made outside any run stop with their loop; a run's stop when it ends
        List<MicroThread<?>> left = new ArrayList<>();
        for (MicroThread<?> m : snapshot()) {
            if (m.cancelOnly()) left.add(m); // not those that ended but are still listed (exited() runs after the end)
        }
        boolean ended;
        try {
            long deadline = System.nanoTime() + closeGrace.toNanos(); // a framework timeout: wall clock, also when simulated
            driver.driveUntil(registry::isEmpty);
            ended = registry.await(caller, WaitKind.RUN, "'" + name + "' to close", deadline, true, false, () -> false);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
        if (first && !left.isEmpty()) {
            StringBuilder names = new StringBuilder();
            for (MicroThread<?> m : left.subList(0, Math.min(10, left.size()))) {
                names.append(names.isEmpty() ? "" : ", ").append(m.quotedName());
            }
            if (left.size() > 10) names.append(" and ").append(left.size() - 10).append(" more");
            LOG.log(Level.WARNING, "closing loop '" + name + "' cancelled " + left.size() + " micro-thread"
                    + (left.size() == 1 ? "" : "s") + " still running: " + names);
        }
        if (!ended) {
            List<MicroThread<?>> still = snapshotWithEnding();
            MicroThread<?> holder = carrierHolder(still);
            LOG.log(Level.ERROR, "micro-threads of loop '" + name + "' were cancelled " + WaitKind.human(closeGrace)
                    + " ago and have not ended; close() returns and leaves them running.\n" + whyNotEnded(still, holder)
                    + afterCloseNote(holder) + "\n" + dump(still, "loop '" + name + "'"));
        }
        if (first) driver.afterClose(ended);
        if (ended) LIVE_LOOPS.remove(this);
    }

    /** How long {@link #close()} waits for cancelled micro-threads (tests shorten it). */
    Duration closeGrace = CLOSE_GRACE;

    /** Whether {@code m} holds this loop's one carrier now (racy; for reports); false on multi-core loops. */
    boolean holdsCarrier(MicroThread<?> m) {
        return driver.holdsCarrier(m);
    }

    /** The one of {@code list} that {@linkplain #holdsCarrier holds the carrier} now, or null. */
    final MicroThread<?> carrierHolder(List<MicroThread<?>> list) {
        for (MicroThread<?> m : list) {
            if (holdsCarrier(m)) return m;
        }
        return null;
    }

    /**
     * For the report of a close that left micro-threads running: what becomes of the loop's
     * thread; {@code holder}: the left-over one holding it, or null.
     */
    String afterCloseNote(MicroThread<?> holder) {
        return driver.afterCloseNote(holder);
    }

    /**
     * Why each of {@code left} has not ended although cancelled, one line each: it caught the
     * cancellation and carried on, it holds the carrier, it is blocked in JDK code, or it never
     * got the carrier back to see its cancellation (naming who holds it).
     */
    private static String whyNotEnded(List<MicroThread<?>> left, MicroThread<?> holder) {
        StringBuilder sb = new StringBuilder();
        for (MicroThread<?> m : left) {
            sb.append("  ").append(m.quotedName()).append(' ');
            int ignored = m.ignoredCancellations;
            if (ignored > 0) {
                sb.append("ignores its cancellation: it caught and carried on after ").append(ignored)
                        .append(" InterruptedExceptions the library threw at it since");
                if (m == holder) sb.append(", and holds the carrier now");
            } else if (m == holder) {
                sb.append("holds the carrier and has not reached a blocking operation of the library since it was cancelled");
            } else if (m.state() == MicroThread.State.WAITING) {
                sb.append("is blocked in JDK code that did not end on the interrupt (see its stack)");
            } else if (holder != null) {
                sb.append("has not run since it was cancelled: ").append(holder.quotedName()).append(" holds the carrier");
            } else {
                sb.append("is running or ready to run");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Loop['" + name + "', " + kind() + (closed ? ", closed" : "") + "]";
    }
}
