package org.microthreads;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jetbrains.lincheck.Lincheck;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Linearizability of pipes with Lincheck, and model-checked races of their blocking operations.
 *
 * <h2>What Lincheck can check here, and how</h2>
 * <ul>
 *   <li><b>Linearizability against a sequential specification</b> ({@link Model}, an
 *       {@code ArrayDeque}), by model checking (every interleaving Lincheck explores) and by stress
 *       (real threads), for rendezvous, buffered(2), unbounded and conflated pipes. Operations:
 *       {@code tryPut}, {@code tryTake}, {@code close}, {@code fail}, {@code isClosedForTake},
 *       {@code isClosedForPut}, {@code size}; plus {@code put}/{@code putOrClosed} where they never
 *       wait (unbounded, conflated).</li>
 *   <li><b>Blocking operations are not linearizability-checked by model checking.</b> Lincheck
 *       checks waiting operations against a sequential specification only when they are Kotlin
 *       {@code suspend} functions; a parked Java thread in a scenario is reported as a hang, and the
 *       model checker's clock does not advance, so timed waits never time out there either.
 *       Instead:
 *       <ul>
 *         <li>the <b>timed</b> forms ({@code tryPut(x, d)}, {@code tryTake(d)}) are checked in
 *             <b>stress</b> mode against the same specification: a timed operation that waited
 *             and then succeeded takes effect at the hand-over, one that timed out at a moment the
 *             pipe was full (empty), so it is linearizable as its non-waiting form. This does not
 *             hold for rendezvous (a dual structure: a put and a take complete together, which no
 *             sequential order of {@code tryPut}/{@code tryTake} allows), so rendezvous has no
 *             timed operations here;</li>
 *         <li>the <b>blocking</b> forms ({@code put}, {@code take}, {@code select}) with
 *             {@code close}, {@code fail} and interrupts are model-checked as small whole programs
 *             with {@link Lincheck#runConcurrentTest}: every explored interleaving must end (no
 *             lost wake-up, no deadlock between selects) and satisfy exactly-once assertions;</li>
 *         <li>{@link PipeStressTest} covers them at scale on real loops.</li>
 *       </ul></li>
 * </ul>
 *
 * <p>Short by default (part of every {@code ./mt test}: about 15 s on an idle 2-core machine).
 * {@code ./mt test -pl core -Plincheck -Dtest=PipeLincheckTest} (property
 * {@code microthreads.lincheck.long=true}) runs the long budgets below (minutes). Runs in a
 * surefire execution and JVM of its own (see core/pom.xml): Lincheck attaches a Java agent that
 * instruments classes. That JVM runs with {@code -Dmicrothreads.pipe.spins=0}: the spin a waiter
 * does before parking hides the park path from the model checker (see core/pom.xml).
 * Lincheck calls the operation classes reflectively, hence {@code public}.
 *
 * <p>Mutations of Pipe/Select these checks were seen to catch (each tried, then reverted): an
 * interrupted put or take that throws although a counterpart had already chosen it
 * ({@code anInterruptedPut…}, {@code anInterruptedTake…}), the same in a select
 * ({@code anInterruptedSelect…}), a select that leaves its losing registrations behind
 * ({@code twoSelects…}), selects that lock their pipes in case order instead of by id
 * ({@code twoSelectsMeet…} hangs), and a put that checks for closure outside the lock (the
 * linearizability checks, and {@code anInterruptedSelect…} hangs).
 */
@Tag("lincheck")
@Timeout(600)
public class PipeLincheckTest {
    static final boolean LONG = Boolean.getBoolean("microthreads.lincheck.long");
    static final int MC_ITERATIONS = LONG ? 30 : 2;
    static final int MC_INVOCATIONS = LONG ? 1_000 : 40;
    static final int STRESS_ITERATIONS = LONG ? 30 : 2;
    static final int STRESS_INVOCATIONS = LONG ? 2_000 : 80;
    static final int SCENARIO_INVOCATIONS = LONG ? 3_000 : 30;
    /** A timed operation's wait: short, so that stress scenarios keep running. */
    static final Duration WAIT = Duration.ofNanos(50_000);

    // =========================================================================================
    // The operations under test, and their sequential specification
    // =========================================================================================

    /** The non-waiting operations every flavour has; results as values ("closed", "failed"), not exceptions. */
    public abstract static class Ops {
        final Pipe<Integer> p;

        Ops(Pipe<Integer> p) {
            this.p = p;
        }

        @Operation
        public Object tryPut(@Param(gen = IntGen.class, conf = "1:4") int x) {
            return outcome(() -> p.tryPut(x));
        }

        @Operation
        public Object tryTake() {
            return outcome(p::tryTake);
        }

        @Operation
        public boolean close() {
            return p.close();
        }

        @Operation
        public boolean fail() {
            return p.fail(new IllegalStateException("boom"));
        }

        @Operation
        public boolean isClosedForTake() {
            return p.isClosedForTake();
        }

        @Operation
        public boolean isClosedForPut() {
            return p.isClosedForPut();
        }

        @Operation
        public int size() {
            return p.size();
        }
    }

    /** Plus the waiting forms that never wait on this flavour (unbounded, conflated). */
    public abstract static class NeverFullOps extends Ops {
        NeverFullOps(Pipe<Integer> p) {
            super(p);
        }

        @Operation
        public Object put(@Param(gen = IntGen.class, conf = "1:4") int x) {
            return outcome(() -> {
                p.put(x);
                return true;
            });
        }

        @Operation
        public Object putOrClosed(@Param(gen = IntGen.class, conf = "1:4") int x) {
            return outcome(() -> p.putOrClosed(x));
        }
    }

    public static class RendezvousOps extends Ops {
        public RendezvousOps() {
            super(Pipe.rendezvous());
        }
    }

    public static class BufferedOps extends Ops {
        public BufferedOps() {
            super(Pipe.buffered(2));
        }
    }

    public static class UnboundedOps extends NeverFullOps {
        public UnboundedOps() {
            super(Pipe.unbounded());
        }
    }

    public static class ConflatedOps extends NeverFullOps {
        public ConflatedOps() {
            super(Pipe.conflated());
        }
    }

    /** The timed forms too (stress only: the model checker's clock stands still). */
    public static class BufferedTimedOps extends BufferedOps {
        @Operation
        public Object tryPutTimed(@Param(gen = IntGen.class, conf = "1:4") int x) {
            return outcome(() -> p.tryPut(x, WAIT));
        }

        @Operation
        public Object tryTakeTimed() {
            return outcome(() -> p.tryTake(WAIT));
        }
    }

    public static class UnboundedTimedOps extends UnboundedOps {
        @Operation
        public Object tryPutTimed(@Param(gen = IntGen.class, conf = "1:4") int x) {
            return outcome(() -> p.tryPut(x, WAIT));
        }

        @Operation
        public Object tryTakeTimed() {
            return outcome(() -> p.tryTake(WAIT));
        }
    }

    public static class ConflatedTimedOps extends ConflatedOps {
        @Operation
        public Object tryPutTimed(@Param(gen = IntGen.class, conf = "1:4") int x) {
            return outcome(() -> p.tryPut(x, WAIT));
        }

        @Operation
        public Object tryTakeTimed() {
            return outcome(() -> p.tryTake(WAIT));
        }
    }

    /** The sequential specification: a deque, a capacity, a drop-oldest policy, an end state. */
    public abstract static class Model {
        private final int capacity;
        private final boolean dropOldest;
        private final ArrayDeque<Integer> items = new ArrayDeque<>();
        private String end; // null: open; "closed" or "failed"

        Model(int capacity, boolean dropOldest) {
            this.capacity = capacity;
            this.dropOldest = dropOldest;
        }

        public Object tryPut(int x) {
            if (end != null) return "closed"; // a put on a failed pipe is refused with PipeClosedException too
            if (items.size() < capacity) {
                items.addLast(x);
                return true;
            }
            if (dropOldest) {
                items.pollFirst();
                items.addLast(x);
                return true;
            }
            return false;
        }

        public Object tryTake() {
            if (!items.isEmpty()) return items.pollFirst();
            return end; // null while open
        }

        public boolean close() {
            if (end != null) return false;
            end = "closed";
            return true;
        }

        public boolean fail() {
            if (end != null) return false;
            end = "failed";
            return true;
        }

        public boolean isClosedForTake() {
            return end != null && items.isEmpty();
        }

        public boolean isClosedForPut() {
            return end != null;
        }

        public int size() {
            return items.size();
        }

        public Object put(int x) {
            return tryPut(x);
        }

        public Object putOrClosed(int x) {
            Object r = tryPut(x);
            return r.equals("closed") ? false : r;
        }

        public Object tryPutTimed(int x) {
            return tryPut(x);
        }

        public Object tryTakeTimed() {
            return tryTake();
        }
    }

    public static class RendezvousModel extends Model {
        public RendezvousModel() {
            super(0, false);
        }
    }

    public static class BufferedModel extends Model {
        public BufferedModel() {
            super(2, false);
        }
    }

    public static class UnboundedModel extends Model {
        public UnboundedModel() {
            super(Integer.MAX_VALUE, false);
        }
    }

    public static class ConflatedModel extends Model {
        public ConflatedModel() {
            super(1, true);
        }
    }

    /** The result of an operation as a value: "closed", "failed" and "interrupted" for its exceptions. */
    static Object outcome(Callable<?> op) {
        try {
            return op.call();
        } catch (PipeClosedException e) {
            return "closed";
        } catch (FailedException e) {
            return "failed";
        } catch (InterruptedException e) {
            return "interrupted";
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    // =========================================================================================
    // Linearizability: model checking and stress
    // =========================================================================================

    static ModelCheckingOptions modelChecking(Class<?> model) {
        return new ModelCheckingOptions().iterations(MC_ITERATIONS).invocationsPerIteration(MC_INVOCATIONS)
                .sequentialSpecification(model);
    }

    static StressOptions stress(Class<?> model) {
        return new StressOptions().iterations(STRESS_ITERATIONS).invocationsPerIteration(STRESS_INVOCATIONS)
                .sequentialSpecification(model);
    }

    @Test
    void rendezvousIsLinearizableModelChecked() {
        modelChecking(RendezvousModel.class).check(RendezvousOps.class);
    }

    @Test
    void bufferedIsLinearizableModelChecked() {
        modelChecking(BufferedModel.class).check(BufferedOps.class);
    }

    @Test
    void unboundedIsLinearizableModelChecked() {
        modelChecking(UnboundedModel.class).check(UnboundedOps.class);
    }

    @Test
    void conflatedIsLinearizableModelChecked() {
        modelChecking(ConflatedModel.class).check(ConflatedOps.class);
    }

    @Test
    void rendezvousIsLinearizableUnderStress() {
        stress(RendezvousModel.class).check(RendezvousOps.class);
    }

    @Test
    void bufferedWithTimedWaitsIsLinearizableUnderStress() {
        stress(BufferedModel.class).check(BufferedTimedOps.class);
    }

    @Test
    void unboundedWithTimedWaitsIsLinearizableUnderStress() {
        stress(UnboundedModel.class).check(UnboundedTimedOps.class);
    }

    @Test
    void conflatedWithTimedWaitsIsLinearizableUnderStress() {
        stress(ConflatedModel.class).check(ConflatedTimedOps.class);
    }

    // =========================================================================================
    // Blocking operations: small whole programs, model-checked
    // =========================================================================================

    /** A body run on a thread of the scenario. */
    interface Body {
        Object run() throws Exception;
    }

    /** A thread of a scenario; {@link #result()} is its outcome, read after {@link #join()}. */
    static final class Actor {
        private final Thread thread;
        private Object result;

        Actor(Body body) {
            thread = new Thread(() -> result = outcome(body::run));
            thread.start();
        }

        Object join() {
            try {
                thread.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return result;
        }

        /**
         * Interrupts this actor's thread from another thread of the scenario (an interrupt from the
         * scenario's main thread would always land before the actors run: Lincheck switches threads
         * only at shared-memory events).
         */
        Actor interruptLater() {
            return start(() -> {
                thread.interrupt();
                return "interrupter";
            });
        }
    }

    static Actor start(Body body) {
        return new Actor(body);
    }

    /** A small whole program: one run of it, checked by assertions at its end. */
    record Scenario(String name, Runnable program) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Scenario> scenarios() {
        return List.of(
                new Scenario("rendezvousPutTakeAndCloseRace", PipeLincheckTest::rendezvousPutTakeAndCloseRace),
                new Scenario("aTakeAdmitsAWaitingPutterInOrder", PipeLincheckTest::aTakeAdmitsAWaitingPutterInOrder),
                new Scenario("closeRacingAWaitingPutterOnAFullPipe", PipeLincheckTest::closeRacingAWaitingPutterOnAFullPipe),
                new Scenario("failRacingPutsAndADrainingTaker", PipeLincheckTest::failRacingPutsAndADrainingTaker),
                new Scenario("anInterruptedPutDeliveredItsItemOrNothing", PipeLincheckTest::anInterruptedPutDeliveredItsItemOrNothing),
                new Scenario("anInterruptedTakeConsumedItsItemOrNothing", PipeLincheckTest::anInterruptedTakeConsumedItsItemOrNothing),
                new Scenario("aSelectTakesFromExactlyOneOfTwoPutters", PipeLincheckTest::aSelectTakesFromExactlyOneOfTwoPutters),
                new Scenario("twoSelectsMeetOnOneOfTwoPipesAndNeverDeadlock", PipeLincheckTest::twoSelectsMeetOnOneOfTwoPipesAndNeverDeadlock),
                new Scenario("twoSelectsOnTheSamePipeTwiceMatchEachOtherNeverThemselves", PipeLincheckTest::twoSelectsOnTheSamePipeTwiceMatchEachOtherNeverThemselves),
                new Scenario("anInterruptedSelectHappenedCompletelyOrNotAtAll", PipeLincheckTest::anInterruptedSelectHappenedCompletelyOrNotAtAll),
                new Scenario("aSelectPuttingRacesACloseOfOneOfItsPipes", PipeLincheckTest::aSelectPuttingRacesACloseOfOneOfItsPipes));
    }

    /**
     * Runs each scenario under Lincheck's model checker: every interleaving explored must end (no
     * lost wake-up, no deadlock) and pass the scenario's assertions.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void blockingOperationsModelChecked(Scenario scenario) {
        Lincheck.runConcurrentTest(SCENARIO_INVOCATIONS, scenario.program());
    }

    static void check(boolean condition, String what, Object... outcomes) {
        if (!condition) throw new AssertionError(what + ": " + java.util.Arrays.toString(outcomes));
    }

    /** No waiter of any kind left in the pipes' queues, live or dead. */
    static void noRegistrationLeft(Pipe<?>... pipes) {
        for (Pipe<?> p : pipes) {
            p.lock.lock();
            try {
                check(p.queue(true).size() == 0 && p.queue(false).size() == 0, "registrations left in " + p,
                        p.queue(true).size(), p.queue(false).size());
            } finally {
                p.lock.unlock();
            }
        }
    }

    /** Takes what is left (after close), without waiting. */
    static List<Object> drain(Pipe<Integer> p) {
        List<Object> left = new ArrayList<>();
        for (Object x; (x = outcome(p::tryTake)) != null && !(x instanceof String); ) left.add(x);
        return left;
    }

    static void rendezvousPutTakeAndCloseRace() {
        Pipe<Integer> p = Pipe.rendezvous();
        Actor putter = start(() -> {
            p.put(1);
            return "put";
        });
        Actor taker = start(p::take);
        Actor closer = start(p::close);
        Object put = putter.join(), took = taker.join();
        check(closer.join().equals(true), "close", put, took);
        check(put.equals("put") ? took.equals(1) : put.equals("closed") && took.equals("closed"),
                "a put returns normally exactly when its item was taken", put, took);
        noRegistrationLeft(p);
    }

    static void aTakeAdmitsAWaitingPutterInOrder() {
        Pipe<Integer> p = Pipe.buffered(1);
        p.tryPut(0);
        Actor a = start(() -> {
            p.put(1);
            return "put";
        });
        Actor b = start(() -> {
            p.put(2);
            return "put";
        });
        Actor taker = start(() -> List.of(p.take(), p.take()));
        Object ra = a.join(), rb = b.join(), took = taker.join();
        check(ra.equals("put") && rb.equals("put"), "both putters got in", ra, rb, took);
        List<?> two = (List<?>) took;
        Object left = p.tryTake();
        check(two.get(0).equals(0) && (two.get(1).equals(1) && left.equals(2) || two.get(1).equals(2) && left.equals(1)),
                "FIFO, each item once", took, left);
        check(p.size() == 0 && p.waitingPutters() == 0, "nothing more", took, left);
        noRegistrationLeft(p);
    }

    static void closeRacingAWaitingPutterOnAFullPipe() {
        Pipe<Integer> p = Pipe.buffered(1);
        p.tryPut(0);
        Actor putter = start(() -> {
            p.put(1);
            return "put";
        });
        Actor closer = start(p::close);
        Actor taker = start(() -> {
            List<Integer> got = new ArrayList<>();
            for (Integer x; (x = p.takeOrClosed()) != null; ) got.add(x);
            return got;
        });
        Object put = putter.join(), took = taker.join();
        closer.join();
        check(put.equals("put") ? took.equals(List.of(0, 1)) : put.equals("closed") && took.equals(List.of(0)),
                "a put that returned normally was taken, a refused one never", put, took);
        noRegistrationLeft(p);
    }

    static void failRacingPutsAndADrainingTaker() {
        Pipe<Integer> p = Pipe.buffered(1);
        Actor putter = start(() -> {
            List<Object> r = new ArrayList<>();
            r.add(outcome(() -> p.putOrClosed(1)));
            r.add(outcome(() -> p.putOrClosed(2)));
            return r;
        });
        Actor failer = start(() -> p.fail(new IllegalStateException("boom")));
        Actor taker = start(() -> {
            List<Object> got = new ArrayList<>();
            Object x;
            while (!((x = outcome(p::take)) instanceof String)) got.add(x);
            got.add(x); // the end
            got.add(outcome(p::take)); // the end, again
            return got;
        });
        List<?> puts = (List<?>) putter.join();
        List<?> took = (List<?>) taker.join();
        failer.join();
        List<Object> expected = new ArrayList<>();
        if (puts.get(0).equals(true)) expected.add(1);
        if (puts.get(1).equals(true)) expected.add(2);
        expected.add("failed");
        expected.add("failed");
        check(took.equals(expected),
                "takers get exactly the delivered items, then the failure", puts, took);
        check(!(puts.get(0).equals(false) && puts.get(1).equals(true)), "no put after the end", puts);
        noRegistrationLeft(p);
    }

    static void anInterruptedPutDeliveredItsItemOrNothing() {
        Pipe<Integer> p = Pipe.rendezvous();
        Actor putter = start(() -> {
            p.put(1);
            return "put";
        });
        Actor taker = start(p::take);
        Actor interrupter = putter.interruptLater();
        Object put = putter.join();
        interrupter.join();
        p.close(); // a taker left without an item ends
        Object took = taker.join();
        check(put.equals("put") ? took.equals(1) : put.equals("interrupted") && took.equals("closed"),
                "delivered exactly when the put returned normally", put, took);
        noRegistrationLeft(p);
    }

    static void anInterruptedTakeConsumedItsItemOrNothing() {
        Pipe<Integer> p = Pipe.buffered(1);
        Actor taker = start(p::take);
        Actor putter = start(() -> {
            p.put(1);
            return "put";
        });
        Actor interrupter = taker.interruptLater();
        Object took = taker.join();
        interrupter.join();
        Object put = putter.join(); // buffered(1): the put never waits for a taker here
        check(put.equals("put"), "put", put, took);
        Object left = p.tryTake();
        check(took.equals(1) ? left == null : took.equals("interrupted") && Objects.equals(left, 1),
                "an interrupted take consumed nothing", took, left);
        noRegistrationLeft(p);
    }

    static void aSelectTakesFromExactlyOneOfTwoPutters() {
        Pipe<Integer> a = Pipe.rendezvous(), b = Pipe.rendezvous();
        Actor selector = start(() -> Select.select(a.onTake(x -> x), b.onTake(x -> x)));
        Actor pa = start(() -> {
            a.put(1);
            return "put";
        });
        Actor pb = start(() -> {
            b.put(2);
            return "put";
        });
        Object chosen = selector.join();
        a.close();
        b.close();
        Object ra = pa.join(), rb = pb.join();
        check(chosen.equals(1) && ra.equals("put") && rb.equals("closed")
                || chosen.equals(2) && rb.equals("put") && ra.equals("closed"), "exactly one case happened", chosen, ra, rb);
        noRegistrationLeft(a, b);
    }

    static void twoSelectsMeetOnOneOfTwoPipesAndNeverDeadlock() {
        Pipe<Integer> a = Pipe.rendezvous(), b = Pipe.rendezvous();
        Actor s1 = start(() -> Select.select(a.onPut(1, () -> "put a"), b.onTake(x -> "took " + x)));
        Actor s2 = start(() -> Select.select(b.onPut(2, () -> "put b"), a.onTake(x -> "took " + x)));
        Object r1 = s1.join(), r2 = s2.join();
        check(r1.equals("put a") && r2.equals("took 1") || r1.equals("took 2") && r2.equals("put b"),
                "the two selects met on one pipe", r1, r2);
        noRegistrationLeft(a, b);
    }

    static void twoSelectsOnTheSamePipeTwiceMatchEachOtherNeverThemselves() {
        Pipe<Integer> p = Pipe.rendezvous();
        Actor s1 = start(() -> Select.select(p.onTake(x -> "took " + x), p.onPut(1, () -> "put")));
        Actor s2 = start(() -> Select.select(p.onPut(2, () -> "put"), p.onTake(x -> "took " + x)));
        Object r1 = s1.join(), r2 = s2.join();
        check(r1.equals("put") && r2.equals("took 1") || r1.equals("took 2") && r2.equals("put"),
                "one put, one take", r1, r2);
        noRegistrationLeft(p);
    }

    static void anInterruptedSelectHappenedCompletelyOrNotAtAll() {
        Pipe<Integer> a = Pipe.rendezvous(), b = Pipe.buffered(1);
        b.tryPut(0); // full: the select's put case waits
        Actor selector = start(() -> Select.select(a.onTake(x -> x), b.onPut(9, () -> "put b")));
        Actor putter = start(() -> {
            a.put(1);
            return "put";
        });
        Actor interrupter = selector.interruptLater();
        Object chosen = selector.join();
        interrupter.join();
        a.close();
        Object put = putter.join();
        List<Object> inB = drain(b);
        check(chosen.equals(1) ? put.equals("put") && inB.equals(List.of(0))
                        : chosen.equals("interrupted") && put.equals("closed") && inB.equals(List.of(0)),
                "a select happened exactly when it returned normally", chosen, put, inB);
        noRegistrationLeft(a, b);
    }

    static void aSelectPuttingRacesACloseOfOneOfItsPipes() {
        Pipe<Integer> a = Pipe.buffered(1), b = Pipe.rendezvous();
        a.tryPut(0); // full
        Actor selector = start(() -> Select.select(a.onPut(1, () -> "put a"), b.onPut(2, () -> "put b")));
        Actor closer = start(a::close);
        Actor taker = start(b::take);
        Object chosen = selector.join();
        closer.join();
        b.close();
        Object took = taker.join();
        check(chosen.equals("put b") ? took.equals(2) : chosen.equals("closed") && took.equals("closed"),
                "the put case on the closed pipe throws; the other delivers only when chosen", chosen, took);
        check(drain(a).equals(List.of(0)), "nothing put to the closed pipe", chosen, took);
        noRegistrationLeft(a, b);
    }
}
