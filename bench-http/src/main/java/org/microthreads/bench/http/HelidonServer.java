package org.microthreads.bench.http;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * Helidon SE 4 (Níma, a virtual thread per connection) with its defaults but the backlog (4096, as every
 * server here); the handlers are blocking code, {@code /slow} sleeps on the connection's virtual thread.
 *
 * <pre>java -cp ... org.microthreads.bench.http.HelidonServer [--port 8080]</pre>
 */
public final class HelidonServer {
    private HelidonServer() {}

    private static final Header TEXT = HeaderValues.create(HeaderNames.CONTENT_TYPE, Endpoints.TEXT_PLAIN);
    private static final Header JSON = HeaderValues.create(HeaderNames.CONTENT_TYPE, Endpoints.APPLICATION_JSON);
    private static final Header SERVER = HeaderValues.create(HeaderNames.SERVER, "Helidon");

    /** Starts the server; it runs until the JVM is stopped. */
    public static void main(String[] args) {
        int port = Endpoints.port(args);
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .backlog(Endpoints.BACKLOG)
                .routing(r -> r
                        .get("/plaintext", (req, res) -> send(res, Status.OK_200, TEXT, Endpoints.PLAINTEXT))
                        .get("/json", (req, res) -> send(res, Status.OK_200, JSON, Endpoints.json()))
                        .get("/slow", HelidonServer::slow)
                        .get("/work", HelidonServer::work))
                .build()
                .start();
        Endpoints.listening(server.port(), "Helidon SE " + io.helidon.common.Version.VERSION);
    }

    private static void slow(ServerRequest req, ServerResponse res) throws InterruptedException {
        int ms;
        try {
            ms = Endpoints.slowMillis(req.query().rawValue());
        } catch (IllegalArgumentException e) {
            send(res, Status.BAD_REQUEST_400, TEXT, e.getMessage().getBytes(StandardCharsets.UTF_8));
            return;
        }
        Thread.sleep(ms);
        send(res, Status.OK_200, TEXT, Endpoints.slowBody(ms));
    }

    private static void work(ServerRequest req, ServerResponse res) {
        int us;
        try {
            us = Endpoints.workMicros(req.query().rawValue());
        } catch (IllegalArgumentException e) {
            send(res, Status.BAD_REQUEST_400, TEXT, e.getMessage().getBytes(StandardCharsets.UTF_8));
            return;
        }
        send(res, Status.OK_200, TEXT, Endpoints.work(us));
    }

    private static void send(ServerResponse res, Status status, Header contentType, byte[] body) {
        res.status(status)
                .header(contentType)
                .header(SERVER)
                .header(HeaderNames.DATE, Endpoints.date())
                .send(body);
    }
}
