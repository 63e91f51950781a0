package org.microthreads.jetty;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.microthreads.FailedException;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * Gives every request a lifetime: the handlers below it (servlets included) run in a micro-thread
 * of its own, named after the request ({@code "GET /orders"}), as a
 * {@linkplain MicroThread#scope scope}, so every micro-thread they start belongs to the request.
 * That tree is cancelled when Jetty reports the request failed, or when its deadline (if any)
 * passes; and the request is done only once all of it has ended.
 *
 * {@snippet :
 * Server server = JettyLoops.install(new Server(8080));
 * server.setHandler(servletContext);                                 // unchanged
 * server.insertHandler(new RequestLifetimeHandler(Duration.ofSeconds(10)));
 * server.start();
 * }
 *
 * <h2>When the tree is cancelled</h2>
 * <ul>
 *   <li><b>Jetty reports the request failed</b> ({@link Request#addFailureListener}): the
 *       connection's idle timeout expires while the handler runs (it neither reads nor writes for
 *       that long), the connection is closed under the request (for instance as the server stops),
 *       or, on HTTP/2 and HTTP/3, the client resets the stream. Jetty calls no failure listener
 *       while the handler is blocked reading the request or writing the response: that read or
 *       write fails instead, in the handler, and if the handler then ends by throwing, the scope
 *       cancels what it started.
 *   <li><b>The deadline passes</b>: the handler is interrupted (stickily, as by
 *       {@link MicroThread#withTimeout}) and what it started is cancelled. If the handler then ends
 *       by throwing, Jetty answers {@code 504 Gateway Timeout} when nothing was sent yet (else it
 *       cuts the response off). A servlet answers from its own error handling instead, since the
 *       servlet container catches what the servlet throws: {@code 500} unless an error page maps
 *       the exception.
 * </ul>
 * A client that disconnects from an HTTP/1.1 connection while the handler neither reads nor writes
 * goes unnoticed by Jetty 12 (it watches the socket only when it reads), so such a request is cut
 * short only by its deadline or the idle timeout, or when it next writes.
 *
 * <h2>Cost</h2>
 * One more micro-thread per request (started and joined on the same loop as Jetty's task) and one
 * failure listener; with a deadline, a timer.
 *
 * <h2>Where it runs</h2>
 * It is meant for a server whose blocking tasks run on micro-threads ({@link JettyLoops}): the
 * request's micro-thread then runs on the loop of Jetty's task, and Jetty's task waits for it. Its
 * {@linkplain #getInvocationType() invocation type} is blocking, so Jetty never calls it from a
 * selector thread. Elsewhere (a plain thread-pool thread) the request's micro-thread runs on the
 * shared loop while that thread waits.
 *
 * <h2>After the handler has returned</h2>
 * A handler that returns has taken charge of its response ({@code true}) or declined the request
 * ({@code false}); what it started may still run, and the request waits for it. If one of those
 * then fails, or the deadline cuts them short, the response is no longer the handler's to change:
 * the failure is logged through {@link System.Logger} {@code "org.microthreads.jetty"} (a failure
 * at {@code ERROR}, a deadline at {@code WARNING}), not lost.
 *
 * <p>Work a handler hands to Jetty to do later (an asynchronous servlet's continuation, a
 * {@code Request.demand} callback) runs in new micro-threads after its handling micro-thread has
 * ended, outside the request's tree.
 */
public class RequestLifetimeHandler extends Handler.Wrapper {
    private static final System.Logger LOG = System.getLogger("org.microthreads.jetty");

    private final Duration deadline;

    /** A lifetime handler without a deadline: the request's tree is cancelled when Jetty reports it failed. */
    public RequestLifetimeHandler() {
        this.deadline = null;
    }

    /**
     * A lifetime handler with a deadline, counted from when the handler below is called.
     *
     * @param deadline how long each request may take, more than zero
     * @throws NullPointerException     if {@code deadline} is null
     * @throws IllegalArgumentException if {@code deadline} is zero or negative
     */
    public RequestLifetimeHandler(Duration deadline) {
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("a request deadline must be more than zero, got " + deadline);
        }
        this.deadline = deadline;
    }

    /** {@return the deadline of each request, if it has one} */
    public Optional<Duration> deadline() {
        return Optional.ofNullable(deadline);
    }

    /** {@return {@code BLOCKING}: it waits for the request's micro-thread} */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Handler next = getHandler();
        if (next == null) return false;
        Lifetime lifetime = new Lifetime();
        request.addFailureListener(lifetime); // before the start: a failure from now on reaches it
        String name = request.getMethod() + " " + request.getHttpURI().getPath();
        MicroThread<Boolean> handling = MicroThread.parallel(name, () -> handleInScope(name, next, request, response, callback));
        lifetime.started(handling);
        try {
            return handling.join();
        } catch (FailedException e) { // what the handler threw: Jetty answers it (500, or the failure's HTTP status)
            if (e.getCause() instanceof Exception x) throw x;
            if (e.getCause() instanceof Error x) throw x;
            throw e;
        } catch (CancellationException e) { // Jetty reported the request failed, and the handler ended of the cancellation
            throw lifetime.failure() instanceof Exception x ? x : e;
        } catch (InterruptedException e) { // Jetty's micro-thread itself was interrupted or cancelled (its loop closing)
            handling.cancel();
            // Jetty fails the response once this throws: not while the handler may still write to it
            handling.toCompletableFuture().handle((value, failure) -> null).join();
            throw e;
        }
    }

    /** The request's micro-thread: the handler below, in a scope (with the deadline, if any). */
    private boolean handleInScope(String name, Handler next, Request request, Response response, Callback callback) throws Exception {
        Boolean[] handled = new Boolean[1]; // written and read by this micro-thread only (a scope's body runs in its caller)
        long start = Loop.current().nanoTime(); // withTimeout counts on the loop's clock
        try {
            return deadline == null
                    ? MicroThread.scope(() -> handled[0] = next.handle(request, response, callback))
                    : MicroThread.withTimeout(deadline, () -> handled[0] = next.handle(request, response, callback));
        } catch (TimeoutException e) {
            if (deadline == null || Loop.current().nanoTime() - start < deadline.toNanos()) throw e; // the handler's own, not the deadline
            if (handled[0] == null) {
                throw new HttpException.RuntimeException(504, "the request's deadline of " + deadline + " passed", e);
            }
            LOG.log(Level.WARNING, "request '" + name + "' was handled, but micro-threads its handler started were still"
                    + " running at its deadline and were cancelled", e);
            return handled[0];
        } catch (FailedException e) {
            if (handled[0] == null) throw e;
            LOG.log(Level.ERROR, "request '" + name + "' was handled, but a micro-thread its handler started then failed", e);
            return handled[0];
        }
    }

    @Override
    public String toString() {
        return String.format("%s@%x{%s, deadline %s}", getClass().getSimpleName(), hashCode(), getState(),
                deadline == null ? "none" : deadline);
    }

    /** Cancels the request's micro-thread when Jetty reports the request failed, even before it was started. */
    private static final class Lifetime implements Consumer<Throwable> {
        private MicroThread<?> handling;
        private Throwable failure;

        synchronized void started(MicroThread<?> m) {
            handling = m;
            if (failure != null) m.cancel();
        }

        synchronized Throwable failure() {
            return failure;
        }

        @Override
        public void accept(Throwable f) {
            MicroThread<?> m;
            synchronized (this) {
                if (failure != null) return;
                failure = f;
                m = handling;
            }
            if (m != null) m.cancel(); // its whole tree
        }
    }
}
