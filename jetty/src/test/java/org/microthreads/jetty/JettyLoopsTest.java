package org.microthreads.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/** Unchanged servlets (Jakarta Servlet 6.1 on Jetty 12.1 ee10) with Jetty's blocking tasks on micro-threads. */
class JettyLoopsTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
    }

    private Server started(Server server) throws Exception {
        server.start();
        toClose.add(server::stop);
        return server;
    }

    private MicroThreadExecutor oneLoop() {
        MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("jetty", 1);
        toClose.add(executor);
        return executor;
    }

    /** Says where it runs, in plain text: a servlet, except for the two words it asks microthreads. */
    static final class WhereServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            boolean in = MicroThread.inMicroThread();
            Loop loop = in ? MicroThread.current().loop() : null;
            resp.getWriter().print("micro-thread " + in + ", loop " + (loop == null ? "none" : loop.name())
                    + ", single carrier " + (loop != null && loop.isSingleCarrier()));
        }
    }

    private static ServletContextHandler servlets(Object... pathsAndServlets) {
        ServletContextHandler context = new ServletContextHandler();
        for (int i = 0; i < pathsAndServlets.length; i += 2) {
            context.addServlet((HttpServlet) pathsAndServlets[i + 1], (String) pathsAndServlets[i]);
        }
        return context;
    }

    @Test
    void anUnchangedServletRunsInAMicroThreadOfTheLoop() throws Exception {
        MicroThreadExecutor executor = oneLoop();
        Server server = started(JettyLoops.install(Http.server(servlets("/where", new WhereServlet())), executor));
        assertThat(JettyLoops.executorOf(server)).isSameAs(executor);

        Http.Reply reply = Http.get(Http.port(server), "/where");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("micro-thread true, loop jetty-0, single carrier true");
    }

    @Test
    void anAsyncServletsContinuationRunsInAMicroThreadOfTheLoopToo() throws Exception {
        HttpServlet async = new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                jakarta.servlet.AsyncContext ac = req.startAsync();
                ac.start(() -> { // Jetty runs it through the context's executor: ours
                    try {
                        new WhereServlet().doGet(req, resp);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } finally {
                        ac.complete();
                    }
                });
            }
        };
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(async, "/async").setAsyncSupported(true);
        Server server = started(JettyLoops.install(Http.server(context), oneLoop()));
        assertThat(Http.get(Http.port(server), "/async").body()).isEqualTo("micro-thread true, loop jetty-0, single carrier true");
    }

    @Test
    void withoutInstallTheSameServletRunsOnAPlatformThread() throws Exception {
        Server server = started(Http.server(servlets("/where", new WhereServlet())));
        assertThat(Http.get(Http.port(server), "/where").body()).isEqualTo("micro-thread false, loop none, single carrier false");
    }

    @Test
    void installMakesOneLoopPerCoreAtEachStartAndClosesThemAtEachStop() throws Exception {
        Server server = JettyLoops.install(Http.server(servlets("/where", new WhereServlet())));
        toClose.add(server::stop);
        assertThat(JettyLoops.executorOf(server)).isNull(); // made when it starts
        for (int round = 0; round < 2; round++) { // a stopped server starts again
            server.start();
            MicroThreadExecutor executor = JettyLoops.executorOf(server);
            assertThat(executor.loops()).hasSize(Runtime.getRuntime().availableProcessors());
            assertThat(Http.get(Http.port(server), "/where").body()).matches("micro-thread true, loop jetty-\\d+, single carrier true");
            server.stop();
            assertThat(executor.isClosed()).isTrue();
            assertThat(executor.loops()).allMatch(Loop::isClosed);
            assertThat(JettyLoops.executorOf(server)).isNull();
        }
    }

    @Test
    void installOnTheSharedLoop() throws Exception {
        Server server = started(JettyLoops.install(Http.server(servlets("/where", new WhereServlet())), MicroThreadExecutor::onShared));
        assertThat(Http.get(Http.port(server), "/where").body()).isEqualTo("micro-thread true, loop shared, single carrier false");
    }

    /** Reads one byte from a backend on a socket, and answers it: blocks as long as the backend says nothing. */
    static final class BackendServlet extends HttpServlet {
        private final int backendPort;

        BackendServlet(int backendPort) {
            this.backendPort = backendPort;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            try (Socket backend = new Socket("127.0.0.1", backendPort)) {
                int b = backend.getInputStream().read(); // blocks on the socket
                resp.getWriter().print("backend said " + (char) b);
            }
        }
    }

    /** Waits in Object.wait() until notified (a monitor: no longer pins a virtual thread since JDK 24). */
    static final class MonitorServlet extends HttpServlet {
        final Object monitor = new Object();
        final CountDownLatch waiting = new CountDownLatch(1);
        boolean released; // guarded by monitor

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
            synchronized (monitor) {
                waiting.countDown();
                try {
                    while (!released) monitor.wait();
                } catch (InterruptedException e) {
                    throw new ServletException("interrupted while waiting", e);
                }
            }
            resp.getWriter().print("released");
        }

        void release() {
            synchronized (monitor) {
                released = true;
                monitor.notifyAll();
            }
        }
    }

    @Test
    void onOneLoopAServletBlockedOnASocketOrAMonitorDoesNotStopOthers() throws Exception {
        try (ServerSocket backend = new ServerSocket()) {
            backend.bind(new InetSocketAddress("127.0.0.1", 0));
            MonitorServlet monitor = new MonitorServlet();
            Server server = started(JettyLoops.install(Http.server(servlets(
                    "/backend", new BackendServlet(backend.getLocalPort()),
                    "/monitor", monitor,
                    "/where", new WhereServlet())), oneLoop()));
            int port = Http.port(server);
            ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
            toClose.add(clients);

            Future<Http.Reply> blockedOnSocket = clients.submit(() -> Http.get(port, "/backend"));
            try (Socket fromServlet = backend.accept()) { // the servlet is connected, and reads next
                Future<Http.Reply> blockedOnMonitor = clients.submit(() -> Http.get(port, "/monitor"));
                assertThat(monitor.waiting.await(30, TimeUnit.SECONDS)).isTrue();

                // two requests are blocked on the loop's only carrier's micro-threads; a third is served
                assertThat(Http.get(port, "/where").body()).isEqualTo("micro-thread true, loop jetty-0, single carrier true");
                assertThat(blockedOnSocket).isNotDone();
                assertThat(blockedOnMonitor).isNotDone();

                fromServlet.getOutputStream().write('x');
                fromServlet.getOutputStream().flush();
                assertThat(blockedOnSocket.get(30, TimeUnit.SECONDS)).isEqualTo(new Http.Reply(200, "backend said x"));
                monitor.release();
                assertThat(blockedOnMonitor.get(30, TimeUnit.SECONDS)).isEqualTo(new Http.Reply(200, "released"));
            }
        }
    }

    /** Answers once {@code expected} requests are in it at the same time. */
    static final class GatherServlet extends HttpServlet {
        final CountDownLatch arrived;
        final java.util.Set<Loop> loops = java.util.concurrent.ConcurrentHashMap.newKeySet();

        GatherServlet(int expected) {
            arrived = new CountDownLatch(expected);
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
            loops.add(MicroThread.current().loop());
            arrived.countDown();
            try {
                if (!arrived.await(60, TimeUnit.SECONDS)) throw new ServletException("not all arrived: " + arrived.getCount() + " missing");
            } catch (InterruptedException e) {
                throw new ServletException(e);
            }
            resp.getWriter().print("all here");
        }
    }

    @Test
    void aThousandConcurrentRequestsOnOneLoopAreAllAnswered() throws Exception {
        int n = 1_000;
        GatherServlet gather = new GatherServlet(n);
        MicroThreadExecutor executor = oneLoop();
        Server server = started(JettyLoops.install(Http.server(servlets("/gather", gather)), executor));
        int port = Http.port(server);
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Http.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < n; i++) replies.add(clients.submit(() -> Http.get(port, "/gather")));
            for (Future<Http.Reply> r : replies) {
                assertThat(r.get(90, TimeUnit.SECONDS)).isEqualTo(new Http.Reply(200, "all here"));
            }
        }
        // every one of them waited in the servlet until all 1,000 were there: 1,000 micro-threads at once, one carrier
        assertThat(gather.loops).containsExactly(executor.loops().getFirst());
    }

    static final class FailingServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            throw new IllegalStateException("broken servlet");
        }
    }

    @Test
    void aFailingServletGets500AndIsReported() throws Exception {
        try (LogCapture jettyLog = new LogCapture("org.eclipse.jetty")) {
            Server server = started(JettyLoops.install(Http.server(servlets("/fail", new FailingServlet(), "/where", new WhereServlet())), oneLoop()));
            int port = Http.port(server);

            assertThat(Http.get(port, "/fail").status()).isEqualTo(500);

            // Jetty reported it (a WARNING through SLF4J, here java.util.logging) before answering
            assertThat(jettyLog.atLeast(Level.WARNING))
                    .filteredOn(r -> r.getThrown() != null && "broken servlet".equals(r.getThrown().getMessage()))
                    .hasSize(1);
            // and the loop goes on serving
            assertThat(Http.get(port, "/where").status()).isEqualTo(200);
        }
    }

    @Test
    void aFailingCoreHandlerGets500AndIsReported() throws Exception {
        Handler failing = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                throw new IllegalStateException("broken handler");
            }
        };
        try (LogCapture jettyLog = new LogCapture("org.eclipse.jetty")) {
            Server server = started(JettyLoops.install(Http.server(failing), oneLoop()));
            assertThat(Http.get(Http.port(server), "/").status()).isEqualTo(500);
            assertThat(jettyLog.atLeast(Level.WARNING))
                    .filteredOn(r -> r.getThrown() != null && "broken handler".equals(r.getThrown().getMessage()))
                    .hasSize(1);
        }
    }

    @Test
    void closingTheExecutorCancelsRequestsInFlightAndThenRefusesWork() throws Exception {
        MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("jetty", 1);
        MonitorServlet monitor = new MonitorServlet();
        CompletableFuture<Throwable> servletSaw = new CompletableFuture<>();
        HttpServlet watching = new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
                try {
                    monitor.doGet(req, resp);
                    servletSaw.complete(null);
                } catch (ServletException e) {
                    servletSaw.complete(e.getCause());
                    throw e;
                }
            }
        };
        try (LogCapture ignored = new LogCapture("org.eclipse.jetty"); LogCapture ignoredToo = new LogCapture("org.microthreads")) {
            Server server = started(JettyLoops.install(Http.server(servlets("/monitor", watching)), executor));
            int port = Http.port(server);
            try (Socket inFlight = Http.open(port, "/monitor")) {
                assertThat(monitor.waiting.await(30, TimeUnit.SECONDS)).isTrue();

                executor.close(); // cancels the request's micro-thread, and waits for it to end

                assertThat(servletSaw).isCompletedWithValueMatching(t -> t instanceof InterruptedException);
                assertThat(Http.read(inFlight.getInputStream()).status()).isEqualTo(500); // its error was still answered
            }
            // a new request: Jetty's task is refused, and Jetty closes the connection unanswered
            try (Socket refused = Http.open(port, "/monitor")) {
                InputStream in = refused.getInputStream();
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    /** A thread pool that is no VirtualThreads.Configurable. */
    static final class PlainPool extends org.eclipse.jetty.util.component.AbstractLifeCycle implements org.eclipse.jetty.util.thread.ThreadPool {
        @Override
        public void join() {
        }

        @Override
        public int getThreads() {
            return 0;
        }

        @Override
        public int getIdleThreads() {
            return 0;
        }

        @Override
        public boolean isLowOnThreads() {
            return false;
        }

        @Override
        public void execute(Runnable command) {
            Thread.ofPlatform().start(command);
        }
    }

    @Test
    void installRejectsWhatItCannotDo() throws Exception {
        MicroThreadExecutor executor = oneLoop();
        assertThatThrownBy(() -> JettyLoops.install(null)).isInstanceOf(NullPointerException.class).hasMessage("server");
        assertThatThrownBy(() -> JettyLoops.install(new Server(), (MicroThreadExecutor) null))
                .isInstanceOf(NullPointerException.class).hasMessage("executor");
        assertThatThrownBy(() -> JettyLoops.install(new Server(), (java.util.function.Supplier<MicroThreadExecutor>) null))
                .isInstanceOf(NullPointerException.class).hasMessage("executors");

        Server running = started(Http.server(servlets("/where", new WhereServlet())));
        assertThatThrownBy(() -> JettyLoops.install(running, executor))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("install before server.start()").hasMessageContaining("STARTED");

        Server twice = JettyLoops.install(new Server());
        assertThatThrownBy(() -> JettyLoops.install(twice, executor))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already installed");
        Server twiceToo = JettyLoops.install(new Server(), executor);
        assertThatThrownBy(() -> JettyLoops.install(twiceToo))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already installed");

        assertThatThrownBy(() -> JettyLoops.install(new Server(new VirtualThreadPool()), executor))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VirtualThreadPool")
                .hasMessageContaining("selectors");
        assertThatThrownBy(() -> JettyLoops.install(new Server(new PlainPool()), executor))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(PlainPool.class.getName())
                .hasMessageContaining("takes no virtual-threads executor");

        MicroThreadExecutor closed = MicroThreadExecutor.singleCarrierLoops("closed", 1);
        closed.close();
        assertThatThrownBy(() -> JettyLoops.install(new Server(), closed))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    @Test
    void aSupplierThatReturnsNullFailsTheStartClearly() {
        Server server = JettyLoops.install(Http.server(servlets("/where", new WhereServlet())), () -> null);
        assertThatThrownBy(server::start)
                .isInstanceOf(NullPointerException.class).hasMessageContaining("the executor supplier returned null");
        assertThat(server.isFailed()).isTrue();
        assertThat(VirtualThreads.getVirtualThreadsExecutor(server.getThreadPool())).isNull();
    }

    @Test
    void theExecutorIsClosedWhenTheServerFailsToStart() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Server server = Http.server(servlets("/where", new WhereServlet()));
            ((org.eclipse.jetty.server.ServerConnector) server.getConnectors()[0]).setPort(taken.getLocalPort()); // in use
            List<MicroThreadExecutor> made = new ArrayList<>();
            JettyLoops.install(server, () -> {
                MicroThreadExecutor e = MicroThreadExecutor.singleCarrierLoops("failing-start", 1);
                made.add(e);
                return e;
            });
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            server.addEventListener(new LifeCycle.Listener() {
                @Override
                public void lifeCycleFailure(LifeCycle event, Throwable cause) {
                    failed.complete(cause);
                }
            });
            try (LogCapture ignored = new LogCapture("org.eclipse.jetty")) {
                assertThatThrownBy(server::start).isInstanceOf(IOException.class);
            }
            assertThat(failed).isDone();
            assertThat(made).singleElement().satisfies(e -> assertThat(e.isClosed()).isTrue());
            server.stop();
        }
    }
}
