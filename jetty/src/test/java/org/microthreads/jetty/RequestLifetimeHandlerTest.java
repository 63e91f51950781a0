package org.microthreads.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.microthreads.Deferred;
import org.microthreads.FailedException;
import org.microthreads.MicroThread;

/** Per-request lifetimes: each request a micro-thread and a scope, cancelled on Jetty's failure report or at its deadline. */
class RequestLifetimeHandlerTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("jetty", 1);

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
        executor.close();
    }

    /** A started server on one loop: {@code lifetime} wrapping {@code handler}. */
    private int serve(RequestLifetimeHandler lifetime, Handler handler) throws Exception {
        lifetime.setHandler(handler);
        Server server = JettyLoops.install(Http.server(lifetime), executor);
        server.start();
        toClose.add(server::stop);
        return Http.port(server);
    }

    /** A core handler (Jetty's own API) that runs {@code body} and then answers 200 with what it returned. */
    interface Body {
        String run(Request request) throws Exception;
    }

    private static Handler core(Body body) {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String text = body.run(request);
                response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        };
    }

    /** A micro-thread that waits until cancelled, then says so in {@code outcome}. */
    private static void startWaiter(String name, CompletableFuture<String> outcome) {
        MicroThread.startAndForget(name, () -> {
            try {
                new Deferred<Void>().await(); // never completed
                outcome.complete("ended without being cancelled");
            } catch (InterruptedException e) {
                outcome.complete(name + " cancelled: " + MicroThread.current().isCancelled());
                throw e;
            }
        });
    }

    @Test
    void eachRequestRunsInAMicroThreadNamedAfterIt() throws Exception {
        int port = serve(new RequestLifetimeHandler(), core(request ->
                MicroThread.current().name() + " on " + MicroThread.current().loop().name()));
        assertThat(Http.get(port, "/orders/7?x=1")).isEqualTo(new Http.Reply(200, "GET /orders/7 on jetty-0"));
    }

    @Test
    void atTheDeadlineTheHandlerAndWhatItStartedAreCancelledAndJettyAnswers504() throws Exception {
        CompletableFuture<String> child = new CompletableFuture<>();
        CompletableFuture<String> handler = new CompletableFuture<>();
        int port = serve(new RequestLifetimeHandler(Duration.ofMillis(200)), core(request -> {
            startWaiter("child", child);
            try {
                Thread.sleep(Duration.ofMinutes(1)); // a JDK blocking call
                return "too late";
            } catch (InterruptedException e) {
                handler.complete("interrupted, cancelled: " + MicroThread.current().isCancelled());
                throw e;
            }
        }));

        Http.Reply reply = Http.get(port, "/slow");

        assertThat(reply.status()).isEqualTo(504);
        // the request's micro-thread ended, and Jetty answered, only once everything it started had ended
        assertThat(handler).isCompletedWithValue("interrupted, cancelled: true");
        assertThat(child).isCompletedWithValue("child cancelled: true");
    }

    @Test
    void aTimeoutExceptionOfTheHandlersOwnIsNotTheDeadlines() throws Exception {
        Handler timesOut = core(request -> {
            throw new java.util.concurrent.TimeoutException("the backend did not answer");
        });
        try (LogCapture jettyLog = new LogCapture("org.eclipse.jetty")) {
            int port = serve(new RequestLifetimeHandler(Duration.ofMinutes(1)), timesOut);
            assertThat(Http.get(port, "/").status()).isEqualTo(500);
        }
    }

    @Test
    void aTimeoutExceptionOfTheHandlerWithoutDeadlineIsAnswered500() throws Exception {
        Handler timesOut = core(request -> {
            throw new java.util.concurrent.TimeoutException("the backend did not answer");
        });
        try (LogCapture jettyLog = new LogCapture("org.eclipse.jetty")) {
            int port = serve(new RequestLifetimeHandler(), timesOut);
            assertThat(Http.get(port, "/").status()).isEqualTo(500);
        }
    }

    @Test
    void aServletPastItsDeadlineIsInterruptedAndAnswersFromItsOwnErrorHandling() throws Exception {
        CompletableFuture<String> child = new CompletableFuture<>();
        HttpServlet slow = new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException {
                startWaiter("servlet's child", child);
                try {
                    Thread.sleep(Duration.ofMinutes(1));
                } catch (InterruptedException e) {
                    throw new ServletException("interrupted", e);
                }
            }
        };
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(slow, "/slow");
        try (LogCapture ignored = new LogCapture("org.eclipse.jetty")) { // Jetty reports the servlet's exception
            int port = serve(new RequestLifetimeHandler(Duration.ofMillis(200)), context);
            // the servlet container catches what the servlet threw: its error handling answers (500 here)
            assertThat(Http.get(port, "/slow").status()).isEqualTo(500);
        }
        // the servlet's error page was written inside the container, before the request's scope had
        // waited for the child: the child was cancelled at the deadline and ends on its own turn
        assertThat(child.get(10, TimeUnit.SECONDS)).isEqualTo("servlet's child cancelled: true");
    }

    @Test
    void whenJettyReportsTheRequestFailedItsTreeIsCancelled() throws Exception {
        CompletableFuture<String> child = new CompletableFuture<>();
        CompletableFuture<String> handler = new CompletableFuture<>();
        RequestLifetimeHandler lifetime = new RequestLifetimeHandler(); // no deadline: only Jetty's report ends it
        int port;
        try (LogCapture ignored = new LogCapture("org.eclipse.jetty")) {
            port = serve(lifetime, core(request -> {
                startWaiter("child", child);
                try {
                    new Deferred<Void>().await(); // a library wait, never completed
                    return "never";
                } catch (InterruptedException e) {
                    handler.complete("cancelled: " + MicroThread.current().isCancelled());
                    throw e;
                }
            }));
            ((ServerConnector) lifetime.getServer().getConnectors()[0]).setIdleTimeout(300); // for the connections from now on
            try (Socket s = Http.open(port, "/idle")) {
                // the handler neither reads nor writes: the connection's idle timeout expires, and Jetty reports it
                assertThat(handler.get(30, TimeUnit.SECONDS)).isEqualTo("cancelled: true");
                assertThat(child.get(30, TimeUnit.SECONDS)).isEqualTo("child cancelled: true");
                try {
                    Http.Reply reply = Http.read(s.getInputStream());
                    assertThat(reply.status()).isGreaterThanOrEqualTo(500);
                } catch (IOException closedWithoutAnswer) {
                    // Jetty may close the timed-out connection without an answer
                }
            }
        }
    }

    @Test
    void aClientThatDisconnectsIsNoticedAtTheHandlersNextWriteAndItsTreeIsCancelled() throws Exception {
        CompletableFuture<String> child = new CompletableFuture<>();
        CompletableFuture<String> handler = new CompletableFuture<>();
        Deferred<Void> clientGone = new Deferred<>();
        int port;
        try (LogCapture ignored = new LogCapture("org.eclipse.jetty")) {
            port = serve(new RequestLifetimeHandler(), new Handler.Abstract() {
                @Override
                public boolean handle(Request request, Response response, Callback callback) throws Exception {
                    startWaiter("child", child);
                    clientGone.await(); // Jetty 12 does not watch an HTTP/1.1 socket while the handler neither reads nor writes
                    OutputStream out = Content.Sink.asOutputStream(response);
                    byte[] chunk = new byte[8192];
                    try {
                        for (int i = 0; i < 10_000; i++) { // 80 MB: far more than socket buffers hold for a closed peer
                            out.write(chunk);
                            out.flush();
                        }
                        handler.complete("all written");
                    } catch (IOException e) {
                        handler.complete("write failed");
                        throw e; // the scope then cancels what the handler started
                    }
                    callback.succeeded();
                    return true;
                }
            });
            Socket s = Http.open(port, "/stream");
            s.close(); // the client goes away before any answer
            clientGone.complete(null);
            assertThat(handler.get(30, TimeUnit.SECONDS)).isEqualTo("write failed");
            assertThat(child.get(30, TimeUnit.SECONDS)).isEqualTo("child cancelled: true");
        }
    }

    /** Handler that answers at once and leaves {@code body} running in a micro-thread it started; hands out the request's micro-thread. */
    private static Handler answersThenLeaves(MicroThread.Task body, CompletableFuture<MicroThread<?>> request) {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request req, Response response, Callback callback) {
                request.complete(MicroThread.current());
                response.write(true, ByteBuffer.wrap("answered".getBytes(StandardCharsets.UTF_8)), callback);
                MicroThread.startAndForget("left running", body);
                return true;
            }
        };
    }

    @Test
    void theRequestEndsOnlyOnceWhatItStartedHasEnded() throws Exception {
        Deferred<Void> gate = new Deferred<>();
        CompletableFuture<Void> leftRunning = new CompletableFuture<>();
        CompletableFuture<MicroThread<?>> request = new CompletableFuture<>();
        int port = serve(new RequestLifetimeHandler(), answersThenLeaves(() -> {
            leftRunning.complete(null);
            gate.await();
        }, request));

        assertThat(Http.get(port, "/late")).isEqualTo(new Http.Reply(200, "answered"));

        MicroThread<?> requestThread = request.get(10, TimeUnit.SECONDS);
        assertThat(requestThread.name()).isEqualTo("GET /late");
        // one carrier: 'left running' runs only once the request's micro-thread has parked
        leftRunning.get(10, TimeUnit.SECONDS);
        assertThat(requestThread.isDone()).isFalse(); // it waits for 'left running'
        assertThat(requestThread.waitingOn()).hasValueSatisfying(w -> assertThat(w).contains("started in its scope"));
        gate.complete(null);
        requestThread.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aFailureOfWhatAHandledRequestStartedIsLogged() throws Exception {
        CompletableFuture<MicroThread<?>> request = new CompletableFuture<>();
        try (LogCapture log = new LogCapture("org.microthreads.jetty")) {
            int port = serve(new RequestLifetimeHandler(), answersThenLeaves(() -> {
                throw new IllegalStateException("late failure");
            }, request));

            assertThat(Http.get(port, "/late")).isEqualTo(new Http.Reply(200, "answered"));
            request.get(10, TimeUnit.SECONDS).toCompletableFuture().get(10, TimeUnit.SECONDS); // the request has ended

            assertThat(log.atLeast(Level.SEVERE)).singleElement().satisfies(r -> {
                assertThat(r.getMessage()).contains("'GET /late' was handled, but a micro-thread its handler started then failed");
                assertThat(r.getThrown()).isInstanceOf(FailedException.class).hasRootCauseMessage("late failure");
            });
        }
    }

    @Test
    void theDeadlineCutsShortWhatAHandledRequestStartedAndSaysSo() throws Exception {
        CompletableFuture<MicroThread<?>> request = new CompletableFuture<>();
        CompletableFuture<String> left = new CompletableFuture<>();
        try (LogCapture log = new LogCapture("org.microthreads.jetty")) {
            int port = serve(new RequestLifetimeHandler(Duration.ofMillis(100)), answersThenLeaves(() -> {
                try {
                    new Deferred<Void>().await();
                } catch (InterruptedException e) {
                    left.complete("cancelled: " + MicroThread.current().isCancelled());
                    throw e;
                }
            }, request));

            assertThat(Http.get(port, "/late")).isEqualTo(new Http.Reply(200, "answered"));
            request.get(10, TimeUnit.SECONDS).toCompletableFuture().get(10, TimeUnit.SECONDS);

            assertThat(left).isCompletedWithValue("cancelled: true");
            assertThat(log.atLeast(Level.WARNING)).singleElement().satisfies(r ->
                    assertThat(r.getMessage()).contains("'GET /late' was handled, but micro-threads its handler started were still running at its deadline"));
        }
    }

    @Test
    void withoutAHandlerBelowTheRequestIsDeclined() throws Exception {
        Server server = JettyLoops.install(Http.server(new RequestLifetimeHandler()), executor);
        server.start();
        toClose.add(server::stop);
        assertThat(Http.get(Http.port(server), "/").status()).isEqualTo(404);
    }

    @Test
    void badDeadlinesAreRejected() {
        assertThatThrownBy(() -> new RequestLifetimeHandler(null)).isInstanceOf(NullPointerException.class).hasMessage("deadline");
        assertThatThrownBy(() -> new RequestLifetimeHandler(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than zero, got PT0S");
        assertThatThrownBy(() -> new RequestLifetimeHandler(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got PT-1S");
        assertThat(new RequestLifetimeHandler().deadline()).isEmpty();
        assertThat(new RequestLifetimeHandler(Duration.ofSeconds(3)).deadline()).contains(Duration.ofSeconds(3));
        assertThat(new RequestLifetimeHandler().getInvocationType()).isEqualTo(org.eclipse.jetty.util.thread.Invocable.InvocationType.BLOCKING);
    }
}
