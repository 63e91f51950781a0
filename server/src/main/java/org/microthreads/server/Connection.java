package org.microthreads.server;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import com.sun.net.httpserver.Headers;
import org.microthreads.MicroThread;
import org.microthreads.spi.IoLoops;

/**
 * One connection: one micro-thread that reads requests, runs their handlers and writes their
 * responses, in blocking style, for the connection's whole life (keep-alive).
 *
 * <p>On an I/O loop the channel is non-blocking and every "would block" parks the micro-thread in
 * {@link IoLoops#awaitReady} (the loop's selector wakes it); on the shared loop the channel blocks
 * (the JDK's poller wakes the virtual thread). An idle connection holds no buffer on an I/O loop:
 * buffers come from the loop's pool when bytes arrive and go back when the connection waits again.
 *
 * <p>Phases ({@link #phase}), which the server's sweeper and {@code stop} read: {@code NEW} (accepted,
 * no byte yet: the header timeout), {@code HEAD} (from a request's first byte to the end of its head:
 * the header timeout), {@code HANDLER}, {@code IDLE} (waiting for the next request: the idle
 * timeout), {@code CLOSING}. Only {@code NEW/IDLE -> CLOSING} is done from outside, by a
 * compare-and-set that the connection's own {@code NEW/IDLE -> HEAD} races with: whoever wins
 * decides, so a request whose bytes arrived is never dropped by a shutdown or an idle timeout.
 */
final class Connection implements Runnable {
    static final int HEAD = 0, HANDLER = 1, IDLE = 2, CLOSING = 3, NEW = 4;
    private static final String[] PHASES = {"reading a request head", "in its handler", "idle", "closing", "new"};
    private static final int MAX_DRAIN = 64 * 1024;

    final LoopHttpServer server;
    final SocketChannel ch;
    private final LoopState loopState;
    private final boolean selector;
    final AtomicInteger phase = new AtomicInteger(NEW);
    /** When the current phase began (System.nanoTime). */
    volatile long phaseSince = System.nanoTime();
    /** Why the connection is being closed from outside (timeouts, shutdown), for the log. */
    volatile String closeReason;
    /** The exchange being handled, for dumps. */
    volatile Exchange current;
    volatile MicroThread<?> thread;
    volatile Thread vthread;
    /** Set by the read watch while a handler runs: the client went away. */
    volatile boolean peerGone;
    private final String name;

    // input: bytes read and not yet consumed are in[inStart, inEnd)
    byte[] in;
    int inStart, inEnd;
    private ByteBuffer inBuf;
    // output: bytes to write are out[0, outLen)
    private byte[] out;
    private int outLen;
    private ByteBuffer outBuf;
    /** Whether bytes of the current response have reached the wire. */
    boolean committed;
    /** Whether the read watch (disconnect detection) is on: a handler runs. */
    private boolean watching;
    /** When the loop saw the current request's first bytes ({@link System#nanoTime()}); 0: not known. */
    private long readyAt;
    private final Runnable watcher = this::onReadableWhileHandling;

    Connection(LoopHttpServer server, SocketChannel ch, LoopState loopState, boolean selector) {
        this.server = server;
        this.ch = ch;
        this.loopState = loopState;
        this.selector = selector;
        String remote;
        try {
            remote = String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            remote = "?";
        }
        this.name = "http " + remote;
    }

    String name() {
        return name;
    }

    String phaseName() {
        return PHASES[phase.get()];
    }

    /** The time first, then the phase: whoever reads the phase, then the time, sees a time no older than the phase. */
    private void setPhase(int p) {
        phaseSince = System.nanoTime();
        phase.set(p);
    }

    // ---------------------------------------------------------------------------------------
    // The connection's micro-thread
    // ---------------------------------------------------------------------------------------

    @Override
    public void run() {
        thread = MicroThread.current();
        vthread = Thread.currentThread();
        try {
            serve();
        } catch (InterruptedException | InterruptedIOException e) {
            String why = closeReason;
            if (why != null) LoopHttpServer.LOG.log(Level.DEBUG, () -> name + " closed: " + why);
        } catch (IOException e) {
            LoopHttpServer.LOG.log(Level.DEBUG, () -> name + " closed: " + e);
        } catch (RuntimeException | Error e) {
            LoopHttpServer.LOG.log(Level.ERROR, name + ": a bug of microthreads-server", e);
        } finally {
            phase.set(CLOSING);
            closeQuietly();
            releaseBuffers();
            server.closed(this);
        }
    }

    private void serve() throws IOException, InterruptedException {
        boolean first = true;
        while (true) {
            if (!awaitNextRequest(first)) return;
            first = false;
            Exchange ex = readRequest();
            if (ex == null) return;
            if (server.late(readyAt) || !server.admit()) {
                if (!shed(ex)) return;
                continue;
            }
            boolean keep;
            try {
                keep = handle(ex);
            } finally {
                server.release();
                current = null;
            }
            if (!keep) {
                lingerAndClose();
                return;
            }
        }
    }

    /**
     * Waits for the first byte of the next request, holding no buffer; false: the connection ends
     * (EOF, idle timeout, shutdown).
     */
    private boolean awaitNextRequest(boolean first) throws IOException, InterruptedException {
        if (inStart == inEnd) {
            inStart = inEnd = 0;
            releaseBuffers();
        }
        int waiting = first ? NEW : IDLE;
        if (!first) setPhase(IDLE);
        if (server.stopping() && inStart == inEnd) { // idle at a shutdown: close, cleanly
            Thread.interrupted(); // the stop's interrupt of an idle connection, if it came first: the linger still reads
            lingerAndClose();
            return false;
        }
        boolean interrupted = false;
        readyAt = 0; // a pipelined request, already here: its wait is not known
        if (inStart == inEnd) {
            try {
                if (selector) {
                    readyAt = IoLoops.awaitReady(ch, SelectionKey.OP_READ, this);
                } else {
                    if (!fill()) return false;
                }
            } catch (InterruptedException | ClosedChannelException e) {
                interrupted = true; // the idle timeout or a shutdown closed it: see the compare-and-set below
            }
        }
        if (!first) phaseSince = System.nanoTime(); // a new connection's header timeout runs from its accept
        if (!phase.compareAndSet(waiting, HEAD)) { // closed from outside while idle
            Thread.interrupted(); // the interrupt that woke us, if it has not been consumed
            lingerAndClose(); // a request sent meanwhile sees a clean end, not a reset
            return false;
        }
        if (interrupted) throw new InterruptedException("interrupted while idle");
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // Reading
    // ---------------------------------------------------------------------------------------

    /** Reads more bytes into {@code in}, waiting for at least one; false on EOF. */
    boolean fill() throws IOException, InterruptedException {
        if (in == null) {
            in = loopState.take();
            inBuf = ByteBuffer.wrap(in);
        }
        if (inEnd == in.length) {
            if (inStart > 0) {
                System.arraycopy(in, inStart, in, 0, inEnd - inStart);
                inEnd -= inStart;
                inStart = 0;
            } else {
                grow(in.length * 2);
            }
        }
        inBuf.limit(in.length).position(inEnd);
        while (true) {
            int n = ch.read(inBuf);
            if (n > 0) {
                inEnd += n;
                return true;
            }
            if (n < 0) return false;
            awaitReadable();
        }
    }

    private void grow(int size) {
        byte[] bigger = java.util.Arrays.copyOf(in, size);
        loopState.give(in);
        in = bigger;
        inBuf = ByteBuffer.wrap(in);
    }

    private void awaitReadable() throws IOException, InterruptedException {
        if (!selector) return; // a blocking channel waited in read
        if (Thread.currentThread() != vthread) throw new IOException(foreignThread());
        IoLoops.awaitReady(ch, SelectionKey.OP_READ, this);
        if (watching) IoLoops.watch(ch, SelectionKey.OP_READ, watcher);
    }

    private String foreignThread() {
        return "the exchange of " + name + " is used from thread '" + Thread.currentThread().getName()
                + "': on an I/O loop its streams are used by the handler's own micro-thread only";
    }

    /** Reads and parses a request head; null if the client closed before sending one. */
    private Exchange readRequest() throws IOException, InterruptedException {
        int scanned = 0; // bytes of the head already searched, from inStart (fill() may move the head)
        while (true) {
            int end = headEnd(inStart + scanned);
            int max = server.config.maxHeaderBytes();
            if (end >= 0 ? end - inStart > max : inEnd - inStart >= max) {
                refuse(431);
                return null;
            }
            if (end >= 0) return parse(end);
            scanned = Math.max(0, inEnd - inStart - 3);
            if (!fill()) {
                if (inEnd > inStart) LoopHttpServer.LOG.log(Level.DEBUG, () -> name + ": EOF inside a request head");
                return null;
            }
        }
    }

    /** Index just after the CRLFCRLF ending the head in {@code in}, searching from {@code from}; -1 if absent. */
    private int headEnd(int from) {
        byte[] b = in;
        if (b == null) return -1;
        for (int i = from; i + 3 < inEnd; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') return i + 4;
        }
        return -1;
    }

    private Exchange parse(int end) throws IOException, InterruptedException {
        byte[] b = in;
        int p = inStart;
        int lineEnd = lineEnd(b, p, end);
        int sp1 = indexOf(b, p, lineEnd, (byte) ' ');
        int sp2 = sp1 < 0 ? -1 : indexOf(b, sp1 + 1, lineEnd, (byte) ' ');
        if (sp1 <= p || sp2 <= sp1 + 1 || indexOf(b, sp2 + 1, lineEnd, (byte) ' ') >= 0) return bad("malformed request line");
        String method = ascii(b, p, sp1);
        String target = ascii(b, sp1 + 1, sp2);
        String version = ascii(b, sp2 + 1, lineEnd);
        if (!version.startsWith("HTTP/1.")) {
            refuse(505);
            return null;
        }
        boolean http11 = !version.equals("HTTP/1.0");
        for (int i = 0; i < method.length(); i++) {
            if (!isToken(method.charAt(i))) return bad("malformed method");
        }
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            return bad("malformed request target");
        }
        Headers headers = new Headers();
        String te = null, cl = null, conn = null, expect = null; // read while parsing: no map look-ups
        boolean twoLengths = false;
        p = lineEnd + 2;
        while (p < end - 2) {
            int le = lineEnd(b, p, end);
            int colon = indexOf(b, p, le, (byte) ':');
            if (colon <= p) return bad("malformed header line");
            if (b[p] == ' ' || b[p] == '\t') return bad("obsolete line folding");
            for (int i = p; i < colon; i++) {
                if (!isToken((char) b[i])) return bad("malformed header name");
            }
            int vs = colon + 1, ve = le;
            while (vs < ve && (b[vs] == ' ' || b[vs] == '\t')) vs++;
            while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) ve--;
            String value = new String(b, vs, ve - vs, StandardCharsets.ISO_8859_1);
            headers.add(ascii(b, p, colon), value);
            int n = colon - p;
            if (n == 14 && named(b, p, CONTENT_LENGTH)) {
                twoLengths |= cl != null;
                cl = value;
            } else if (n == 17 && named(b, p, TRANSFER_ENCODING)) {
                te = te == null ? value : te + ", " + value;
            } else if (n == 10 && named(b, p, CONNECTION)) {
                conn = conn == null ? value : conn + ", " + value;
            } else if (n == 6 && named(b, p, EXPECT)) {
                expect = value;
            }
            p = le + 2;
        }
        inStart = end;
        long length = 0;
        boolean chunked = false;
        if (te != null) {
            if (cl != null) return bad("both Transfer-Encoding and Content-Length");
            if (!te.equalsIgnoreCase("chunked")) {
                refuse(501);
                return null;
            }
            chunked = true;
        } else if (cl != null) {
            try {
                length = Long.parseLong(cl);
            } catch (NumberFormatException e) {
                return bad("malformed Content-Length");
            }
            if (length < 0 || twoLengths) return bad("malformed Content-Length");
        }
        boolean keepAlive = http11 ? conn == null || !hasToken(conn, "close") : conn != null && hasToken(conn, "keep-alive");
        Exchange ex = new Exchange(this, method, uri, version, headers, length, chunked, keepAlive,
                expect != null && expect.equalsIgnoreCase("100-continue"));
        current = ex;
        return ex;
    }

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "connection".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EXPECT = "expect".getBytes(StandardCharsets.US_ASCII);

    /** Whether b[p...] is {@code lower} (lower-case ASCII), ignoring case. */
    private static boolean named(byte[] b, int p, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            if ((b[p + i] | 0x20) != lower[i]) return false;
        }
        return true;
    }

    /** Whether a comma-separated header value holds {@code token}, ignoring case. */
    private static boolean hasToken(String value, String token) {
        for (String t : value.split(",")) {
            if (t.strip().equalsIgnoreCase(token)) return true;
        }
        return false;
    }

    private static boolean isToken(char c) {
        return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }

    private static int lineEnd(byte[] b, int from, int end) {
        for (int i = from; i + 1 < end; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') return i;
        }
        return end - 2;
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) return i;
        }
        return -1;
    }

    private static String ascii(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private Exchange bad(String why) throws IOException, InterruptedException {
        LoopHttpServer.LOG.log(Level.DEBUG, () -> name + ": 400 " + why);
        refuse(400);
        return null;
    }

    /** Answers a request that will not be handled, and closes the connection. */
    private void refuse(int code) throws IOException, InterruptedException {
        answerEmpty(code, "Connection: close\r\n");
        lingerAndClose();
    }

    /** Answers 503 to a request over the concurrency limit, or late; false: the connection must close. */
    private boolean shed(Exchange ex) throws IOException, InterruptedException {
        boolean keep = ex.keepAlive && !ex.chunked && ex.length <= MAX_DRAIN && !server.stopping();
        answerEmpty(503, keep ? "Retry-After: 1\r\n" : "Retry-After: 1\r\nConnection: close\r\n");
        current = null;
        if (keep) keep = ex.drainRequestBody();
        if (!keep) lingerAndClose();
        return keep;
    }

    /** Writes and sends a response without a body: the status, {@code headers} (each line ending CRLF), the date. */
    void answerEmpty(int code, String headers) throws IOException, InterruptedException {
        writeAscii(Exchange.statusLine(code));
        writeAscii("Content-Length: 0\r\n");
        writeAscii(headers);
        writeDate();
        writeAscii("\r\n");
        flush();
    }

    // ---------------------------------------------------------------------------------------
    // Handling: the request is a scope; disconnect and deadline cancel it
    // ---------------------------------------------------------------------------------------

    /** Runs the exchange's handler; false: the connection must close. */
    private boolean handle(Exchange ex) throws IOException, InterruptedException {
        setPhase(HANDLER);
        committed = false;
        startWatching();
        Throwable failure = null;
        boolean timedOut = false;
        try {
            var deadline = server.config.requestTimeout();
            if (deadline == null) {
                MicroThread.scope(() -> {
                    ex.run();
                    return null;
                });
            } else {
                MicroThread.withTimeout(deadline, () -> {
                    ex.run();
                    return null;
                });
            }
        } catch (TimeoutException e) {
            timedOut = true;
        } catch (InterruptedException | InterruptedIOException e) {
            if (peerGone) {
                LoopHttpServer.LOG.log(Level.DEBUG, () -> name + ": the client went away; its request was cancelled");
                return false;
            }
            throw e;
        } catch (Exception | Error e) {
            failure = e instanceof org.microthreads.FailedException f && f.getCause() != null ? f.getCause() : e;
        } finally {
            stopWatching();
        }
        if (peerGone || MicroThread.current().isCancelled()) {
            return false; // the client went away, or the server stopped: no answer, the connection closes
        }
        if (timedOut) {
            LoopHttpServer.LOG.log(Level.DEBUG, () -> name + ": " + ex.describe() + " passed its deadline");
            return ex.fail(504);
        }
        if (failure != null) {
            Throwable f = failure;
            LoopHttpServer.LOG.log(Level.WARNING, name + ": the handler of " + ex.describe() + " failed", f);
            return ex.fail(500);
        }
        if (!ex.finished()) {
            LoopHttpServer.LOG.log(Level.WARNING, name + ": the handler of " + ex.describe()
                    + " returned without sendResponseHeaders; answered 500");
            return ex.fail(500);
        }
        return ex.keepAliveAfter();
    }

    private void startWatching() throws ClosedChannelException {
        if (!selector) return;
        watching = true;
        IoLoops.watch(ch, SelectionKey.OP_READ, watcher);
    }

    private void stopWatching() {
        if (!selector || !watching) return;
        watching = false;
        if (Thread.currentThread() == vthread) IoLoops.unwatch(ch);
    }

    /**
     * The read watch, on the loop's carrier while the handler is parked: bytes the client sends
     * meanwhile (the next request, pipelined) are kept; EOF or an error means the client went away,
     * and the request is cancelled with every micro-thread it started.
     */
    private void onReadableWhileHandling() {
        if (!watching) return;
        try {
            if (in == null) {
                in = loopState.take();
                inBuf = ByteBuffer.wrap(in);
            }
            if (inEnd == in.length) {
                if (in.length >= server.config.maxHeaderBytes() + MAX_DRAIN) return; // full: stop watching until the handler reads
                grow(in.length * 2);
            }
            inBuf.limit(in.length).position(inEnd);
            int n = ch.read(inBuf);
            if (n > 0) {
                inEnd += n;
                IoLoops.watch(ch, SelectionKey.OP_READ, watcher);
                return;
            }
            if (n == 0) {
                IoLoops.watch(ch, SelectionKey.OP_READ, watcher);
                return;
            }
        } catch (IOException e) {
            // reset by the peer: gone as well
        }
        peerGone = true;
        closeReason = "the client went away";
        MicroThread<?> t = thread;
        if (t != null) t.cancel();
    }

    // ---------------------------------------------------------------------------------------
    // Writing
    // ---------------------------------------------------------------------------------------

    void writeAscii(String s) throws IOException, InterruptedException {
        int n = s.length();
        ensureOut();
        if (outLen + n > out.length) flush();
        if (n > out.length) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            write(b, 0, b.length);
            return;
        }
        s.getBytes(0, n, out, outLen); // ISO-8859-1 by construction: header text was checked by Headers
        outLen += n;
    }

    void write(byte[] b, int off, int len) throws IOException, InterruptedException {
        ensureOut();
        while (len > 0) {
            if (outLen == out.length) flush();
            int n = Math.min(len, out.length - outLen);
            System.arraycopy(b, off, out, outLen, n);
            outLen += n;
            off += n;
            len -= n;
        }
    }

    void writeDate() throws IOException, InterruptedException {
        byte[] d = loopState.dateLine();
        write(d, 0, d.length);
    }

    private void ensureOut() {
        if (out == null) {
            out = loopState.take();
            outBuf = ByteBuffer.wrap(out);
        }
    }

    /** Writes what is buffered, waiting while the channel would block. */
    void flush() throws IOException, InterruptedException {
        if (outLen == 0) return;
        if (selector && Thread.currentThread() != vthread) throw new IOException(foreignThread());
        outBuf.limit(outLen).position(0);
        committed = true;
        while (outBuf.hasRemaining()) {
            if (ch.write(outBuf) == 0) {
                IoLoops.awaitReady(ch, SelectionKey.OP_WRITE, this);
                if (watching) IoLoops.watch(ch, SelectionKey.OP_READ, watcher);
            }
        }
        outLen = 0;
    }

    /** Drops what is buffered and not yet written (a response replaced by an error). */
    void discardOutput() {
        outLen = 0;
    }

    /**
     * Closes after a response that said {@code Connection: close}: the output is shut first, and
     * what the client still sends is read and dropped (up to the header timeout), so that closing
     * with unread bytes does not reset the connection under the response.
     */
    private void lingerAndClose() {
        try {
            flush();
            ch.shutdownOutput();
            setPhase(CLOSING);
            inStart = inEnd = 0;
            int dropped = 0;
            while (dropped < MAX_DRAIN && fill()) {
                dropped += inEnd - inStart;
                inStart = inEnd = 0;
            }
        } catch (IOException | InterruptedException e) {
            // closing anyway
        }
    }

    private void closeQuietly() {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private void releaseBuffers() {
        if (in != null && inStart == inEnd) {
            loopState.give(in);
            in = null;
            inBuf = null;
        }
        if (out != null && outLen == 0) {
            loopState.give(out);
            out = null;
            outBuf = null;
        }
    }

    InetSocketAddress remote() {
        try {
            return (InetSocketAddress) ch.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    InetSocketAddress local() {
        try {
            return (InetSocketAddress) ch.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        Exchange ex = current;
        return name + " (" + phaseName() + (ex == null ? "" : ": " + ex.describe()) + ")";
    }
}
