package org.microthreads.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.microthreads.MicroThread;

/**
 * Graceful shutdown under load: every request whose handler the server started is answered in full,
 * and no client sees a reset in the middle of a response, over many shutdowns with keep-alive clients
 * sending fast and slow requests throughout.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ShutdownStressTest {
    static final int SCALE = Integer.getInteger("microthreads.stress.scale", 1);

    @Test
    void noAcceptedRequestIsLostOrResetAcrossShutdownsUnderLoad() throws Exception {
        int rounds = 20 * SCALE, clients = 16;
        long started = 0, completed = 0, refusedBeforeAnyByte = 0;
        for (int round = 0; round < rounds; round++) {
            Set<String> handled = ConcurrentHashMap.newKeySet();
            Set<String> answered = ConcurrentHashMap.newKeySet();
            AtomicInteger resets = new AtomicInteger();
            java.util.Queue<String> resetWhere = new java.util.concurrent.ConcurrentLinkedQueue<>();
            AtomicLong refused = new AtomicLong();
            LoopHttpServer s = LoopHttpServer.create(LoopHttpServerTest.ANY, 0, ServerConfig.defaults().withLoops(2));
            s.createContext("/", ex -> {
                String id = ex.getRequestHeaders().getFirst("X-Id");
                handled.add(id);
                if (ex.getRequestURI().getPath().equals("/slow")) {
                    try {
                        MicroThread.sleep(Duration.ofMillis(20));
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                }
                LoopHttpServerTest.respond(ex, 200, "ok " + id);
            });
            s.start();
            int r = round;
            List<Thread> load = new ArrayList<>();
            java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int k = 0; k < clients; k++) {
                int client = k;
                load.add(Thread.ofPlatform().uncaughtExceptionHandler((t, e) -> failures.add(e)).start(() -> {
                    int n = 0;
                    while (true) {
                        Client opened;
                        try {
                            opened = new Client(s.getAddress());
                        } catch (IOException e) {
                            return; // refused or reset while connecting: the listener closed, the shutdown is under way
                        }
                        try (Client c = opened) {
                            while (true) {
                                String id = r + "-" + client + "-" + n++;
                                try {
                                    c.send("GET " + (n % 4 == 0 ? "/slow" : "/fast") + " HTTP/1.1\r\nHost: x\r\nX-Id: " + id + "\r\n\r\n");
                                } catch (SocketException e) {
                                    refused.incrementAndGet(); // the server had closed it: never read
                                    break;
                                }
                                Client.Response resp;
                                try {
                                    resp = c.read();
                                } catch (SocketException e) {
                                    resets.incrementAndGet(); // a reset in the middle of a response
                                    resetWhere.add("reading the response to " + id + ": " + e);
                                    return;
                                }
                                if (resp == null) {
                                    refused.incrementAndGet(); // closed before any byte of it
                                    break;
                                }
                                assertThat(resp.body()).isEqualTo("ok " + id);
                                answered.add(id);
                                if ("close".equals(resp.header("connection"))) break;
                            }
                        } catch (SocketException e) {
                            resets.incrementAndGet();
                            resetWhere.add("closing: " + e);
                            return;
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }));
            }
            while (handled.size() < 200) Thread.onSpinWait(); // under load
            s.stop(10);
            for (Thread t : load) t.join();
            assertThat(failures).as("client failures").isEmpty();
            Set<String> lost = new java.util.HashSet<>(handled);
            lost.removeAll(answered);
            assertThat(lost).as("requests the server handled whose response the client did not get (round " + round + ")").isEmpty();
            assertThat(resets).as("resets in the middle of a response (round " + round + "): " + resetWhere).hasValue(0);
            started += handled.size();
            completed += answered.size();
            refusedBeforeAnyByte += refused.get();
        }
        System.out.println(rounds + " shutdowns under load: " + started + " requests handled, " + completed
                + " answered, 0 lost, 0 reset; " + refusedBeforeAnyByte + " requests sent on connections the server had"
                + " closed while idle (never read by it: a client retries these)");
    }
}
