package org.microthreads.bench.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads one HTTP/1.1 response at a time from the bytes of a keep-alive connection, as they come (split
 * anywhere): the status line, the headers up to the blank line, then exactly {@code Content-Length} bytes
 * of body. Every server here sends {@code Content-Length}; a chunked or length-less response is an error,
 * and so are bytes after a response (the client never pipelines).
 */
final class ResponseParser {
    private static final int MAX_HEAD = 64 * 1024;
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "connection".getBytes(StandardCharsets.US_ASCII);

    private byte[] head = new byte[512];
    private int headLength;
    private int matched; // how much of CRLF CRLF the last bytes matched
    private boolean inBody;
    private long bodyLeft;
    private int status;
    private boolean close;
    private final boolean keepBody;
    private byte[] body = new byte[0];
    private int bodyLength;

    /** {@code keepBody}: keep the body for {@link #body()} (the correctness check); the load client does not. */
    ResponseParser(boolean keepBody) {
        this.keepBody = keepBody;
    }

    /**
     * Consumes bytes of {@code in}; true when a whole response has arrived (then {@link #status()} etc. tell
     * what it was, until {@link #reset()}).
     *
     * @throws IOException if the bytes are not a response this client understands (the message says why)
     */
    boolean feed(ByteBuffer in) throws IOException {
        if (!inBody) {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (headLength == head.length) {
                    if (head.length >= MAX_HEAD) throw new IOException("response head longer than " + MAX_HEAD + " bytes");
                    head = Arrays.copyOf(head, head.length * 2);
                }
                head[headLength++] = b;
                matched = b == '\r' ? (matched == 2 ? 3 : 1) : b == '\n' && (matched == 1 || matched == 3) ? matched + 1 : 0;
                if (matched == 4) {
                    parseHead();
                    inBody = true;
                    break;
                }
            }
            if (!inBody) return false;
        }
        int take = (int) Math.min(bodyLeft, in.remaining());
        if (keepBody) {
            if (bodyLength + take > body.length) body = Arrays.copyOf(body, Math.max(bodyLength + take, body.length * 2));
            in.get(body, bodyLength, take);
            bodyLength += take;
        } else {
            in.position(in.position() + take);
        }
        bodyLeft -= take;
        if (bodyLeft > 0) return false;
        if (in.hasRemaining()) throw new IOException(in.remaining() + " bytes after a complete response (this client never pipelines)");
        return true;
    }

    /** Ready for the next response of the connection. */
    void reset() {
        headLength = 0;
        matched = 0;
        inBody = false;
        bodyLeft = 0;
        status = 0;
        close = false;
        bodyLength = 0;
    }

    /** Whether a response has started to arrive (and not yet been completed and reset). */
    boolean started() {
        return headLength > 0;
    }

    int status() {
        return status;
    }

    /** Whether the response said {@code Connection: close}. */
    boolean close() {
        return close;
    }

    byte[] body() {
        return Arrays.copyOf(body, bodyLength);
    }

    /** The value of header {@code name} (case-insensitive) of the last response, null if absent. */
    String header(String name) {
        byte[] n = name.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        int line = lineEnd(0) + 2;
        while (line < headLength - 2) {
            int end = lineEnd(line);
            int colon = nameEnd(line, end);
            if (colon > 0 && is(line, colon, n)) return value(colon, end);
            line = end + 2;
        }
        return null;
    }

    private void parseHead() throws IOException {
        int first = lineEnd(0);
        if (first < 12 || !startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x status line: " + new String(head, 0, Math.min(first, 80), StandardCharsets.ISO_8859_1));
        }
        status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
        long length = -1;
        int line = first + 2;
        while (line < headLength - 2) {
            int end = lineEnd(line);
            int colon = nameEnd(line, end);
            if (colon > 0) {
                if (is(line, colon, CONTENT_LENGTH)) {
                    try {
                        length = Long.parseLong(value(colon, end));
                    } catch (NumberFormatException e) {
                        throw new IOException("bad Content-Length: " + value(colon, end));
                    }
                } else if (is(line, colon, TRANSFER_ENCODING)) {
                    throw new IOException("Transfer-Encoding: " + value(colon, end) + " (every endpoint here sends Content-Length)");
                } else if (is(line, colon, CONNECTION)) {
                    close = value(colon, end).equalsIgnoreCase("close");
                }
            }
            line = end + 2;
        }
        if (length < 0) throw new IOException("response without Content-Length (status " + status + ")");
        bodyLeft = length;
    }

    private boolean startsWith(String s) {
        for (int i = 0; i < s.length(); i++) if (head[i] != s.charAt(i)) return false;
        return true;
    }

    /** Index of the CR of the CRLF ending the line that starts at {@code from}. */
    private int lineEnd(int from) {
        int i = from;
        while (i + 1 < headLength && !(head[i] == '\r' && head[i + 1] == '\n')) i++;
        return i;
    }

    /** Index of the colon of a header line, -1 if none. */
    private int nameEnd(int from, int end) {
        for (int i = from; i < end; i++) if (head[i] == ':') return i;
        return -1;
    }

    private boolean is(int from, int colon, byte[] lowerName) {
        if (colon - from != lowerName.length) return false;
        for (int i = 0; i < lowerName.length; i++) {
            int c = head[from + i];
            if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
            if (c != lowerName[i]) return false;
        }
        return true;
    }

    private String value(int colon, int end) {
        return new String(head, colon + 1, end - colon - 1, StandardCharsets.ISO_8859_1).trim();
    }
}
