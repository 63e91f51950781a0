package org.microthreads.server;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * How a {@link LoopHttpServer} runs: its loops, limits and timeouts. Immutable; each {@code with...}
 * method returns a changed copy. {@link #defaults()} are the values below;
 * {@link #fromSystemProperties()} reads {@code microthreads.server.*} over them (what
 * {@link LoopHttpServerProvider} uses, so unchanged code is configured from the command line).
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>setting</th><th>system property</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@link #loops()}</td><td>{@code microthreads.server.loops}</td><td>number of cores</td>
 *     <td>I/O loops (thread-per-core: each connection stays on one loop); 0: the shared loop (the
 *     JDK's virtual-thread scheduler, blocking channels)</td></tr>
 * <tr><td>{@link #maxConcurrentRequests()}</td><td>{@code .maxConcurrentRequests}</td><td>0 (no limit)</td>
 *     <td>requests in handlers at once; beyond it a request is answered 503 with {@code Retry-After} at once</td></tr>
 * <tr><td>{@link #shedAfter()}</td><td>{@code .shedAfter}</td><td>none</td>
 *     <td>a request its I/O loop could not start within this time of its bytes' arrival (the loop
 *     busy with other work) is answered 503 with {@code Retry-After} at once: CPU-bound overload,
 *     which {@code maxConcurrentRequests} cannot see (a handler that never parks is never concurrent
 *     with another on its loop); I/O loops only</td></tr>
 * <tr><td>{@link #maxConnections()}</td><td>{@code .maxConnections}</td><td>0 (no limit)</td>
 *     <td>open connections; beyond it a new connection is closed as soon as accepted</td></tr>
 * <tr><td>{@link #headerTimeout()}</td><td>{@code .headerTimeout}</td><td>10s</td>
 *     <td>from a connection's accept (or a request's first byte) to the end of the request's head;
 *     then the connection is closed (slowloris)</td></tr>
 * <tr><td>{@link #idleTimeout()}</td><td>{@code .idleTimeout}</td><td>60s</td>
 *     <td>how long a keep-alive connection may wait for its next request</td></tr>
 * <tr><td>{@link #requestTimeout()}</td><td>{@code .requestTimeout}</td><td>none</td>
 *     <td>a request's deadline: its handler and every micro-thread it started are cancelled, and the
 *     client gets 504 if the response has not started (else the connection is cut)</td></tr>
 * <tr><td>{@link #maxHeaderBytes()}</td><td>{@code .maxHeaderBytes}</td><td>16384</td>
 *     <td>a request's head (request line and headers); beyond it: 431 and close</td></tr>
 * </table>
 *
 * <p>Durations are written {@code 500us}, {@code 500ms}, {@code 10s}, {@code 2m}, or ISO-8601 ({@code PT10S});
 * {@code 0} or {@code none} means "no timeout". Bad values are refused with the property's name.
 *
 * @param loops                 I/O loops, 0 for the shared loop
 * @param maxConcurrentRequests 0 for no limit
 * @param maxConnections        0 for no limit
 * @param headerTimeout         null for none
 * @param idleTimeout           null for none
 * @param requestTimeout        null for none
 * @param maxHeaderBytes        at least 256
 * @param shedAfter             null for none; needs I/O loops ({@code loops} at least 1)
 */
public record ServerConfig(int loops, int maxConcurrentRequests, int maxConnections, Duration headerTimeout,
                           Duration idleTimeout, Duration requestTimeout, int maxHeaderBytes, Duration shedAfter) {

    /** The prefix of the system properties {@link #fromSystemProperties()} reads. */
    public static final String PREFIX = "microthreads.server.";

    /**
     * Checks every value.
     *
     * @throws IllegalArgumentException naming the value that is wrong
     */
    public ServerConfig {
        if (loops < 0) throw new IllegalArgumentException("loops must be 0 (the shared loop) or more, not " + loops);
        if (maxConcurrentRequests < 0) {
            throw new IllegalArgumentException("maxConcurrentRequests must be 0 (no limit) or more, not " + maxConcurrentRequests);
        }
        if (maxConnections < 0) throw new IllegalArgumentException("maxConnections must be 0 (no limit) or more, not " + maxConnections);
        headerTimeout = positiveOrNull(headerTimeout, "headerTimeout");
        idleTimeout = positiveOrNull(idleTimeout, "idleTimeout");
        requestTimeout = positiveOrNull(requestTimeout, "requestTimeout");
        if (maxHeaderBytes < 256) throw new IllegalArgumentException("maxHeaderBytes must be at least 256, not " + maxHeaderBytes);
        shedAfter = positiveOrNull(shedAfter, "shedAfter");
        if (shedAfter != null && loops == 0) {
            throw new IllegalArgumentException("shedAfter needs I/O loops (loops 1 or more): on the shared loop (loops 0) a request's"
                    + " wait for a carrier is not seen; use maxConcurrentRequests there");
        }
    }

    private static Duration positiveOrNull(Duration d, String what) {
        if (d == null || d.isZero()) return null;
        if (d.isNegative()) throw new IllegalArgumentException(what + " must be positive (or zero/null: none), not " + d);
        return d;
    }

    /** {@return the defaults (see the class comment)} */
    public static ServerConfig defaults() {
        return new ServerConfig(Runtime.getRuntime().availableProcessors(), 0, 0, Duration.ofSeconds(10),
                Duration.ofSeconds(60), null, 16 * 1024, null);
    }

    /**
     * {@return the defaults with the {@code microthreads.server.*} system properties applied}
     *
     * @throws IllegalArgumentException naming the property whose value is wrong
     */
    public static ServerConfig fromSystemProperties() {
        ServerConfig d = defaults();
        return new ServerConfig(intProperty("loops", d.loops), intProperty("maxConcurrentRequests", d.maxConcurrentRequests),
                intProperty("maxConnections", d.maxConnections), durationProperty("headerTimeout", d.headerTimeout),
                durationProperty("idleTimeout", d.idleTimeout), durationProperty("requestTimeout", d.requestTimeout),
                intProperty("maxHeaderBytes", d.maxHeaderBytes), durationProperty("shedAfter", d.shedAfter));
    }

    private static int intProperty(String name, int dflt) {
        String v = System.getProperty(PREFIX + name);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + PREFIX + name + " must be a whole number, not '" + v + "'");
        }
    }

    private static Duration durationProperty(String name, Duration dflt) {
        String v = System.getProperty(PREFIX + name);
        if (v == null) return dflt;
        try {
            return parseDuration(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("system property " + PREFIX + name + ": " + e.getMessage());
        }
    }

    /**
     * Parses {@code 500us}, {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code PT10S}, {@code 0} or {@code none}.
     *
     * @param text the duration
     * @return it, or null for {@code 0}/{@code none}
     * @throws IllegalArgumentException if it is none of those
     */
    public static Duration parseDuration(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("none") || t.equals("0")) return null;
        try {
            if (t.startsWith("pt") || t.startsWith("p")) return Duration.parse(text.strip());
            if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            if (t.endsWith("us")) return Duration.of(Long.parseLong(t.substring(0, t.length() - 2)), ChronoUnit.MICROS);
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException();
            };
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException | ArithmeticException e) {
            throw new IllegalArgumentException("a duration is written 500us, 500ms, 10s, 2m, 1h, PT10S, 0 or none, not '" + text + "'");
        }
    }

    /**
     * {@return a copy with this setting}
     *
     * @param n I/O loops (0: the shared loop)
     */
    public ServerConfig withLoops(int n) {
        return new ServerConfig(n, maxConcurrentRequests, maxConnections, headerTimeout, idleTimeout, requestTimeout, maxHeaderBytes, shedAfter);
    }

    /**
     * {@return a copy with this setting}
     *
     * @param n the limit (0: none)
     */
    public ServerConfig withMaxConcurrentRequests(int n) {
        return new ServerConfig(loops, n, maxConnections, headerTimeout, idleTimeout, requestTimeout, maxHeaderBytes, shedAfter);
    }

    /**
     * {@return a copy with this setting}
     *
     * @param n the limit (0: none)
     */
    public ServerConfig withMaxConnections(int n) {
        return new ServerConfig(loops, maxConcurrentRequests, n, headerTimeout, idleTimeout, requestTimeout, maxHeaderBytes, shedAfter);
    }

    /**
     * {@return a copy with this setting}
     *
     * @param d the timeout (null or zero: none)
     */
    public ServerConfig withHeaderTimeout(Duration d) {
        return new ServerConfig(loops, maxConcurrentRequests, maxConnections, d, idleTimeout, requestTimeout, maxHeaderBytes, shedAfter);
    }

    /**
     * {@return a copy with this setting}
     *
     * @param d the timeout (null or zero: none)
     */
    public ServerConfig withIdleTimeout(Duration d) {
        return new ServerConfig(loops, maxConcurrentRequests, maxConnections, headerTimeout, d, requestTimeout, maxHeaderBytes, shedAfter);
    }

    /**
     * {@return a copy with this setting}
     *
     * @param d the deadline of every request (null or zero: none)
     */
    public ServerConfig withRequestTimeout(Duration d) {
        return new ServerConfig(loops, maxConcurrentRequests, maxConnections, headerTimeout, idleTimeout, d, maxHeaderBytes, shedAfter);
    }

    /**
     * {@return a copy with this setting}
     *
     * @param n the limit (at least 256)
     */
    public ServerConfig withMaxHeaderBytes(int n) {
        return new ServerConfig(loops, maxConcurrentRequests, maxConnections, headerTimeout, idleTimeout, requestTimeout, n, shedAfter);
    }

    /**
     * {@return a copy with this setting}
     *
     * @param d how long a request may wait for its loop before it is shed with 503 (null or zero: never)
     * @throws IllegalArgumentException if this configuration uses the shared loop ({@code loops} 0)
     */
    public ServerConfig withShedAfter(Duration d) {
        return new ServerConfig(loops, maxConcurrentRequests, maxConnections, headerTimeout, idleTimeout, requestTimeout, maxHeaderBytes, d);
    }
}
