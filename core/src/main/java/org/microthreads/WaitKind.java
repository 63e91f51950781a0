package org.microthreads;

import java.time.Duration;

/**
 * What a waiting micro-thread waits for; shown by {@link MicroThread#waitingOn()} and loop dumps
 * as a phrase such as {@code joining micro-thread 'bob'} or {@code sleeping for 30s}.
 */
enum WaitKind {
    JOIN("joining micro-thread "),
    JOIN_ALL("joining "),
    AWAIT_STAGE("awaiting CompletionStage "),
    AWAIT_FUTURE("awaiting Future "),
    DEFERRED("awaiting "),
    SLEEP("sleeping for "),
    RUN("running loop "),
    PIPE_TAKE("waiting to take from "),
    PIPE_PUT("waiting to put to "),
    SELECT("selecting to "),
    GENERATOR_ITEM("waiting for the next item of "),
    GENERATOR_DEMAND("waiting for the consumer of ");

    private final String prefix;

    WaitKind(String prefix) {
        this.prefix = prefix;
    }

    String describe(Object target) {
        return prefix + (target instanceof MicroThread<?> m ? "'" + m.name() + "'"
                : target instanceof Duration d ? human(d) : target);
    }

    /** 30s, 1.5s, 250ms, 2h: how people write durations. */
    static String human(Duration d) {
        if (d.getSeconds() > 1_000_000_000L) return d.toString(); // beyond toMillis()
        long ms = d.toMillis();
        if (ms < 1) return d.toNanos() + "ns";
        if (ms < 1000) return ms + "ms";
        if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0) return ms / 60_000 + "min";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms / 1000.0 + "s";
    }
}
