/**
 * microthreads-server: unchanged {@code com.sun.net.httpserver} handlers served on I/O loops,
 * every connection a micro-thread. Unchanged code that calls {@code HttpServer.create(...)} gets
 * {@link org.microthreads.server.LoopHttpServer} when this module is present (the JDK's
 * {@link com.sun.net.httpserver.spi.HttpServerProvider} mechanism); see
 * {@link org.microthreads.server.LoopHttpServerProvider}.
 *
 * <p>On the module path the flags the library needs name the core module:
 * {@code --add-opens java.base/java.lang=org.microthreads} and
 * {@code --add-exports java.base/jdk.internal.vm=org.microthreads}.
 */
module org.microthreads.server {
    requires transitive org.microthreads;
    requires transitive jdk.httpserver;

    exports org.microthreads.server;

    provides com.sun.net.httpserver.spi.HttpServerProvider with org.microthreads.server.LoopHttpServerProvider;
}
