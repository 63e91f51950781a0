/**
 * microthreads-jetty: an unchanged Jetty 12 server (servlets included) whose blocking work, every
 * request's handling, runs as micro-threads of single-carrier loops or of the shared loop. Start
 * with {@link org.microthreads.jetty.JettyLoops}; {@link org.microthreads.jetty.MicroThreadExecutor}
 * is the executor it installs, and {@link org.microthreads.jetty.RequestLifetimeHandler} gives each
 * request a cancellable tree and a deadline.
 *
 * <p>On the module path the flags the library needs name the core module:
 * {@code --add-opens java.base/java.lang=org.microthreads} and
 * {@code --add-exports java.base/jdk.internal.vm=org.microthreads}.
 */
module org.microthreads.jetty {
    requires transitive org.microthreads;
    requires transitive org.eclipse.jetty.server;

    exports org.microthreads.jetty;
}
