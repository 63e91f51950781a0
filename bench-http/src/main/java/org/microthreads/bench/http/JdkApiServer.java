package org.microthreads.bench.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/**
 * The unchanged-{@code HttpHandler} application: plain {@code com.sun.net.httpserver} code, with a virtual
 * thread per exchange. Run as it is, the JDK's own server serves it; run with
 * {@code -Dcom.sun.net.httpserver.HttpServerProvider=org.microthreads.server.LoopHttpServerProvider} (and
 * microthreads-server on the class path), ours does: the same class, the same bytes.
 *
 * <pre>java -cp ... org.microthreads.bench.http.JdkApiServer [--port 8080]</pre>
 *
 * <p>For fair runs the JDK server needs {@code -Dsun.net.httpserver.maxIdleConnections=20000} (it closes idle
 * keep-alive connections beyond 200 otherwise), {@code -Dsun.net.httpserver.idleInterval=3600} (30 s
 * otherwise) and {@code -Dsun.net.httpserver.nodelay=true} (every other server sets TCP_NODELAY); bench/http-run
 * passes them (names from the JDK 25 sources, {@code sun.net.httpserver.ServerConfig}).
 */
public final class JdkApiServer {
    private JdkApiServer() {}

    private static final String PROVIDER_PROPERTY = "com.sun.net.httpserver.HttpServerProvider";

    /** Starts the server; it runs until the JVM is stopped. */
    public static void main(String[] args) throws IOException {
        int port = Endpoints.port(args);
        String wanted = System.getProperty(PROVIDER_PROPERTY);
        if (wanted != null) {
            try {
                Class.forName(wanted, false, ClassLoader.getSystemClassLoader());
            } catch (ClassNotFoundException e) {
                Endpoints.unavailable(PROVIDER_PROPERTY + "=" + wanted + " is not on the class path (its module is not in this build)");
            }
        }
        HttpServer server = start(port);
        Endpoints.listening(server.getAddress().getPort(), HttpServerProvider.provider().getClass().getName()
                + " (" + server.getClass().getName() + ")");
    }

    /** The application: nothing but the ordinary HttpServer API. {@code port} 0: any free port. */
    static HttpServer start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), Endpoints.BACKLOG);
        server.createContext("/plaintext", exchange -> send(exchange, 200, Endpoints.TEXT_PLAIN, Endpoints.PLAINTEXT));
        server.createContext("/json", exchange -> send(exchange, 200, Endpoints.APPLICATION_JSON, Endpoints.json()));
        server.createContext("/slow", new Slow());
        server.createContext("/work", JdkApiServer::work);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return server;
    }

    private static final class Slow implements HttpHandler {
        @Override
        public void handle(HttpExchange exchange) throws IOException {
            int ms;
            try {
                ms = Endpoints.slowMillis(exchange.getRequestURI().getRawQuery());
            } catch (IllegalArgumentException e) {
                send(exchange, 400, Endpoints.TEXT_PLAIN, e.getMessage().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
                return;
            }
            send(exchange, 200, Endpoints.TEXT_PLAIN, Endpoints.slowBody(ms));
        }
    }

    private static void work(HttpExchange exchange) throws IOException {
        int us;
        try {
            us = Endpoints.workMicros(exchange.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            send(exchange, 400, Endpoints.TEXT_PLAIN, e.getMessage().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        send(exchange, 200, Endpoints.TEXT_PLAIN, Endpoints.work(us));
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes(); // a GET has none; drained as a well-behaved handler does
            var h = exchange.getResponseHeaders();
            h.set("Content-Type", contentType);
            h.set("Server", "JdkApiServer");
            h.set("Date", Endpoints.date());
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
