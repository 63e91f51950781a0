/**
 * The server benchmark harness of issue 17 (see bench/README.md, "HTTP servers (issue 17)"): the peer servers,
 * each a {@code main} run in its own JVM by {@code bench/http-run} ({@link org.microthreads.bench.http.JdkApiServer},
 * which is also ours with the {@code HttpServerProvider} property, {@link org.microthreads.bench.http.NettyServer},
 * {@link org.microthreads.bench.http.HelidonServer}, {@link org.microthreads.bench.http.JettyServer}); the
 * open-loop load client ({@link org.microthreads.bench.http.OpenLoopClient}); the idle-connection holder
 * ({@link org.microthreads.bench.http.IdleConnections}); and a correctness check of the endpoints
 * ({@link org.microthreads.bench.http.Check}).
 */
package org.microthreads.bench.http;
