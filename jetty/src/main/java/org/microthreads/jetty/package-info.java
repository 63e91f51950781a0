/**
 * Jetty 12 on micro-threads: {@link org.microthreads.jetty.JettyLoops#install(org.eclipse.jetty.server.Server)}
 * puts an unchanged server's blocking work on one single-carrier loop per core;
 * {@link org.microthreads.jetty.MicroThreadExecutor} is the executor behind it (usable on its own);
 * {@link org.microthreads.jetty.RequestLifetimeHandler} makes each request a scope that is
 * cancelled when Jetty reports it failed or its deadline passes.
 */
package org.microthreads.jetty;
