package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The deadlock report and the dump of a single-carrier loop. */
class DeadlockAndDumpTest {

    @Test
    void twoMicroThreadsJoiningEachOtherAreReported() throws Exception {
        try (Loop loop = Loop.singleCarrier("deadly")) {
            List<String> cleanedUp = new CopyOnWriteArrayList<>();
            AtomicReference<MicroThread<?>> b = new AtomicReference<>();
            assertThatThrownBy(() -> loop.run(() -> {
                MicroThread<Object> a = MicroThread.parallel("alice", () -> {
                    try {
                        MicroThread.yieldNow(); // let bob start
                        return b.get().join();
                    } finally {
                        cleanedUp.add("alice");
                    }
                });
                b.set(MicroThread.parallel("bob", () -> {
                    try {
                        return a.join();
                    } finally {
                        cleanedUp.add("bob");
                    }
                }));
                return a.join();
            })).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("deadlock on loop 'deadly'")
                    .hasMessageContaining("'alice' WAITING: joining micro-thread 'bob'")
                    .hasMessageContaining("'bob' WAITING: joining micro-thread 'alice'")
                    .hasMessageContaining("'main' WAITING: joining micro-thread 'alice'")
                    .hasMessageContaining("at ");
            assertThat(cleanedUp).containsExactlyInAnyOrder("alice", "bob");
            assertThat(loop.microThreads()).isEmpty();
            // the loop is still usable afterwards
            assertThat(loop.run(() -> 1)).isEqualTo(1);
        }
    }

    @Test
    void waitsThatSomethingOutsideCanEndAreNeverReported() throws Exception {
        try (Loop loop = Loop.singleCarrier("not-deadly")) {
            Deferred<String> fromOutside = new Deferred<>();
            Thread.ofPlatform().start(() -> {
                try {
                    // completes only once the loop has been idle with everyone waiting
                    while (loop.microThreads().size() < 2
                            || loop.microThreads().stream().anyMatch(m -> m.state() != MicroThread.State.WAITING)) {
                        Thread.onSpinWait();
                    }
                    fromOutside.complete("outside");
                } catch (RuntimeException e) {
                    fromOutside.fail(e);
                }
            });
            String v = loop.run(() -> {
                MicroThread<String> child = MicroThread.parallel("child", fromOutside::await);
                MicroThread<Void> sleeper = MicroThread.parallel("sleeper", () -> {
                    MicroThread.sleep(Duration.ofMillis(50));
                    return null;
                });
                sleeper.join();
                return child.join();
            });
            assertThat(v).isEqualTo("outside");
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aNameWithLineBreaksOrControlCharactersIsShownEscapedOnOneLineInDumpsAndDeadlockReports() throws Exception {
        String odd = "a\nb\r\tc\u0007\u2028d";
        String shown = "'a\\nb\\r\\tc\\u0007\\u2028d'";
        try (Loop loop = Loop.singleCarrier("odd names")) {
            AtomicReference<String> dump = new AtomicReference<>();
            assertThatThrownBy(() -> loop.run(() -> {
                AtomicReference<MicroThread<?>> partner = new AtomicReference<>();
                MicroThread<Object> m = MicroThread.parallel(odd, () -> {
                    MicroThread.yieldNow(); // let the partner start
                    return partner.get().join();
                });
                partner.set(MicroThread.parallel("partner", m::join));
                assertThat(m.name()).as("the name itself is kept as given").isEqualTo(odd);
                MicroThread.yieldNow(); // one carrier, in turn: m yields, the partner waits for m
                MicroThread.yieldNow(); // m waits for the partner
                dump.set(MicroThread.current().loop().dump());
                return m.join();
            })).isInstanceOf(DeadlockException.class)
                    .satisfies(e -> assertThat(e.getMessage())
                            .contains("  " + shown + " WAITING: joining micro-thread 'partner'")
                            .contains("'partner' WAITING: joining micro-thread " + shown)
                            .contains("'main' WAITING: joining micro-thread " + shown)
                            .doesNotContain(odd));
            assertThat(dump.get()).contains("  " + shown + " WAITING: joining micro-thread 'partner'")
                    .contains("'partner' WAITING: joining micro-thread " + shown)
                    .contains("'main' RUNNING").doesNotContain(odd);
            assertThat(dump.get().lines().filter(l -> !l.startsWith("      at ")))
                    .as("one line per micro-thread, after the title").hasSize(4);
        }
    }

    @Test
    void aDumpNamesEachMicroThreadItsStateWhatItWaitsOnAndItsStack() throws Exception {
        try (Loop loop = Loop.singleCarrier("dumped")) {
            String dump = loop.run(() -> {
                Deferred<Void> gate = new Deferred<>();
                MicroThread.startAndForget("sleepy", () -> MicroThread.sleep(Duration.ofHours(1)));
                MicroThread.startAndForget("gated", gate::await);
                MicroThread<Void> gated = MicroThread.parallel("joiner", () -> {
                    MicroThread.current().loop().microThreads().get(1).join();
                    return null;
                });
                MicroThread.yieldNow();
                String d = MicroThread.current().loop().dump();
                for (MicroThread<?> m : MicroThread.current().loop().microThreads()) {
                    if (m != MicroThread.current()) m.cancel();
                }
                assertThatThrownBy(gated::join).isInstanceOf(java.util.concurrent.CancellationException.class);
                return d;
            });
            assertThat(dump).startsWith("loop 'dumped' (single carrier): 4 live micro-threads")
                    .contains("'main' RUNNING")
                    .contains("'sleepy' WAITING: sleeping for 1h")
                    .contains("'gated' WAITING: awaiting Deferred@")
                    .contains("'joiner' WAITING: joining micro-thread 'sleepy'")
                    .contains("at org.microthreads.MicroThread.sleep");
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aDeadlockIsStillReportedWhileAnotherThreadKeepsInspectingTheLoop() throws Exception {
        try (Loop loop = Loop.singleCarrier("inspected-deadlock")) {
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread inspector = Thread.ofPlatform().start(() -> {
                while (!stop.get()) loop.microThreads(); // holds the registry lock often
            });
            try {
                AtomicReference<MicroThread<?>> other = new AtomicReference<>();
                assertThatThrownBy(() -> loop.run(() -> {
                    MicroThread<Object> a = MicroThread.parallel("a", () -> {
                        // main may park on the registry's lock (the inspector holds it often) before it sets 'other'
                        while (other.get() == null) MicroThread.yieldNow();
                        return other.get().join();
                    });
                    other.set(MicroThread.parallel("b", a::join));
                    return a.join();
                })).isInstanceOf(DeadlockException.class).hasMessageContaining("'a' WAITING: joining micro-thread 'b'");
            } finally {
                stop.set(true);
                inspector.join();
            }
        }
    }
}
