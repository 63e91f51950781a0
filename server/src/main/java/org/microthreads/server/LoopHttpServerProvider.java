package org.microthreads.server;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Makes {@code HttpServer.create(...)} in unchanged code return a {@link LoopHttpServer}. The JDK
 * picks it up by itself when this module is on the class path ({@code META-INF/services}) or the
 * module path ({@code provides}), or when named: {@code
 * -Dcom.sun.net.httpserver.HttpServerProvider=org.microthreads.server.LoopHttpServerProvider}.
 * The servers it makes are configured by the {@code microthreads.server.*} system properties
 * ({@link ServerConfig#fromSystemProperties()}).
 *
 * <p>HTTPS is not supported yet: {@code HttpsServer.create(...)} throws
 * {@link UnsupportedOperationException}.
 */
public final class LoopHttpServerProvider extends HttpServerProvider {
    /** Called by the JDK's provider lookup. */
    public LoopHttpServerProvider() {}

    @Override
    public HttpServer createHttpServer(InetSocketAddress addr, int backlog) throws IOException {
        LoopHttpServer server = new LoopHttpServer(ServerConfig.fromSystemProperties());
        if (addr != null) server.bind(addr, backlog);
        return server;
    }

    /**
     * Not supported yet.
     *
     * @throws UnsupportedOperationException always, saying why
     */
    @Override
    public HttpsServer createHttpsServer(InetSocketAddress addr, int backlog) {
        throw new UnsupportedOperationException("microthreads-server does not serve HTTPS yet (no TLS on I/O loops);"
                + " run HTTPS behind a TLS-terminating proxy, or remove microthreads-server from the class path for"
                + " HttpsServer (the JDK's own provider then serves it)");
    }
}
