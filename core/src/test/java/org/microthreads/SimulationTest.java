package org.microthreads;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimulationTest {

    @Test
    void runsAndReturnsTheValueWithVirtualTime() throws Exception {
        Simulation sim = Simulation.withSeed(1);
        long wall = System.nanoTime();
        int v = sim.run(() -> {
            long t0 = Loop.current().nanoTime();
            MicroThread.sleep(Duration.ofHours(1));
            assertEquals(Duration.ofHours(1).toNanos(), Loop.current().nanoTime() - t0);
            return 42;
        });
        assertEquals(42, v);
        assertEquals(Duration.ofHours(1), sim.elapsed());
        assertTrue(System.nanoTime() - wall < Duration.ofSeconds(5).toNanos());
        assertEquals(java.time.Instant.parse("2000-01-01T01:00:00Z"), sim.now());
    }

    /** The order in which micro-threads interleave, as a string. */
    private static String interleaving(long seed) throws Exception {
        Simulation sim = Simulation.withSeed(seed);
        return sim.run(() -> {
            StringBuilder sb = new StringBuilder();
            List<MicroThread<Void>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int id = i;
                all.add(MicroThread.parallel(() -> {
                    for (int k = 0; k < 5; k++) {
                        sb.append(id);
                        MicroThread.yieldNow();
                    }
                    return null;
                }));
            }
            for (MicroThread<Void> m : all) m.join();
            return sb.toString();
        });
    }

    @Test
    void theSameSeedGivesTheSameScheduleAndOtherSeedsOthers() throws Exception {
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            String a = interleaving(seed);
            assertEquals(a, interleaving(seed), "seed " + seed);
            seen.add(a);
        }
        assertTrue(seen.size() >= 45, "50 seeds gave only " + seen.size() + " schedules");
        Simulation s1 = Simulation.withSeed(7), s2 = Simulation.withSeed(7);
        s1.run(() -> interleavingBody());
        s2.run(() -> interleavingBody());
        assertEquals(s1.scheduleHash(), s2.scheduleHash());
        assertEquals(s1.steps(), s2.steps());
        assertEquals(0, s1.outsideWakeUps());
    }

    private static int interleavingBody() throws InterruptedException {
        var p = Pipe.<Integer>buffered(2);
        var prod = MicroThread.parallel(() -> {
            for (int i = 0; i < 10; i++) p.put(i);
            p.close();
            return null;
        });
        int sum = 0;
        for (Integer x : p) sum += x;
        prod.join();
        return sum;
    }

    @Test
    void aDeadlockOnPlainPipesFailsWithTheReportAndTheSeed() {
        Simulation sim = Simulation.withSeed(3);
        DeadlockException e = assertThrows(DeadlockException.class, () -> sim.run(() -> {
            Pipe<Integer> a = Pipe.rendezvous(), b = Pipe.rendezvous();
            var x = MicroThread.parallel("x", () -> a.take());
            var y = MicroThread.parallel("y", () -> b.take());
            return x.join() + y.join();
        }));
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("'y'"), e.getMessage());
        SimulationTrace t = (SimulationTrace) e.getSuppressed()[e.getSuppressed().length - 1];
        assertEquals(3, t.seed());
        assertTrue(t.getMessage().contains("Simulation.withSeed(3)"), t.getMessage());
    }

    @Test
    void aJdkSleepIsOutsideTheSimulationAndFailsClearly() {
        SimulationException e = assertThrows(SimulationException.class, () -> Simulation.withSeed(0).run(() -> {
            MicroThread.parallel("sleeper", () -> {
                Thread.sleep(50);
                return null;
            }).join();
            return null;
        }));
        assertTrue(e.getMessage().contains("micro-thread 'sleeper' blocked on something outside the simulation"), e.getMessage());
        assertTrue(e.getMessage().contains("Thread.sleep"), e.getMessage());
    }

    @Test
    void withAnOutsideWaitAJdkSleepIsWaitedForInRealTime() throws Exception {
        Simulation sim = Simulation.withSeed(0).outsideWait(Duration.ofSeconds(5));
        assertEquals(1, (int) sim.run(() -> {
            Thread.sleep(20);
            return 1;
        }));
        assertTrue(sim.outsideWakeUps() > 0);
    }

    @Test
    void anEndlessTickerLoopFailsAsARunawayNamingIt() {
        SimulationException e = assertThrows(SimulationException.class, () -> Simulation.withSeed(0).horizon(Duration.ofHours(1)).run(() -> {
            MicroThread.parallel("poller", () -> {
                while (true) MicroThread.sleep(Duration.ofSeconds(1));
            });
            return null;
        }));
        assertTrue(e.getMessage().contains("horizon") && e.getMessage().contains("'poller'"), e.getMessage());
    }

    @Test
    void aMonitorHandedBetweenMicroThreadsWorks() throws Exception {
        assertEquals(9, monitorHandOff(5, new Object()));
    }

    /** Three micro-threads take turns in one monitor three times each, yielding inside it; returns the turns taken. */
    private static int monitorHandOff(long seed, Object lock) throws Exception {
        int[] n = new int[1];
        Simulation.withSeed(seed).run(() -> {
            List<MicroThread<Void>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                all.add(MicroThread.parallel(() -> {
                    for (int k = 0; k < 3; k++) {
                        synchronized (lock) {
                            n[0]++;
                            MicroThread.yieldNow();
                        }
                    }
                    return null;
                }));
            }
            for (var m : all) m.join();
            return null;
        });
        return n[0];
    }

    /** A stress test: a hand-off's wake-up comes from the JDK's thread, and its timing must not matter (once in ~300 runs it did). */
    @Test
    void aMonitorHandOffIsNeverTakenForAnOutsideWait() throws Exception {
        Object lock = new Object();
        for (int seed = 0; seed < 600; seed++) assertEquals(9, monitorHandOff(seed, lock), "seed " + seed);
    }

    @Test
    void timeoutsSelectAndTickersRunOnVirtualTime() throws Exception {
        Simulation sim = Simulation.withSeed(11);
        String out = sim.run(() -> {
            StringBuilder sb = new StringBuilder();
            Pipe<Integer> never = Pipe.rendezvous();
            try {
                MicroThread.withTimeout(Duration.ofMinutes(5), never::take);
            } catch (java.util.concurrent.TimeoutException e) {
                sb.append("timeout;");
            }
            String s = Select.<String>select(never.onTake(x -> "x"), Select.onTimeout(Duration.ofSeconds(30), () -> "t"));
            sb.append(s).append(';');
            Integer none = never.tryTake(Duration.ofSeconds(30));
            sb.append(none).append(';');
            Pipe<Long> ticks = Pipe.ticker(Duration.ofSeconds(10));
            for (int i = 0; i < 3; i++) sb.append(ticks.take()).append(',');
            ticks.close();
            return sb.toString();
        });
        assertEquals("timeout;t;null;1,2,3,", out);
        assertEquals(Duration.ofMinutes(6).plusSeconds(30), sim.elapsed());
    }

    @Test
    void anHourOfTimeoutsOverAThousandMicroThreadsWakesEachAtItsInstantInOrder() throws Exception {
        for (int rep = 0; rep < 3; rep++) {
            long wall = System.nanoTime();
            long[] wakes = new long[1];
            Simulation sim = Simulation.withSeed(rep);
            sim.run(() -> {
                long t0 = Loop.current().nanoTime();
                long[] last = new long[1];
                for (int i = 0; i < 1000; i++) {
                    long offset = i * 10_000_000L; // each micro-thread its own phase
                    MicroThread.startAndForget(() -> {
                        MicroThread.sleep(Duration.ofNanos(offset));
                        for (int k = 1; k <= 360; k++) {
                            MicroThread.sleep(Duration.ofSeconds(10));
                            long t = Loop.current().nanoTime() - t0;
                            if (t != offset + k * 10_000_000_000L) throw new AssertionError("woke at " + t);
                            if (t < last[0]) throw new AssertionError("out of order");
                            last[0] = t;
                            wakes[0]++;
                        }
                    });
                }
                return null;
            });
            System.out.printf("360,000 timer events over 1,000 micro-threads: %d ms wall, %d steps%n",
                    (System.nanoTime() - wall) / 1_000_000, sim.steps());
            assertEquals(360_000, wakes[0]);
        }
    }

    /**
     * Pins the JDK 25 behaviour the trace relies on: a virtual thread submits one stable task object
     * to its scheduler (at its start and at every resume), so the simulation knows who runs each step.
     */
    @Test
    void theTraceNamesEachStepsMicroThreadAndWhatItWaitsOn() throws Exception {
        Simulation sim = Simulation.withSeed(2);
        sim.run(() -> {
            Pipe<Integer> p = Pipe.rendezvous();
            var a = MicroThread.parallel("alice", () -> {
                for (int i = 0; i < 3; i++) MicroThread.yieldNow();
                p.put(1);
                return null;
            });
            var b = MicroThread.parallel("bob", () -> p.take());
            a.join();
            return b.join();
        });
        String t = sim.trace();
        assertTrue(t.contains("'alice' ran, then yields"), t);
        assertTrue(t.contains("'bob' ran, then waits: "), t);
        assertTrue(t.contains("'main' ran, then waits: joining micro-thread 'alice'"), t);
        assertFalse(t.contains("not a micro-thread"), t);
        assertTrue(t.startsWith("simulation seed 2: schedule hash "), t);
    }

    @Test
    void badLimitsAreRefusedAtTheCall() {
        assertThrows(IllegalArgumentException.class, () -> Simulation.withSeed(0).horizon(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> Simulation.withSeed(0).maxSteps(0));
        assertThrows(IllegalArgumentException.class, () -> Simulation.withSeed(0).wallLimit(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> Simulation.withSeed(0).outsideWait(Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> Simulation.withSeed(0).run(null));
    }

    @Test
    void aSimulationCannotRunInsideAMicroThread() throws Exception {
        IllegalStateException e = Loop.shared().run(() -> assertThrows(IllegalStateException.class,
                () -> Simulation.withSeed(0).run(() -> 1)));
        assertTrue(e.getMessage().contains("plain (platform) thread"), e.getMessage());
    }

    /** Review (bugs helper): the deadlock's own cancellation of main is not "main had failed before the deadlock". */
    @Test
    void aDeadlockOfMainDoesNotClaimMainFailedBeforeIt() {
        DeadlockException e = assertThrows(DeadlockException.class,
                () -> Simulation.withSeed(0).run(() -> Pipe.<Integer>rendezvous().take()));
        for (Throwable s : e.getSuppressed()) {
            assertFalse(String.valueOf(s.getMessage()).contains("had failed before the deadlock"), s.toString());
        }
    }

    /** Review (bugs helper): a limiter wait is described in the trace as it was at its step. */
    @Test
    void theTraceDescribesAWaitAsItWasAtItsStep() throws Exception {
        Simulation sim = Simulation.withSeed(0);
        sim.run(() -> {
            Limiter one = Limiter.of(1);
            var a = MicroThread.parallel("a", () -> {
                try (var p = one.enter()) {
                    MicroThread.yieldNow();
                }
                return null;
            });
            var b = MicroThread.parallel("b", () -> {
                MicroThread.yieldNow();
                try (var p = one.enter()) {
                    return null;
                }
            });
            a.join();
            return b.join();
        });
        String t = sim.trace();
        if (t.contains("waiting for a permit")) assertTrue(t.contains("(0 of 1 free)"), t);
    }

    private static String traceWithUnnamedThings(long seed) throws Exception {
        Simulation sim = Simulation.withSeed(seed);
        sim.run(() -> {
            Pipe<Integer> p = Pipe.rendezvous();
            Limiter l = Limiter.of(1);
            MicroThread<Integer> taker = MicroThread.parallel("taker", () -> {
                try (var permit = l.enter()) {
                    return p.take();
                }
            });
            p.put(1);
            return taker.join();
        });
        return sim.trace();
    }

    /** Review (kit helper): unnamed pipes, limiters and generators are numbered per simulation, so a replay prints the same trace. */
    @Test
    void theSameSeedGivesTheSameTraceWithUnnamedPipesAndLimiters() throws Exception {
        String first = traceWithUnnamedThings(1);
        assertEquals(first, traceWithUnnamedThings(1));
        assertTrue(first.contains("pipe 'pipe-1'"), first);
    }

    /** A scenario mixing pipes, select, a ticker, a limiter, a generator and timeouts: its schedule hash and output. */
    static String mixedScenario(long seed) throws Exception {
        Simulation sim = Simulation.withSeed(seed);
        String out = sim.run(() -> {
            StringBuilder sb = new StringBuilder();
            Pipe<Integer> a = Pipe.buffered(1), b = Pipe.rendezvous();
            Limiter limit = Limiter.of(1);
            MicroThread.startAndForget("producer-a", () -> {
                for (int i = 0; i < 5; i++) a.put(i);
                a.close();
            });
            MicroThread.startAndForget("producer-b", () -> {
                for (int i = 10; i < 15; i++) {
                    try (var p = limit.enter()) {
                        b.put(i);
                    }
                }
                b.close();
            });
            Pipe<Long> ticks = Pipe.ticker(Duration.ofMillis(3));
            boolean aDone = false, bDone = false;
            while (!aDone || !bDone) {
                List<Select.Case<String>> cases = new ArrayList<>();
                if (!aDone) cases.add(a.onTakeOrClosed(x -> x == null ? "a-done" : "a" + x));
                if (!bDone) cases.add(b.onTakeOrClosed(x -> x == null ? "b-done" : "b" + x));
                cases.add(ticks.onTake(t -> "tick"));
                String got = Select.select(cases);
                aDone |= got.equals("a-done");
                bDone |= got.equals("b-done");
                sb.append(got).append(' ');
                if (got.equals("tick")) MicroThread.sleep(Duration.ofMillis(1));
            }
            ticks.close();
            try (Generator<Integer> g = Generator.of(e -> {
                for (int i = 0; i < 3; i++) e.emit(i);
            })) {
                for (int x : g) sb.append('g').append(x).append(' ');
            }
            return sb.toString();
        });
        return String.format("%016x %s", sim.scheduleHash(), out.strip());
    }

    /** Prints {@link #mixedScenario} for the seed given: run by another JVM in the test below. */
    public static void main(String[] args) throws Exception {
        System.out.println(mixedScenario(Long.parseLong(args[0])));
    }

    @Test
    void theSameSeedGivesTheSameScheduleAndOutputInAnotherJvm() throws Exception {
        String here = mixedScenario(5);
        assertEquals(here, mixedScenario(5));
        assertNotEquals(here, mixedScenario(6));
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                SimulationTest.class.getName(), "5").redirectErrorStream(true).start();
        String there = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor());
        assertEquals(here, there);
    }
}
