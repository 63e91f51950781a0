package org.microthreads.server;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One request and its response on a {@link Connection}, as {@code com.sun.net.httpserver} code sees
 * it. The response is buffered: {@code sendResponseHeaders} with a length writes nothing yet; the
 * head goes out with the first full buffer of body, a {@code flush()}, or the end of the exchange,
 * so a small response is one write. {@code sendResponseHeaders(code, -1)} (no body) is written at once.
 *
 * <p>Its streams block as the JDK's do; on an I/O loop they must be used by the handler's own
 * micro-thread (another thread gets an {@link IOException} saying so).
 */
final class Exchange extends HttpExchange {
    private final Connection c;
    private final String method;
    private final URI uri;
    private final String protocol;
    private final Headers requestHeaders;
    private final Headers responseHeaders = new Headers();
    final long length;
    final boolean chunked;
    final boolean keepAlive;
    private boolean expectContinue;
    private final long started = System.nanoTime();
    private Context context;
    private int code = -1;
    private boolean headersSent;
    private boolean closeAfter;
    private boolean done;
    private boolean broken;
    private RequestBody requestBody;
    private OutputStream responseBody;
    private InputStream userIn;
    private OutputStream userOut;
    private Map<String, Object> attributes;
    private HttpPrincipal principal;

    Exchange(Connection c, String method, URI uri, String protocol, Headers requestHeaders, long length,
             boolean chunked, boolean keepAlive, boolean expectContinue) {
        this.c = c;
        this.method = method;
        this.uri = uri;
        this.protocol = protocol;
        this.requestHeaders = requestHeaders;
        this.length = length;
        this.chunked = chunked;
        this.keepAlive = keepAlive;
        this.expectContinue = expectContinue;
    }

    String describe() {
        return method + " " + uri.getRawPath();
    }

    long ageNanos() {
        return System.nanoTime() - started;
    }

    // ---- running it ----

    /** Finds the context, runs filters, authenticator and handler, then ends the exchange. */
    void run() throws IOException {
        context = c.server.contextFor(uri.getPath());
        if (context == null || context.getHandler() == null) {
            byte[] msg = "<h1>404 Not Found</h1>No context found for request".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            responseHeaders.set("Content-Type", "text/html");
            sendResponseHeaders(404, msg.length);
            getResponseBody().write(msg);
            close();
            return;
        }
        HttpHandler handler = context.getHandler();
        Authenticator auth = context.getAuthenticator();
        if (auth != null) handler = authenticated(auth, handler);
        List<Filter> filters = context.getFilters();
        if (filters.isEmpty()) {
            handler.handle(this);
        } else {
            new Filter.Chain(filters, handler).doFilter(this);
        }
        if (headersSent && !done) end(); // the handler returned without closing: the exchange ends here
    }

    private HttpHandler authenticated(Authenticator auth, HttpHandler handler) {
        return ex -> {
            Authenticator.Result r = auth.authenticate(ex);
            if (r instanceof Authenticator.Success s) {
                principal = s.getPrincipal();
                handler.handle(ex);
            } else if (r instanceof Authenticator.Failure f) {
                sendResponseHeaders(f.getResponseCode(), -1);
                close();
            } else if (r instanceof Authenticator.Retry rt) {
                sendResponseHeaders(rt.getResponseCode(), -1);
                close();
            } else {
                throw new IOException("authenticator " + auth + " returned " + r);
            }
        };
    }

    boolean finished() {
        return done && !broken;
    }

    boolean keepAliveAfter() {
        return keepAlive && !closeAfter && !broken && !c.server.stopping();
    }

    /**
     * Answers {@code code} in place of a response that failed (the handler threw, returned without
     * a response, or passed its deadline); if bytes of the response already left, the connection is
     * cut instead. {@return false: the connection closes}
     */
    boolean fail(int code) throws IOException, InterruptedException {
        if (c.committed) return false;
        c.discardOutput();
        c.answerEmpty(code, "Connection: close\r\n");
        done = true;
        return false;
    }

    /** Reads and drops what is left of the request body; false: too much, the connection must close. */
    boolean drainRequestBody() throws IOException, InterruptedException {
        RequestBody b = body();
        return b.drain();
    }

    // ---- HttpExchange ----

    @Override
    public Headers getRequestHeaders() {
        return requestHeaders;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return uri;
    }

    @Override
    public String getRequestMethod() {
        return method;
    }

    @Override
    public HttpContext getHttpContext() {
        return context;
    }

    /**
     * Ends the exchange: as the JDK's, never throws; a failure to end it (a body short of its
     * length, a write error) closes the connection after it. Before {@code sendResponseHeaders} it
     * does nothing: the handler's return then answers 500.
     */
    @Override
    public void close() {
        try {
            end();
        } catch (IOException e) {
            java.lang.System.getLogger("org.microthreads.server").log(java.lang.System.Logger.Level.DEBUG,
                    () -> "ending " + describe() + ": " + e);
        }
    }

    /** As {@link #close()}, throwing what went wrong (the response body's {@code close()}). */
    void end() throws IOException {
        if (done || !headersSent) return;
        done = true;
        try {
            if (responseBody instanceof ResponseBody rb) rb.end(); // the real one, once the head is sent
            if (!broken && !body().drain()) closeAfter = true;
            c.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            broken = true;
            throw new InterruptedIOException("interrupted while ending " + describe());
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    @Override
    public InputStream getRequestBody() {
        return userIn != null ? userIn : body();
    }

    private RequestBody body() {
        if (requestBody == null) requestBody = new RequestBody(c, this, chunked, chunked ? 0 : length);
        return requestBody;
    }

    /** Before the first read of the body: the client waits for this to send it. */
    void continueIfExpected() throws IOException, InterruptedException {
        if (!expectContinue) return;
        expectContinue = false;
        if (headersSent) return;
        c.writeAscii("HTTP/1.1 100 Continue\r\n\r\n");
        c.flush();
    }

    @Override
    public OutputStream getResponseBody() {
        if (userOut != null) return userOut;
        if (responseBody == null) responseBody = new ResponseBody.BeforeHead(this);
        return responseBody;
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        if (headersSent) throw new IOException("response headers already sent for " + describe());
        if (rCode < 100 || rCode > 999) throw new IllegalArgumentException("response code must be 100 to 999, not " + rCode);
        if (responseLength < -1) throw new IllegalArgumentException("response length must be -1 (none), 0 (chunked) or positive, not " + responseLength);
        code = rCode;
        headersSent = true;
        boolean head = method.equals("HEAD");
        boolean noBody = responseLength == -1 || rCode == 204 || rCode == 304 || rCode < 200;
        boolean http10 = protocol.equals("HTTP/1.0");
        if (c.server.stopping() || !keepAlive) closeAfter = true;
        try {
            c.writeAscii(statusLine(rCode));
            // one pass over the handler's headers; the framing ones are ours, a Date of its own is kept
            boolean ownDate = false, ownConnection = closeAfter || http10;
            for (Map.Entry<String, List<String>> e : responseHeaders.entrySet()) {
                String k = e.getKey();
                if (k.equalsIgnoreCase("Content-Length") || k.equalsIgnoreCase("Transfer-Encoding")
                        || (ownConnection && k.equalsIgnoreCase("Connection"))) continue;
                if (k.equalsIgnoreCase("Date")) ownDate = true;
                for (String v : e.getValue()) {
                    c.writeAscii(k);
                    c.writeAscii(": ");
                    if (v != null) c.writeAscii(v);
                    c.writeAscii("\r\n");
                }
            }
            if (!ownDate) c.writeDate();
            if (closeAfter) c.writeAscii("Connection: close\r\n");
            else if (http10) c.writeAscii("Connection: keep-alive\r\n");
            ResponseBody body;
            if (noBody) {
                if (rCode >= 200 && rCode != 204 && rCode != 304) c.writeAscii("Content-Length: 0\r\n");
                body = new ResponseBody.None(this, head);
            } else if (responseLength > 0) {
                c.writeAscii("Content-Length: ");
                c.writeAscii(Long.toString(responseLength));
                c.writeAscii("\r\n");
                body = head ? new ResponseBody.None(this, true) : new ResponseBody.Fixed(c, this, responseLength);
            } else if (http10) {
                closeAfter = true;
                body = head ? new ResponseBody.None(this, true) : new ResponseBody.Raw(c, this);
            } else {
                c.writeAscii("Transfer-Encoding: chunked\r\n");
                body = head ? new ResponseBody.None(this, true) : new ResponseBody.Chunked(c, this);
            }
            c.writeAscii("\r\n");
            if (responseBody instanceof ResponseBody.BeforeHead before) before.target = body;
            responseBody = body;
            if (noBody && rCode >= 200) c.flush(); // nothing else is coming: the client gets it now
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            broken = true;
            throw new InterruptedIOException("interrupted while sending the response head of " + describe());
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    /** {@return the status line of {@code code}, with its CRLF} */
    static String statusLine(int code) {
        return switch (code) { // literals: no string built per response
            case 100 -> "HTTP/1.1 100 Continue\r\n";
            case 200 -> "HTTP/1.1 200 OK\r\n";
            case 201 -> "HTTP/1.1 201 Created\r\n";
            case 202 -> "HTTP/1.1 202 Accepted\r\n";
            case 204 -> "HTTP/1.1 204 No Content\r\n";
            case 301 -> "HTTP/1.1 301 Moved Permanently\r\n";
            case 302 -> "HTTP/1.1 302 Found\r\n";
            case 304 -> "HTTP/1.1 304 Not Modified\r\n";
            case 400 -> "HTTP/1.1 400 Bad Request\r\n";
            case 401 -> "HTTP/1.1 401 Unauthorized\r\n";
            case 403 -> "HTTP/1.1 403 Forbidden\r\n";
            case 404 -> "HTTP/1.1 404 Not Found\r\n";
            case 405 -> "HTTP/1.1 405 Method Not Allowed\r\n";
            case 409 -> "HTTP/1.1 409 Conflict\r\n";
            case 413 -> "HTTP/1.1 413 Content Too Large\r\n";
            case 429 -> "HTTP/1.1 429 Too Many Requests\r\n";
            case 431 -> "HTTP/1.1 431 Request Header Fields Too Large\r\n";
            case 500 -> "HTTP/1.1 500 Internal Server Error\r\n";
            case 501 -> "HTTP/1.1 501 Not Implemented\r\n";
            case 502 -> "HTTP/1.1 502 Bad Gateway\r\n";
            case 503 -> "HTTP/1.1 503 Service Unavailable\r\n";
            case 504 -> "HTTP/1.1 504 Gateway Timeout\r\n";
            case 505 -> "HTTP/1.1 505 HTTP Version Not Supported\r\n";
            default -> "HTTP/1.1 " + code + " \r\n";
        };
    }

    void markBroken() {
        broken = true;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return c.remote();
    }

    @Override
    public int getResponseCode() {
        return code;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return c.local();
    }

    @Override
    public String getProtocol() {
        return protocol;
    }

    @Override
    public Object getAttribute(String name) {
        return attributes == null ? null : attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (attributes == null) attributes = new HashMap<>();
        if (value == null) attributes.remove(name); else attributes.put(name, value);
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        if (i != null) userIn = i;
        if (o != null) userOut = o;
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return principal;
    }

    @Override
    public String toString() {
        return describe();
    }
}
