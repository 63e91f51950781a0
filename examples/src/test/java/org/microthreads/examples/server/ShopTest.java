package org.microthreads.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.microthreads.server.LoopHttpServer;

/** The server example: unchanged HttpServer code, served by microthreads-server because it is on the class path. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShopTest {

    @Test
    void thePageCallsTheBackendThenFansOutToThreeInParallel() throws Exception {
        HttpServer server = Shop.start(0);
        try {
            assertThat(server).isInstanceOf(LoopHttpServer.class);
            URI page = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/page");
            Shop.call(page); // warm-up: class loading
            long t0 = System.nanoTime();
            String text = Shop.call(page);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(text).isEqualTo("page for user after 20 ms: prices after 30 ms, stock after 40 ms, reviews after 50 ms");
            // 20 ms, then the three at once (the slowest is 50 ms): about 70 ms, not 140 ms
            assertThat(millis).isGreaterThanOrEqualTo(70).isLessThan(1_000);
        } finally {
            server.stop(1);
        }
    }
}
