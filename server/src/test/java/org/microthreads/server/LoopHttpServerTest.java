package org.microthreads.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.microthreads.MicroThread;
import org.microthreads.spi.IoLoops;

/** The server as unchanged HttpHandler code sees it: HTTP/1.1 semantics, blocking handlers, bad input. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopHttpServerTest {
    static final InetSocketAddress ANY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        for (HttpServer s : servers) s.stop(0);
    }

    LoopHttpServer start(ServerConfig config, String path, HttpHandler handler) throws IOException {
        LoopHttpServer s = LoopHttpServer.create(ANY, 0, config);
        s.createContext(path, handler);
        servers.add(s);
        s.start();
        return s;
    }

    static void respond(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Test
    void unchangedCodeGetsThisServerFromHttpServerCreateAndEachExchangeIsAMicroThread() throws Exception {
        HttpServer s = HttpServer.create(ANY, 0); // the JDK's provider lookup finds META-INF/services
        servers.add(s);
        assertThat(s).isInstanceOf(LoopHttpServer.class);
        AtomicReference<String> where = new AtomicReference<>();
        s.createContext("/hello", ex -> {
            where.set(MicroThread.inMicroThread() + " " + IoLoops.isIoLoop(MicroThread.current().loop()));
            respond(ex, 200, "Hello, World!");
        });
        s.start();
        try (Client c = new Client(s.getAddress())) {
            Client.Response r = c.get("/hello");
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("Hello, World!");
            assertThat(r.header("date")).isNotNull();
        }
        assertThat(where.get()).isEqualTo("true true");
    }

    @ParameterizedTest(name = "loops={0}")
    @ValueSource(ints = {0, 1, 2})
    void aThousandKeepAliveRequestsOnOneConnectionInEachFraming(int loops) throws Exception {
        LoopHttpServer s = start(ServerConfig.defaults().withLoops(loops), "/", ex -> {
            String q = ex.getRequestURI().getQuery();
            byte[] body = ("you asked " + ex.getRequestURI().getPath()).getBytes(StandardCharsets.US_ASCII);
            switch (q == null ? "" : q) {
                case "chunked" -> {
                    ex.sendResponseHeaders(200, 0);
                    try (OutputStream o = ex.getResponseBody()) {
                        o.write(body, 0, 3);
                        o.write(body, 3, body.length - 3);
                    }
                }
                case "none" -> {
                    ex.sendResponseHeaders(204, -1);
                    ex.close();
                }
                default -> {
                    ex.getResponseHeaders().add("X-Echo", ex.getRequestMethod());
                    ex.sendResponseHeaders(200, body.length);
                    ex.getResponseBody().write(body); // not closed: the return ends the exchange
                }
            }
        });
        try (Client c = new Client(s.getAddress())) {
            for (int i = 0; i < 1000; i++) {
                String kind = i % 3 == 0 ? "" : i % 3 == 1 ? "?chunked" : "?none";
                Client.Response r = c.get("/p" + i + kind);
                if (kind.equals("?none")) {
                    assertThat(r.code()).isEqualTo(204);
                    assertThat(r.body()).isEmpty();
                } else {
                    assertThat(r.code()).isEqualTo(200);
                    assertThat(r.body()).isEqualTo("you asked /p" + i);
                    if (kind.isEmpty()) assertThat(r.header("x-echo")).isEqualTo("GET");
                    else assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
                }
            }
            c.send("HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n");
            Client.Response head = c.readHead();
            assertThat(head.header("content-length")).isEqualTo("15"); // "you asked /head"
            // HEAD: the length is announced, no body follows; the next response comes right after
            c.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.line()).isEqualTo("HTTP/1.1 200 OK");
        }
    }

    @Test
    void requestBodiesByLengthChunkedAndExpectContinueArriveWhole() throws Exception {
        LoopHttpServer s = start(ServerConfig.defaults().withLoops(1), "/echo", ex -> {
            byte[] got = ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, got.length == 0 ? -1 : got.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(got);
            }
        });
        try (Client c = new Client(s.getAddress())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(c.read().body()).isEqualTo("hello");
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("abcde");
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.line()).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(c.line()).isEmpty();
            c.send("xyz");
            assertThat(c.read().body()).isEqualTo("xyz");
            // a large body, more than the connection's buffer
            String big = "0123456789".repeat(10_000);
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length() + "\r\n\r\n" + big);
            assertThat(c.read().body()).isEqualTo(big);
        }
    }

    @Test
    void readAllBytesGivesTheWholeBodyWhateverItsSizeAndHowItArrives() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<String> failures = new java.util.concurrent.LinkedBlockingQueue<>();
        LoopHttpServer s = start(ServerConfig.defaults().withLoops(1), "/len", ex -> {
            byte[] got;
            try {
                got = ex.getRequestBody().readAllBytes();
            } catch (IOException e) {
                failures.add(e.getMessage());
                throw e;
            }
            respond(ex, 200, got.length + ":" + (got.length == 0 ? "" : (char) got[0] + "" + (char) got[got.length - 1]));
        });
        try (Client c = new Client(s.getAddress())) {
            assertThat(c.get("/len").body()).isEqualTo("0:"); // no body at all
            c.send("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("0:");
            for (int n : new int[] {1, 8191, 65_536, 65_537}) { // around the buffer and the exact-allocation bound
                String body = "a" + "b".repeat(n - 2 < 0 ? 0 : n - 2) + (n > 1 ? "z" : "");
                c.send("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: " + n + "\r\n\r\n" + body);
                assertThat(c.read().body()).isEqualTo(n + ":a" + (n > 1 ? "z" : "a"));
            }
            // the body in two pieces, the second after the handler started reading
            c.send("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nab");
            c.send("cdez");
            assertThat(c.read().body()).isEqualTo("6:az");
        }
        try (Client c = new Client(s.getAddress())) { // the client leaves inside the body: the handler is told
            c.send("POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
            c.socket.shutdownOutput();
            // an IOException either way: the body's end ("closed inside the request body"), or the request
            // cancelled by the loop's watch on the connection ("interrupted while reading the request body")
            assertThat(failures.poll(10, TimeUnit.SECONDS)).containsAnyOf("the client closed inside the request body of",
                    "interrupted while reading the request body of");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        LoopHttpServer s = start(ServerConfig.defaults().withLoops(1), "/", ex -> respond(ex, 200, ex.getRequestURI().getPath()));
        try (Client c = new Client(s.getAddress())) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < 50; i++) all.append("GET /r").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            c.send(all.toString());
            for (int i = 0; i < 50; i++) assertThat(c.read().body()).isEqualTo("/r" + i);
        }
    }

    @Test
    void pipelinedHeadsThatStraddleTheConnectionsBufferAreFoundWhole() throws Exception {
        // 300 requests of ~100 bytes in one write: more than the 8 KB buffer, so heads cross its end
        // and the buffer is compacted under a half-read head
        LoopHttpServer s = start(ServerConfig.defaults().withLoops(1), "/", ex -> respond(ex, 200, ex.getRequestURI().getPath()));
        try (Client c = new Client(s.getAddress())) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < 300; i++) {
                all.append("GET /r").append(i).append(" HTTP/1.1\r\nHost: x\r\nX-Pad: ").append("p".repeat(i % 61)).append("\r\n\r\n");
            }
            c.send(all.toString());
            for (int i = 0; i < 300; i++) assertThat(c.read().body()).isEqualTo("/r" + i);
        }
    }

    @Test
    void aHandlerBlockingInJdkCodeParksOnlyItsMicroThreadOnASingleLoop() throws Exception {
        Object monitor = new Object();
        LoopHttpServer s = start(ServerConfig.defaults().withLoops(1), "/", ex -> {
            switch (ex.getRequestURI().getPath()) {
                case "/sleep" -> {
                    try {
                        Thread.sleep(2000);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                case "/wait" -> {
                    synchronized (monitor) {
                        try {
                            monitor.wait(2000);
                        } catch (InterruptedException e) {
                            throw new IOException(e);
                        }
                    }
                }
                default -> { }
            }
            respond(ex, 200, "done " + ex.getRequestURI().getPath());
        });
        try (Client slow1 = new Client(s.getAddress()); Client slow2 = new Client(s.getAddress());
             Client fast = new Client(s.getAddress())) {
            slow1.send("GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n");
            slow2.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
            long t0 = System.nanoTime();
            for (int i = 0; i < 100; i++) assertThat(fast.get("/fast").body()).isEqualTo("done /fast");
            long fastMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(fastMillis).as("100 fast requests while two handlers block on the one carrier").isLessThan(1500);
            assertThat(slow1.read().body()).isEqualTo("done /sleep");
            assertThat(slow2.read().body()).isEqualTo("done /wait");
        }
    }

    @Test
    void aHandlerThatFailsOrForgetsToRespondGets500AndTheConnectionCloses() throws Exception {
        LoopHttpServer s = start(ServerConfig.defaults().withLoops(1), "/", ex -> {
            if (ex.getRequestURI().getPath().equals("/throw")) throw new IllegalStateException("boom");
            if (ex.getRequestURI().getPath().equals("/short")) {
                ex.sendResponseHeaders(200, 10);
                ex.getResponseBody().write(new byte[3]);
                ex.getResponseBody().close(); // 7 bytes short: the JDK throws here too
            }
            // "/forget": returns without a response
        });
        try (Client c = new Client(s.getAddress())) {
            Client.Response r = c.get("/throw");
            assertThat(r.code()).isEqualTo(500);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
        try (Client c = new Client(s.getAddress())) {
            assertThat(c.get("/forget").code()).isEqualTo(500);
        }
        try (Client c = new Client(s.getAddress())) {
            c.send("GET /short HTTP/1.1\r\nHost: x\r\n\r\n");
            // the head and 3 bytes may have left; the connection is cut instead of lying about the length
            String status = c.line();
            assertThat(status).isIn("HTTP/1.1 200 OK", "HTTP/1.1 500 Internal Server Error");
        }
    }

    @Test
    void badRequestsGetClearAnswers() throws Exception {
        LoopHttpServer s = start(ServerConfig.defaults().withLoops(1).withMaxHeaderBytes(1024), "/", ex -> respond(ex, 200, "ok"));
        String[][] cases = {
                {"NONSENSE\r\n\r\n", "400"},
                {"GET / HTTP/2.0\r\n\r\n", "505"},
                {"GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "400"},
                {"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "501"},
                {"GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", "400"},
                {"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", "400"},
                {"GET / HTTP/1.1\r\nX: " + "a".repeat(2000) + "\r\n\r\n", "431"},
                {"GET /a b HTTP/1.1\r\n\r\n", "400"},
        };
        for (String[] k : cases) {
            try (Client c = new Client(s.getAddress())) {
                c.send(k[0]);
                assertThat(c.line()).as(k[0]).startsWith("HTTP/1.1 " + k[1]);
            }
        }
        try (Client c = new Client(s.getAddress())) {
            assertThat(c.get("/").body()).isEqualTo("ok"); // still serving
        }
    }

    @Test
    void noContextGives404AndTheLongestPrefixWins() throws Exception {
        LoopHttpServer s = start(ServerConfig.defaults().withLoops(1), "/a", ex -> respond(ex, 200, "a"));
        s.createContext("/a/b", ex -> respond(ex, 200, "ab"));
        try (Client c = new Client(s.getAddress())) {
            assertThat(c.get("/a/x").body()).isEqualTo("a");
            assertThat(c.get("/a/b/c").body()).isEqualTo("ab");
            assertThat(c.get("/zzz").code()).isEqualTo(404);
        }
        s.removeContext("/a/b");
        try (Client c = new Client(s.getAddress())) {
            assertThat(c.get("/a/b/c").body()).isEqualTo("a");
        }
    }

    @Test
    void badCallsAreRefusedAtTheCallNamingWhatIsWrong() throws Exception {
        LoopHttpServer s = LoopHttpServer.create(ANY, 0, ServerConfig.defaults().withLoops(1));
        servers.add(s);
        assertThatThrownBy(() -> s.createContext("nope", ex -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must begin with '/'");
        s.createContext("/x", ex -> { });
        assertThatThrownBy(() -> s.createContext("/x", ex -> { })).hasMessageContaining("exists already");
        assertThatThrownBy(() -> s.removeContext("/y")).hasMessageContaining("no context for '/y'");
        assertThatThrownBy(() -> s.bind(ANY, 0)).isInstanceOf(java.net.BindException.class).hasMessageContaining("already bound");
        assertThatThrownBy(() -> s.stop(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        s.start();
        assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
        assertThatThrownBy(() -> LoopHttpServer.create(null, 0, ServerConfig.defaults()).start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not bound");
        assertThatThrownBy(() -> ServerConfig.defaults().withLoops(-1)).hasMessageContaining("loops must be 0");
        assertThatThrownBy(() -> ServerConfig.defaults().withHeaderTimeout(Duration.ofSeconds(-1))).hasMessageContaining("headerTimeout must be positive");
        assertThatThrownBy(() -> ServerConfig.defaults().withMaxHeaderBytes(10)).hasMessageContaining("at least 256");
        assertThatThrownBy(() -> ServerConfig.defaults().withLoops(0).withShedAfter(Duration.ofMillis(5)))
                .hasMessageContaining("shedAfter needs I/O loops");
        assertThatThrownBy(() -> ServerConfig.defaults().withShedAfter(Duration.ofMillis(5)).withLoops(0))
                .hasMessageContaining("shedAfter needs I/O loops");
        assertThatThrownBy(() -> ServerConfig.parseDuration("soon")).hasMessageContaining("'soon'");
        assertThat(ServerConfig.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(ServerConfig.parseDuration("500us")).isEqualTo(Duration.ofNanos(500_000));
        assertThat(ServerConfig.parseDuration("none")).isNull();
        assertThatThrownBy(() -> new LoopHttpServerProvider().createHttpsServer(ANY, 0))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("HTTPS");
        System.setProperty("microthreads.server.shedAfter", "5ms");
        try {
            assertThat(ServerConfig.fromSystemProperties().shedAfter()).isEqualTo(Duration.ofMillis(5));
        } finally {
            System.clearProperty("microthreads.server.shedAfter");
        }
        System.setProperty("microthreads.server.loops", "two");
        try {
            assertThatThrownBy(ServerConfig::fromSystemProperties).hasMessageContaining("microthreads.server.loops").hasMessageContaining("'two'");
        } finally {
            System.clearProperty("microthreads.server.loops");
        }
    }

    @Test
    void filtersAndTheExchangesOwnStreamsWork() throws Exception {
        LoopHttpServer s = start(ServerConfig.defaults().withLoops(1), "/f", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
            }
            respond(ex, 200, "attr=" + ex.getAttribute("seen"));
        });
        s.createContext("/g", ex -> respond(ex, 200, "g")).getFilters().add(new com.sun.net.httpserver.Filter() {
            @Override
            public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
                exchange.getResponseHeaders().add("X-Filtered", "yes");
                chain.doFilter(exchange);
            }

            @Override
            public String description() {
                return "adds X-Filtered";
            }
        });
        try (Client c = new Client(s.getAddress())) {
            assertThat(c.get("/f").body()).isEqualTo("attr=null");
            Client.Response g = c.get("/g");
            assertThat(g.body()).isEqualTo("g");
            assertThat(g.header("x-filtered")).isEqualTo("yes");
        }
    }
}
