package org.microthreads.bench.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;

/**
 * A connection flood: for {@code --seconds}, new connections as fast as they go, at most {@code --rate} per second
 * (default 5,000) and at most {@code --hold} open or connecting at once (default 5,000: beyond it the oldest is
 * closed); they send nothing. Every close is abortive ({@code SO_LINGER 0}: an RST, no TIME_WAIT on either
 * side), so however many connections the flood makes it does not run out of the client's ephemeral ports; file
 * descriptors are bounded by {@code --hold}. One thread, one selector, non-blocking.
 *
 * <pre>java -cp ... org.microthreads.bench.http.FloodClient --port 8080 [--seconds 10] [--rate 5000] [--hold 5000]</pre>
 *
 * Prints {@code FLOOD opened= refused= serverClosed= unconnected= held= ...}: connects that succeeded, that failed
 * (refused, reset, timed out), connections the server closed while held, connects still pending when their turn to
 * be closed came (a full backlog: the SYN waits), and what was held at the end. Exit code 0.
 */
public final class FloodClient {
    private FloodClient() {}

    private static final class Flood {
        final SocketChannel channel;
        boolean connected;
        boolean closed;

        Flood(SocketChannel channel) {
            this.channel = channel;
        }
    }

    /** Runs the flood described by the arguments and prints its {@code FLOOD} line. */
    public static void main(String[] args) throws IOException {
        double seconds = Endpoints.number(args, "--seconds", "10");
        double rate = Endpoints.number(args, "--rate", "5000");
        int hold = (int) Endpoints.number(args, "--hold", "5000");
        if (!(seconds > 0) || seconds > 3600) throw new IllegalArgumentException("--seconds must be in (0, 3600], was " + seconds);
        if (!(rate > 0)) throw new IllegalArgumentException("--rate must be > 0 connections per second, was " + rate);
        if (hold < 1) throw new IllegalArgumentException("--hold must be >= 1, was " + hold);
        InetSocketAddress address = new InetSocketAddress(Endpoints.option(args, "--host", "127.0.0.1"), Endpoints.port(args));
        System.out.println(run(address, seconds, rate, hold));
    }

    static String run(InetSocketAddress address, double seconds, double rate, int hold) throws IOException {
        long attempts = 0;
        long opened = 0;
        long refused = 0;
        long serverClosed = 0;
        long unconnected = 0;
        long openFailed = 0;
        ArrayDeque<Flood> held = new ArrayDeque<>(hold); // oldest first
        ByteBuffer in = ByteBuffer.allocate(1024);
        try (Selector selector = Selector.open()) {
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            double nanosPer = 1e9 / rate;
            while (true) {
                long now = System.nanoTime();
                if (now >= end) break;
                for (int burst = 0; burst < 256 && start + (long) (attempts * nanosPer) <= now; burst++) { // those due by now
                    while (!held.isEmpty() && (held.size() >= hold || held.peekFirst().closed)) {
                        Flood old = held.pollFirst();
                        if (old.closed) continue;
                        if (!old.connected) unconnected++;
                        abort(old);
                    }
                    attempts++;
                    SocketChannel ch;
                    try {
                        ch = SocketChannel.open();
                        ch.configureBlocking(false);
                        ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                    } catch (IOException e) { // out of descriptors: counted, the flood goes on
                        openFailed++;
                        continue;
                    }
                    Flood f = new Flood(ch);
                    held.addLast(f);
                    try {
                        if (ch.connect(address)) {
                            f.connected = true;
                            opened++;
                            ch.register(selector, SelectionKey.OP_READ, f);
                        } else {
                            ch.register(selector, SelectionKey.OP_CONNECT, f);
                        }
                    } catch (IOException e) {
                        refused++;
                        abort(f);
                    }
                }
                selector.select(Math.max(1, Math.min(10, (end - now) / 1_000_000)));
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey k = it.next();
                    it.remove();
                    Flood f = (Flood) k.attachment();
                    if (!k.isValid() || f.closed) continue;
                    if (k.isConnectable()) {
                        try {
                            f.channel.finishConnect();
                            f.connected = true;
                            opened++;
                            k.interestOps(SelectionKey.OP_READ);
                        } catch (IOException e) {
                            refused++;
                            abort(f);
                        }
                    } else if (k.isReadable()) {
                        boolean eof;
                        try {
                            in.clear();
                            eof = f.channel.read(in) < 0;
                        } catch (IOException e) {
                            eof = true;
                        }
                        if (eof) {
                            serverClosed++;
                            abort(f);
                        }
                    }
                }
            }
            long stillHeld = held.stream().filter(f -> !f.closed && f.connected).count();
            for (Flood f : held) if (!f.closed) abort(f);
            return String.format(Locale.ROOT, "FLOOD opened=%d refused=%d serverClosed=%d unconnected=%d openFailed=%d held=%d"
                            + " attempts=%d rate=%.0f hold=%d seconds=%s",
                    opened, refused, serverClosed, unconnected, openFailed, stillHeld, attempts, rate, hold, seconds);
        }
    }

    /** Closes with an RST (SO_LINGER 0 was set at open). */
    private static void abort(Flood f) {
        f.closed = true;
        try {
            f.channel.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
