package org.microthreads.server;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** A response's body as an {@link OutputStream}, by framing; writes go to the connection's buffer. */
abstract class ResponseBody extends OutputStream {
    final Exchange ex;
    boolean closed;

    ResponseBody(Exchange ex) {
        this.ex = ex;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public final void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) throw new IOException("the response body of " + ex.describe() + " is closed");
        try {
            body(b, off, len);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.markBroken();
            throw new InterruptedIOException("interrupted while writing the response of " + ex.describe());
        } catch (IOException e) {
            ex.markBroken();
            throw e;
        }
    }

    abstract void body(byte[] b, int off, int len) throws IOException, InterruptedException;

    /** Ends the body (framing); the exchange flushes. */
    void end() throws IOException, InterruptedException {
        closed = true;
    }

    @Override
    public void close() throws IOException {
        ex.end(); // as the JDK: closing the response body ends the exchange
    }

    /** The stream handed out before {@code sendResponseHeaders}: it follows the real one once there is one. */
    static final class BeforeHead extends ResponseBody {
        ResponseBody target;

        BeforeHead(Exchange ex) {
            super(ex);
        }

        @Override
        void body(byte[] b, int off, int len) throws IOException, InterruptedException {
            if (target == null) throw new IOException("response headers not sent yet for " + ex.describe() + ": call sendResponseHeaders first");
            target.body(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            if (target != null) target.flush();
        }
    }

    /** A body written to its connection's buffer; {@code flush()} writes the buffer out. */
    abstract static class ToConnection extends ResponseBody {
        final Connection c;

        ToConnection(Connection c, Exchange ex) {
            super(ex);
            this.c = c;
        }

        @Override
        public void flush() throws IOException {
            flushConnection(c, ex);
        }
    }

    /** {@code Content-Length} bytes, exactly. */
    static final class Fixed extends ToConnection {
        private long left;

        Fixed(Connection c, Exchange ex, long length) {
            super(c, ex);
            this.left = length;
        }

        @Override
        void body(byte[] b, int off, int len) throws IOException, InterruptedException {
            if (len > left) {
                ex.markBroken();
                throw new IOException("too many bytes for the response of " + ex.describe() + ": " + len
                        + " more, " + left + " left of its Content-Length");
            }
            c.write(b, off, len);
            left -= len;
        }


        @Override
        void end() throws IOException, InterruptedException {
            super.end();
            if (left > 0) {
                ex.markBroken();
                throw new IOException("the response of " + ex.describe() + " ended " + left + " bytes short of its Content-Length");
            }
        }
    }

    /** {@code Transfer-Encoding: chunked}: each write is a chunk. */
    static final class Chunked extends ToConnection {
        Chunked(Connection c, Exchange ex) {
            super(c, ex);
        }

        @Override
        void body(byte[] b, int off, int len) throws IOException, InterruptedException {
            if (len == 0) return; // a zero chunk would end the body
            c.writeAscii(Integer.toHexString(len) + "\r\n");
            c.write(b, off, len);
            c.writeAscii("\r\n");
        }


        @Override
        void end() throws IOException, InterruptedException {
            super.end();
            c.write(END, 0, END.length);
        }

        private static final byte[] END = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    /** HTTP/1.0 without a length: the body ends when the connection closes. */
    static final class Raw extends ToConnection {
        Raw(Connection c, Exchange ex) {
            super(c, ex);
        }

        @Override
        void body(byte[] b, int off, int len) throws IOException, InterruptedException {
            c.write(b, off, len);
        }

    }

    /** No body: length -1, 204, 304, or a HEAD request (whose writes are dropped, as the head says). */
    static final class None extends ResponseBody {
        private final boolean head;

        None(Exchange ex, boolean head) {
            super(ex);
            this.head = head;
        }

        @Override
        void body(byte[] b, int off, int len) throws IOException {
            if (!head && len > 0) {
                throw new IOException("the response of " + ex.describe() + " has no body (sendResponseHeaders with length -1)");
            }
        }
    }

    static void flushConnection(Connection c, Exchange ex) throws IOException {
        try {
            c.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.markBroken();
            throw new InterruptedIOException("interrupted while flushing the response of " + ex.describe());
        }
    }
}
