package org.microthreads.server;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;

/**
 * What the connections of one loop share: the {@code Date} header of the current second, and a pool
 * of I/O buffers so an idle connection holds none. On an I/O loop only its carrier touches it (one
 * micro-thread at a time); on the shared loop the pool is off and the date is written racily
 * (any of two equal values wins).
 */
final class LoopState {
    static final int BUFFER = 8 * 1024;
    private static final int POOLED = 1024;

    private final boolean pooled;
    private final ArrayDeque<byte[]> pool = new ArrayDeque<>();
    private volatile DateLine date = new DateLine(-1, null);

    private record DateLine(long second, byte[] bytes) {}

    LoopState(boolean confined) {
        this.pooled = confined;
    }

    /** {@return a buffer of {@link #BUFFER} bytes} */
    byte[] take() {
        byte[] b = pooled ? pool.pollLast() : null;
        return b != null ? b : new byte[BUFFER];
    }

    /** Gives back a buffer {@link #take()} gave (others are dropped). */
    void give(byte[] b) {
        if (pooled && b.length == BUFFER && pool.size() < POOLED) pool.addLast(b);
    }

    /** {@return "Date: ...\r\n" for the current second} */
    byte[] dateLine() {
        long now = System.currentTimeMillis() / 1000;
        DateLine d = date;
        if (d.second != now) {
            String text = "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(
                    ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(now), ZoneOffset.UTC)) + "\r\n";
            d = new DateLine(now, text.getBytes(StandardCharsets.US_ASCII));
            date = d;
        }
        return d.bytes;
    }
}
