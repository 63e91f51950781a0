package org.microthreads.bench.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Graceful shutdown under load, in one JVM: {@code --cycles} times (default 100), the {@link JdkApiServer} app starts
 * on a free port (ours or the JDK's server, as the {@code com.sun.net.httpserver.HttpServerProvider} property says),
 * {@code --clients} threads (default 32; blocking sockets, keep-alive) send it a mix of {@code /plaintext} and
 * {@code /slow?ms=5..50}, and after a random 50-300 ms {@code server.stop(5)} is called. Every request a client
 * wrote ends as one of: {@code complete} (a whole response), {@code closedBeforeResponse} (a clean close before
 * any byte of the response: the server did not take it, a client may retry it), {@code resetBeforeResponse} (a
 * reset before any byte), {@code truncated} (a close or reset after part of the response), {@code timedOut} (no
 * response within 10 s). A write that fails is {@code writeFailed} (the request did not leave). Lost = reset +
 * truncated + timed out, but for the resets of a first request on a connection made after {@code stop} was called
 * ({@code connectedDuringStop}, printed apart): the kernel completed that connect in the listen backlog as the
 * listener closed, and closing a listener resets what it still queues; the server never accepted it, so such a
 * request is retryable as a refused connect is. Bounded by {@code --max-seconds} (default 120): no new cycle starts after it.
 *
 * <pre>java [-Dcom.sun.net.httpserver.HttpServerProvider=...] -cp ... org.microthreads.bench.http.ShutdownLoad [--cycles 100] [--clients 32]</pre>
 *
 * Prints {@code SHUTDOWN server=... cycles= complete= closedBeforeResponse= ... lost=}; exit code 1 if lost > 0.
 */
public final class ShutdownLoad {
    private ShutdownLoad() {}

    /** The outcome of every request written, over all cycles. */
    static final class Outcomes {
        final LongAdder complete = new LongAdder();
        final LongAdder closedBeforeResponse = new LongAdder();
        final LongAdder resetBeforeResponse = new LongAdder();
        /** Of {@code resetBeforeResponse}: on a connection's first request (e.g. still in the accept queue when the listener closed). */
        final LongAdder resetOnFirst = new LongAdder();
        /** Of {@code resetOnFirst}: on a connection made after {@code stop} was called (the connect raced the listener's close). */
        final LongAdder resetConnectedDuringStop = new LongAdder();
        final LongAdder truncated = new LongAdder();
        final LongAdder timedOut = new LongAdder();
        final LongAdder writeFailed = new LongAdder();
        final LongAdder wrongStatus = new LongAdder();
        volatile String firstLoss;

        long lost() {
            return resetBeforeResponse.sum() - resetConnectedDuringStop.sum() + truncated.sum() + timedOut.sum();
        }

        void loss(LongAdder kind, String what) {
            kind.increment();
            if (firstLoss == null) firstLoss = what;
        }
    }

    /** Runs the cycles described by the arguments and prints the {@code SHUTDOWN} line. */
    public static void main(String[] args) throws Exception {
        int cycles = (int) Endpoints.number(args, "--cycles", "100");
        int clients = (int) Endpoints.number(args, "--clients", "32");
        double maxSeconds = Endpoints.number(args, "--max-seconds", "120");
        if (cycles < 1) throw new IllegalArgumentException("--cycles must be >= 1, was " + cycles);
        if (clients < 1) throw new IllegalArgumentException("--clients must be >= 1, was " + clients);
        Outcomes o = new Outcomes();
        long start = System.nanoTime();
        int done = 0;
        long stopNanos = 0;
        while (done < cycles && System.nanoTime() - start < maxSeconds * 1e9) {
            stopNanos += cycle(clients, o);
            done++;
        }
        String server = HttpServerProvider.provider().getClass().getName();
        System.out.println(String.format(Locale.ROOT,
                "SHUTDOWN server=%s cycles=%d clients=%d complete=%d closedBeforeResponse=%d resetBeforeResponse=%d (onFirstRequest=%d, connectedDuringStop=%d) truncated=%d"
                        + " timedOut=%d writeFailed=%d wrongStatus=%d stop_mean_ms=%.1f seconds=%.1f lost=%d",
                server, done, clients, o.complete.sum(), o.closedBeforeResponse.sum(), o.resetBeforeResponse.sum(),
                o.resetOnFirst.sum(), o.resetConnectedDuringStop.sum(), o.truncated.sum(), o.timedOut.sum(), o.writeFailed.sum(), o.wrongStatus.sum(), stopNanos / 1e6 / Math.max(1, done),
                (System.nanoTime() - start) / 1e9, o.lost()));
        if (o.firstLoss != null) System.out.println("FIRST LOSS: " + o.firstLoss);
        System.exit(o.lost() > 0 ? 1 : 0);
    }

    /** One cycle: start, load, stop under load, wait for the clients. Returns the nanoseconds stop took. */
    static long cycle(int clients, Outcomes o) throws Exception {
        HttpServer server = JdkApiServer.start(0);
        InetSocketAddress address = server.getAddress();
        AtomicBoolean stopping = new AtomicBoolean();
        AtomicBoolean stopped = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) threads.add(Thread.ofPlatform().daemon().start(() -> client(address, stopping, stopped, o)));
        Thread.sleep(ThreadLocalRandom.current().nextInt(50, 301));
        long t0 = System.nanoTime();
        stopping.set(true);
        server.stop(5);
        long took = System.nanoTime() - t0;
        stopped.set(true);
        for (Thread t : threads) {
            t.join(15_000);
            if (t.isAlive()) throw new IllegalStateException("a client thread did not end 15 s after stop: " + t);
        }
        return took;
    }

    /** Requests on keep-alive connections until the server refuses the connect (it stopped). */
    private static void client(InetSocketAddress address, AtomicBoolean stopping, AtomicBoolean stopped, Outcomes o) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] buf = new byte[4096];
        while (true) {
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.setSoTimeout(10_000);
                try {
                    s.connect(address, 5_000);
                } catch (ConnectException e) {
                    return; // refused: the server stopped accepting
                }
                boolean duringStop = stopping.get();
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                ResponseParser parser = new ResponseParser(false);
                boolean open = true;
                for (boolean first = true; open; first = false) {
                    String path = random.nextBoolean() ? "/plaintext" : "/slow?ms=" + random.nextInt(5, 51);
                    byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                    try {
                        out.write(request);
                        out.flush();
                    } catch (IOException e) {
                        o.writeFailed.increment();
                        break;
                    }
                    open = readResponse(in, parser, buf, path, first, first && duringStop, o);
                }
            } catch (IOException e) {
                if (stopped.get()) return; // e.g. the connect timed out after the stop
            }
        }
    }

    /** Reads one response and counts its outcome; false: the connection is done. */
    private static boolean readResponse(InputStream in, ResponseParser parser, byte[] buf, String path, boolean first,
                                        boolean connectedDuringStop, Outcomes o) {
        long bytes = 0;
        try {
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    if (bytes == 0) o.closedBeforeResponse.increment();
                    else o.loss(o.truncated, path + ": EOF after " + bytes + " bytes of the response");
                    return false;
                }
                bytes += n;
                if (parser.feed(ByteBuffer.wrap(buf, 0, n))) {
                    boolean close = parser.close();
                    if (parser.status() == 200) o.complete.increment();
                    else o.wrongStatus.increment();
                    parser.reset();
                    return !close;
                }
            }
        } catch (SocketTimeoutException e) {
            o.loss(o.timedOut, path + ": no response within 10 s (" + bytes + " bytes)");
        } catch (IOException e) {
            if (bytes == 0) {
                if (first) o.resetOnFirst.increment();
                if (connectedDuringStop) { // reset in the listen backlog: not lost, see the class comment
                    o.resetConnectedDuringStop.increment();
                    o.resetBeforeResponse.increment();
                } else {
                    o.loss(o.resetBeforeResponse, path + ": " + e.getMessage() + " before any byte of the response"
                            + (first ? " (the connection's first request)" : ""));
                }
            }
            else o.loss(o.truncated, path + ": " + e.getMessage() + " after " + bytes + " bytes of the response");
        }
        return false;
    }
}
