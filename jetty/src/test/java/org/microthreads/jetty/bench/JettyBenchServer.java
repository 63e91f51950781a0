package org.microthreads.jetty.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.microthreads.jetty.JettyLoops;
import org.microthreads.jetty.MicroThreadExecutor;
import org.microthreads.jetty.RequestLifetimeHandler;

/**
 * The benchmark hook "Jetty on our loops": Jetty 12.1.14 core with a blocking {@code Handler.Abstract}
 * answering {@code GET /plaintext} ("Hello, World!") and {@code GET /json}
 * ({@code {"message":"Hello, World!"}}), set up as Jetty's documented virtual-thread setup
 * ({@code QueuedThreadPool} + {@code setVirtualThreadsExecutor(...)}) with only the executor changed.
 *
 * <pre>java -cp ... org.microthreads.jetty.bench.JettyBenchServer [--port 8080] [--executor vt|mt|mt-shared|mt-lifetime] [--loops N]</pre>
 *
 * <ul>
 *   <li>{@code vt}: {@code new VirtualThreadPool()}, Jetty's own (the baseline);
 *   <li>{@code mt}: {@link MicroThreadExecutor#singleCarrierLoops} with {@code --loops N} loops
 *       (default: one per core, so 1 under {@code taskset -c 0});
 *   <li>{@code mt-shared}: {@link MicroThreadExecutor#onShared()};
 *   <li>{@code mt-lifetime}: {@code mt} plus a {@link RequestLifetimeHandler} (no deadline): the cost of per-request lifetimes.
 * </ul>
 * It prints {@code listening on <port>} once started and runs until the JVM is stopped.
 * In another harness the whole change is one line: {@code threads.setVirtualThreadsExecutor(MicroThreadExecutor.perCore("jetty"))}.
 */
public final class JettyBenchServer {
    private JettyBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(option(args, "--port", "8080"));
        String executor = option(args, "--executor", "mt");
        int loops = Integer.parseInt(option(args, "--loops", String.valueOf(Runtime.getRuntime().availableProcessors())));

        QueuedThreadPool threads = new QueuedThreadPool();
        Server server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false); // the handler sets Server and Date itself
        config.setSendDateHeader(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(4096);
        server.addConnector(connector);
        Handler endpoints = new Endpoints();
        switch (executor) {
            case "vt" -> threads.setVirtualThreadsExecutor(new VirtualThreadPool());
            case "mt" -> JettyLoops.install(server, () -> MicroThreadExecutor.singleCarrierLoops("jetty", loops));
            case "mt-shared" -> JettyLoops.install(server, MicroThreadExecutor::onShared);
            case "mt-lifetime" -> {
                JettyLoops.install(server, () -> MicroThreadExecutor.singleCarrierLoops("jetty", loops));
                RequestLifetimeHandler lifetime = new RequestLifetimeHandler();
                lifetime.setHandler(endpoints);
                endpoints = lifetime;
            }
            default -> throw new IllegalArgumentException("--executor " + executor + ": expected vt, mt, mt-shared or mt-lifetime");
        }
        server.setHandler(endpoints);
        server.start();
        System.out.println("listening on " + connector.getLocalPort() + " (Jetty " + Server.getVersion() + ", executor " + executor
                + (executor.startsWith("mt") && !executor.equals("mt-shared") ? ", " + loops + " loop(s)" : "") + ")");
        server.join();
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) return args[i + 1];
        }
        return fallback;
    }

    private static final byte[] PLAINTEXT = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private record Stamp(long second, String value) {
    }

    private static volatile Stamp date = new Stamp(-1, "");

    /** The Date header, formatted at most once a second. */
    private static String date() {
        long now = System.currentTimeMillis() / 1000;
        Stamp d = date;
        if (d.second() != now) {
            d = new Stamp(now, HTTP_DATE.format(Instant.ofEpochSecond(now)));
            date = d;
        }
        return d.value();
    }

    private static final class Endpoints extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            switch (Request.getPathInContext(request)) {
                case "/plaintext" -> send(response, callback, "text/plain", PLAINTEXT);
                case "/json" -> send(response, callback, "application/json", json("Hello, World!"));
                default -> {
                    return false;
                }
            }
            return true;
        }

        /** {@code {"message":"..."}}, serialized per request. */
        private static byte[] json(String message) {
            return ("{\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        }

        private static void send(Response response, Callback callback, String contentType, byte[] body) {
            response.setStatus(200);
            var h = response.getHeaders();
            h.put(HttpHeader.CONTENT_TYPE, contentType);
            h.put(HttpHeader.CONTENT_LENGTH, body.length);
            h.put(HttpHeader.SERVER, "Jetty");
            h.put(HttpHeader.DATE, date());
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }
}
