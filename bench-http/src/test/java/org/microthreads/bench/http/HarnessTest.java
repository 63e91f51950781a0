package org.microthreads.bench.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The harness's own parts against the JDK's HttpServer in this JVM: a few seconds, no load worth the name. The JDK's
 * provider is named, since microthreads-server on the class path would otherwise serve {@code HttpServer.create}.
 */
class HarnessTest {
    private static HttpServer server;
    private static int port;

    @BeforeAll
    static void start() throws IOException {
        System.setProperty("com.sun.net.httpserver.HttpServerProvider", "sun.net.httpserver.DefaultHttpServerProvider");
        server = JdkApiServer.start(0);
        assertThat(server.getClass().getName()).isEqualTo("sun.net.httpserver.HttpServerImpl");
        port = server.getAddress().getPort();
        server.createContext("/shed", exchange -> { // every other request shed, as an overloaded server would
            exchange.getRequestBody().readAllBytes();
            int status = SHED_COUNT.getAndIncrement() % 2 == 0 ? 503 : 200;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
    }

    private static final java.util.concurrent.atomic.AtomicInteger SHED_COUNT = new java.util.concurrent.atomic.AtomicInteger();

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nServer: x\r\ncontent-LENGTH: 13\r\nDate: d\r\n\r\nHello, World!";

    @Test
    void theParserTakesAResponseSplitAnywhere() throws IOException {
        byte[] bytes = RESPONSE.getBytes(StandardCharsets.US_ASCII);
        for (int cut = 0; cut <= bytes.length; cut++) {
            ResponseParser p = new ResponseParser(true);
            boolean done = p.feed(ByteBuffer.wrap(bytes, 0, cut));
            if (!done) done = p.feed(ByteBuffer.wrap(bytes, cut, bytes.length - cut));
            assertThat(done).as("cut at %d", cut).isTrue();
            assertThat(p.status()).isEqualTo(200);
            assertThat(new String(p.body(), StandardCharsets.US_ASCII)).isEqualTo("Hello, World!");
            assertThat(p.header("Server")).isEqualTo("x");
        }
    }

    @Test
    void theParserRefusesWhatItCannotCount() {
        assertThatThrownBy(() -> new ResponseParser(false).feed(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")))
                .hasMessageContaining("Transfer-Encoding: chunked");
        assertThatThrownBy(() -> new ResponseParser(false).feed(ascii("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n")))
                .hasMessageContaining("without Content-Length");
        assertThatThrownBy(() -> new ResponseParser(false).feed(ascii(RESPONSE + "HTTP/1.1")))
                .hasMessageContaining("8 bytes after a complete response");
        assertThatThrownBy(() -> new ResponseParser(false).feed(ascii("SSH-2.0-OpenSSH\r\n\r\n")))
                .hasMessageContaining("not an HTTP/1.x status line");
    }

    @Test
    void theEndpointsAnswerAsSpecified() throws InterruptedException {
        Check.Findings f = Check.check("http://127.0.0.1:" + port);
        assertThat(f.failures()).isEmpty();
        assertThat(f.warnings()).isEmpty();
    }

    @Test
    void theOpenLoopClientSendsEveryRequestAtItsRate() throws IOException {
        var c = new OpenLoopClient.Config("127.0.0.1", port, "/plaintext", 4, 400, 0.5, 0.1, 10, Long.MAX_VALUE);
        OpenLoopClient.Result r = OpenLoopClient.run(c);
        assertThat(r.errors()).as(r.line()).isZero();
        assertThat(r.unfinished()).as(r.line()).isZero();
        assertThat(r.measured()).as(r.line()).isEqualTo(200);
        assertThat(r.completed()).as(r.line()).isEqualTo(240); // warm-up included
        assertThat(r.latency().getTotalCount()).as(r.line()).isEqualTo(200);
        assertThat(r.achieved()).as(r.line()).isPositive();
    }

    @Test
    void aServerSlowerThanTheRateShowsItsQueueInTheLatencies() throws IOException {
        // one connection, 20 ms per request: at most 50 requests/s served, 200/s offered for 0.5 s: request k
        // is due at 5k ms and answered at about 20(k+1) ms, so the last ones have waited about 1.5 s
        var c = new OpenLoopClient.Config("127.0.0.1", port, "/slow?ms=20", 1, 200, 0.5, 0, 10, Long.MAX_VALUE);
        OpenLoopClient.Result r = OpenLoopClient.run(c);
        assertThat(r.errors()).as(r.line()).isZero();
        assertThat(r.completed()).as(r.line()).isEqualTo(100);
        assertThat(r.latency().getValueAtPercentile(99)).as(r.line()).isGreaterThan(1_000_000); // µs: queueing shows
        assertThat(r.achieved()).as(r.line()).isLessThan(60);
    }

    @Test
    void withShedOkA503IsShedNotAnError() throws IOException {
        var c = new OpenLoopClient.Config("127.0.0.1", port, "/shed", 1, 200, 0.5, 0, 10, Long.MAX_VALUE, true);
        OpenLoopClient.Result r = OpenLoopClient.run(c);
        assertThat(r.errors()).as(r.line()).isZero();
        assertThat(r.shed() + r.ok()).as(r.line()).isEqualTo(100);
        assertThat(r.shed()).as(r.line()).isEqualTo(50); // one connection: the answers alternate
        assertThat(r.shedLatency().getTotalCount()).as(r.line()).isEqualTo(50);
        assertThat(r.line()).contains(" shed=50 ").contains(" ok=50 ").contains(" goodput=");
    }

    @Test
    void withoutShedOkA503IsAnError() throws IOException {
        var c = new OpenLoopClient.Config("127.0.0.1", port, "/shed", 1, 200, 0.1, 0, 10, Long.MAX_VALUE);
        OpenLoopClient.Result r = OpenLoopClient.run(c);
        assertThat(r.errors()).as(r.line()).isEqualTo(10);
        assertThat(r.line()).doesNotContain(" shed=");
    }

    @Test
    void workTakesItsQueryAndRefusesNonsense() {
        assertThat(Endpoints.workMicros("us=200")).isEqualTo(200);
        assertThat(Endpoints.workMicros(null)).isZero();
        assertThatThrownBy(() -> Endpoints.workMicros("us=lots")).hasMessageContaining("us=lots is not an integer");
        assertThatThrownBy(() -> Endpoints.workMicros("us=-1")).hasMessageContaining("not in 0..");
        long t0 = System.nanoTime();
        assertThat(new String(Endpoints.work(2_000), StandardCharsets.US_ASCII)).isEqualTo("worked 2000 us");
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(2_000_000);
    }

    @Test
    void theSlowClientHoldsItsConnectionsAndTheJdkServerLetsThemBe() throws IOException {
        // the JDK's server has no header timeout: 20 slow connections for 1.5 s, none closed
        String line = SlowClient.run(new java.net.InetSocketAddress("127.0.0.1", port), 20, 1.5);
        assertThat(line).startsWith("SLOWLORIS opened=20 closed=0 stillOpen=20 refused=0 ");
    }

    @Test
    void theFloodClientKeepsToItsRateAndHold() throws IOException {
        // 400 connections a second for 0.5 s, at most 50 held: about 200 opened, all but the last 50 closed by us
        String line = FloodClient.run(new java.net.InetSocketAddress("127.0.0.1", port), 0.5, 400, 50);
        assertThat(line).contains(" refused=0 ").contains(" openFailed=0 ");
        int opened = Integer.parseInt(line.replaceAll(".*opened=(\\d+).*", "$1"));
        int held = Integer.parseInt(line.replaceAll(".* held=(\\d+).*", "$1"));
        assertThat(opened).as(line).isBetween(150, 201);
        assertThat(held).as(line).isBetween(1, 50);
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
