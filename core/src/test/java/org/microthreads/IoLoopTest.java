package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.microthreads.spi.IoLoops;

/** I/O loops (org.microthreads.spi.IoLoops): a carrier that is also an event loop. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoLoopTest {

    private static ServerSocketChannel listen() throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        s.configureBlocking(false);
        return s;
    }

    /** Reads until {@code want} bytes came, waiting through the loop's selector. */
    private static String readFully(SocketChannel ch, int want) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(want);
        while (b.hasRemaining()) {
            int n = ch.read(b);
            if (n < 0) throw new IOException("EOF after " + b.position());
            if (n == 0) IoLoops.awaitReady(ch, SelectionKey.OP_READ, "reading " + ch);
        }
        return new String(b.array(), StandardCharsets.US_ASCII);
    }

    private static void writeFully(SocketChannel ch, ByteBuffer b) throws Exception {
        while (b.hasRemaining()) {
            if (ch.write(b) == 0) IoLoops.awaitReady(ch, SelectionKey.OP_WRITE, "writing " + ch);
        }
    }

    @Test
    void aThousandEchoConnectionsOnOneCarrierEachReadingAsBlockingCode() throws Exception {
        int n = 1000, rounds = 20;
        try (Loop loop = IoLoops.create("echo"); ServerSocketChannel server = listen()) {
            assertThat(IoLoops.isIoLoop(loop)).isTrue();
            assertThat(IoLoops.isIoLoop(Loop.singleCarrier("plain"))).isFalse();
            int served = loop.run(() -> {
                AtomicInteger done = new AtomicInteger();
                MicroThread<Void> acceptor = MicroThread.parallel("acceptor", () -> {
                    for (int accepted = 0; accepted < n; ) {
                        SocketChannel c = server.accept();
                        if (c == null) {
                            IoLoops.awaitReady(server, SelectionKey.OP_ACCEPT, "accepting");
                            continue;
                        }
                        accepted++;
                        c.configureBlocking(false);
                        MicroThread.startAndForget(() -> {
                            try (c) {
                                for (int r = 0; r < rounds; r++) {
                                    writeFully(c, ByteBuffer.wrap(readFully(c, 4).getBytes(StandardCharsets.US_ASCII)));
                                }
                            }
                        });
                    }
                    return null;
                });
                List<MicroThread<Void>> clients = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    clients.add(MicroThread.parallel(() -> {
                        try (SocketChannel c = SocketChannel.open()) {
                            c.configureBlocking(false);
                            if (!c.connect(server.getLocalAddress())) {
                                while (!c.finishConnect()) IoLoops.awaitReady(c, SelectionKey.OP_CONNECT, "connecting");
                            }
                            for (int r = 0; r < rounds; r++) {
                                String msg = String.format("%04d", r);
                                writeFully(c, ByteBuffer.wrap(msg.getBytes(StandardCharsets.US_ASCII)));
                                assertThat(readFully(c, 4)).isEqualTo(msg);
                            }
                        }
                        done.incrementAndGet();
                        return null;
                    }));
                }
                for (MicroThread<Void> c : clients) c.join();
                acceptor.join();
                return done.get();
            });
            assertThat(served).isEqualTo(n);
        }
    }

    @Test
    void aCancelledReaderStopsWaitingAndTheDumpSaysWhatItWaitedFor() throws Exception {
        try (Loop loop = IoLoops.create("cancel"); ServerSocketChannel server = listen();
             SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
            loop.run(() -> {
                SocketChannel c;
                while ((c = server.accept()) == null) IoLoops.awaitReady(server, SelectionKey.OP_ACCEPT, "accepting");
                c.configureBlocking(false);
                SocketChannel conn = c;
                MicroThread<String> reader = MicroThread.parallel("reader", () -> readFully(conn, 4));
                MicroThread.yieldNow();
                assertThat(reader.waitingOn()).contains("waiting for I/O: reading " + conn);
                assertThat(Loop.current().dump()).contains("'reader'", "waiting for I/O: reading");
                reader.cancel();
                assertThatThrownBy(reader::join).isInstanceOf(java.util.concurrent.CancellationException.class);
                // the channel still works: the key of the cancelled wait was detached
                client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
                assertThat(readFully(conn, 4)).isEqualTo("ping");
                conn.close();
                return null;
            });
        }
    }

    @Test
    void aWatchRunsOnTheCarrierOnceTheChannelIsReadyAndCanRewatch() throws Exception {
        try (Loop loop = IoLoops.create("watch"); ServerSocketChannel server = listen();
             SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
            List<String> seen = loop.run(() -> {
                SocketChannel c;
                while ((c = server.accept()) == null) IoLoops.awaitReady(server, SelectionKey.OP_ACCEPT, "accepting");
                c.configureBlocking(false);
                SocketChannel conn = c;
                List<String> got = new ArrayList<>();
                Deferred<Void> eof = new Deferred<>();
                Runnable[] onReady = new Runnable[1];
                onReady[0] = () -> {
                    assertThat(MicroThread.inMicroThread()).isFalse();
                    ByteBuffer b = ByteBuffer.allocate(16);
                    try {
                        int r = conn.read(b);
                        if (r < 0) {
                            eof.complete(null);
                            return;
                        }
                        got.add(new String(b.array(), 0, r, StandardCharsets.US_ASCII));
                        IoLoops.watch(conn, SelectionKey.OP_READ, onReady[0]);
                    } catch (IOException e) {
                        eof.fail(e);
                    }
                };
                IoLoops.watch(conn, SelectionKey.OP_READ, onReady[0]);
                client.write(ByteBuffer.wrap("a".getBytes(StandardCharsets.US_ASCII)));
                client.shutdownOutput();
                eof.await();
                conn.close();
                return got;
            });
            assertThat(seen).containsExactly("a");
        }
    }

    @Test
    void anUnwatchedChannelDoesNotCallBack() throws Exception {
        try (Loop loop = IoLoops.create("unwatch"); ServerSocketChannel server = listen();
             SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
            loop.run(() -> {
                SocketChannel c;
                while ((c = server.accept()) == null) IoLoops.awaitReady(server, SelectionKey.OP_ACCEPT, "accepting");
                c.configureBlocking(false);
                AtomicInteger calls = new AtomicInteger();
                IoLoops.watch(c, SelectionKey.OP_READ, calls::incrementAndGet);
                IoLoops.unwatch(c);
                client.write(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)));
                assertThat(readFully(c, 1)).isEqualTo("x"); // the wait saw it; the watch did not
                assertThat(calls).hasValue(0);
                c.close();
                return null;
            });
        }
    }

    @Test
    void waitingOutsideAnIoLoopIsRefusedNamingTheCaller() throws Exception {
        try (ServerSocketChannel server = listen(); Loop plain = Loop.singleCarrier("plain-loop")) {
            assertThatThrownBy(() -> IoLoops.awaitReady(server, SelectionKey.OP_ACCEPT, "x"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("needs a micro-thread of an I/O loop").hasMessageContaining("thread '");
            assertThatThrownBy(() -> plain.run(() -> {
                IoLoops.awaitReady(server, SelectionKey.OP_ACCEPT, "x");
                return null;
            })).hasRootCauseInstanceOf(IllegalStateException.class).rootCause()
                    .hasMessageContaining("of loop 'plain-loop' (single carrier)");
            assertThatThrownBy(() -> IoLoops.watch(server, SelectionKey.OP_ACCEPT, () -> {}))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> IoLoops.create(null)).isInstanceOf(NullPointerException.class);
        }
    }

    @Test
    void aRemoteSubmissionWakesACarrierWaitingInItsSelector() throws Exception {
        try (Loop loop = IoLoops.create("wake")) {
            for (int i = 0; i < 1000; i++) {
                CountDownLatch ran = new CountDownLatch(1);
                loop.startAndForget(ran::countDown); // from this platform thread: the remote queue + wakeup
                assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void readinessIsSeenWhileTheRunQueueNeverRunsDry() throws Exception {
        try (Loop loop = IoLoops.create("busy"); ServerSocketChannel server = listen()) {
            String got = loop.run(() -> {
                java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
                for (int i = 0; i < 300; i++) { // more yielders than one busy poll's minimum of tasks: a pass is long
                    MicroThread.startAndForget("yielder " + i, () -> {
                        while (!done.get()) MicroThread.yieldNow();
                    });
                }
                try (SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
                    SocketChannel accepted;
                    while ((accepted = server.accept()) == null) IoLoops.awaitReady(server, SelectionKey.OP_ACCEPT, "accepting");
                    try (SocketChannel ch = accepted) {
                        ch.configureBlocking(false);
                        client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII))); // a blocking channel: sent now
                        return readFully(ch, 4); // woken by a busy poll: the queue holds the yielders all along
                    } finally {
                        done.set(true);
                    }
                }
            });
            assertThat(got).isEqualTo("ping");
        }
    }
}
