package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Review of block scopes (ADR 0020): regression tests for races and contract corners. */
class ScopeReviewTest {

    // ---- 1. a stop of an outer block must reach the members of a block nested in the same body ----

    /**
     * withTimeout(scope(...)) where only the inner scope has members: at the outer deadline the
     * outer block's cancelMembers() returns at once (its own hadMembers is false), so the inner
     * scope's member is not cancelled; only the (one-shot, for a plain thread) interrupt of the
     * owner is delivered. A body that does not end at once on that interrupt leaves the member
     * running past the deadline.
     */
    @Test
    void anOuterDeadlineCancelsTheMembersOfAScopeNestedInTheSameBody() throws Exception {
        try (Loop loop = Loop.singleCarrier("nested-members")) {
            AtomicBoolean memberEndedWhileBodyWaited = new AtomicBoolean();
            Throwable t = catchThrowable(() -> MicroThread.withTimeout(Duration.ofMillis(20), () -> MicroThread.scope(() -> {
                MicroThread<Void> m = loop.parallel("member", () -> {
                    new Deferred<Void>().await();
                    return null;
                });
                // a body that does not give up on the first interrupt (bounded: 3 s)
                long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (!m.isDone() && System.nanoTime() - end < 0) {
                    try {
                        m.join(Duration.ofMillis(20));
                    } catch (InterruptedException | TimeoutException | CancellationException | FailedException e) {
                        // keep waiting for the member
                    }
                }
                memberEndedWhileBodyWaited.set(m.isDone());
                throw new IOException("body gives up");
            })));
            assertThat(t).isInstanceOf(TimeoutException.class);
            assertThat(memberEndedWhileBodyWaited).as("the outer deadline cancelled the inner scope's member").isTrue();
        }
    }

    // ---- 2. an interrupt of a plain thread must not be lost behind a member's late failure ----

    /**
     * The caller (a plain thread) is interrupted while in the scope; joinMembers takes the
     * interrupt (clearing the status), stops the block; a member's cancellation cleanup throws,
     * which lands in laterFailures; inBlock then throws FailedException and drops joinInterrupted:
     * the interrupt is gone (neither thrown nor left as status).
     */
    @Test
    void aPlainThreadsInterruptIsNotLostBehindALateMemberFailure() throws Exception {
        try (Loop loop = Loop.singleCarrier("interrupt-lost")) {
            Throwable t = catchThrowable(() -> MicroThread.scope(() -> {
                loop.startAndForget("stubborn", () -> {
                    try {
                        new Deferred<Void>().await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException("cleanup failed");
                    }
                });
                Thread.currentThread().interrupt(); // the caller is interrupted while in the scope
                return "v";
            }));
            boolean statusKept = Thread.interrupted();
            assertThat(t instanceof InterruptedException || statusKept)
                    .as("thrown " + t + ", interrupt status kept: " + statusKept).isTrue();
        }
    }

    /**
     * The same when a member failed first (the block is stopped) and the caller is interrupted
     * while the scope waits for a member slow to end: the FailedException is right, but the
     * interrupt is neither thrown, suppressed, nor left as status.
     */
    @Test
    void aPlainThreadsInterruptIsNotLostBehindAFirstMemberFailure() throws Exception {
        try (Loop loop = Loop.singleCarrier("interrupt-lost-2")) {
            Thread owner = Thread.currentThread();
            AtomicBoolean bodyReturned = new AtomicBoolean();
            AtomicBoolean interruptTakenByTheScope = new AtomicBoolean();
            Throwable t = catchThrowable(() -> MicroThread.scope(() -> {
                loop.startAndForget("slow-to-die", () -> {
                    try {
                        new Deferred<Void>().await();
                    } catch (InterruptedException cancelled) {
                        // someone interrupts the owner while it waits for this member (bounded spins)
                        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                        while (!(bodyReturned.get() && owner.getState() == Thread.State.WAITING) && System.nanoTime() - end < 0) {
                            Thread.onSpinWait();
                        }
                        owner.interrupt();
                        while (owner.isInterrupted() && System.nanoTime() - end < 0) Thread.onSpinWait(); // the scope took it
                        interruptTakenByTheScope.set(!owner.isInterrupted());
                    }
                });
                loop.startAndForget("bad", () -> {
                    throw new IOException("bad");
                });
                try {
                    new Deferred<Void>().await(); // the failure interrupts the body
                } catch (InterruptedException stopped) {
                    // the scope was stopped: return
                }
                bodyReturned.set(true);
                return "v";
            }));
            boolean statusKept = Thread.interrupted();
            assertThat(interruptTakenByTheScope).as("the interleaving happened: interrupted while in joinMembers").isTrue();
            assertThat(t).isInstanceOf(FailedException.class).hasRootCauseMessage("bad"); // a member failed first: right
            boolean suppressed = java.util.Arrays.stream(t.getSuppressed()).anyMatch(s -> s instanceof InterruptedException);
            assertThat(statusKept || suppressed).as("the interrupt that came while the scope waited is kept somewhere").isTrue();
        }
    }

    // ---- 3. a generator first pulled inside a scope becomes its member ----

    /**
     * A MICRO_THREAD generator created outside, whose first next() is inside withTimeout/scope:
     * its producer starts there, so it becomes a member the scope waits for: the scope (and a
     * withTimeout bounding one next()) cannot return until the deadline, which then kills the
     * generator.
     */
    @Test
    void aGeneratorFirstPulledInsideAScopeDoesNotKeepTheScopeWaiting() throws Exception {
        try (Loop loop = Loop.singleCarrier("gen")) {
            loop.run(() -> {
                Generator<Integer> g = Generator.of(Generator.Implementation.MICRO_THREAD, 0, out -> {
                    for (int i = 1; ; i++) out.emit(i);
                });
                MicroThread<Integer> first = MicroThread.parallel("puller", () -> MicroThread.scope(g::next));
                Integer v;
                try {
                    v = first.join(Duration.ofSeconds(2));
                } catch (TimeoutException e) {
                    String waiting = first.waitingOn().orElse("?");
                    first.cancel();
                    g.close();
                    throw new AssertionError("scope(() -> generator.next()) did not return: the puller is " + waiting, e);
                }
                assertThat(v).isEqualTo(1);
                g.close();
                return null;
            });
        }
    }

    // ---- 4. deadlock reports vs withTimeout's deadline ----

    /**
     * withTimeout's table: "the body has returned; the deadline passes while members still run:
     * they are cancelled; the body's value is returned". But once the body has returned, the
     * block is popped before joinMembers, so its wait is counted as if no deadline existed: a
     * member on a confined pipe makes the whole run look stuck, and the run fails with a
     * DeadlockException long before the deadline.
     */
    @Test
    void withTimeoutWaitingForAMemberOnAConfinedPipeEndsAtTheDeadlineNotInADeadlockReport() throws Exception {
        try (Loop loop = Loop.singleCarrier("wt-confined")) {
            Object v;
            try {
                v = loop.run(() -> MicroThread.withTimeout(Duration.ofMillis(100), () -> {
                    Pipe<String> requests = Pipe.<String>rendezvous().confined();
                    MicroThread.startAndForget("server", () -> {
                        while (true) requests.take();
                    });
                    return "v";
                }));
            } catch (DeadlockException e) {
                v = e;
            } catch (FailedException e) {
                v = e.getCause();
            }
            // the deadline ends it (not a deadlock report); the server it cut short makes it a timeout (ADR 0020)
            assertThat(v).isInstanceOf(java.util.concurrent.TimeoutException.class);
        }
    }

    /**
     * The same member while the body still waits (uncounted). At the deadline the timer thread
     * interrupts the owner first and cancels the members after; in between, the owner (on the
     * carrier) ends its body and enters joinMembers, counted (its block already popped), while the
     * server is still in its counted pipe wait, not yet cancelled: the idle carrier reports a
     * deadlock. So a withTimeout whose deadline passes can end in DeadlockException instead of
     * TimeoutException. Made likely by ballast: 20,000 parked micro-threads on another loop make
     * the timer's scan (cancelMembers) slow, while the owner wakes at once (bounded: 20 rounds).
     */
    @Test
    void withTimeoutWhoseBodyWaitsWithAMemberOnAConfinedPipeTimesOut() throws Exception {
        try (Loop ballast = Loop.singleCarrier("ballast")) {
            Deferred<Void> never = new Deferred<>();
            for (int i = 0; i < 20_000; i++) ballast.startAndForget(never::await);
            withTimeoutWhoseBodyWaitsWithAMemberOnAConfinedPipeTimesOutRounds();
        }
    }

    private void withTimeoutWhoseBodyWaitsWithAMemberOnAConfinedPipeTimesOutRounds() throws Exception {
        for (int r = 0; r < 20; r++) {
            try (Loop loop = Loop.singleCarrier("wt-confined-2")) {
                Object t;
                try {
                    t = loop.run(() -> {
                    try {
                        return MicroThread.withTimeout(Duration.ofMillis(5), () -> {
                            Pipe<String> requests = Pipe.<String>rendezvous().confined();
                            MicroThread.startAndForget("server", () -> {
                                while (true) requests.take();
                            });
                            new Deferred<Void>().await();
                            return null;
                        });
                    } catch (TimeoutException e) {
                        return e;
                    }
                    });
                } catch (DeadlockException e) {
                    t = e;
                }
                assertThat(t).as("round " + r).isInstanceOf(TimeoutException.class);
            }
        }
    }

    // ---- 5. a late failure rethrown by the body ----

    /**
     * After the deadline stopped the block, a cancelled member's cleanup fails with an Error E
     * (a later failure); the body receives E and rethrows it. inBlock then does
     * E.addSuppressed(E): IllegalArgumentException("Self-suppression not permitted") escapes
     * instead of E.
     */
    @Test
    void aLateFailureThatTheBodyRethrowsIsNotSuppressedIntoItself() throws Exception {
        try (Loop loop = Loop.singleCarrier("self-suppression")) {
            AtomicReference<Error> box = new AtomicReference<>();
            CountDownLatch failed = new CountDownLatch(1);
            Throwable t = catchThrowable(() -> MicroThread.withTimeout(Duration.ofMillis(10), () -> {
                loop.startAndForget("member", () -> {
                    try {
                        new Deferred<Void>().await();
                    } catch (InterruptedException e) {
                        AssertionError err = new AssertionError("cleanup broke");
                        box.set(err);
                        failed.countDown();
                        throw err;
                    }
                });
                try {
                    failed.await();
                } catch (InterruptedException deadline) {
                    failed.await(); // a plain thread: the interrupt was one-shot
                }
                throw box.get(); // hand the member's error on
            }));
            assertThat(t).isInstanceOf(AssertionError.class).hasMessage("cleanup broke");
        }
    }

    /** As above with an Exception: it becomes TimeoutException's cause and is suppressed into it as well (twice). */
    @Test
    void aLateFailureThatTheBodyRethrowsIsNotReportedTwice() throws Exception {
        try (Loop loop = Loop.singleCarrier("twice")) {
            AtomicReference<IOException> box = new AtomicReference<>();
            CountDownLatch failed = new CountDownLatch(1);
            Throwable t = catchThrowable(() -> MicroThread.withTimeout(Duration.ofMillis(10), () -> {
                loop.startAndForget("member", () -> {
                    try {
                        new Deferred<Void>().await();
                    } catch (InterruptedException e) {
                        IOException err = new IOException("cleanup broke");
                        box.set(err);
                        failed.countDown();
                        throw err;
                    }
                });
                try {
                    failed.await();
                } catch (InterruptedException deadline) {
                    failed.await();
                }
                throw box.get();
            }));
            assertThat(t).isInstanceOf(TimeoutException.class).cause().isSameAs(box.get());
            assertThat(t.getSuppressed()).as("the cause is not also suppressed").doesNotContain(box.get());
        }
    }

    // ---- 6. race: a failure must not vanish behind the caller's interruption ----

    /**
     * One body fails, the other still runs, and the caller is then interrupted: race throws
     * InterruptedException (right), but the failure is claimed (claimFailureReport) and neither
     * thrown, suppressed, nor reported: silently lost.
     */
    @Test
    void aRaceInterruptedAfterABodyFailedDoesNotDropThatFailure() throws Exception {
        try (Loop loop = Loop.singleCarrier("race-interrupted")) {
            Throwable t = loop.run(() -> {
                Deferred<Void> failed = new Deferred<>();
                MicroThread<String> racer = MicroThread.parallel("racer", () -> MicroThread.race(List.<MicroThread.Body<String>>of(
                        () -> {
                            try {
                                throw new IOException("mirror A down");
                            } finally {
                                failed.complete(null);
                            }
                        },
                        () -> new Deferred<String>().await())));
                failed.await();
                MicroThread.yieldNow(); // the failed body has ended; the race waits for the other
                racer.cancel();
                return catchThrowable(racer::join);
            });
            assertThat(t).isInstanceOf(CancellationException.class); // the racer was cancelled: right
            Throwable interrupted = t.getCause();
            boolean kept = loop.failureCount() > 0 || interrupted != null
                    && java.util.Arrays.stream(interrupted.getSuppressed()).anyMatch(s -> s instanceof IOException);
            assertThat(kept).as("the IOException of the failed body is thrown along, or reported").isTrue();
        }
    }

    /** A race nested in a scope that a member's failure stops: racers cancelled, the scope throws the failure. Passes. */
    @Test
    void aRaceInAStoppedScopeEndsWithIt() throws Exception {
        AtomicInteger racersEnded = new AtomicInteger();
        try (Loop loop = Loop.singleCarrier("race-in-scope")) {
            Throwable t = loop.run(() -> catchThrowable(() -> MicroThread.scope(() -> {
                MicroThread.startAndForget("bad", () -> {
                    MicroThread.yieldNow();
                    throw new IOException("bad");
                });
                return MicroThread.race(List.<MicroThread.Body<String>>of(
                        () -> {
                            try {
                                return new Deferred<String>().await();
                            } finally {
                                racersEnded.incrementAndGet();
                            }
                        },
                        () -> {
                            try {
                                return new Deferred<String>().await();
                            } finally {
                                racersEnded.incrementAndGet();
                            }
                        }));
            })));
            assertThat(t).isInstanceOf(FailedException.class).hasRootCauseMessage("bad");
            assertThat(racersEnded).hasValue(2);
            assertThat(loop.failureCount()).isZero();
        }
    }

    // ---- regression tests that pass (sound parts) ----

    /** The interrupt handshake: a plain thread never keeps withTimeout's interrupt after it returns. */
    @Test
    void stressNoInterruptLeaksOutOfWithTimeoutOnAPlainThread() throws Exception {
        int leaked = 0;
        for (int r = 0; r < 3000; r++) {
            long spin = ThreadLocalRandom.current().nextLong(0, 40_000);
            try {
                MicroThread.withTimeout(Duration.ofNanos(1 + ThreadLocalRandom.current().nextLong(40_000)), () -> {
                    long end = System.nanoTime() + spin;
                    while (System.nanoTime() - end < 0) Thread.onSpinWait();
                    return null;
                });
            } catch (TimeoutException e) {
                throw new AssertionError("a body that never throws cannot time out", e);
            }
            if (Thread.interrupted()) leaked++;
        }
        assertThat(leaked).isZero();
    }

    /** Stop vs start: members started from another loop while a member's failure stops the scope all end before it returns. */
    @Test
    void stressMembersStartedOnOtherLoopsDuringAStopNeverOutliveTheScope() throws Exception {
        AtomicInteger running = new AtomicInteger();
        try (Loop a = Loop.singleCarrier("stop-a"); Loop b = Loop.singleCarrier("stop-b")) {
            for (int r = 0; r < 300; r++) {
                int round = r;
                Throwable t = catchThrowable(() -> MicroThread.scope(() -> {
                    for (int i = 0; i < 4; i++) {
                        Loop where = i % 2 == 0 ? a : b;
                        Loop other = i % 2 == 0 ? b : a;
                        where.startAndForget(() -> {
                            running.incrementAndGet();
                            try {
                                for (int k = 0; k < 5; k++) {
                                    other.startAndForget(() -> {
                                        running.incrementAndGet();
                                        try {
                                            new Deferred<Void>().await();
                                        } finally {
                                            running.decrementAndGet();
                                        }
                                    });
                                    MicroThread.yieldNow();
                                }
                                new Deferred<Void>().await();
                            } finally {
                                running.decrementAndGet();
                            }
                        });
                    }
                    (round % 2 == 0 ? a : b).startAndForget(() -> {
                        MicroThread.yieldNow();
                        throw new IOException("stop");
                    });
                    return null;
                }));
                assertThat(t).isInstanceOf(FailedException.class).hasRootCauseMessage("stop");
                assertThat(running).as("round " + r).hasValue(0);
            }
        }
    }

    /** Member failure vs deadline vs owner cancellation on one carrier: exactly one outcome, nothing reported. */
    @Test
    void aMemberFailureAfterTheOwnerWasCancelledIsNotLost() throws Exception {
        try (Loop loop = Loop.singleCarrier("owner-cancelled-fail")) {
            Throwable t = loop.run(() -> {
                Deferred<Void> waiting = new Deferred<>();
                MicroThread<Object> owner = MicroThread.parallel("owner", () -> MicroThread.scope(() -> {
                    MicroThread.startAndForget("stubborn", () -> {
                        try {
                            waiting.complete(null);
                            new Deferred<Void>().await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException("cleanup failed");
                        }
                    });
                    return "v";
                }));
                waiting.await();
                MicroThread.yieldNow();
                owner.cancel();
                return catchThrowable(owner::join);
            });
            // the cleanup failure is not lost: it fails the owner (joined here), and is not also reported
            assertThat(t).isInstanceOf(FailedException.class).hasRootCauseMessage("cleanup failed");
            assertThat(loop.failureCount()).isZero();
        }
    }
}
