package org.microthreads.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A raw HTTP/1.1 client on a blocking socket, for tests: it sees exactly what the server writes. */
final class Client implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Client(InetSocketAddress addr) throws IOException {
        socket = new Socket(addr.getAddress(), addr.getPort());
        socket.setSoTimeout(30_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    record Response(int code, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    void send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    Response get(String path) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
        return read();
    }

    /** Reads one response; null if the server closed the connection before its first byte. */
    Response read() throws IOException {
        return read(true);
    }

    /** Reads one response's head only (a HEAD request's: the length is announced, no body follows). */
    Response readHead() throws IOException {
        return read(false);
    }

    private Response read(boolean withBody) throws IOException {
        String status;
        try {
            status = line();
        } catch (java.net.SocketException e) {
            return null; // reset before any byte of a response: the server had closed (its request was never read)
        }
        if (status == null) return null;
        int code = Integer.parseInt(status.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(); l != null && !l.isEmpty(); l = line()) {
            int c = l.indexOf(':');
            headers.put(l.substring(0, c).toLowerCase(Locale.ROOT), l.substring(c + 1).strip());
        }
        if (code == 100) return read(withBody);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String len = headers.get("content-length");
        if (!withBody) {
            // nothing
        } else if (len != null) {
            body.write(in.readNBytes(Integer.parseInt(len)));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (true) {
                int n = Integer.parseInt(line().strip(), 16);
                if (n == 0) {
                    line();
                    break;
                }
                body.write(in.readNBytes(n));
                line();
            }
        } else if ("close".equalsIgnoreCase(headers.get("connection"))) {
            body.write(in.readAllBytes());
        }
        return new Response(code, headers, body.toString(StandardCharsets.ISO_8859_1));
    }

    /** A CRLF-ended line without its CRLF; null at EOF before any byte. */
    String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (sb.isEmpty()) return null;
                throw new IOException("EOF inside a line: " + sb);
            }
            if (b == '\n') {
                int l = sb.length();
                if (l > 0 && sb.charAt(l - 1) == '\r') sb.setLength(l - 1);
                return sb.toString();
            }
            sb.append((char) b);
        }
    }

    /** Whether the server closed the connection: reads until EOF (true) or a byte (false). */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    /** Reads until EOF: true; a byte: false; a reset throws (the server did not close cleanly). */
    boolean endedCleanly() throws IOException {
        return in.read() < 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
