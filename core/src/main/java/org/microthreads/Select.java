package org.microthreads;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Waits for the first of several pipe operations that can happen, does exactly that one, and
 * returns what its action returns (Go's {@code select}).
 *
 * <pre>{@code
 * String got = Select.select(
 *         jobs.onTake(job -> "job " + job),
 *         urgent.onTake(msg -> "urgent " + msg),
 *         Select.onTimeout(Duration.ofSeconds(1), () -> "idle"));
 * }</pre>
 *
 * <h2>Cases</h2>
 * {@link Pipe#onTake}, {@link Pipe#onTakeOrClosed} and {@link Pipe#onPut} on any pipes (the same
 * pipe may appear more than once); at most one {@link #onTimeout} (waits at most that long on the
 * loop's clock, then runs its action; zero or less: as {@link #onDefault}) or one {@link #onDefault}
 * (runs at once if no other case is ready; the select never waits). Exactly one case happens: the others leave no trace in their pipes
 * (no item taken, none delivered, no registration left behind). A pipe that is closed is ready: its
 * take case sees the end (see {@link Pipe#onTake}), its put case throws {@link PipeClosedException}.
 *
 * <h2>Fairness</h2>
 * {@link #select} picks uniformly at random among the cases that are ready when it looks (as Go
 * does), so a busy pipe cannot starve another. {@link #selectFirst} picks the first ready case in
 * argument order (as Kotlin's {@code select} does): a priority order, and slightly cheaper.
 *
 * <h2>Waiting</h2>
 * Honours interruption and the sticky cancellation of micro-threads: if it throws
 * {@link InterruptedException}, no case happened. Shown in dumps as
 * "selecting to take from pipe 'a' or put to pipe 'b'".
 *
 * <h2>Exceptions</h2>
 * A {@code null} case throws {@link NullPointerException}; no cases, or only a timeout or default,
 * or two timeouts/defaults, or a timeout together with a default, throw
 * {@link IllegalArgumentException}. Exceptions of the chosen action pass through.
 */
public final class Select {
    private Select() {}

    /**
     * What a take case does with the item it took.
     *
     * @param <T> the type of the pipe's items
     * @param <R> the type of the select's result
     */
    @FunctionalInterface
    public interface ItemAction<T, R> {
        /**
         * Runs once the case was chosen and its item taken, on the selecting thread.
         *
         * @param item the item taken (never null; for {@link Pipe#onTakeOrClosed}, null when the
         *        pipe was closed and drained)
         * @return what the select returns
         * @throws InterruptedException passes through the select to its caller
         */
        R apply(T item) throws InterruptedException;
    }

    /**
     * What a put, timeout or default case does once chosen.
     *
     * @param <R> the type of the select's result
     */
    @FunctionalInterface
    public interface Action<R> {
        /**
         * Runs once the case was chosen (for a put, after the item was delivered), on the
         * selecting thread.
         *
         * @return what the select returns
         * @throws InterruptedException passes through the select to its caller
         */
        R run() throws InterruptedException;
    }

    /**
     * One case of a select; made by {@link Pipe#onTake}, {@link Pipe#onPut}, {@link #onTimeout}, {@link #onDefault}.
     *
     * @param <R> the type of what its action returns
     */
    public sealed interface Case<R> permits Clause, Timeout, Default {}

    /**
     * A case chosen when no other case happened within {@code timeout}. Whatever its place among
     * the cases, it never competes with a ready pipe case: it is chosen only if none is ready.
     *
     * <p>A {@code timeout} of zero or less has already expired (ADR 0023): the select looks at its
     * pipe cases once, does a ready one if there is one (chosen as {@link #select} or
     * {@link #selectFirst} chooses), and otherwise runs this action at once, without waiting. It
     * is then exactly an {@link #onDefault} case: the select never waits and never throws
     * {@link InterruptedException}.
     *
     * @param <R> the type of what {@code action} returns
     * @param timeout how long the select waits for another case, measured from when it starts;
     *        zero or less: not at all
     * @param action what runs when time is up; its result is the select's
     * @return the case, for {@link #select} or {@link #selectFirst}
     * @throws NullPointerException if {@code timeout} or {@code action} is null
     */
    public static <R> Case<R> onTimeout(Duration timeout, Action<? extends R> action) {
        Objects.requireNonNull(timeout, "timeout");
        return new Timeout<>(timeout, Objects.requireNonNull(action, "action"));
    }

    /**
     * A case chosen at once when no other case is ready: the select never waits.
     *
     * @param <R> the type of what {@code action} returns
     * @param action what runs when no other case is ready; its result is the select's
     * @return the case, for {@link #select} or {@link #selectFirst}
     * @throws NullPointerException if {@code action} is null
     */
    public static <R> Case<R> onDefault(Action<? extends R> action) {
        return new Default<>(Objects.requireNonNull(action, "action"));
    }

    /**
     * Does one of the ready cases, chosen uniformly at random, waiting until one is ready.
     *
     * @param <R> the type of the result
     * @param cases the cases, at least one of them on a pipe
     * @return what the chosen case's action returned
     * @throws InterruptedException if interrupted or cancelled while waiting (no case happened)
     */
    @SafeVarargs
    public static <R> R select(Case<? extends R>... cases) throws InterruptedException {
        return run(Objects.requireNonNull(cases, "cases"), true);
    }

    /**
     * As {@link #select(Case[])}, with the cases in a list.
     *
     * @param <R> the type of the result
     * @param cases the cases, at least one of them on a pipe
     * @return what the chosen case's action returned
     * @throws InterruptedException if interrupted or cancelled while waiting (no case happened)
     */
    public static <R> R select(List<? extends Case<? extends R>> cases) throws InterruptedException {
        return run(array(cases), true);
    }

    /**
     * Does the first ready case in argument order, waiting until one is ready.
     *
     * @param <R> the type of the result
     * @param cases the cases, at least one of them on a pipe; the first ready one is chosen
     * @return what the chosen case's action returned
     * @throws InterruptedException if interrupted or cancelled while waiting (no case happened)
     */
    @SafeVarargs
    public static <R> R selectFirst(Case<? extends R>... cases) throws InterruptedException {
        return run(Objects.requireNonNull(cases, "cases"), false);
    }

    /**
     * As {@link #selectFirst(Case[])}, with the cases in a list (their order is the priority).
     *
     * @param <R> the type of the result
     * @param cases the cases, at least one of them on a pipe; the first ready one is chosen
     * @return what the chosen case's action returned
     * @throws InterruptedException if interrupted or cancelled while waiting (no case happened)
     */
    public static <R> R selectFirst(List<? extends Case<? extends R>> cases) throws InterruptedException {
        return run(array(cases), false);
    }

    @SuppressWarnings("unchecked")
    private static <R> Case<? extends R>[] array(List<? extends Case<? extends R>> cases) {
        return Objects.requireNonNull(cases, "cases").toArray(new Case[0]);
    }

    // =====================================================================================
    // Cases
    // =====================================================================================

    /** A take or put on a pipe. */
    static final class Clause<T, R> implements Case<R> {
        final Pipe<T> pipe;
        final boolean put;
        final Object item;
        final ItemAction<? super T, ? extends R> action;
        final boolean orClosed;

        Clause(Pipe<T> pipe, boolean put, Object item, ItemAction<? super T, ? extends R> action, boolean orClosed) {
            this.pipe = pipe;
            this.put = put;
            this.item = item;
            this.action = action;
            this.orClosed = orClosed;
        }

        /** Under the pipe's lock: the outcome, or null if not ready. */
        Object tryLocked() {
            Object r = put ? pipe.offerLocked(item) : pipe.pollLocked();
            return r == Pipe.FULL || r == Pipe.EMPTY ? null : r;
        }

        /** Runs the action for outcome {@code r} (OK or an item; DONE: the pipe ended). */
        @SuppressWarnings("unchecked")
        R complete(Object r) throws InterruptedException {
            if (r == Pipe.DONE) {
                if (put) throw pipe.closedForPut();
                if (!orClosed || pipe.isFailed()) throw pipe.closedForTake();
                return action.apply(null);
            }
            return action.apply(put ? null : (T) r);
        }

        @Override
        public String toString() {
            return (put ? "put to " : "take from ") + pipe;
        }
    }

    record Timeout<R>(Duration timeout, Action<? extends R> action) implements Case<R> {}

    record Default<R>(Action<? extends R> action) implements Case<R> {}

    /** A waiting select: its nodes are its clauses in its pipes' queues. */
    private static final class Op extends PipeWaiter {
        final Clause<?, ?>[] clauses;
        final PipeWaiter.Node[] nodes;

        /** Call with every pipe of the clauses locked: queues one node per clause. */
        Op(Object strand, Clause<?, ?>[] clauses) {
            super(strand);
            this.clauses = clauses;
            this.nodes = new PipeWaiter.Node[clauses.length];
            for (int k = 0; k < clauses.length; k++) {
                Clause<?, ?> c = clauses[k];
                nodes[k] = new PipeWaiter.Node(c.pipe, this, k, c.item);
                c.pipe.queue(c.put).add(nodes[k]);
            }
        }

        /**
         * Takes every node but {@code chosen} (-1: all) out of its pipe. A node a counterpart has
         * already taken out (and dropped as dead) needs no lock: its {@code queue} only ever goes
         * from this waiter's own write to null, so reading null here is final.
         */
        void unlinkExcept(int chosen) {
            for (int k = 0; k < nodes.length; k++) {
                if (k != chosen && nodes[k].queue != null) nodes[k].giveUp();
            }
        }

        @Override
        void giveUp() {
            unlinkExcept(-1);
        }

        @Override
        public String toString() { // after "selecting to "
            StringBuilder b = new StringBuilder();
            for (Clause<?, ?> c : clauses) {
                if (!b.isEmpty()) b.append(" or ");
                b.append(c);
            }
            return b.toString();
        }
    }

    // =====================================================================================
    // The algorithm
    // =====================================================================================

    /**
     * Locks every pipe of the select (in id order, so selects never deadlock each other), looks
     * for a ready case in the chosen order, and if there is none and no default, queues one node
     * per case before unlocking: no counterpart can see a half-registered select. Then it waits
     * until a counterpart (or a closing pipe) chooses one node, takes the others out, and runs the
     * chosen case's action.
     */
    @SuppressWarnings("unchecked")
    private static <R> R run(Case<? extends R>[] cases, boolean fair) throws InterruptedException {
        if (cases.length == 0) throw new IllegalArgumentException("select needs at least one case");
        Clause<?, ? extends R>[] clauses = new Clause[cases.length];
        int m = 0;
        Timeout<? extends R> timeout = null;
        Default<? extends R> dflt = null;
        for (int i = 0; i < cases.length; i++) {
            switch (Objects.requireNonNull(cases[i], "cases[" + i + "]")) {
                case Clause<?, ? extends R> c -> clauses[m++] = c;
                case Timeout<? extends R> t -> {
                    if (timeout != null) throw new IllegalArgumentException("select takes at most one onTimeout case");
                    timeout = t;
                }
                case Default<? extends R> d -> {
                    if (dflt != null) throw new IllegalArgumentException("select takes at most one onDefault case");
                    dflt = d;
                }
            }
        }
        if (m == 0) throw new IllegalArgumentException("select needs at least one pipe case (onTake/onPut)");
        if (timeout != null && dflt != null) {
            throw new IllegalArgumentException("select cannot have both onTimeout and onDefault: the default never waits");
        }
        if (timeout != null && !timeout.timeout().isPositive()) { // expired already: a default (ADR 0023)
            dflt = new Default<>(timeout.action());
            timeout = null;
        }
        if (m < clauses.length) clauses = Arrays.copyOf(clauses, m);
        MicroThread<?> self = MicroThread.currentOrNull();
        int[] order = fair && m > 2 ? shuffled(m, Park.random(self)) : null;
        int start = fair && m == 2 ? Park.random(self).nextInt(2) : 0;
        if (dflt == null) Park.checkCancelled(self);
        long deadline = timeout == null ? Park.NONE : Park.deadlineAfter(timeout.timeout(), "timeout");
        Pipe<?>[] locks = lockOrder(clauses);
        boolean internal = timeout == null;
        for (Pipe<?> p : locks) {
            p.touch(self);
            internal &= p.isHome(self);
        }

        Op op = null;
        int chosen = -1;
        Object outcome = null;
        PipeWaiter woken = null;
        int entered = 0;
        try {
            for (; entered < locks.length; entered++) locks[entered].enter(self);
            for (int i = 0; i < m; i++) {
                int k = order != null ? order[i] : (start + i) % m;
                Object r = clauses[k].tryLocked();
                if (r != null) {
                    chosen = k;
                    outcome = r;
                    woken = clauses[k].pipe.takeWoken();
                    break;
                }
            }
            if (chosen < 0 && dflt == null) op = new Op(Park.currentWaiter(), clauses);
        } finally {
            for (int i = entered - 1; i >= 0; i--) locks[i].exit();
        }
        if (woken != null) woken.wake(); // the counterpart it chose, once out of the pipes
        if (chosen >= 0) return clauses[chosen].complete(outcome);
        if (dflt != null) return dflt.action().run();

        int s = op.await(self, WaitKind.SELECT, op, internal, deadline);
        if (s == PipeWaiter.CANCELLED) return timeout.action().run(); // timed out; the nodes are gone
        int k = PipeWaiter.clause(s);
        op.unlinkExcept(k);
        Clause<?, ? extends R> c = clauses[k];
        return c.complete(PipeWaiter.closed(s) ? Pipe.DONE : c.put ? Pipe.OK : op.nodes[k].item);
    }

    /**
     * 0..m-1 shuffled (Fisher-Yates): each ready case equally likely. Two cases need no array: a
     * random first of the two is the same thing.
     */
    private static int[] shuffled(int m, RandomGenerator rnd) {
        int[] order = new int[m];
        for (int i = 0; i < m; i++) order[i] = i;
        for (int i = m - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The distinct pipes of the clauses, by id. */
    private static Pipe<?>[] lockOrder(Clause<?, ?>[] clauses) {
        Pipe<?>[] pipes = new Pipe<?>[clauses.length];
        int n = 0;
        outer:
        for (Clause<?, ?> c : clauses) {
            for (int i = 0; i < n; i++) if (pipes[i] == c.pipe) continue outer;
            int i = n++;
            while (i > 0 && pipes[i - 1].id > c.pipe.id) { // insertion sort: a select has few pipes
                pipes[i] = pipes[i - 1];
                i--;
            }
            pipes[i] = c.pipe;
        }
        return n == pipes.length ? pipes : Arrays.copyOf(pipes, n);
    }
}
