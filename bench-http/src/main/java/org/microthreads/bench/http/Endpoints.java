package org.microthreads.bench.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What every peer server answers, the same bytes everywhere (TechEmpower's plaintext and JSON tests):
 * {@code GET /plaintext} is "Hello, World!" as {@code text/plain}; {@code GET /json} is
 * {@code {"message":"Hello, World!"}}, serialized per request with Jackson; {@code GET /slow?ms=N} answers
 * "slept N ms" after N ms; {@code GET /work?us=N} answers "worked N us" after N microseconds of CPU
 * busy-work in the handler (no sleep: capacity is CPU-bound, about 10^6 / N requests per second on one core).
 * Every response carries {@code Content-Length}, {@code Server} and {@code Date}.
 */
public final class Endpoints {
    private Endpoints() {}

    /** The plaintext body. */
    public static final byte[] PLAINTEXT = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    /** Content types of the two bodies. */
    public static final String TEXT_PLAIN = "text/plain";
    /** Content type of the JSON body. */
    public static final String APPLICATION_JSON = "application/json";
    /** The longest sleep {@code /slow} accepts. */
    public static final int MAX_SLOW_MS = 60_000;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The JSON endpoint's object. */
    public record Message(String message) {}

    /** {@code {"message":"Hello, World!"}}, serialized now (per request, as TechEmpower's rules ask). */
    public static byte[] json() {
        try {
            return MAPPER.writeValueAsBytes(new Message("Hello, World!"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("Jackson could not serialize a one-field record", e);
        }
    }

    /**
     * The sleep of {@code /slow?ms=N}: N from the query string (null or without {@code ms}: 0).
     *
     * @throws IllegalArgumentException if N is not an integer in 0..{@value #MAX_SLOW_MS} (the servers answer 400)
     */
    public static int slowMillis(String query) {
        return intParameter(query, "/slow", "ms", MAX_SLOW_MS);
    }

    /** The value of {@code name=N} in {@code query} (null or absent: 0), an integer in 0..max, for endpoint {@code path}. */
    private static int intParameter(String query, String path, String name, int max) {
        if (query == null) return 0;
        for (String part : query.split("&")) {
            if (part.startsWith(name + "=")) {
                String v = part.substring(name.length() + 1);
                int n;
                try {
                    n = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(path + ": " + name + "=" + v + " is not an integer");
                }
                if (n < 0 || n > max) throw new IllegalArgumentException(path + ": " + name + "=" + n + " is not in 0.." + max);
                return n;
            }
        }
        return 0;
    }

    /** The longest busy-work {@code /work} accepts, in microseconds. */
    public static final int MAX_WORK_US = 1_000_000;

    /**
     * The busy-work of {@code /work?us=N}: N from the query string (null or without {@code us}: 0).
     *
     * @throws IllegalArgumentException if N is not an integer in 0..{@value #MAX_WORK_US} (the servers answer 400)
     */
    public static int workMicros(String query) {
        return intParameter(query, "/work", "us", MAX_WORK_US);
    }

    /** Keeps the calling thread busy on the CPU for {@code us} microseconds (never sleeps nor yields). */
    public static void busy(int us) {
        long end = System.nanoTime() + us * 1_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    /** Does {@code /work}'s busy-work, then returns its body. */
    public static byte[] work(int us) {
        busy(us);
        return ("worked " + us + " us").getBytes(StandardCharsets.US_ASCII);
    }

    /** The body of {@code /slow} after {@code ms} milliseconds. */
    public static byte[] slowBody(int ms) {
        return ("slept " + ms + " ms").getBytes(StandardCharsets.US_ASCII);
    }

    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    private record Stamp(long second, String value) {}

    private static volatile Stamp date = new Stamp(-1, "");

    /**
     * The {@code Date} header's value, formatted at most once a second (every server here does the same,
     * so none pays a per-request date format the others do not).
     */
    public static String date() {
        long now = System.currentTimeMillis() / 1000;
        Stamp d = date;
        if (d.second() != now) {
            d = new Stamp(now, HTTP_DATE.format(Instant.ofEpochSecond(now)));
            date = d;
        }
        return d.value();
    }

    /** Reads {@code --name value} from {@code args}, or {@code fallback}. */
    static String option(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name)) {
                if (i + 1 == args.length) throw new IllegalArgumentException(name + " needs a value");
                return args[i + 1];
            }
        }
        return fallback;
    }

    /**
     * {@code --name N} as a number, or {@code fallback} (null: the option is required).
     *
     * @throws IllegalArgumentException naming the option if it is missing or not a number
     */
    static double number(String[] args, String name, String fallback) {
        String v = option(args, name, fallback);
        if (v == null) throw new IllegalArgumentException(name + " is required");
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " " + v + " is not a number");
        }
    }

    /** {@code --port P} (default 8080), checked. */
    static int port(String[] args) {
        String p = option(args, "--port", "8080");
        int port;
        try {
            port = Integer.parseInt(p);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--port " + p + " is not a number");
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port " + p + " is not in 0..65535");
        return port;
    }

    /** The backlog every server asks for (the kernel caps it at net.core.somaxconn). */
    static final int BACKLOG = 4096;

    /**
     * The readiness line bench/http-run waits for: {@code LISTENING <port> <what serves it>}.
     */
    static void listening(int port, String what) {
        System.out.println("LISTENING " + port + " " + what);
        System.out.flush();
    }

    /** Exit code of a configuration that is not in this build (bench/http-run skips it with the line printed). */
    static final int UNAVAILABLE = 3;

    /** Prints {@code UNAVAILABLE: why} and exits with {@link #UNAVAILABLE}. */
    static void unavailable(String why) {
        System.out.println("UNAVAILABLE: " + why);
        System.out.flush();
        System.exit(UNAVAILABLE);
    }
}
