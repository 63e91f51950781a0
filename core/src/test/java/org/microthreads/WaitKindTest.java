package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** How dumps and timeout messages write durations ({@link WaitKind#human}). */
class WaitKindTest {
    private static final Duration MAX = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);

    @Test
    void ordinaryDurationsAreWrittenAsPeopleWriteThem() {
        assertThat(WaitKind.human(Duration.ofNanos(500))).isEqualTo("500ns");
        assertThat(WaitKind.human(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(WaitKind.human(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(WaitKind.human(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(WaitKind.human(Duration.ofMinutes(90))).isEqualTo("90min");
        assertThat(WaitKind.human(Duration.ofHours(1))).isEqualTo("1h");
        assertThat(WaitKind.human(Duration.ofHours(48))).isEqualTo("48h");
        assertThat(WaitKind.human(Duration.ofDays(6).plusSeconds(1))).isEqualTo("518401s");
    }

    @Test
    void hugeDurationsAreWrittenInDaysOrYearsNotIsoForm() {
        assertThat(WaitKind.human(Duration.ofDays(10))).isEqualTo("10 days");
        assertThat(WaitKind.human(Duration.ofDays(8).plusHours(12))).isEqualTo("8.5 days");
        assertThat(WaitKind.human(Duration.ofDays(365))).isEqualTo("1 year");
        assertThat(WaitKind.human(ChronoUnit.YEARS.getDuration().multipliedBy(40))).isEqualTo("40 years");
        assertThat(WaitKind.human(ChronoUnit.YEARS.getDuration().multipliedBy(2_500))).isEqualTo("2.5 thousand years");
        assertThat(WaitKind.human(ChronoUnit.YEARS.getDuration().multipliedBy(7_000_000))).isEqualTo("7 million years");
        assertThat(WaitKind.human(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo("292 billion years");
        assertThat(WaitKind.human(MAX)).isEqualTo("292 billion years");
        assertThat(WaitKind.human(ChronoUnit.FOREVER.getDuration())).isEqualTo("292 billion years");
    }

    @Test
    void waitingOnAHugeSleepAndTimeoutMessagesSayItInWords() throws Exception {
        try (Loop loop = Loop.singleCarrier("huge")) {
            String waiting = loop.run(() -> {
                MicroThread<Void> sleeper = MicroThread.parallel("sleeper", () -> {
                    MicroThread.sleep(MAX);
                    return null;
                });
                MicroThread.yieldNow(); // one carrier: the sleeper has run up to its sleep
                String w = sleeper.waitingOn().orElseThrow();
                assertThatThrownBy(() -> sleeper.join(Duration.ofNanos(1))).isInstanceOf(TimeoutException.class)
                        .hasMessage("micro-thread 'sleeper' did not end within 1ns");
                sleeper.cancel();
                assertThatThrownBy(sleeper::join).isInstanceOf(CancellationException.class);
                return w;
            });
            assertThat(waiting).isEqualTo("sleeping for 292 billion years");
        }
    }
}
