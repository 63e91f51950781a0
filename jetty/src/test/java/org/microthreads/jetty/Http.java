package org.microthreads.jetty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A server on 127.0.0.1 at a free port, and a minimal HTTP/1.1 client on plain sockets. */
final class Http {
    private Http() {
    }

    /** A server (Jetty's default QueuedThreadPool) with one connector on 127.0.0.1:0, not started. */
    static Server server(Handler handler) {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(2048); // the tests open up to 1,000 connections at once
        server.addConnector(connector);
        server.setHandler(handler);
        return server;
    }

    static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** A response: its status and body. */
    record Reply(int status, String body) {
    }

    /** {@code GET path} on a new connection (closed after the response); the response, read to its end. */
    static Reply get(int port, String path) throws IOException {
        try (Socket s = open(port, path)) {
            return read(s.getInputStream());
        }
    }

    /** A new connection that has sent {@code GET path} with {@code Connection: close}; read the response with {@link #read}. */
    static Socket open(int port, String path) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
            s.setSoTimeout(60_000); // a test that hangs fails instead
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Reads a whole response of a {@code Connection: close} exchange (to the end of the stream). */
    static Reply read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        String text = all.toString(StandardCharsets.UTF_8);
        int headEnd = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || headEnd < 0) {
            throw new IOException("not a complete HTTP/1.1 response: '" + text + "'");
        }
        int status = Integer.parseInt(text.substring(9, 12));
        String head = text.substring(0, headEnd);
        String body = text.substring(headEnd + 4);
        if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) body = unchunk(body);
        return new Reply(status, body);
    }

    private static String unchunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int i = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", i);
            int size = Integer.parseInt(chunked.substring(i, lineEnd).trim(), 16);
            if (size == 0) return body.toString();
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            i = lineEnd + 2 + size + 2;
        }
    }
}
