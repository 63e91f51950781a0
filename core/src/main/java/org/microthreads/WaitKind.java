package org.microthreads;

import java.time.Duration;

/**
 * What a waiting micro-thread waits for; shown by {@link MicroThread#waitingOn()} and loop dumps
 * as a phrase such as {@code joining micro-thread 'bob'} or {@code sleeping for 30s}.
 */
enum WaitKind {
    JOIN("joining micro-thread "),
    JOIN_ALL("joining "),
    SCOPE("waiting for "),
    AWAIT_STAGE("awaiting CompletionStage "),
    AWAIT_FUTURE("awaiting Future "),
    DEFERRED("awaiting "),
    SLEEP("sleeping for "),
    RUN("running loop "),
    PIPE_TAKE("waiting to take from "),
    PIPE_PUT("waiting to put to "),
    SELECT("selecting to "),
    GENERATOR_ITEM("waiting for the next item of "),
    GENERATOR_DEMAND("waiting for the consumer of "),
    LIMITER("waiting for a permit of "),
    IO("waiting for I/O: ");

    private final String prefix;

    WaitKind(String prefix) {
        this.prefix = prefix;
    }

    String describe(Object target) {
        return prefix + (target instanceof MicroThread<?> m ? m.quotedName()
                : target instanceof Limiter l ? l.describeWait()
                : target instanceof Duration d ? human(d) : target);
    }

    private static final long DAY = 86_400, WEEK = 7 * DAY, YEAR = 365 * DAY;
    /** A mean Gregorian year, in seconds: what "years" counts for long durations. */
    private static final double MEAN_YEAR = 365.2425 * DAY;

    /**
     * 30s, 1.5s, 250ms, 2h: how people write durations. From a week on, in days ({@code 10 days},
     * {@code 10.5 days}); from 365 days on, in (mean Gregorian) years, in words when large
     * ({@code 40 years}, {@code 2.5 thousand years}, {@code 292 billion years}: the longest
     * {@code Duration}).
     */
    static String human(Duration d) {
        long sec = d.getSeconds();
        if (sec >= YEAR) return inWords(sec / MEAN_YEAR, "year");
        if (sec >= WEEK) return oneDecimal((sec + d.getNano() / 1e9) / DAY) + " days";
        long ms = d.toMillis();
        if (ms < 1) return d.toNanos() + "ns";
        if (ms < 1000) return ms + "ms";
        if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0) return ms / 60_000 + "min";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms / 1000.0 + "s";
    }

    /**
     * How a timed wait that gave up says how long it waited: {@code within 100ms}, or for a timeout
     * of zero or less, which does not wait (ADR 0023), {@code at once (timeout 0ns: zero or less does not wait)}.
     */
    static String within(Duration timeout) {
        return timeout.isPositive() ? "within " + human(timeout)
                : "at once (timeout " + (timeout.isZero() ? "0" : timeout.toString()) + ": zero or less does not wait)";
    }

    /** {@code 1 year}, {@code 40 years}, {@code 2.5 thousand years}, {@code 292 billion years}. */
    private static String inWords(double n, String unit) {
        String[] scales = {"", " thousand", " million", " billion", " trillion"};
        int i = 0;
        while (i < scales.length - 1 && Math.round(n * 10) / 10.0 >= 1000) {
            n /= 1000;
            i++;
        }
        String number = oneDecimal(n);
        return number + scales[i] + " " + unit + (number.equals("1") && i == 0 ? "" : "s");
    }

    /** {@code n} with one decimal, without a trailing {@code .0}; whole numbers from 10 on. */
    private static String oneDecimal(double n) {
        if (n >= 10) return Long.toString(Math.round(n));
        long tenths = Math.round(n * 10);
        return tenths % 10 == 0 ? Long.toString(tenths / 10) : tenths / 10 + "." + tenths % 10;
    }
}
