/**
 * The server benchmark harness of issue 17 (see bench/README.md, "HTTP servers (issue 17)"): the peer servers,
 * each a {@code main} run in its own JVM by {@code bench/http-run} ({@link org.microthreads.bench.http.JdkApiServer},
 * which is also ours with the {@code HttpServerProvider} property, {@link org.microthreads.bench.http.NettyServer},
 * {@link org.microthreads.bench.http.HelidonServer}, {@link org.microthreads.bench.http.JettyServer}); the
 * open-loop load client ({@link org.microthreads.bench.http.OpenLoopClient}); the idle-connection holder
 * ({@link org.microthreads.bench.http.IdleConnections}); and a correctness check of the endpoints
 * ({@link org.microthreads.bench.http.Check}).
 *
 * <p>The scenarios of issue 17's robustness goals: a slowloris attack
 * ({@link org.microthreads.bench.http.SlowClient}), a connection flood ({@link org.microthreads.bench.http.FloodClient}),
 * overload at twice the capacity of the CPU-bound {@code /work?us=N} endpoint ({@code OpenLoopClient --shed-ok}: 503s
 * counted and timed apart from the 200s), and graceful shutdown under load
 * ({@link org.microthreads.bench.http.ShutdownLoad}: server and clients in one JVM, ours or the JDK's server). bench/http-run
 * runs them as the points {@code slowloris}, {@code flood}, {@code overload} and {@code shutdown}.
 */
package org.microthreads.bench.http;
