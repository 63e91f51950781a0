package org.microthreads.bench.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.microthreads.bench.http.Connections.Conn;

/**
 * An open-loop HTTP/1.1 load client: requests at a fixed rate over N keep-alive connections, one thread, one
 * selector, non-blocking. Request i is <em>due</em> at {@code start + i / rate}, whatever happened before; it
 * goes out on a free connection as soon as it is due (at most one request in flight per connection, no
 * pipelining), and its latency runs from when it was due, not from when it was sent. So a server that falls
 * behind shows its queueing in the latencies instead of slowing the client down (no coordinated omission,
 * as in wrk2). Bounded in time and count: warm-up + measured seconds, at most {@code --max-requests}, then
 * at most {@code --drain} seconds for what is still in flight; requests still unanswered then are counted as
 * unfinished and recorded with the time they had waited so far (a lower bound).
 *
 * <pre>
 * java -cp ... org.microthreads.bench.http.OpenLoopClient --port 8080 --path /plaintext --connections 256
 *      --rate 50000 --seconds 10 [--warmup 2] [--drain 2] [--max-requests N] [--host 127.0.0.1] [--shed-ok]
 * </pre>
 *
 * <p>{@code --shed-ok} (the overload scenario): a {@code 503} answer is not an error but a shed request, counted
 * and timed in its own histogram; the line then ends with {@code shed= shed_p99_ms= ok= ok_p99_ms= goodput=}
 * (measured requests answered 503 / 200, their p99 from the due time, and 200s per second in the measured
 * seconds).
 *
 * Prints one line {@code OPENLOOP key=value ...} (see {@link Result#line()}); exit code 1 if any request failed.
 */
public final class OpenLoopClient {
    private OpenLoopClient() {}

    /** What to run. Times in seconds. */
    record Config(String host, int port, String path, int connections, double rate, double seconds, double warmup,
                  double drain, long maxRequests, boolean shedOk) {
        /** Without {@code --shed-ok}: every status but 200 is an error. */
        Config(String host, int port, String path, int connections, double rate, double seconds, double warmup, double drain,
               long maxRequests) {
            this(host, port, path, connections, rate, seconds, warmup, drain, maxRequests, false);
        }

        Config {
            if (connections < 1) throw new IllegalArgumentException("--connections must be >= 1, was " + connections);
            if (!(rate > 0)) throw new IllegalArgumentException("--rate must be > 0 requests per second, was " + rate);
            if (!(seconds > 0) || seconds > 3600) throw new IllegalArgumentException("--seconds must be in (0, 3600], was " + seconds);
            if (warmup < 0 || warmup > 600) throw new IllegalArgumentException("--warmup must be in [0, 600], was " + warmup);
            if (drain < 0 || drain > 600) throw new IllegalArgumentException("--drain must be in [0, 600], was " + drain);
            if (maxRequests < 1) throw new IllegalArgumentException("--max-requests must be >= 1, was " + maxRequests);
            if (!path.startsWith("/")) throw new IllegalArgumentException("--path must start with /, was " + path);
        }
    }

    /**
     * The outcome. {@code measured}: requests due after the warm-up (the measured ones); {@code completed}: requests
     * answered 200, warm-up included; {@code errors}: failed requests (a status other than 200, a closed connection,
     * a response this client cannot read); {@code unfinished}: measured requests still unanswered at the end;
     * {@code achieved}: responses per second during the measured seconds (whichever request they answer: a server
     * that cannot keep up answers at its own pace, the queue of the warm-up's requests included).
     * Latencies in microseconds, of the measured requests, from their due time; {@code sendLag}: how late they
     * left after it; {@code fromSend}: the 200s' latencies from when they were written (without the client's own
     * lateness: what the server alone added, when connections are free, e.g. at half load). {@code shed}: measured requests answered 503 under {@code --shed-ok}, timed in {@code shedLatency};
     * {@code ok}: measured requests answered 200.
     */
    record Result(Config config, long measured, long completed, long errors, long unfinished, double achieved,
                  Histogram latency, Histogram sendLag, String firstError, long shed, long ok, Histogram shedLatency,
                  Histogram fromSend) {
        String line() {
            String base = String.format(Locale.ROOT,
                    "OPENLOOP offered=%.0f achieved=%.1f measured=%d completed=%d errors=%d unfinished=%d connections=%d seconds=%s"
                            + " p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f sendlag_p99_ms=%.3f fromsend_p99_ms=%.3f",
                    config.rate(), achieved, measured, completed, errors, unfinished, config.connections(), config.seconds(),
                    ms(latency, 50), ms(latency, 90), ms(latency, 99), ms(latency, 99.9), latency.getMaxValue() / 1000.0,
                    ms(sendLag, 99), ms(fromSend, 99));
            if (!config.shedOk()) return base;
            return base + String.format(Locale.ROOT, " shed=%d shed_p99_ms=%.3f ok=%d ok_p99_ms=%.3f goodput=%.1f",
                    shed, ms(shedLatency, 99), ok, ms(latency, 99), achieved);
        }

        private static double ms(Histogram h, double percentile) {
            return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    /** Runs the load described by the arguments and prints its {@code OPENLOOP} line. */
    public static void main(String[] args) throws IOException {
        Config c;
        try {
            c = config(args);
        } catch (IllegalArgumentException e) {
            System.err.println("OpenLoopClient: " + e.getMessage());
            System.exit(2);
            return;
        }
        Result r = run(c);
        System.out.println(r.line());
        if (r.firstError() != null) System.out.println("ERRORS " + r.errors() + ", the first: " + r.firstError());
        System.exit(r.errors() > 0 ? 1 : 0);
    }

    static Config config(String[] args) {
        double rate = Endpoints.number(args, "--rate", null);
        double seconds = Endpoints.number(args, "--seconds", "10");
        double warmup = Endpoints.number(args, "--warmup", "2");
        long cap = (long) Math.ceil(rate * (seconds + warmup));
        return new Config(Endpoints.option(args, "--host", "127.0.0.1"), Endpoints.port(args),
                Endpoints.option(args, "--path", "/plaintext"), (int) Endpoints.number(args, "--connections", "256"), rate, seconds,
                warmup, Endpoints.number(args, "--drain", "2"), (long) Endpoints.number(args, "--max-requests", String.valueOf(Math.max(1, cap))),
                List.of(args).contains("--shed-ok"));
    }

    /** Opens the connections, runs the load, closes them. */
    static Result run(Config c) throws IOException {
        try (Selector selector = Selector.open()) {
            ByteBuffer request = Connections.request(c.host(), c.port(), c.path());
            List<Conn> conns = Connections.open(selector, new InetSocketAddress(c.host(), c.port()), c.connections(), request, 60_000);
            try {
                return new Run(c, selector, conns).go();
            } finally {
                conns.forEach(Connections::closeQuietly);
            }
        }
    }

    private static final class Run {
        private static final long SPIN_NANOS = 2_000_000; // closer than this to the next due time: selectNow, no sleep
        final Config c;
        final Selector selector;
        final ArrayDeque<Conn> free;
        final long total;
        final long warmupCount;
        final double nanosPerRequest;
        final Histogram latency = new Histogram(3_600_000_000L, 3); // microseconds, up to an hour
        final Histogram sendLag = new Histogram(3_600_000_000L, 3);
        final Histogram fromSend = new Histogram(3_600_000_000L, 3);
        final Histogram shedLatency = new Histogram(3_600_000_000L, 3);
        long shed;
        long ok;
        final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        long start;
        long next;
        int inFlight;
        long completed;
        long errors;
        long windowStart;
        long windowEnd;
        long inWindow;
        String firstError;

        Run(Config c, Selector selector, List<Conn> conns) {
            this.c = c;
            this.selector = selector;
            this.free = new ArrayDeque<>(conns);
            this.total = Math.min(c.maxRequests(), Math.round(c.rate() * (c.warmup() + c.seconds())));
            this.warmupCount = Math.min(total, Math.round(c.rate() * c.warmup()));
            this.nanosPerRequest = 1e9 / c.rate();
        }

        long due(long i) {
            return start + (long) (i * nanosPerRequest);
        }

        Result go() throws IOException {
            start = System.nanoTime();
            long stopSending = start + (long) ((c.warmup() + c.seconds()) * 1e9);
            windowStart = start + (long) (c.warmup() * 1e9);
            windowEnd = stopSending;
            long hardStop = stopSending + (long) (c.drain() * 1e9);
            while (true) {
                long now = System.nanoTime();
                while (next < total && !free.isEmpty() && due(next) <= now) {
                    Conn conn = free.pollFirst(); // FIFO: the load goes round every connection
                    if (!conn.open) continue;
                    conn.inFlight = next;
                    conn.sentAt = now;
                    if (next >= warmupCount) sendLag.recordValue(Math.max(0, (now - due(next)) / 1000));
                    next++;
                    inFlight++;
                    try {
                        Connections.send(conn);
                    } catch (IOException e) {
                        fail(conn, "write: " + e.getMessage());
                    }
                }
                if (next >= total && inFlight == 0) break;
                if (now >= hardStop) break;
                if (free.isEmpty() && inFlight == 0) { // every connection failed
                    if (firstError == null) firstError = "no connection left";
                    break;
                }
                long wait = next < total && !free.isEmpty() ? due(next) - now : hardStop - now;
                if (wait < SPIN_NANOS) selector.selectNow();
                else selector.select(Math.min(100, wait / 1_000_000 - 1));
                handle();
            }
            long end = System.nanoTime();
            long unfinished = 0;
            for (long i = Math.max(next, warmupCount); i < total; i++) { // due but never sent: waited since due at least
                if (due(i) <= end) latency.recordValue(Math.max(0, (end - due(i)) / 1000));
                unfinished++;
            }
            for (SelectionKey k : selector.keys()) {
                Conn conn = (Conn) k.attachment();
                if (conn.inFlight >= warmupCount) {
                    latency.recordValue(Math.max(0, (end - due(conn.inFlight)) / 1000));
                    unfinished++;
                }
            }
            double achieved = inWindow / ((windowEnd - windowStart) / 1e9);
            return new Result(c, total - warmupCount, completed, errors, unfinished, achieved, latency, sendLag, firstError, shed, ok,
                    shedLatency, fromSend);
        }

        private void handle() {
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                Conn conn = (Conn) k.attachment();
                if (!k.isValid()) continue;
                try {
                    if (k.isWritable()) Connections.sendMore(conn);
                    if (k.isReadable()) read(conn);
                } catch (IOException e) {
                    fail(conn, e.getMessage());
                }
            }
        }

        private void read(Conn conn) throws IOException {
            while (true) {
                in.clear();
                int n = conn.channel.read(in);
                if (n < 0) {
                    fail(conn, "the server closed the connection" + (conn.inFlight >= 0 ? " while a request was in flight" : " (idle)"));
                    return;
                }
                if (n == 0) return;
                in.flip();
                if (conn.inFlight < 0) throw new IOException(n + " bytes from the server with no request in flight");
                if (conn.parser.feed(in)) {
                    long now = System.nanoTime();
                    int status = conn.parser.status();
                    boolean close = conn.parser.close();
                    conn.parser.reset();
                    long i = conn.inFlight;
                    conn.inFlight = -1;
                    inFlight--;
                    if (status == 503 && c.shedOk()) {
                        if (i >= warmupCount) {
                            shed++;
                            shedLatency.recordValue(Math.max(0, (now - due(i)) / 1000));
                        }
                    } else if (status != 200) {
                        error("status " + status);
                    } else {
                        completed++;
                        if (now >= windowStart && now < windowEnd) inWindow++;
                        if (i >= warmupCount) {
                            ok++;
                            latency.recordValue(Math.max(0, (now - due(i)) / 1000));
                            fromSend.recordValue(Math.max(0, (now - conn.sentAt) / 1000));
                        }
                    }
                    if (close) {
                        fail(conn, "the server answered Connection: close");
                        return;
                    }
                    free.addLast(conn);
                    return;
                }
            }
        }

        private void fail(Conn conn, String why) {
            if (conn.inFlight >= 0) {
                conn.inFlight = -1;
                inFlight--;
            }
            error(why);
            conn.key.cancel();
            Connections.closeQuietly(conn);
        }

        private void error(String why) {
            errors++;
            if (firstError == null) firstError = why;
        }
    }
}
