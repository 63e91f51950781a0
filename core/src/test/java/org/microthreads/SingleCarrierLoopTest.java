package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Single-carrier loops: run waits for everything, FIFO, no races, lifetime, closing. */
class SingleCarrierLoopTest {

    @Test
    void runWaitsForAHundredThousandStartAndForgetMicroThreads() throws Exception {
        try (Loop loop = Loop.singleCarrier("100k")) {
            int[] counter = {0}; // deliberately not atomic: one carrier, no races
            int n = 100_000;
            loop.run(() -> {
                for (int i = 0; i < n; i++) {
                    MicroThread.startAndForget(() -> {
                        MicroThread.yieldNow();
                        counter[0]++;
                    });
                }
                return null;
            });
            assertThat(counter[0]).isEqualTo(n);
            assertThat(loop.microThreads()).isEmpty();
        }
    }

    @Test
    void microThreadsRunInFifoOrderAndNeverInterleaveBetweenYields() throws Exception {
        try (Loop loop = Loop.singleCarrier("fifo")) {
            List<String> log = new ArrayList<>(); // not synchronized on purpose
            loop.run(() -> {
                for (String name : List.of("a", "b", "c")) {
                    MicroThread.startAndForget(name, () -> {
                        for (int round = 0; round < 3; round++) {
                            log.add(name + round + "-begin");
                            log.add(name + round + "-end"); // no other micro-thread can run in between
                            MicroThread.yieldNow();
                        }
                    });
                }
                return null;
            });
            List<String> expected = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (String name : List.of("a", "b", "c")) {
                    expected.add(name + round + "-begin");
                    expected.add(name + round + "-end");
                }
            }
            assertThat(log).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void allMicroThreadsRunOnTheSameCarrierAndRunReturnsMainsValue() throws Exception {
        try (Loop loop = Loop.singleCarrier("one-carrier")) {
            List<Long> carrierIds = new ArrayList<>();
            String v = loop.run(() -> {
                for (int i = 0; i < 10; i++) {
                    MicroThread.startAndForget(() -> carrierIds.add(currentCarrierId()));
                }
                return "done";
            });
            assertThat(v).isEqualTo("done");
            assertThat(carrierIds).hasSize(10).containsOnly(carrierIds.get(0));
        }
    }

    private static long currentCarrierId() {
        return org.microthreads.internal.JdkInternals.currentCarrierThread().threadId();
    }

    @Test
    void runFromInsideItsOwnLoopIsRejected() throws Exception {
        try (Loop loop = Loop.singleCarrier("reenter")) {
            assertThatThrownBy(() -> loop.run(() -> loop.run(() -> 1)))
                    .isInstanceOf(FailedException.class)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("itself");
            assertThatThrownBy(() -> loop.run(() -> {
                loop.close();
                return null;
            })).isInstanceOf(FailedException.class).cause().hasMessageContaining("wait for itself");
        }
    }

    @Test
    void runOfOneLoopFromAMicroThreadOfAnotherIsFine() throws Exception {
        try (Loop outer = Loop.singleCarrier("outer"); Loop inner = Loop.singleCarrier("inner")) {
            assertThat(outer.run(() -> inner.run(() -> 41) + 1)).isEqualTo(42);
        }
    }

    @Test
    void useAfterCloseIsRejectedAndCloseIsIdempotent() throws Exception {
        Loop loop = Loop.singleCarrier("closed");
        loop.close();
        loop.close();
        assertThat(loop.isClosed()).isTrue();
        assertThatThrownBy(() -> loop.run(() -> 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("'closed' is closed");
        assertThatThrownBy(() -> loop.startAndForget(() -> {})).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> loop.parallel(() -> 1)).isInstanceOf(IllegalStateException.class);
        assertThat(loop.microThreads()).isEmpty();
    }

    @Test
    void closeCancelsAndJoinsWhatIsLeft() throws Exception {
        Loop loop = Loop.singleCarrier("leftovers");
        List<String> cleanedUp = new java.util.concurrent.CopyOnWriteArrayList<>();
        Deferred<Void> never = new Deferred<>();
        for (int i = 0; i < 3; i++) {
            String name = "left-" + i;
            loop.startAndForget(name, () -> {
                try {
                    never.await();
                } finally {
                    cleanedUp.add(name);
                }
            });
        }
        List<String> logged;
        try (LogCapture log = LogCapture.start()) {
            loop.close();
            logged = log.messages;
        }
        assertThat(cleanedUp).containsExactlyInAnyOrder("left-0", "left-1", "left-2");
        assertThat(loop.microThreads()).isEmpty();
        assertThat(loop.failureCount()).isZero(); // cancellations are not failures
        assertThat(logged).filteredOn(m -> m.contains("'leftovers'")).singleElement().asString() // other tests' stragglers may log meanwhile
                .contains("closing loop 'leftovers' cancelled 3 micro-threads still running", "'left-0'", "'left-1'", "'left-2'");
    }

    /**
     * A micro-thread that has ended stays listed for a moment (its last action unlists it); a
     * close() in that moment neither cancels it nor reports it as "still running". The moment is
     * held open here by listing an ended micro-thread by hand and unlisting it once close() waits.
     */
    @Test
    void closeDoesNotReportAMicroThreadThatEndedButIsStillListed() throws Exception {
        Loop loop = Loop.singleCarrier("ended-but-listed");
        MicroThread<Object> ended = new MicroThread<>(loop, loop.rootScope, null, null, null, "ended", false, 1);
        assertThat(ended.lineage.end()).isTrue();
        loop.registry().add(ended);
        List<String> logged;
        try (LogCapture log = LogCapture.start()) {
            logged = log.messages;
            Thread closer = Thread.ofPlatform().start(loop::close);
            while (closer.getState() != Thread.State.TIMED_WAITING) { // parked in close(), after its snapshot
                assertThat(closer.isAlive()).as("close() cannot end while 'ended' is listed").isTrue();
                Thread.onSpinWait();
            }
            loop.registry().remove(ended, true); // what the micro-thread's last action does
            closer.join();
        }
        assertThat(loop.microThreads()).isEmpty();
        assertThat(logged).noneMatch(m -> m.contains("'ended-but-listed'"));
    }

    /**
     * Closing the shared loop is a no-op (issue 14; was UnsupportedOperationException, a deliberate
     * change of contract): from a plain thread, from one of its own micro-threads, and in a
     * try-with-resources; nothing running on it is cancelled and it keeps starting micro-threads.
     */
    @Test
    void closingTheSharedLoopDoesNothing() throws Exception {
        Deferred<String> release = new Deferred<>();
        MicroThread<String> running = Loop.shared().parallel("still-running", release::await);
        Loop.shared().close();
        try (Loop loop = Loop.shared()) {
            assertThat(loop.parallel(() -> {
                Loop.current().close(); // from its own micro-thread too: no IllegalStateException
                return 42;
            }).join()).isEqualTo(42);
        }
        assertThat(Loop.shared().isClosed()).isFalse();
        assertThat(running.isCancelled()).as("close() on the shared loop cancels nothing").isFalse();
        release.complete("done");
        assertThat(running.join()).isEqualTo("done");
        assertThat(MicroThread.parallel(() -> "after").join()).isEqualTo("after");
    }

    @Test
    void isSingleCarrierTellsWhetherMicroThreadsRunOneAtATime() throws Exception {
        assertThat(Loop.shared().isSingleCarrier()).isFalse();
        Loop loop = Loop.singleCarrier("one-at-a-time");
        try {
            assertThat(loop.isSingleCarrier()).isTrue();
            assertThat(loop.run(() -> Loop.current().isSingleCarrier())).isTrue();
        } finally {
            loop.close();
        }
        assertThat(loop.isSingleCarrier()).as("fixed for the loop's lifetime").isTrue();
    }

    @Test
    void blockingIoParksOnlyTheMicroThread() throws Exception {
        try (Loop loop = Loop.singleCarrier("io"); ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String got = loop.run(() -> {
                MicroThread<String> reader = MicroThread.parallel(() -> {
                    try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                        return new String(in.readAllBytes());
                    }
                });
                // while the reader blocks in accept/read, this micro-thread still runs
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                     OutputStream out = s.getOutputStream()) {
                    out.write("hello".getBytes());
                }
                return reader.join();
            });
            assertThat(got).isEqualTo("hello");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aClosedLoopDoesNotBreakIoElsewhereInTheJvm() throws Exception {
        // the JDK 25 poller pitfall: socket I/O first done by a micro-thread of a custom loop
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            for (int round = 0; round < 2; round++) {
                Loop loop = Loop.singleCarrier("short-lived-" + round);
                loop.run(() -> echoOnce(server));
                loop.close();
            }
            // plain virtual threads (default scheduler) still do socket I/O
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    echoOnce(server);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(t.join(Duration.ofSeconds(30))).isTrue();
        }
    }

    private static Void echoOnce(ServerSocket server) throws Exception {
        Thread acceptor = Thread.ofVirtual().start(() -> {
            try (Socket s = server.accept()) {
                s.getOutputStream().write(s.getInputStream().read());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            s.getOutputStream().write(7);
            assertThat(s.getInputStream().read()).isEqualTo(7);
        }
        acceptor.join();
        return null;
    }
}
