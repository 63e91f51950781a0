package org.microthreads;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A micro-thread: a lightweight thread of ordinary, blocking-style code that runs on a
 * {@link Loop}. Today every micro-thread is a virtual thread, so legacy blocking JDK code
 * (sockets, locks, {@code synchronized}, {@code Thread.sleep}) parks only it. Exception: blocking
 * <em>file</em> I/O and native calls hold the carrier; on the shared loop the JDK compensates
 * with an extra carrier, on a single-carrier loop the whole loop waits (as in any event loop).
 *
 * <p>The three styles of the micro-threading proposal:
 * {@snippet :
 * MicroThread.startAndForget(() -> audit.log("started"));        // start and forget
 * MicroThread<Integer> answer = MicroThread.parallel(() -> 6 * 7); // parallel
 * int v = answer.join();                                          // ... collect its value later
 * List<Integer> all = MicroThread.parallelAll(List.of(() -> 1, () -> 2)); // several, fail-fast
 * }
 * Cooperative micro-threads talk over {@link Pipe}s, and wait for the first of several with {@link Select}.
 *
 * <h2>Where a micro-thread runs</h2>
 * The static starters use the {@linkplain Loop#current() current loop}: the loop of the calling
 * micro-thread, or {@linkplain Loop#shared() the shared loop} when called from any other thread.
 * A micro-thread started by a micro-thread belongs to the same {@code run} as its starter, so
 * {@link Loop#run(Body)} returns only when all of them have ended.
 *
 * <h2>Blocking and cancellation</h2>
 * Every blocking operation of the library ({@link #join()}, {@link #sleep}, {@link #await},
 * {@link #yieldNow()}, {@link Deferred#await()}, ...) throws {@link InterruptedException} when
 * the caller is interrupted. {@link #cancel()} interrupts the micro-thread and is
 * <em>sticky</em>: a body that swallows the {@code InterruptedException} gets another one at the
 * library's next blocking point. JDK blocking calls see the interrupt once, as usual.
 *
 * <h2>Failures</h2>
 * Never silent. A start-and-forget failure goes to the loop's {@link FailureHandler}. A parallel
 * failure is rethrown by {@code join} as {@link FailedException} (the joiner's stack, with the
 * body's failure as cause); if nobody joined it by the end of its {@code run}, it goes to the
 * failure handler (outside any {@code run}: when its handle becomes unreachable unjoined).
 * A cancelled micro-thread that ends by throwing an interruption or cancellation (or an
 * exception caused by one) is {@link State#CANCELLED}; any other exception thrown after a
 * cancel is a failure, reported as above.
 *
 * <h2>Identity</h2>
 * {@link #current()} finds the micro-thread through its thread's uncaught-exception-handler
 * slot (ADR 0010): code inside a micro-thread that replaces that handler makes it look like a
 * plain thread to the library (waits still work; sticky cancellation is lost).
 *
 * <h2>Memory consistency</h2>
 * Actions of a micro-thread happen-before a {@code join} (or {@code run}) that returns its value
 * or failure; starting a micro-thread happens-before the first action of its body.
 *
 * <h2>Exceptions</h2>
 * A {@code null} argument to any method throws {@link NullPointerException} naming it, and
 * nothing is started.
 *
 * @param <T> the type of the value the body returns
 */
public final class MicroThread<T> extends Completion<T> {

    /**
     * The body of a micro-thread that produces a value.
     *
     * @param <T> the type of the value
     */
    @FunctionalInterface
    public interface Body<T> {
        /**
         * Runs the micro-thread's work.
         *
         * @return its value, which {@link #join()} returns
         * @throws Exception fails the micro-thread ({@link #join()} throws {@link FailedException}
         *         with it as cause); after a {@link #cancel()}, an exception caused by the
         *         cancellation ends it as cancelled instead
         */
        T run() throws Exception;
    }

    /** The body of a micro-thread run for its effects. */
    @FunctionalInterface
    public interface Task {
        /**
         * Runs the micro-thread's work.
         *
         * @throws Exception fails the micro-thread: the failure goes to its loop's
         *         {@link FailureHandler}; after a {@link #cancel()}, an exception caused by the
         *         cancellation ends it as cancelled instead
         */
        void run() throws Exception;
    }

    /**
     * A body run under {@link #withTimeout}, in the caller; its checked exceptions pass through.
     *
     * @param <T> the type of the value
     * @param <X> the type of the checked exception it may throw
     */
    @FunctionalInterface
    public interface TimedBody<T, X extends Exception> {
        /**
         * Runs the work that has a deadline.
         *
         * @return the value {@link #withTimeout} returns
         * @throws X passes through {@link #withTimeout}, or, thrown after that timeout expired,
         *         becomes the cause of its {@link TimeoutException} (see there)
         */
        T run() throws X;
    }

    /** Life-cycle of a micro-thread, as {@link #state()} reports it. */
    public enum State {
        /** Running, or ready to run on its loop's carrier. */
        RUNNING,
        /** Parked: in a library wait ({@link #waitingOn()} says which) or in blocking JDK code. */
        WAITING,
        /** The body returned; {@link #join()} returns its value. */
        SUCCEEDED,
        /** The body threw; {@link #join()} throws {@link FailedException}. */
        FAILED,
        /** Cancelled, then ended by throwing what the cancellation caused; {@link #join()} throws {@link CancellationException}. */
        CANCELLED
    }

    // ---- identity ----
    final long id;
    private final String explicitName;
    final Loop loop;
    final Scope scope;
    /** Its place in the tree of starters: what cancellation of an ancestor needs. */
    final Lineage lineage;
    private final boolean forgotten;
    /** A {@link Body}, or a {@link Task} for start-and-forget (no wrapper object). */
    private final Object body;
    /**
     * What runs it ({@link LoopDriver#newStrand}): a {@link ThreadStrand} (its virtual thread), or
     * a {@link ContinuationStrand} on a host loop. Also its waiter for {@link Park}.
     */
    volatile Strand strand;
    /** The loop's registry is an intrusive list: guarded by the registry stripe's lock. */
    MicroThread<?> prev, next;
    /** Set once it has ended: the registry lists it no more (and unlinks it soon, see there). */
    volatile boolean unlisted;
    /** The registry's stack of ended entries not yet unlinked, and its depth there. */
    MicroThread<?> nextEnded;
    int endedDepth;

    // ---- outcome ----
    /**
     * 0: nobody has taken responsibility for a failure yet; 1: a join observed it or it was
     * reported. Outside any run, a failure's claim lives in {@link #sharedClaim} instead, so the
     * cleaner that reports unobserved failures can share it without keeping this object alive.
     */
    private volatile int failureClaimed;
    private volatile AtomicInteger sharedClaim;
    private static final java.lang.invoke.VarHandle FAILURE_CLAIMED, WAIT_KIND, WAIT_TARGET;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
            FAILURE_CLAIMED = l.findVarHandle(MicroThread.class, "failureClaimed", int.class);
            WAIT_KIND = l.findVarHandle(MicroThread.class, "waitKind", WaitKind.class);
            WAIT_TARGET = l.findVarHandle(MicroThread.class, "waitTarget", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The part of a micro-thread that the micro-threads it started refer to. Small on purpose:
     * a long-lived descendant must not keep an ended starter's handle (its body, value, and the
     * Cleaner that reports its unobserved failure) reachable.
     *
     * <p>State: {@code LIVE -> CANCELLED // cancelOnly}, {@code LIVE -> ENDED // finish}, one
     * CAS each, so a cancel and an end are ordered: a cancel that loses to the end has no effect.
     */
    static final class Lineage {
        static final int LIVE = 0, CANCELLED = 1, ENDED = 2;
        private static final java.lang.invoke.VarHandle STATE;

        static {
            try {
                STATE = java.lang.invoke.MethodHandles.lookup().findVarHandle(Lineage.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile int state;
        /**
         * The nearest ancestor that has not ended uncancelled, as of the last compression (the
         * starter, or above it once the starter has ended), or null.
         */
        volatile Lineage parent;
        /** Set once this micro-thread has started another: only then does cancel() scan. */
        volatile boolean startedChildren;

        Lineage(Lineage parent) {
            this.parent = parent;
        }

        /** LIVE -> CANCELLED; true if it is cancelled now (by this call or before). */
        boolean cancel() {
            return STATE.compareAndSet(this, LIVE, CANCELLED) || state == CANCELLED;
        }

        /** LIVE -> ENDED; false if it had been cancelled first. */
        boolean end() {
            return STATE.compareAndSet(this, LIVE, ENDED);
        }

        boolean hasCancelledAncestor() {
            for (Lineage p = parent; p != null; p = p.parent) {
                if (p.state == CANCELLED) return true;
            }
            return false;
        }

        /** Called by the micro-thread itself when it starts a child. */
        void compress() {
            if (!startedChildren) startedChildren = true;
            Lineage p = parent;
            if (p != null && p.state == ENDED) {
                while (p != null && p.state == ENDED) p = p.parent; // ended uncancelled: cannot cancel anyone
                parent = p;
            }
        }
    }

    // ---- what it waits on; written only by this micro-thread (setWait); read by dumps,
    // state(), waitingOn() and the deadlock detector (on the carrier, after the unmount) ----
    volatile WaitKind waitKind;
    volatile Object waitTarget;

    /**
     * Publishes what it waits on (null kind: nothing) with release stores, the target first, so a
     * reader that sees a kind sees at least its target; it may also see a later one (a racy
     * read, as any query from another thread). Four full fences per wait otherwise (a
     * single-carrier select paid ~5% of its time for them, 2026-12-02); others may see it a moment late.
     */
    void setWait(WaitKind kind, Object target) {
        if (kind != null) { // target, then kind
            WAIT_TARGET.setRelease(this, target);
            WAIT_KIND.setRelease(this, kind);
        } else {            // kind, then target
            WAIT_KIND.setRelease(this, null);
            WAIT_TARGET.setRelease(this, null);
        }
    }
    /** Whether the current wait can only end by another micro-thread of this loop ending. */
    boolean waitInternal;
    /**
     * Whether it sleeps in a park of the library ({@link Park#parkUntil}) with no wake-up on the
     * way: set by it just before it parks, cleared when the park returns, and cleared by whoever
     * wakes it ({@link Park#unpark}, an interrupt) before the wake-up. The deadlock check counts
     * only such micro-threads as stuck: one that has been woken and not run yet is not stuck,
     * even when its wake-up has not reached the carrier's queue, as happens when the JDK defers
     * it (another thread taking the stack of a parked virtual thread suspends it, and an unpark
     * meanwhile is submitted by that thread once it is done; the carrier may find its queue empty
     * and run the check in between). Plain, as {@link #waitInternal}: the wake-ups the check
     * relies on come from micro-threads of the loop, on its one thread. Kept only on one-carrier
     * loops, the kind with the check (on the shared loop it stays false).
     */
    boolean parked;
    /** In a timed park on its loop's virtual clock outside a library wait (a pause); for the simulated loop. */
    boolean parkedOnLoopClock;
    /** Timers armed by it on a simulated loop (the runaway report names the busiest). */
    long timersArmed;
    /**
     * How many times the library has thrown the sticky cancellation at this micro-thread again:
     * each time, the body had caught the previous one and carried on. Written by it only.
     */
    volatile int ignoredCancellations;

    /** How many ignored cancellations make each further one wait {@link #IGNORING_PAUSE} first. */
    static final int IGNORING_LIMIT = 1_000;
    static final Duration IGNORING_PAUSE = Duration.ofMillis(10);

    /**
     * The sticky cancellation (not an expired timeout's) is about to be thrown again
     * ({@link Park#checkCancelled}). A body that
     * swallows it in a loop would throw and catch it hundreds of thousands of times a second,
     * holding its carrier (on a single-carrier loop, starving the others, which then cannot even
     * see their own cancellation). After {@value #IGNORING_LIMIT} of them, each further throw
     * first waits {@link #IGNORING_PAUSE}, as the blocking call it interrupts may: the others
     * run, and the culprit costs ~100 wake-ups a second instead of a core. Logged once.
     */
    void cancellationIgnored() {
        if (!cancelFlag()) return; // an expired withTimeout: not a cancellation, and its stickiness ends with its body
        int n = ++ignoredCancellations; // written by this micro-thread only
        if (n == IGNORING_LIMIT) {
            Loop.LOG.log(System.Logger.Level.WARNING, "micro-thread " + quotedName() + " of loop '" + loop.name() + "' has caught and ignored "
                    + n + " cancellations, and keeps calling blocking operations: from now on each of them waits "
                    + WaitKind.human(IGNORING_PAUSE) + " before throwing InterruptedException again. Catch it only to clean up,"
                    + " then end (rethrow or return). Where it is:" + stackText(Thread.currentThread().getStackTrace()));
        }
        // Not inside a wait (its record would show a counted wait that is not stuck to the deadlock
        // check): the entry checks of the blocking calls, where a swallowing loop comes back to.
        if (n > IGNORING_LIMIT && waitKind == null) Park.pause(IGNORING_PAUSE.toNanos());
    }

    /** A stack as the dumps write it, one "at" line per frame. */
    static String stackText(StackTraceElement[] stack) {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : stack) sb.append("\n      at ").append(e);
        return sb.toString();
    }

    /**
     * The innermost block ({@link #scope}, {@link #withTimeout}, a race) open in this
     * micro-thread's body, or null; set and reset by this micro-thread, read by stops and starts.
     */
    volatile BlockScope blocks;
    /** The block this micro-thread was started in (it is a member), or null. */
    final BlockScope block;

    MicroThread(Loop loop, Scope scope, BlockScope block, MicroThread<?> parent, Object body, String name, boolean forgotten, long id) {
        this.loop = loop;
        this.scope = scope;
        this.block = block;
        this.lineage = new Lineage(parent == null ? null : parent.lineage);
        this.body = body;
        this.explicitName = name;
        this.forgotten = forgotten;
        this.id = id;
    }

    // =====================================================================================
    // Starting
    // =====================================================================================

    /**
     * Starts a micro-thread on the {@linkplain Loop#current() current loop} that nobody waits
     * for. If it fails, the failure goes to its loop's {@link FailureHandler} (by default:
     * logged with the micro-thread's name and stack trace, and counted).
     *
     * @param task what it runs
     * @return its handle, for {@link #cancel()} or inspection
     * @throws NullPointerException  if {@code task} is null
     * @throws IllegalStateException if the current loop is closed
     */
    public static MicroThread<Void> startAndForget(Task task) {
        return Loop.current().startAndForget(task);
    }

    /**
     * As {@link #startAndForget(Task)}, with a name for dumps, logs and reports.
     *
     * @param name its name; null: a generated one, {@code mt-<id>}. Any string is accepted and kept
     *        as given; dumps and reports show line breaks and other control characters in it
     *        escaped ({@code 'a\nb'}), on one line
     * @param task what it runs
     * @return its handle, for {@link #cancel()} or inspection
     * @throws IllegalStateException if the current loop is closed
     */
    public static MicroThread<Void> startAndForget(String name, Task task) {
        return Loop.current().startAndForget(name, task);
    }

    /**
     * Starts a micro-thread on the {@linkplain Loop#current() current loop} whose final value
     * the caller collects later with {@link #join()}.
     *
     * @param <T> the type of the body's value
     * @param body what it runs
     * @return its handle, to {@link #join()}
     * @throws NullPointerException  if {@code body} is null
     * @throws IllegalStateException if the current loop is closed
     */
    public static <T> MicroThread<T> parallel(Body<T> body) {
        return Loop.current().parallel(body);
    }

    /**
     * As {@link #parallel(Body)}, with a name for dumps, logs and reports.
     *
     * @param <T> the type of the body's value
     * @param name its name; null: a generated one, {@code mt-<id>}. Any string is accepted and kept
     *        as given; dumps and reports show line breaks and other control characters in it
     *        escaped ({@code 'a\nb'}), on one line
     * @param body what it runs
     * @return its handle, to {@link #join()}
     * @throws IllegalStateException if the current loop is closed
     */
    public static <T> MicroThread<T> parallel(String name, Body<T> body) {
        return Loop.current().parallel(name, body);
    }

    /**
     * Runs each body as a parallel micro-thread on the current loop and returns their values in
     * the order of {@code bodies}. On the first failure (in time) the others are cancelled,
     * this method waits until all have ended, and throws {@link FailedException} with that
     * failure as cause. None outlives the call: if the caller is interrupted, all are cancelled
     * and awaited before {@link InterruptedException} is thrown.
     *
     * @param <T> the type of the values
     * @param bodies the bodies, one micro-thread each
     * @return their values, in the order of {@code bodies} (empty if there are none)
     * @throws NullPointerException  if {@code bodies} or any element is null (nothing started)
     * @throws FailedException       if a body failed
     * @throws CancellationException if a body was cancelled by someone else
     * @throws InterruptedException  if the caller was interrupted or cancelled
     */
    public static <T> List<T> parallelAll(List<? extends Body<? extends T>> bodies) throws InterruptedException {
        Objects.requireNonNull(bodies, "bodies");
        for (int i = 0; i < bodies.size(); i++) {
            Objects.requireNonNull(bodies.get(i), "bodies[" + i + "]");
        }
        Loop loop = Loop.current();
        int n = bodies.size();
        if (n == 0) return List.of();
        List<MicroThread<? extends T>> started = new ArrayList<>(n);
        Completion<MicroThread<?>> firstProblemOrAll = new Completion<>(); // value: the first to fail, or null
        AtomicInteger remaining = new AtomicInteger(n);
        try {
            for (Body<? extends T> b : bodies) {
                MicroThread<? extends T> m = loop.parallel(b);
                started.add(m);
                m.onDone(() -> {
                    if (m.stateCode() != Completion.VALUE) {
                        firstProblemOrAll.complete(m);
                    } else if (remaining.decrementAndGet() == 0) {
                        firstProblemOrAll.complete(null);
                    }
                });
            }
            MicroThread<?> self = currentOrNull();
            firstProblemOrAll.await(self, WaitKind.JOIN_ALL, new JoinAll(started, "parallelAll"),
                    self != null && self.loop == loop, Park.NONE);
        } catch (Throwable t) {
            // interrupted, cancelled, or the loop closed half-way: nothing may outlive the call
            cancelAndAwait(started);
            throw t;
        }
        MicroThread<?> problem = firstProblemOrAll.resultOrThrow("parallelAll");
        if (problem != null) {
            cancelAndAwait(started);
            for (MicroThread<? extends T> m : started) m.claimFailureReport();
            try {
                problem.resultOrThrow(problem);
            } catch (RuntimeException first) {
                // the first failure in time is thrown; other real failures ride along as suppressed
                for (MicroThread<? extends T> m : started) {
                    if (m != problem && m.stateCode() == Completion.FAILED) first.addSuppressed(m.failure());
                }
                throw first;
            }
        }
        List<T> values = new ArrayList<>(n);
        for (MicroThread<? extends T> m : started) {
            m.claimFailureReport();
            values.add(m.resultOrThrow(m));
        }
        return values;
    }

    /**
     * What a {@link #parallelAll} or a {@link #race} waits for (read by the deadlock report: it
     * can end only if one of them can); shown as "3 started by parallelAll".
     */
    record JoinAll(List<? extends MicroThread<?>> microThreads, String by) {
        @Override
        public String toString() {
            return microThreads.size() + " started by " + by;
        }
    }

    private static void cancelAndAwait(List<? extends MicroThread<?>> started) {
        for (MicroThread<?> m : started) m.cancel();
        boolean interrupted = false;
        for (MicroThread<?> m : started) {
            while (!m.isDone()) {
                try {
                    m.await(null, WaitKind.JOIN, m, false, Park.NONE);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) Park.interrupt(Park.currentWaiter());
    }

    /** The loop's entry point, on the micro-thread's strand. */
    @SuppressWarnings("unchecked")
    void runBody() {
        T v = null;
        Throwable f = null;
        try {
            if (body instanceof Task task) {
                task.run();
            } else {
                v = ((Body<T>) body).run();
            }
        } catch (Throwable t) {
            f = t;
        }
        finish(v, f);
    }

    private void finish(T v, Throwable f) {
        boolean cancelled = !lineage.end(); // from here on, a cancel has no effect
        try {
            if (f == null) {
                this.complete(v);
            } else if (cancelled && causedByCancellation(f)) {
                settleCancelled(f);
            } else {
                if (block != null && block.failFast) {
                    failureClaimed = 1; // the block throws it (ADR 0020): nobody else reports it
                    this.fail(f);
                    block.memberFailed(this, f);
                } else if (forgotten) {
                    failureClaimed = 1;
                    this.fail(f);
                    loop.reportFailure(this, f); // always: joining a forgotten one does not hide it
                } else if (scope == loop.rootScope) {
                    UnobservedFailures.watch(this, f); // before any join can see the failure
                    this.fail(f);
                } else {
                    this.fail(f);
                    scope.recordFailedParallel(this);
                    if (scope.main == this) scope.cancelMembers(); // the run's outcome is decided (ADR 0014)
                }
            }
        } finally {
            loop.exited(this, f != null); // a failure may wait for this handle to become unreachable
        }
    }

    /** Whether {@code f} is how a cancelled body ends (not an unrelated bug hit after the cancel). */
    static boolean causedByCancellation(Throwable f) {
        int depth = 0;
        for (Throwable t = f; t != null && depth++ < 32; t = t.getCause()) { // bounded: causes may cycle
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException
                    || t instanceof java.nio.channels.ClosedByInterruptException
                    || t instanceof CancellationException || t instanceof TimeoutException) {
                return true;
            }
            if (t.getCause() == t) break;
        }
        return false;
    }

    /** Claims the duty to report (or the fact of having observed) this failure; true once. */
    boolean claimFailureReport() {
        AtomicInteger shared = sharedClaim;
        if (shared != null) return shared.compareAndSet(0, 1);
        return failureClaimed == 0 && FAILURE_CLAIMED.compareAndSet(this, 0, 1);
    }

    boolean failureClaimed() {
        AtomicInteger shared = sharedClaim;
        return shared != null ? shared.get() != 0 : failureClaimed != 0;
    }

    /**
     * Failed {@code parallel} micro-threads started outside any {@code run}: no run end will
     * report them, so their failure goes to the handler when the handle becomes unreachable
     * without any {@code join} having observed it.
     */
    private static final class UnobservedFailures {
        static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create(
                Thread.ofPlatform().daemon().name("microthreads-unobserved-failures").factory());

        static void watch(MicroThread<?> m, Throwable f) {
            Loop loop = m.loop;
            long id = m.id;
            String name = m.explicitName;
            AtomicInteger claimed = new AtomicInteger(m.failureClaimed);
            m.sharedClaim = claimed;
            CLEANER.register(m, () -> {
                if (claimed.compareAndSet(0, 1)) {
                    MicroThread<Object> tombstone = new MicroThread<>(loop, loop.rootScope, null, null, null, name, false, id);
                    tombstone.failureClaimed = 1;
                    tombstone.fail(f);
                    loop.reportFailure(tombstone, f);
                }
            });
        }
    }

    // =====================================================================================
    // The current micro-thread
    // =====================================================================================

    /**
     * The micro-thread running the caller.
     *
     * @return the caller's micro-thread
     * @throws IllegalStateException if the caller is not a micro-thread
     */
    public static MicroThread<?> current() {
        MicroThread<?> m = currentOrNull();
        if (m == null) {
            throw new IllegalStateException("not in a micro-thread: " + Thread.currentThread()
                    + " (start one with MicroThread.startAndForget/parallel or Loop.run)");
        }
        return m;
    }

    /** {@return whether the caller is running in a micro-thread} */
    public static boolean inMicroThread() {
        return currentOrNull() != null;
    }

    /** The micro-thread of {@code strand} (a waiter, as {@link Park#currentWaiter()} gives), or null. */
    static MicroThread<?> ofStrand(Object strand) {
        return strand instanceof Strand s ? s.microThread() : null;
    }

    /** Kept under 35 bytes of bytecode (HotSpot's MaxInlineSize): it is inlined at every call site, warm or not. */
    static MicroThread<?> currentOrNull() {
        Thread t = Thread.currentThread();
        if (t.isVirtual()) return ThreadStrand.microThreadOf(t); // see ADR 0010
        ContinuationStrand s = ContinuationStrand.current(); // a host loop's micro-thread on its host thread?
        return s != null ? s.microThread : null;
    }

    /**
     * Lets the other ready micro-threads of the current loop run before the caller continues
     * (on a single-carrier loop: the caller goes to the back of the FIFO queue). Outside a
     * micro-thread it is {@link Thread#yield()}.
     *
     * @throws InterruptedException if the caller is interrupted or cancelled
     */
    public static void yieldNow() throws InterruptedException {
        Park.checkCancelled(currentOrNull());
        Park.yieldNow();
    }

    /**
     * Parks the caller for {@code duration} on its loop's clock. Only this micro-thread
     * waits; the loop runs others meanwhile.
     *
     * <p>A {@code duration} of zero or less (a remaining time that ran out) does not wait and does
     * not yield ({@link #yieldNow()} does): it returns at once, but like every blocking operation
     * of the library it first throws {@link InterruptedException} if the caller is interrupted or
     * cancelled, so a loop sleeping for a computed remaining time stays cancellable (ADR 0023).
     *
     * @param duration how long to sleep; zero or less: not at all
     * @throws InterruptedException if interrupted or cancelled, before or while sleeping
     */
    public static void sleep(Duration duration) throws InterruptedException {
        long deadline = Park.deadlineAfter(duration, "duration");
        MicroThread<?> self = currentOrNull();
        Park.checkCancelled(self);
        if (Park.expired(deadline)) return; // zero or less: checked for cancellation, never parks
        Park.beginWait(self, WaitKind.SLEEP, duration, false);
        try {
            while (!Park.expired(deadline)) {
                Park.parkUntil(Park.class, deadline);
                Park.checkCancelled(self);
            }
        } finally {
            Park.endWait(self);
        }
    }

    /**
     * Runs {@code body} in the caller as a <em>scope</em> (Kotlin's {@code coroutineScope},
     * {@code StructuredTaskScope}): the micro-threads started while it runs, by the body or by
     * those it started, on any loop, are its members, and cannot outlive it.
     * <ul>
     *   <li>It returns (or throws) only once the body and every member have ended.
     *   <li>The first failure stops the scope: the body ending by throwing, or a member failing
     *       (a {@code parallel} one, even if the body joins it, or a start-and-forget one). Every
     *       member still running is cancelled, and the body, if it still runs, is interrupted
     *       (in a micro-thread stickily, like a cancellation, yet the micro-thread is not
     *       cancelled: once the scope has ended, the stickiness ends).
     *   <li>A member's failure is the scope's: the first one is thrown as
     *       {@link FailedException}, with later failures suppressed; none goes to the failure
     *       handler. To handle a member's failure yourself, catch it in the member's body.
     *   <li>If the caller is interrupted or cancelled while waiting for the members, they are
     *       cancelled and awaited before {@link InterruptedException} is thrown.
     * </ul>
     * Scopes nest; {@link #withTimeout} is a scope with a deadline. A run ({@link Loop#run}) is
     * the outermost scope of a loop; a scope is part of its run (pipes confined to the run stay
     * usable by its members).
     *
     * @param <T> the type of the body's value
     * @param <X> the type of the checked exception the body may throw
     * @param body what runs, in the caller
     * @return the body's value, once every member has ended
     * @throws NullPointerException if {@code body} is null
     * @throws FailedException      if a member failed first (cause: its failure)
     * @throws InterruptedException if the caller was interrupted or cancelled
     * @throws X                    what the body threw
     */
    public static <T, X extends Exception> T scope(TimedBody<T, X> body) throws X, InterruptedException {
        Objects.requireNonNull(body, "body");
        try {
            return inBlock(body, Park.NONE, null);
        } catch (TimeoutException impossible) { // no deadline
            throw new AssertionError(impossible);
        }
    }

    /**
     * Runs {@code body} in the caller as a {@link #scope} with a deadline: if the body and its
     * members have not all ended within {@code timeout} on the loop's clock, the scope is
     * stopped: every member still running is cancelled, and the body, if it still runs, is
     * interrupted (in a micro-thread stickily for the rest of the body, like a cancellation; in
     * a plain thread once, as {@code Thread.interrupt}). Once every member has ended,
     * {@link TimeoutException} is thrown if the deadline cut something short: the body, which then
     * ended by throwing (its exception is the cause), or members still running at the deadline
     * (even if the body had returned: the block's work is incomplete). A body that returns a
     * value after the deadline, with no member cut short, has its value returned: nothing it
     * produced is discarded. Nested timeouts work independently: when an outer one expires, inner
     * ones let its interruption pass and the outer {@code withTimeout} throws
     * {@code TimeoutException}. A timeout is not a cancellation of the micro-thread: once
     * {@code withTimeout} returns or throws, the stickiness ends ({@link #isCancelled()} is false
     * again unless it was cancelled).
     *
     * @param <T> the type of the body's value
     * @param <X> the type of the checked exception the body may throw
     * @param timeout how long the body and its members may run before they are stopped; zero or
     *        less: already expired (ADR 0023): the body runs stopped from its start, so its first
     *        blocking call throws and {@code TimeoutException} follows; a body that does not block
     *        returns its value
     * @param body what runs, in the caller
     * @return the body's value, even if it returns after the deadline
     * @throws TimeoutException         if the deadline cut the body or a member short (see above)
     * @throws FailedException          if a member failed first (cause: its failure)
     * @throws InterruptedException     if the caller was interrupted or cancelled (not by this timeout)
     * @throws X                        what the body threw, if not caused by the timeout
     */
    public static <T, X extends Exception> T withTimeout(Duration timeout, TimedBody<T, X> body)
            throws X, InterruptedException, TimeoutException {
        long deadline = Park.deadlineAfter(timeout, "timeout");
        Objects.requireNonNull(body, "body");
        return inBlock(body, deadline, timeout);
    }

    /** A {@link #scope} ({@code deadline}: {@link Park#NONE}) or a {@link #withTimeout}. */
    private static <T, X extends Exception> T inBlock(TimedBody<T, X> body, long deadline, Duration timeout)
            throws X, InterruptedException, TimeoutException {
        MicroThread<?> self = currentOrNull();
        Park.checkCancelled(self);
        BlockScope b = BlockScope.open(self, true, deadline, timeout == null ? "scope" : "withTimeout");
        T value = null;
        Throwable thrown = null;
        try {
            value = body.run();
        } catch (Throwable t) {
            thrown = t;
        }
        boolean interruptedByBlock = b.bodyEnded();
        boolean cancelledFromOutside = (self != null && self.cancelFlag()) || b.outerStopped();
        if (interruptedByBlock && !cancelledFromOutside) {
            Park.interrupted(); // our own interrupt must not leak past the block
        }
        if (thrown != null) b.bodyFailed();
        InterruptedException joinInterrupted = b.joinMembers();
        b.disarm();
        List<Throwable> later = new ArrayList<>();
        for (Throwable f : b.laterFailures()) { // not one the body caught and rethrew: it is thrown anyway
            if (thrown == null || !causes(thrown, f)) later.add(f);
        }
        Throwable memberFailure = b.memberFailure();
        if (joinInterrupted != null) {
            if (memberFailure == null && later.isEmpty() && (thrown == null || causedByCancellation(thrown))) {
                throw joinInterrupted; // the caller was interrupted or cancelled: that is what it learns
            }
            // Something failed: a failure must not hide behind an interruption (a cancelled caller
            // ends as cancelled, and its exception is never reported). The failure is thrown, the
            // interruption rides along and stays set (sticky anyway for a cancelled micro-thread).
            Park.selfInterrupt();
        }
        if (memberFailure != null) { // a member failed first
            FailedException fe = FailedException.of("micro-thread " + b.failedMember() + ", started in a " + b.what
                    + ", failed", memberFailure);
            if (thrown != null && !causedByCancellation(thrown) && !causes(thrown, memberFailure)) fe.addSuppressed(thrown);
            for (Throwable f : later) fe.addSuppressed(f);
            if (joinInterrupted != null) fe.addSuppressed(joinInterrupted);
            throw fe;
        }
        // the deadline cut something short: the body (which then threw), or micro-threads it started
        int cut = b.cutByDeadline();
        boolean timedOut = b.stoppedByDeadline() && !cancelledFromOutside
                && (thrown != null ? interruptedByBlock || cut > 0 : cut > 0);
        if (thrown != null && !(timedOut && thrown instanceof Exception)) {
            for (Throwable f : later) thrown.addSuppressed(f);
            if (joinInterrupted != null) thrown.addSuppressed(joinInterrupted);
            throw MicroThread.<X>rethrow(thrown);
        }
        if (timedOut) {
            TimeoutException te = new TimeoutException((timeout.isPositive() ? "timed out after " + WaitKind.human(timeout)
                    : "timed out at once (a timeout of zero or less has already expired)")
                    + (cut > 0 ? ": " + cut + " micro-thread" + (cut == 1 ? "" : "s") + " it started had not ended and "
                    + (cut == 1 ? "was" : "were") + " cancelled" : ""));
            if (thrown != null) te.initCause(thrown);
            for (Throwable f : later) te.addSuppressed(f);
            if (joinInterrupted != null) te.addSuppressed(joinInterrupted);
            throw te;
        }
        if (!later.isEmpty()) { // members that failed after the block was stopped: never lost
            FailedException fe = FailedException.of(later.size() + " micro-thread" + (later.size() == 1 ? "" : "s")
                    + " started in a " + b.what + " failed after it was stopped", later.get(0));
            for (Throwable f : later.subList(1, later.size())) fe.addSuppressed(f);
            if (joinInterrupted != null) fe.addSuppressed(joinInterrupted);
            throw fe;
        }
        return value;
    }

    /** Whether {@code f} is {@code t} or among its causes. */
    private static boolean causes(Throwable t, Throwable f) {
        int depth = 0;
        for (Throwable c = t; c != null && depth++ < 32; c = c.getCause()) {
            if (c == f) return true;
        }
        return false;
    }

    /** Throws {@code t}: unchecked as it is, or the body's checked {@code X}. */
    @SuppressWarnings("unchecked")
    private static <X extends Exception> X rethrow(Throwable t) throws X {
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        throw (X) t;
    }

    /**
     * Runs each body as a micro-thread on the current loop and returns the first value one of
     * them returns; the others are then cancelled, and this method returns once all of them (and
     * whatever they started) have ended (jox's {@code race}, {@code StructuredTaskScope}'s
     * {@code anySuccessfulResultOrThrow}). A body that fails is just an attempt that lost: if
     * another one succeeds, its failure is dropped (neither thrown nor reported). If none
     * succeeds, the first failure in time is thrown as {@link FailedException}, with the others
     * suppressed. None outlives the call: if the caller is interrupted or cancelled, all are
     * cancelled and awaited before {@link InterruptedException} is thrown.
     *
     * @param <T> the type of the values
     * @param bodies the bodies, one micro-thread each, started in this order
     * @return the value of the first body to succeed
     * @throws NullPointerException     if {@code bodies} or any element is null (nothing started)
     * @throws IllegalArgumentException if {@code bodies} is empty (nothing could win)
     * @throws FailedException          if every body failed or was cancelled, and at least one failed
     *                                  (cause: the first failure; the others suppressed)
     * @throws CancellationException    if every body was cancelled by someone else
     * @throws InterruptedException     if the caller was interrupted or cancelled
     */
    public static <T> T race(List<? extends Body<? extends T>> bodies) throws InterruptedException {
        Objects.requireNonNull(bodies, "bodies");
        int n = bodies.size();
        for (int i = 0; i < n; i++) Objects.requireNonNull(bodies.get(i), "bodies[" + i + "]");
        if (n == 0) throw new IllegalArgumentException("bodies is empty: a race needs at least one body");
        Loop loop = Loop.current();
        MicroThread<?> self = currentOrNull();
        Park.checkCancelled(self);
        BlockScope b = BlockScope.open(self, false, Park.NONE, "race");
        List<MicroThread<? extends T>> started = new ArrayList<>(n);
        java.util.concurrent.atomic.AtomicReference<MicroThread<?>> winnerRef = new java.util.concurrent.atomic.AtomicReference<>();
        AtomicInteger remaining = new AtomicInteger(n); // bodies that have not ended without a value
        List<MicroThread<?>> failedInOrder = new ArrayList<>(0); // guarded by itself
        InterruptedException interrupted = null;
        Throwable startFailed = null;
        try {
            for (Body<? extends T> body : bodies) {
                MicroThread<? extends T> m = loop.parallel(body);
                started.add(m);
                m.onDone(() -> {
                    int state = m.stateCode();
                    if (state == Completion.VALUE) {
                        winnerRef.compareAndSet(null, m); // the owner wakes at its exit, just after
                        return;
                    }
                    if (state == Completion.FAILED) {
                        synchronized (failedInOrder) {
                            failedInOrder.add(m);
                        }
                    }
                    remaining.decrementAndGet();
                });
            }
        } catch (RuntimeException | Error e) { // the loop closed half-way (or out of memory)
            startFailed = e;
        }
        b.bodyEnded();
        if (startFailed == null) {
            // woken by the members' exits rather than by the winner's end: the winner has then left,
            // and often the others too, so the owner usually needs no second wait for them
            interrupted = b.awaitExits(() -> winnerRef.get() != null || remaining.get() == 0,
                    WaitKind.JOIN_ALL, new JoinAll(started, "race"), self != null && self.loop == loop);
        }
        MicroThread<?> winner = winnerRef.get();
        for (MicroThread<? extends T> m : started) {
            if (m != winner) m.cancel();
        }
        InterruptedException joinInterrupted = b.joinMembers();
        b.disarm();
        for (MicroThread<? extends T> m : started) m.claimFailureReport(); // the race observes them all
        List<MicroThread<?>> failed;
        synchronized (failedInOrder) {
            failed = new ArrayList<>(failedInOrder);
        }
        if (startFailed != null) {
            for (MicroThread<?> m : failed) startFailed.addSuppressed(m.failure());
            throw MicroThread.<RuntimeException>rethrow(startFailed);
        }
        InterruptedException ie = interrupted != null ? interrupted : joinInterrupted;
        if (ie != null) { // no value for an interrupted caller; the failures ride along, never dropped
            for (MicroThread<?> m : failed) ie.addSuppressed(m.failure());
            throw ie;
        }
        if (winner != null) {
            @SuppressWarnings("unchecked") T v = (T) winner.resultOrThrow(winner);
            return v;
        }
        if (failed.isEmpty()) {
            throw new CancellationException("every one of the " + n + " bodies of the race was cancelled");
        }
        MicroThread<?> first = failed.get(0);
        FailedException fe = FailedException.of("none of the " + n + " bodies of the race succeeded; the first to fail, "
                + first.quotedName() + ", failed", first.failure());
        for (MicroThread<?> m : failed.subList(1, failed.size())) fe.addSuppressed(m.failure());
        throw fe;
    }

    /**
     * Parks the caller until {@code stage} completes and returns its value. Only the
     * micro-thread waits. Cancelling the caller ends the wait; it does not cancel
     * {@code stage}, which may be shared.
     *
     * @param <V> the type of the stage's value
     * @param stage the stage to wait for
     * @return the stage's value
     * @throws FailedException       if the stage completed exceptionally (cause: its failure)
     * @throws CancellationException if the stage was cancelled
     * @throws InterruptedException  if interrupted or cancelled while waiting
     */
    public static <V> V await(CompletionStage<V> stage) throws InterruptedException {
        Objects.requireNonNull(stage, "stage");
        Completion<V> c = new Completion<>();
        stage.whenComplete((v, e) -> {
            if (e == null) {
                c.complete(v);
            } else {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof CancellationException) c.settleCancelled(cause); else c.fail(cause);
            }
        });
        c.await(currentOrNull(), WaitKind.AWAIT_STAGE, stage, false, Park.NONE);
        if (c.stateCode() == Completion.VALUE) return c.resultOrThrow(stage); // no message to build
        if (stage instanceof FutureView<?> view) view.observed(); // handed to the caller, as a join would
        return c.resultOrThrow("the awaited stage " + stage);
    }

    /**
     * As {@link #await(CompletionStage)}; this overload resolves the ambiguity for {@link CompletableFuture}.
     *
     * @param <V> the type of the future's value
     * @param future the future to wait for
     * @return the future's value
     * @throws FailedException       if the future completed exceptionally (cause: its failure)
     * @throws CancellationException if the future was cancelled
     * @throws InterruptedException  if interrupted or cancelled while waiting
     */
    public static <V> V await(CompletableFuture<V> future) throws InterruptedException {
        return await((CompletionStage<V>) future);
    }

    /**
     * Parks the caller until {@code future} is done and returns its value; as
     * {@link #await(CompletionStage)}.
     *
     * @param <V> the type of the future's value
     * @param future the future to wait for
     * @return the future's value
     * @throws FailedException       if the future completed exceptionally (cause: its failure)
     * @throws CancellationException if the future was cancelled
     * @throws InterruptedException  if interrupted or cancelled while waiting
     */
    public static <V> V await(Future<V> future) throws InterruptedException {
        Objects.requireNonNull(future, "future");
        if (future instanceof CompletableFuture<V> cf) return await((CompletionStage<V>) cf);
        MicroThread<?> self = currentOrNull();
        Park.checkCancelled(self);
        if (Park.currentWaiter() instanceof ContinuationStrand) return awaitFromHost(self, future);
        Park.beginWait(self, WaitKind.AWAIT_FUTURE, future, false);
        try {
            return future.get(); // parks only the virtual thread
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw FailedException.of("the awaited future " + future + " failed", cause);
        } catch (CancellationException e) { // a FutureTask's has no message
            throw cancelled(future, e);
        } finally {
            Park.endWait(self);
        }
    }

    /**
     * {@code future.get()} would block the host thread of a host loop: a helper virtual thread
     * (default scheduler) blocks in it instead and completes a cell the micro-thread awaits.
     * Cancelling the micro-thread interrupts the helper; the future itself is not cancelled.
     */
    private static <V> V awaitFromHost(MicroThread<?> self, Future<V> future) throws InterruptedException {
        Completion<V> c = new Completion<>();
        Thread helper = Thread.ofVirtual().name("microthreads-await-future").start(() -> {
            try {
                c.complete(future.get());
            } catch (ExecutionException e) {
                c.fail(e.getCause() == null ? e : e.getCause());
            } catch (CancellationException e) {
                c.settleCancelled(e);
            } catch (InterruptedException e) {
                c.settleCancelled(e); // the awaiting micro-thread gave up; nobody looks any more
            } catch (Throwable t) {
                c.fail(t);
            }
        });
        try {
            c.await(self, WaitKind.AWAIT_FUTURE, future, false, Park.NONE);
        } finally {
            if (!c.settled()) helper.interrupt();
        }
        if (c.stateCode() == Completion.CANCELLED) throw cancelled(future, c.failure());
        if (c.stateCode() == Completion.VALUE) return c.resultOrThrow(future); // no message to build
        return c.resultOrThrow("the awaited future " + future);
    }

    /** What awaiting a cancelled plain future throws: names the future, with what it threw (if anything) as cause. */
    private static CancellationException cancelled(Future<?> future, Throwable cause) {
        CancellationException ce = new CancellationException("the awaited future " + future + " was cancelled");
        if (cause != null) ce.initCause(cause);
        return ce;
    }

    // =====================================================================================
    // The handle
    // =====================================================================================

    /**
     * Waits for this micro-thread to end and returns its value.
     *
     * @return the value its body returned
     * @throws FailedException       if the body threw (cause: the body's failure, with its stack)
     * @throws CancellationException if it was cancelled and ended by throwing
     * @throws IllegalStateException if called by this micro-thread itself (it would wait forever)
     * @throws InterruptedException  if the caller is interrupted or cancelled while waiting
     */
    public T join() throws InterruptedException {
        MicroThread<?> self = checkJoiner();
        this.await(self, WaitKind.JOIN, this, self != null && self.loop == loop, Park.NONE);
        claimFailureReport();
        return this.resultOrThrow(this);
    }

    /**
     * As {@link #join()}, waiting at most {@code timeout}. A {@code timeout} of zero or less does
     * not wait (ADR 0023): if it has ended, its outcome as {@link #join()} gives it; otherwise
     * {@link InterruptedException} if the caller is interrupted or cancelled, else
     * {@link TimeoutException} at once.
     *
     * @param timeout how long to wait at most; zero or less: not at all
     * @return the value its body returned
     * @throws TimeoutException         if it has not ended in time (it keeps running)
     * @throws FailedException          if the body threw (cause: the body's failure, with its stack)
     * @throws CancellationException    if it was cancelled and ended by throwing
     * @throws IllegalStateException    if called by this micro-thread itself
     * @throws InterruptedException     if the caller is interrupted or cancelled while waiting
     */
    public T join(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = Park.deadlineAfter(timeout, "timeout");
        MicroThread<?> self = checkJoiner();
        if (!this.await(self, WaitKind.JOIN, this, false, deadline)) {
            throw new TimeoutException("micro-thread '" + name() + "' did not end " + WaitKind.within(timeout));
        }
        claimFailureReport();
        return this.resultOrThrow(this);
    }

    /**
     * This micro-thread as a {@link CompletableFuture}, for callback APIs and
     * {@code CompletableFuture.allOf}: a view that completes when the micro-thread ends, with the
     * same outcome {@link #join()} reports.
     * {@snippet :
     * MicroThread<String> page = MicroThread.parallel(() -> fetch(url));
     * CompletableFuture<Integer> length = page.toCompletableFuture().thenApply(String::length);
     * }
     *
     * <table>
     *   <caption>what the view completes with</caption>
     *   <tr><th>the micro-thread</th><th>the view</th><th>{@code view.get()}</th></tr>
     *   <tr><td>returned {@code v}</td><td>{@code v}</td><td>returns {@code v}</td></tr>
     *   <tr><td>failed: its body threw {@code e}</td><td>exceptionally with {@code e} itself (the cause of
     *       {@code join}'s {@link FailedException})</td><td>{@link ExecutionException}, cause {@code e}</td></tr>
     *   <tr><td>was cancelled and ended by throwing</td><td>a {@link CancellationException} naming it (cause:
     *       what it threw), so {@code view.isCancelled()} is true</td><td>that {@code CancellationException}</td></tr>
     * </table>
     *
     * <p><b>One view while it runs</b>: until it ends, every call returns the same view, made by the
     * first call (kept among its end's listeners: a micro-thread that is never asked pays nothing,
     * not even a field). Once it has ended, a call returns a view that is already complete with
     * its outcome, not necessarily the same object (none of them can change any more).
     *
     * <p><b>Cancellation, both ways.</b> {@link #cancel()} of the micro-thread completes the view with
     * a {@code CancellationException} once the micro-thread has ended (if it then ends cancelled).
     * {@code view.cancel(anything)} completes the view with a {@code CancellationException} at once, as
     * any {@code CompletableFuture} does, and cancels the micro-thread (and what it started), without
     * waiting for it to end: {@link #join()} does. The same holds for any outside exceptional
     * completion: {@code completeExceptionally(ex)} and {@code orTimeout(...)} complete the view with
     * {@code ex} (a {@link TimeoutException}) and cancel the micro-thread. Whoever completes the view
     * first wins; the micro-thread's own later outcome stays available through {@link #join()}.
     *
     * <p><b>The outcome cannot be faked</b>: {@code complete(value)}, {@code completeAsync},
     * {@code completeOnTimeout}, {@code obtrudeValue} and {@code obtrudeException} on the view throw
     * {@link UnsupportedOperationException}. Dependent stages ({@code thenApply}, {@code copy()}, ...)
     * are ordinary {@code CompletableFuture}s.
     *
     * <p><b>Failures are never lost</b> (ADR 0026): a failure counts as observed, as by a {@code join},
     * when the view's {@code get}, {@code join}, {@code getNow} or {@code exceptionNow}, or
     * {@link #await(CompletableFuture)} of the view, hands it to a caller. It does not count when it merely passes into a dependent stage ({@code thenApply},
     * {@code whenComplete}, {@code allOf}, ...), which may be dropped unread: a failure nobody joined
     * then still goes to the loop's {@link FailureHandler} at the end of its run (or, outside runs,
     * when its handle becomes unreachable), so code that handles it through a callback may see it
     * reported there too: twice, never silently lost.
     *
     * <p><b>Threads.</b> Dependent stages added without an executor run on the thread that completes
     * the view: the micro-thread's own as it ends (on a single-carrier loop, its carrier), or the
     * caller's if it is already complete. Keep them short, or use the {@code ...Async} forms.
     * Inside a micro-thread, prefer {@link #join()} or {@link #await(CompletableFuture)} to
     * {@code view.get()}: they show in dumps and take part in deadlock reports; {@code get()} parks
     * the micro-thread as plain JDK code (and on a host loop blocks the host thread).
     *
     * @return the future view of this micro-thread: the same object on every call while it runs
     */
    public CompletableFuture<T> toCompletableFuture() {
        FutureView.Settler<T> made = new FutureView.Settler<>(new FutureView<>(this));
        return onDoneOnce(made).view; // an earlier one still pending, or else `made` (run now if it has ended)
    }

    private MicroThread<?> checkJoiner() {
        MicroThread<?> self = currentOrNull();
        if (self == this) {
            throw new IllegalStateException("micro-thread '" + name() + "' cannot join itself: it would wait forever");
        }
        return self;
    }

    /**
     * Requests cancellation: interrupts the micro-thread, and makes every later blocking
     * operation of the library in it throw {@link InterruptedException}. The micro-threads it
     * started (on any loop), and theirs, that are still running are cancelled too, as are
     * those it starts from now on. Idempotent; no effect on a micro-thread that has ended.
     * Does not wait: {@link #join()} does.
     */
    public void cancel() {
        if (!cancelOnly()) return;
        // Descendants: one scan of the live micro-threads, and only if this one ever started
        // another (a child list per micro-thread would cost every start; cancelling is rare).
        // Dekker with Loop.spawnIn: we write `cancelled`, then read `startedChildren` and scan;
        // a starter writes `startedChildren`, registers the child, then checks the ancestors'
        // flags. Either the scan finds the child or the child sees the flag.
        if (lineage.startedChildren) cancelDescendantsOfCancelled();
    }

    /** The live micro-threads {@code m} started, at any depth, on any loop (one scan; for dumps). */
    static List<MicroThread<?>> liveDescendantsOf(MicroThread<?> m) {
        List<MicroThread<?>> found = new ArrayList<>();
        if (!m.lineage.startedChildren) return found;
        for (Loop l : Loop.withLiveMicroThreads()) {
            l.forEachLive(d -> {
                for (Lineage p = d.lineage.parent; p != null; p = p.parent) {
                    if (p == m.lineage) {
                        found.add(d);
                        break;
                    }
                }
            });
        }
        return found;
    }

    /** Cancels every live micro-thread that has a cancelled ancestor: one pass, any depth. */
    static void cancelDescendantsOfCancelled() {
        List<MicroThread<?>> victims = new ArrayList<>();
        for (Loop l : Loop.withLiveMicroThreads()) {
            l.forEachLive(m -> {
                if (m.lineage.state == Lineage.LIVE && m.lineage.hasCancelledAncestor()) victims.add(m);
            });
        }
        for (MicroThread<?> m : victims) m.cancelOnly();
    }

    boolean hasCancelledAncestor() {
        return lineage.hasCancelledAncestor();
    }

    /** Called by the starter itself when it starts a child. */
    void compressAncestors() {
        lineage.compress();
    }

    /**
     * Cancels this micro-thread only (close, deadlocks: everyone is cancelled anyway); a repeat
     * interrupts again, which wakes a body that swallowed the first interrupt in JDK code.
     */
    boolean cancelOnly() {
        if (!lineage.cancel()) return false; // it has ended
        Strand s = strand;
        if (s != null) s.interrupt();
        return true;
    }

    boolean cancelFlag() {
        return lineage.state == Lineage.CANCELLED;
    }

    /**
     * {@return whether cancellation was requested, or a block the caller's body is in was
     * stopped: an enclosing {@link #withTimeout} expired, or a {@link #scope} failed}
     */
    public boolean isCancelled() {
        return cancelRequested();
    }

    boolean cancelRequested() {
        if (lineage.state == Lineage.CANCELLED) return true;
        for (BlockScope b = blocks; b != null; b = b.outer) {
            if (b.stopped) return true;
        }
        return false;
    }

    /** {@return whether it has ended (in any way)} */
    public boolean isDone() {
        return settled();
    }

    /**
     * {@return the name given at start, exactly as given (control characters included), or
     * {@code mt-<id>}} Dumps and reports show it quoted, with line breaks and other control
     * characters escaped ({@code 'a\nb'}), so that it stays on one line.
     */
    public String name() {
        return explicitName != null ? explicitName : "mt-" + id;
    }

    /**
     * The name in single quotes for dumps and reports, on one line: control characters (line
     * breaks, tabs, ...) and the Unicode line and paragraph separators written as escapes
     * ({@code \n}, {@code \r}, {@code \t}, else {@code \}{@code uXXXX}).
     */
    String quotedName() {
        return quote(name());
    }

    /** {@code s} in single quotes, escaped as {@link #quotedName()}. */
    static String quote(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean escape = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
            if (escape && sb == null) sb = new StringBuilder(s.length() + 8).append('\'').append(s, 0, i);
            if (sb == null) continue;
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (escape) sb.append(String.format("\\u%04x", (int) c)); else sb.append(c);
                }
            }
        }
        return sb == null ? "'" + s + "'" : sb.append('\'').toString();
    }

    /** {@return the loop it runs on} */
    public Loop loop() {
        return loop;
    }

    /** {@return its state now} Unreliable for check-then-act, as any racy query. */
    public State state() {
        switch (stateCode()) {
            case Completion.VALUE: return State.SUCCEEDED;
            case Completion.FAILED: return State.FAILED;
            case Completion.CANCELLED: return State.CANCELLED;
            default: break;
        }
        if (waitKind != null) return State.WAITING;
        Strand s = strand;
        return s != null && s.blocked() ? State.WAITING : State.RUNNING;
    }

    /**
     * What it waits on, in words ("joining micro-thread 'bob'", "sleeping for 30s", "awaiting
     * Deferred@1b6d3586 (pending)", "blocked in JDK code (see its stack)"), or empty if it is not waiting.
     *
     * @return the wait in words, or empty
     */
    public Optional<String> waitingOn() {
        WaitKind k = waitKind;
        Object target = waitTarget;
        if (k != null) return Optional.of(k.describe(target));
        if (state() == State.WAITING) return Optional.of("blocked in JDK code (see its stack)");
        return Optional.empty();
    }

    /** {@return its stack now (empty once ended; empty, for now, on a host loop)} */
    public StackTraceElement[] stackTrace() {
        Strand s = strand;
        return s == null ? new StackTraceElement[0] : s.stackTrace();
    }

    @Override
    public String toString() {
        return "MicroThread['" + name() + "' on " + loop.name() + ", " + state() + "]";
    }
}
