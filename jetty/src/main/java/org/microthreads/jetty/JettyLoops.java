package org.microthreads.jetty;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * Puts an unchanged Jetty 12 server's blocking work on micro-threads: one line before
 * {@code server.start()}.
 *
 * {@snippet :
 * Server server = new Server();          // unchanged: connectors, servlets, handlers as before
 * JettyLoops.install(server);            // one single-carrier loop per core, made at each start, closed at each stop
 * server.start();
 * }
 *
 * <h2>What runs on micro-threads</h2>
 * Jetty 12's default thread pool, {@link org.eclipse.jetty.util.thread.QueuedThreadPool}, runs the
 * tasks that may block on its <em>virtual-threads executor</em> when one is set; this class sets a
 * {@link MicroThreadExecutor} there. Jetty then hands it what a connection does when it becomes
 * readable and its handler may block: read and parse the request, run the handler or servlet, write
 * the response. On HTTP/1.1 that is one micro-thread per request (or per batch of pipelined
 * requests), which ends when the connection goes back to waiting for the next one. It also hands it
 * the tasks of {@code Request.getContext().execute(...)} ({@code AsyncContext.start} and async
 * dispatches among them) and failure notifications such as an idle timeout. The acceptor and
 * selector threads, and the non-blocking work a selector runs itself, stay on the pool's platform
 * threads. An idle keep-alive connection holds no micro-thread: only its registration in a selector.
 *
 * <h2>Why an executor and not a thread pool</h2>
 * Jetty asks the pool ({@code VirtualThreads.getVirtualThreadsExecutor(pool)}) once, when each
 * connector's selectors start, and from then on sends blocking tasks to that executor while
 * keeping its own platform threads for selecting and accepting. Replacing the executor, not the
 * pool, keeps everything else of Jetty (its thread budget, its reserved-thread heuristics,
 * which drop to zero reserved threads as with virtual threads) exactly as Jetty's own
 * virtual-thread setup has it, so the difference measured against
 * {@code setVirtualThreadsExecutor(new VirtualThreadPool())} is the loops and nothing else.
 * That is also why {@code install} must come before {@code server.start()}.
 */
public final class JettyLoops {
    private JettyLoops() {
    }

    /**
     * Runs {@code server}'s blocking tasks on one single-carrier loop per core
     * ({@link MicroThreadExecutor#perCore(String)}, loops named {@code jetty-0}, {@code jetty-1},
     * ...), which the server owns: they are made each time it starts and closed each time it has
     * stopped (so a stopped server can start again).
     *
     * @param server a server not yet started, whose thread pool accepts a virtual-threads
     *               executor (Jetty's default {@code QueuedThreadPool} does)
     * @return {@code server}
     * @throws NullPointerException     if {@code server} is null
     * @throws IllegalStateException    if {@code server} is starting or started, or already has
     *                                  a {@link MicroThreadExecutor}
     * @throws IllegalArgumentException if its thread pool takes no virtual-threads executor, or
     *                                  is a {@code VirtualThreadPool} (which would run Jetty's
     *                                  selectors on the executor too)
     */
    public static Server install(Server server) {
        return install(server, () -> MicroThreadExecutor.perCore("jetty"));
    }

    /**
     * Runs {@code server}'s blocking tasks on executors that {@code executors} makes: one each
     * time the server starts, closed each time it has stopped (or failed to start). For
     * instance {@code install(server, MicroThreadExecutor::onShared)} for the shared loop, or
     * {@code install(server, () -> MicroThreadExecutor.singleCarrierLoops("jetty", 1))} for one
     * loop.
     *
     * @param server    a server not yet started, whose thread pool accepts a virtual-threads executor
     * @param executors makes the executor for each start of the server
     * @return {@code server}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalStateException    if {@code server} is starting or started, or already has
     *                                  a {@link MicroThreadExecutor}
     * @throws IllegalArgumentException if its thread pool takes no virtual-threads executor, or
     *                                  is a {@code VirtualThreadPool}
     */
    public static Server install(Server server, Supplier<MicroThreadExecutor> executors) {
        Objects.requireNonNull(executors, "executors");
        VirtualThreads.Configurable pool = checkInstallable(server);
        server.addEventListener(new Owner(pool, executors));
        return server;
    }

    /**
     * Runs {@code server}'s blocking tasks on {@code executor}, which the caller keeps: close it
     * after the server has stopped.
     *
     * {@snippet :
     * try (MicroThreadExecutor executor = MicroThreadExecutor.singleCarrierLoops("jetty", 1)) {
     *     Server server = JettyLoops.install(new Server(8080), executor);
     *     server.start();
     *     // ...
     *     server.stop();
     * }
     * }
     *
     * @param server   a server not yet started, whose thread pool accepts a virtual-threads executor
     * @param executor the executor, open
     * @return {@code server}
     * @throws NullPointerException     if an argument is null
     * @throws IllegalStateException    if {@code server} is starting or started, or already has
     *                                  a {@link MicroThreadExecutor}, or {@code executor} is closed
     * @throws IllegalArgumentException if its thread pool takes no virtual-threads executor, or
     *                                  is a {@code VirtualThreadPool}
     */
    public static Server install(Server server, MicroThreadExecutor executor) {
        Objects.requireNonNull(executor, "executor");
        if (executor.isClosed()) throw new IllegalStateException(executor + " is closed: it can run nothing");
        set(checkInstallable(server), executor);
        return server;
    }

    /**
     * {@return the {@link MicroThreadExecutor} that runs {@code server}'s blocking tasks now, or
     * null if none} With {@link #install(Server)}, null while the server is stopped.
     *
     * @param server the server
     */
    public static MicroThreadExecutor executorOf(Server server) {
        Objects.requireNonNull(server, "server");
        return VirtualThreads.getVirtualThreadsExecutor(server.getThreadPool()) instanceof MicroThreadExecutor e ? e : null;
    }

    private static VirtualThreads.Configurable checkInstallable(Server server) {
        Objects.requireNonNull(server, "server");
        if (server.isStarting() || server.isStarted()) {
            throw new IllegalStateException("install before server.start(): Jetty reads the executor for blocking tasks"
                    + " when its connectors start, so it would not be used (server is " + server.getState() + ")");
        }
        ThreadPool threadPool = server.getThreadPool();
        if (threadPool instanceof VirtualThreadPool) {
            throw new IllegalArgumentException("the server's thread pool is a VirtualThreadPool, which would hand the executor"
                    + " every task, Jetty's selectors too: a selector waiting in select() holds its carrier, and would stop"
                    + " a single-carrier loop; use Jetty's default QueuedThreadPool, which keeps them on platform threads");
        }
        if (!(threadPool instanceof VirtualThreads.Configurable pool)) {
            throw new IllegalArgumentException("the server's thread pool " + threadPool.getClass().getName()
                    + " takes no virtual-threads executor (it is no VirtualThreads.Configurable);"
                    + " use Jetty's default QueuedThreadPool");
        }
        if (executorOf(server) != null || server.getEventListeners().stream().anyMatch(Owner.class::isInstance)) {
            throw new IllegalStateException("a MicroThreadExecutor is already installed in this server");
        }
        return pool;
    }

    private static void set(VirtualThreads.Configurable pool, Executor executor) {
        pool.setVirtualThreadsExecutor(executor);
        if (pool.getVirtualThreadsExecutor() != executor) { // QueuedThreadPool ignores it when the JVM has no virtual threads
            throw new UnsupportedOperationException("the server's thread pool did not take the executor"
                    + " (does this JVM support virtual threads?)");
        }
    }

    /** Makes the server's executor as it starts, closes it once it has stopped. */
    private static final class Owner implements LifeCycle.Listener {
        private final VirtualThreads.Configurable pool;
        private final Supplier<MicroThreadExecutor> executors;
        private MicroThreadExecutor current; // lifecycle events of one server come one at a time

        Owner(VirtualThreads.Configurable pool, Supplier<MicroThreadExecutor> executors) {
            this.pool = pool;
            this.executors = executors;
        }

        @Override
        public void lifeCycleStarting(LifeCycle server) {
            MicroThreadExecutor e = Objects.requireNonNull(executors.get(), "the executor supplier returned null");
            set(pool, e);
            current = e;
        }

        @Override
        public void lifeCycleFailure(LifeCycle server, Throwable cause) {
            release();
        }

        @Override
        public void lifeCycleStopped(LifeCycle server) {
            release();
        }

        private void release() {
            MicroThreadExecutor e = current;
            if (e == null) return;
            current = null;
            pool.setVirtualThreadsExecutor(null);
            e.close();
        }

        @Override
        public String toString() {
            return "JettyLoops: " + (current != null ? current : "no executor while stopped");
        }
    }
}
