package org.microthreads.examples.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.microthreads.MicroThread;

/**
 * Legacy blocking server code, unchanged: a {@code com.sun.net.httpserver} app whose page handler
 * calls a slow backend, then fans out to three others, each call a plain blocking
 * {@link HttpURLConnection}. Nothing here names an event loop; with microthreads-server on the class
 * path, {@code HttpServer.create} returns a server whose connections are micro-threads on I/O loops,
 * the fan-out's three calls run as micro-threads of the request's scope, and a client that goes away
 * cancels all of them. Run it with {@code ./mt serve}.
 */
public final class Shop {
    private Shop() {}

    /** The backend: every answer takes {@code ms} milliseconds (a database, another service). */
    static void backend(HttpExchange ex) throws IOException {
        String q = ex.getRequestURI().getQuery();
        int ms = q != null && q.startsWith("ms=") ? Integer.parseInt(q.substring(3)) : 20;
        try {
            Thread.sleep(ms); // JDK blocking code: parks only this micro-thread
        } catch (InterruptedException e) {
            throw new InterruptedIOException("cancelled");
        }
        reply(ex, ex.getRequestURI().getPath().substring("/backend/".length()) + " after " + ms + " ms");
    }

    /** The page: one call, then three in parallel; blocking style throughout. */
    static void page(HttpExchange ex, URI backend) throws IOException {
        String user = call(backend.resolve("/backend/user?ms=20"));
        List<String> parts;
        try {
            parts = MicroThread.parallelAll(List.of(
                    () -> call(backend.resolve("/backend/prices?ms=30")),
                    () -> call(backend.resolve("/backend/stock?ms=40")),
                    () -> call(backend.resolve("/backend/reviews?ms=50"))));
        } catch (InterruptedException e) {
            throw new InterruptedIOException("cancelled");
        }
        reply(ex, "page for " + user + ": " + String.join(", ", parts));
    }

    /** A blocking HTTP call, as legacy code makes it. */
    static String call(URI uri) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static void reply(HttpExchange ex, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * Starts the shop on {@code port} (0: any free one) with its backend beside it, and returns the
     * server (stop it with {@code stop(seconds)}).
     *
     * @param port where the shop listens on the loopback interface
     * @return the running server
     * @throws IOException if it cannot listen
     */
    public static HttpServer start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        URI self = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        server.createContext("/backend/", Shop::backend);
        server.createContext("/page", ex -> page(ex, self));
        server.start();
        return server;
    }

    /**
     * {@code ./mt serve}: the shop on port 8080 (or the first argument) until interrupted.
     *
     * @param args [port]
     * @throws IOException if it cannot listen
     */
    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        HttpServer server = start(port);
        System.out.println("serving " + server.getClass().getSimpleName() + " on http://127.0.0.1:" + port
                + "/page (backend at /backend/...); try: curl http://127.0.0.1:" + port + "/page");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(5)));
    }
}
