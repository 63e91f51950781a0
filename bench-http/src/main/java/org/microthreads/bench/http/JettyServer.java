package org.microthreads.bench.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
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

/**
 * Jetty 12 core with a blocking {@code Handler.Abstract} (Jetty runs each request of such a handler as a
 * blocking task) and {@code QueuedThreadPool} + {@code setVirtualThreadsExecutor(new VirtualThreadPool())}:
 * every request on a virtual thread, the documented setup. {@code /slow} sleeps on that virtual thread.
 *
 * <pre>java -cp ... org.microthreads.bench.http.JettyServer [--port 8080] [--executor vt|mt]</pre>
 *
 * <p>{@code --executor mt}: Jetty's blocking tasks on microthreads' loops (microthreads-jetty), once wired:
 * see {@link #loopExecutor()}.
 */
public final class JettyServer {
    private JettyServer() {}

    /** Starts the server; it runs until the JVM is stopped. */
    public static void main(String[] args) throws Exception {
        int port = Endpoints.port(args);
        String executor = Endpoints.option(args, "--executor", "vt");
        QueuedThreadPool threads = new QueuedThreadPool();
        String what;
        switch (executor) {
            case "vt" -> {
                threads.setVirtualThreadsExecutor(new VirtualThreadPool());
                what = "virtual threads (VirtualThreadPool)";
            }
            case "mt" -> {
                threads.setVirtualThreadsExecutor(loopExecutor());
                what = "microthreads loops";
            }
            default -> throw new IllegalArgumentException("--executor " + executor + ": expected vt or mt");
        }
        Server server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false); // the handler sets Server, as every server here
        config.setSendDateHeader(false);    // ... and Date
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(Endpoints.BACKLOG);
        server.addConnector(connector);
        server.setHandler(new Endpoint());
        server.start();
        Endpoints.listening(connector.getLocalPort(), "Jetty " + Server.getVersion() + " on " + what);
        server.join();
    }

    /**
     * Jetty on microthreads loops: every blocking task of Jetty a micro-thread of one single-carrier
     * loop per core (microthreads-jetty's executor).
     */
    private static java.util.concurrent.Executor loopExecutor() {
        return org.microthreads.jetty.MicroThreadExecutor.perCore("jetty");
    }

    private static final class Endpoint extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            switch (path) {
                case "/plaintext" -> send(response, callback, HttpStatus.OK_200, Endpoints.TEXT_PLAIN, Endpoints.PLAINTEXT);
                case "/json" -> send(response, callback, HttpStatus.OK_200, Endpoints.APPLICATION_JSON, Endpoints.json());
                case "/slow" -> {
                    int ms;
                    try {
                        ms = Endpoints.slowMillis(request.getHttpURI().getQuery());
                    } catch (IllegalArgumentException e) {
                        send(response, callback, HttpStatus.BAD_REQUEST_400, Endpoints.TEXT_PLAIN, e.getMessage().getBytes(StandardCharsets.UTF_8));
                        return true;
                    }
                    Thread.sleep(ms); // blocking: this handler's tasks run on virtual threads
                    send(response, callback, HttpStatus.OK_200, Endpoints.TEXT_PLAIN, Endpoints.slowBody(ms));
                }
                case "/work" -> {
                    int us;
                    try {
                        us = Endpoints.workMicros(request.getHttpURI().getQuery());
                    } catch (IllegalArgumentException e) {
                        send(response, callback, HttpStatus.BAD_REQUEST_400, Endpoints.TEXT_PLAIN, e.getMessage().getBytes(StandardCharsets.UTF_8));
                        return true;
                    }
                    send(response, callback, HttpStatus.OK_200, Endpoints.TEXT_PLAIN, Endpoints.work(us));
                }
                default -> {
                    return false; // Jetty answers 404
                }
            }
            return true;
        }

        private static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
            response.setStatus(status);
            var h = response.getHeaders();
            h.put(HttpHeader.CONTENT_TYPE, contentType);
            h.put(HttpHeader.CONTENT_LENGTH, body.length);
            h.put(HttpHeader.SERVER, "Jetty");
            h.put(HttpHeader.DATE, Endpoints.date());
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }
}
