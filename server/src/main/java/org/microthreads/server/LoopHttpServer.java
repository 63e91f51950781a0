package org.microthreads.server;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.spi.IoLoops;

/**
 * A {@code com.sun.net.httpserver.HttpServer} whose every connection is a micro-thread: unchanged
 * {@link HttpHandler}s run in blocking style on I/O loops (thread-per-core: one single-carrier
 * loop per core by default, each also the event loop of its connections), or on the shared loop.
 * Unchanged code gets it from {@code HttpServer.create(...)} through {@link LoopHttpServerProvider};
 * code that wants it by name calls {@link #create(InetSocketAddress, int, ServerConfig)}.
 *
 * <p>What it adds to the JDK's server, configured by {@link ServerConfig}:
 * <ul>
 * <li><b>A request is a scope.</b> The handler runs as {@link MicroThread#scope}: micro-threads it
 *     starts are awaited before the next request of the connection. If the client goes away (EOF or
 *     reset while the handler runs) or the request's deadline passes, the handler and every
 *     micro-thread it started are cancelled; the client gets 504 at the deadline if its response had
 *     not started, else the connection is cut.</li>
 * <li><b>Overload</b>: beyond {@code maxConcurrentRequests} a request is answered 503 with
 *     {@code Retry-After} at once; beyond {@code maxConnections} a connection is closed at accept.</li>
 * <li><b>Timeouts</b>: a request head must arrive within {@code headerTimeout} (slowloris); an idle
 *     keep-alive connection is closed after {@code idleTimeout}.</li>
 * <li><b>Graceful {@link #stop(int)}</b>: accepting ends, idle connections close at once, requests
 *     in progress complete (with {@code Connection: close}) within the delay; what is left then is
 *     cancelled.</li>
 * <li><b>{@link #dump()}</b>: the requests in progress, each with its micro-threads and what they wait on.</li>
 * </ul>
 *
 * <p>Differences from the JDK's server: {@link #setExecutor(Executor)} is recorded but handlers
 * always run as micro-threads (said once in the log); the response head is sent with the body's
 * first bytes (or at once for {@code sendResponseHeaders(code, -1)}); on an I/O loop an exchange's
 * streams are used by its handler's micro-thread only; context paths match as string prefixes
 * (longest wins), as the JDK's default; HTTPS is not supported.
 */
public final class LoopHttpServer extends HttpServer {
    static final Logger LOG = System.getLogger("org.microthreads.server");

    final ServerConfig config;
    private final List<Context> contexts = new CopyOnWriteArrayList<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object lock = new Object();
    private ServerSocketChannel listener;
    private volatile InetSocketAddress boundAddress;
    private Executor executor;
    private volatile boolean executorLogged;
    /** The I/O loops, each with its state (its buffer pool: used on that loop's carrier only); none on the shared loop. */
    private final List<IoLoop> loops = new ArrayList<>();
    /** {@link ServerConfig#shedAfter()} in nanoseconds, 0 for none. */
    private final long shedAfterNanos;
    private final List<Thread> acceptorThreads = new CopyOnWriteArrayList<>();
    private Thread sweeper;
    private volatile int state; // NEW, STARTED, STOPPING, STOPPED
    private static final int NEW = 0, STARTED = 1, STOPPING = 2, STOPPED = 3;

    private record IoLoop(Loop loop, LoopState state) {}

    /** Use {@link #create(InetSocketAddress, int, ServerConfig)} or {@code HttpServer.create}. */
    LoopHttpServer(ServerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.shedAfterNanos = config.shedAfter() == null ? 0 : config.shedAfter().toNanos();
    }

    /**
     * A server with {@code config}, bound to {@code addr} if it is not null.
     *
     * @param addr    where to listen, or null to {@link #bind} later
     * @param backlog the listen backlog (0 or less: the system's default)
     * @param config  loops, limits and timeouts
     * @return the server, not started
     * @throws IOException if binding fails
     */
    public static LoopHttpServer create(InetSocketAddress addr, int backlog, ServerConfig config) throws IOException {
        LoopHttpServer s = new LoopHttpServer(config);
        if (addr != null) s.bind(addr, backlog);
        return s;
    }

    /** {@return this server's configuration} */
    public ServerConfig config() {
        return config;
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
        Objects.requireNonNull(addr, "addr");
        synchronized (lock) {
            if (listener != null) throw new java.net.BindException("the server is already bound to " + listener.getLocalAddress());
            if (state != NEW) throw new IllegalStateException("the server was started or stopped: it cannot be bound");
            ServerSocketChannel ch = ServerSocketChannel.open();
            try {
                ch.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
                ch.bind(addr, backlog);
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            listener = ch;
            boundAddress = (InetSocketAddress) ch.getLocalAddress();
        }
    }

    @Override
    public void start() {
        synchronized (lock) {
            if (listener == null) throw new IllegalStateException("the server is not bound: call bind first, or create it with an address");
            if (state != NEW) throw new IllegalStateException("the server was already " + (state == STARTED ? "started" : "stopped"));
            try {
                if (config.loops() == 0) {
                    listener.configureBlocking(true);
                    Loop.shared().startAndForget("http acceptor", () -> accept(Loop.shared(), new LoopState(false), false));
                } else {
                    listener.configureBlocking(false);
                    for (int i = 0; i < config.loops(); i++) {
                        Loop loop = IoLoops.create("http-" + i);
                        LoopState ls = new LoopState(true);
                        loops.add(new IoLoop(loop, ls));
                        loop.startAndForget("http acceptor " + i, () -> accept(loop, ls, true));
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot start the server on " + getAddress(), e);
            }
            // not a daemon, as the JDK's dispatcher thread: a started server keeps the JVM alive until stop()
            sweeper = Thread.ofPlatform().daemon(false).name("microthreads-server " + getAddress()).start(this::sweep);
            state = STARTED;
        }
    }

    /** The acceptor of one loop: its connections stay on it. */
    private void accept(Loop loop, LoopState ls, boolean selector) throws InterruptedException {
        acceptorThreads.add(Thread.currentThread());
        long accepted = 0;
        while (state <= STARTED) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (java.nio.channels.ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (state > STARTED) return;
                LOG.log(Level.WARNING, "accept failed on " + getAddress() + "; accepting goes on", e);
                MicroThread.sleep(Duration.ofMillis(10)); // e.g. out of file descriptors: do not spin
                continue;
            }
            if (ch == null) {
                try {
                    IoLoops.awaitReady(listener, SelectionKey.OP_ACCEPT, "accepting on " + getAddress());
                } catch (InterruptedException e) {
                    if (state > STARTED) return;
                    throw e;
                } catch (java.nio.channels.ClosedChannelException e) {
                    return;
                }
                continue;
            }
            serve(loop, ls, selector, ch);
            // a flood of connections does not starve those accepted, nor the backlog those connecting: a batch, then a turn
            if (selector && ++accepted % ACCEPT_BATCH == 0) MicroThread.yieldNow();
        }
    }

    /**
     * How many connections an I/O loop's acceptor takes before it lets the loop's other micro-threads
     * run (a turn: every connection ready meanwhile runs once). One per turn starved the backlog at
     * 10,000 connections, and 16 still left clients of a connection burst seconds in the kernel's
     * queues (wrk's timeouts); 256 take a few milliseconds, so served connections barely notice a flood.
     */
    private static final int ACCEPT_BATCH = 256;

    private void serve(Loop loop, LoopState ls, boolean selector, SocketChannel ch) {
        int max = config.maxConnections();
        try {
            if ((max > 0 && connections.size() >= max) || state > STOPPING) { // stopping: it closes cleanly itself
                ch.close();
                return;
            }
            ch.configureBlocking(!selector);
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            closeQuietly(ch);
            return;
        }
        Connection c = new Connection(this, ch, ls, selector);
        connections.add(c);
        try {
            loop.startAndForget(c.name(), c::run);
        } catch (RuntimeException e) { // the loop closed under us: a stop
            connections.remove(c);
            closeQuietly(ch);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    void closed(Connection c) {
        connections.remove(c);
        if (state >= STOPPING && connections.isEmpty()) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    boolean stopping() {
        return state >= STOPPING;
    }

    /**
     * Whether a request must be shed for its wait: its loop saw its bytes at {@code readyAt}
     * ({@link System#nanoTime()}; 0: not known) and started it only now, later than {@code shedAfter}.
     */
    boolean late(long readyAt) {
        return shedAfterNanos > 0 && readyAt != 0 && System.nanoTime() - readyAt > shedAfterNanos;
    }

    /** Takes a request slot; false: over the limit (the caller answers 503). */
    boolean admit() {
        int max = config.maxConcurrentRequests();
        if (max == 0) return true;
        if (inFlight.incrementAndGet() <= max) return true;
        inFlight.decrementAndGet();
        return false;
    }

    void release() {
        if (config.maxConcurrentRequests() > 0) inFlight.decrementAndGet();
    }

    // ---------------------------------------------------------------------------------------
    // Timeouts: one sweep every 100 ms (or a quarter of the shortest timeout)
    // ---------------------------------------------------------------------------------------

    private void sweep() {
        long header = nanos(config.headerTimeout()), idle = nanos(config.idleTimeout());
        long linger = Math.min(header, TimeUnit.SECONDS.toNanos(2));
        long every = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.MILLISECONDS.toNanos(100), Math.min(header, idle) / 4));
        while (state < STOPPED) {
            long now = System.nanoTime();
            for (Connection c : connections) {
                int phase = c.phase.get(); // the phase first, then its time (see Connection.setPhase)
                long age = now - c.phaseSince;
                switch (phase) {
                    case Connection.HEAD, Connection.NEW -> {
                        if (age > header) cancel(c, "no complete request head within the header timeout " + config.headerTimeout());
                    }
                    case Connection.IDLE -> {
                        if (age > idle) closeIdle(c, "idle for longer than the idle timeout " + config.idleTimeout());
                    }
                    case Connection.CLOSING -> {
                        if (age > linger) cancel(c, "closing");
                    }
                    default -> { }
                }
            }
            try {
                Thread.sleep(Duration.ofNanos(every));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static long nanos(Duration d) {
        return d == null ? Long.MAX_VALUE : d.toNanos();
    }

    private static void cancel(Connection c, String why) {
        c.closeReason = why;
        MicroThread<?> t = c.thread;
        if (t != null) t.cancel();
    }

    /** Closes an idle connection, unless it has just begun reading a request (then it is served). */
    private static boolean closeIdle(Connection c, String why) {
        int p = c.phase.get();
        if ((p != Connection.IDLE && p != Connection.NEW) || !c.phase.compareAndSet(p, Connection.CLOSING)) return false;
        c.closeReason = why;
        Thread t = c.vthread;
        if (t != null) t.interrupt(); // not a cancellation: it wakes the idle wait, which sees CLOSING
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // Stopping
    // ---------------------------------------------------------------------------------------

    /**
     * Stops gracefully: no new connections; idle connections close at once; requests in progress
     * (and requests whose bytes have arrived) are served, with {@code Connection: close}, until
     * they end or {@code delay} seconds have passed; then the rest is cancelled and every
     * connection closed. Blocks until then. Idempotent.
     *
     * @param delay the most seconds to wait for requests in progress (0: cancel them at once)
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    @Override
    public void stop(int delay) {
        if (delay < 0) throw new IllegalArgumentException("delay must be 0 or more seconds, not " + delay);
        synchronized (lock) {
            if (state == NEW) {
                state = STOPPED;
                closeListener();
                return;
            }
            if (state != STARTED) return;
            state = STOPPING;
        }
        drainBacklog();
        closeListener();
        for (Thread a : acceptorThreads) a.interrupt(); // not cancel(): that would cancel the connections they started
        for (Connection c : connections) {
            int p = c.phase.get();
            if (p == Connection.IDLE || p == Connection.NEW) closeIdle(c, "the server stops");
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(delay);
        synchronized (lock) {
            while (!connections.isEmpty()) {
                for (Connection c : connections) { // those that went idle after their last response
                    int p = c.phase.get();
                    if (p == Connection.IDLE || p == Connection.NEW) closeIdle(c, "the server stops");
                }
                long left = end - System.nanoTime();
                if (left <= 0) break;
                try {
                    lock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        for (Connection c : connections) cancel(c, "the server stopped before its request ended (stop delay " + delay + "s)");
        long hard = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        synchronized (lock) {
            while (!connections.isEmpty() && System.nanoTime() < hard) {
                try {
                    lock.wait(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!connections.isEmpty()) {
            LOG.log(Level.WARNING, connections.size() + " connection(s) ignored their cancellation for 5 s after stop: "
                    + connections + "; closing their loops anyway");
        }
        state = STOPPED;
        if (sweeper != null) sweeper.interrupt();
        // a connection leaves the set in its finally block: let the micro-threads end before closing their loops
        long grace = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        for (IoLoop io : loops) {
            Loop l = io.loop();
            while (!l.microThreads().isEmpty() && System.nanoTime() < grace) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // a poll, not a spin
            }
            l.close();
        }
    }

    /**
     * Takes the connections the kernel completed in the listen backlog (closing the listener would
     * reset them, requests and all) and closes each cleanly: its connection sees the stop at once,
     * shuts its output and drops what the client sent (requests the server never read: a client sees
     * the end of the stream, which HTTP clients retry, not a reset). I/O loops only: there the
     * listener does not block; on the shared loop the acceptor blocks in it.
     */
    private void drainBacklog() {
        if (loops.isEmpty()) return;
        int i = 0;
        while (true) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (IOException e) {
                return;
            }
            if (ch == null) return;
            IoLoop io = loops.get(i++ % loops.size());
            serve(io.loop(), io.state(), true, ch); // the connection sees the stop: it closes cleanly
        }
    }

    private void closeListener() {
        try {
            if (listener != null) listener.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the listener", e);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Contexts
    // ---------------------------------------------------------------------------------------

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return addContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return addContext(path, null);
    }

    private HttpContext addContext(String path, HttpHandler handler) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) throw new IllegalArgumentException("a context path must begin with '/', not '" + path + "'");
        synchronized (lock) {
            for (Context c : contexts) {
                if (c.getPath().equals(path)) throw new IllegalArgumentException("a context for '" + path + "' exists already");
            }
            Context c = new Context(path, handler, this);
            contexts.add(c);
            return c;
        }
    }

    @Override
    public void removeContext(String path) {
        Objects.requireNonNull(path, "path");
        synchronized (lock) {
            if (!contexts.removeIf(c -> c.getPath().equals(path))) {
                throw new IllegalArgumentException("no context for '" + path + "'");
            }
        }
    }

    @Override
    public void removeContext(HttpContext context) {
        Objects.requireNonNull(context, "context");
        synchronized (lock) {
            if (!contexts.remove(context)) throw new IllegalArgumentException("not a context of this server: " + context);
        }
    }

    /** The context whose path is the longest prefix of {@code path}, or null. */
    Context contextFor(String path) {
        Context best = null;
        if (path == null) path = "/";
        for (Context c : contexts) {
            String p = c.getPath();
            if (path.startsWith(p) && (best == null || p.length() > best.getPath().length())) best = c;
        }
        return best;
    }

    // ---------------------------------------------------------------------------------------
    // The rest of HttpServer
    // ---------------------------------------------------------------------------------------

    /**
     * Recorded and returned by {@link #getExecutor()}, but not used: handlers always run as
     * micro-threads of this server's loops (the point of this server). Said once in the log.
     */
    @Override
    public void setExecutor(Executor executor) {
        synchronized (lock) {
            if (state != NEW) throw new IllegalStateException("the executor must be set before start()");
            this.executor = executor;
        }
        if (executor != null && !executorLogged) {
            executorLogged = true;
            LOG.log(Level.INFO, "microthreads-server runs handlers as micro-threads; the executor " + executor
                    + " is not used (limit concurrency with -D" + ServerConfig.PREFIX + "maxConcurrentRequests)");
        }
    }

    @Override
    public Executor getExecutor() {
        return executor;
    }

    /** {@return the address the server is bound to (still after {@code stop}, as the JDK's), or null before {@code bind}} */
    @Override
    public InetSocketAddress getAddress() {
        return boundAddress;
    }

    /** {@return how many connections are open} */
    public int connectionCount() {
        return connections.size();
    }

    /**
     * {@return the requests in progress, grouped: each connection with its request (method, path,
     * age), then its micro-thread and every micro-thread its handler started, with what each waits on}
     */
    public String dump() {
        StringBuilder sb = new StringBuilder("microthreads-server on ").append(getAddress()).append(": ")
                .append(connections.size()).append(" connection(s)\n");
        int idle = 0;
        for (Connection c : connections) {
            Exchange ex = c.current;
            int phase = c.phase.get();
            if (ex == null || (phase != Connection.HANDLER && phase != Connection.HEAD)) {
                idle++;
                continue;
            }
            sb.append("  request ").append(ex.describe()).append(" from ").append(c.remote())
                    .append(", ").append(TimeUnit.NANOSECONDS.toMillis(ex.ageNanos())).append(" ms, ")
                    .append(c.phaseName()).append('\n');
            MicroThread<?> t = c.thread;
            if (t == null) continue;
            appendThread(sb, t);
            for (MicroThread<?> d : IoLoops.descendants(t)) appendThread(sb, d);
        }
        if (idle > 0) sb.append("  (").append(idle).append(" connection(s) between requests)\n");
        return sb.toString();
    }

    private static void appendThread(StringBuilder sb, MicroThread<?> m) {
        sb.append("    '").append(m.name()).append("' ").append(m.state());
        m.waitingOn().ifPresent(w -> sb.append(": ").append(w));
        sb.append(" [loop '").append(m.loop().name()).append("']\n");
    }

    @Override
    public String toString() {
        return "LoopHttpServer[" + getAddress() + ", " + (config.loops() == 0 ? "shared loop" : config.loops() + " I/O loops") + "]";
    }
}
