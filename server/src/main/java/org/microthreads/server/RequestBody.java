package org.microthreads.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * A request's body as an {@link InputStream}: {@code Content-Length} bytes, or chunks; reads come
 * from what the connection already holds, then from the channel (blocking the micro-thread only).
 */
final class RequestBody extends InputStream {
    private final Connection c;
    private final Exchange ex;
    private final boolean chunked;
    /** Bytes left in the body (fixed) or in the current chunk (chunked). */
    private long left;
    private boolean eof;
    private boolean closed;

    RequestBody(Connection c, Exchange ex, boolean chunked, long length) {
        this.c = c;
        this.ex = ex;
        this.chunked = chunked;
        this.left = length;
        this.eof = !chunked && length == 0;
    }

    private static final byte[] EMPTY = new byte[0];
    /** The largest body {@link #readAllBytes()} allocates at once from its {@code Content-Length}. */
    private static final int EXACT_MAX = 64 * 1024;
    private byte[] one;

    @Override
    public int read() throws IOException {
        if (one == null) one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    /**
     * As {@link InputStream#readAllBytes()}, without its 16 KB buffer per call when the body is empty
     * (most requests: handlers that read "whatever came" pay nothing) or has a small known length
     * (one array of that length).
     */
    @Override
    public byte[] readAllBytes() throws IOException {
        if (closed) throw new IOException("the request body of " + ex.describe() + " is closed");
        if (eof) return EMPTY;
        if (!chunked && left <= EXACT_MAX) {
            byte[] all = new byte[(int) left];
            int n = readNBytes(all, 0, all.length);
            if (n < all.length) throw new IOException("the client closed inside the request body of " + ex.describe());
            return all;
        }
        return super.readAllBytes();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) throw new IOException("the request body of " + ex.describe() + " is closed");
        if (len == 0) return 0;
        try {
            return readSome(b, off, len);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the request body of " + ex.describe());
        }
    }

    private int readSome(byte[] b, int off, int len) throws IOException, InterruptedException {
        if (eof) return -1;
        ex.continueIfExpected();
        if (chunked && left == 0) {
            left = nextChunkSize();
            if (left == 0) {
                skipTrailers();
                eof = true;
                return -1;
            }
        }
        if (c.inStart == c.inEnd && !c.fill()) throw new IOException("the client closed inside the request body of " + ex.describe());
        int n = (int) Math.min(Math.min(len, left), c.inEnd - c.inStart);
        System.arraycopy(c.in, c.inStart, b, off, n);
        c.inStart += n;
        left -= n;
        if (left == 0) {
            if (chunked) expectCrlf();
            else eof = true;
        }
        return n;
    }

    /** Reads a CRLF-ended line (chunk size or trailer) from the connection. */
    private String line() throws IOException, InterruptedException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (c.inStart == c.inEnd && !c.fill()) throw new IOException("the client closed inside a chunked body of " + ex.describe());
            byte x = c.in[c.inStart++];
            if (x == '\n') {
                int l = sb.length();
                if (l > 0 && sb.charAt(l - 1) == '\r') sb.setLength(l - 1);
                return sb.toString();
            }
            if (sb.length() > 4096) throw new IOException("a chunk line longer than 4096 bytes in " + ex.describe());
            sb.append((char) (x & 0xff));
        }
    }

    private long nextChunkSize() throws IOException, InterruptedException {
        String l = line();
        int semi = l.indexOf(';');
        String hex = (semi < 0 ? l : l.substring(0, semi)).strip();
        try {
            long n = Long.parseLong(hex, 16);
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IOException("malformed chunk size '" + hex + "' in " + ex.describe());
        }
    }

    private void expectCrlf() throws IOException, InterruptedException {
        if (!line().isEmpty()) throw new IOException("a chunk of " + ex.describe() + " is longer than its size");
    }

    private void skipTrailers() throws IOException, InterruptedException {
        while (!line().isEmpty()) {
            // trailers are dropped
        }
    }

    /** Reads and drops the rest (at most 64 KB); false if more was left, or it failed. */
    boolean drain() {
        if (eof) return true;
        byte[] sink = new byte[4096];
        long dropped = 0;
        try {
            while (dropped <= 64 * 1024) {
                int n = readSome(sink, 0, sink.length);
                if (n < 0) return true;
                dropped += n;
            }
            return false;
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public int available() {
        return eof ? 0 : (int) Math.min(left, c.inEnd - c.inStart);
    }

    @Override
    public void close() {
        closed = true;
    }
}
