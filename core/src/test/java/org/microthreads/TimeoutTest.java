package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** withTimeout and sleep on the loop's clock. */
class TimeoutTest {

    @Test
    void aBodyThatOverrunsGetsTimeoutException() throws Exception {
        try (Loop loop = Loop.singleCarrier("timeout")) {
            Throwable t = loop.run(() -> {
                try {
                    MicroThread.withTimeout(Duration.ofMillis(20), () -> {
                        new Deferred<Void>().await();
                        return "unreachable";
                    });
                    return null;
                } catch (TimeoutException e) {
                    assertThat(Thread.currentThread().isInterrupted()).isFalse(); // nothing leaks
                    assertThat(MicroThread.current().isCancelled()).isFalse();
                    MicroThread.sleep(Duration.ofMillis(1)); // and later waits work
                    return e;
                }
            });
            assertThat(t).isInstanceOf(TimeoutException.class).hasMessageContaining("timed out after 20ms")
                    .cause().isInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void aFastBodyReturnsItsValueAndItsCheckedExceptionsPassThrough() throws Exception {
        assertThat(MicroThread.withTimeout(Duration.ofSeconds(10), () -> 42)).isEqualTo(42);
        assertThatThrownBy(() -> MicroThread.withTimeout(Duration.ofSeconds(10), () -> {
            throw new IOException("own failure");
        })).isInstanceOf(IOException.class).hasMessage("own failure");
    }

    @Test
    void timeoutIsStickyInsideTheBody() throws Exception {
        try (Loop loop = Loop.singleCarrier("sticky-timeout")) {
            String v = loop.run(() -> {
                try {
                    return MicroThread.withTimeout(Duration.ofMillis(10), () -> {
                        try {
                            MicroThread.sleep(Duration.ofHours(1));
                        } catch (InterruptedException swallowed) {
                            // a careless body
                        }
                        MicroThread.sleep(Duration.ofHours(1)); // must throw at once
                        return "unreachable";
                    });
                } catch (TimeoutException e) {
                    return "timed out";
                }
            });
            assertThat(v).isEqualTo("timed out");
        }
    }

    @Test
    void aBodyThatReturnsAfterTheDeadlineKeepsItsValue() throws Exception {
        String v = MicroThread.parallel(() -> MicroThread.withTimeout(Duration.ofMillis(5), () -> {
            try {
                MicroThread.sleep(Duration.ofHours(1));
            } catch (InterruptedException e) {
                return "finished anyway";
            }
            return "slept";
        })).join();
        assertThat(v).isEqualTo("finished anyway");
    }

    @Test
    void nestedTimeoutsReportTheExpiredOne() throws Exception {
        String v = MicroThread.parallel(() -> {
            try {
                return MicroThread.withTimeout(Duration.ofHours(1), () -> {
                    try {
                        return MicroThread.withTimeout(Duration.ofMillis(10), () -> {
                            MicroThread.sleep(Duration.ofHours(1));
                            return "inner";
                        });
                    } catch (TimeoutException inner) {
                        MicroThread.sleep(Duration.ofMillis(1)); // the outer scope is still fine
                        return "inner timed out";
                    }
                });
            } catch (TimeoutException outer) {
                return "outer timed out";
            }
        }).join();
        assertThat(v).isEqualTo("inner timed out");

        String w = MicroThread.parallel(() -> {
            try {
                return MicroThread.withTimeout(Duration.ofMillis(10), () -> {
                    try {
                        return MicroThread.withTimeout(Duration.ofHours(1), () -> {
                            MicroThread.sleep(Duration.ofHours(1));
                            return "inner";
                        });
                    } catch (TimeoutException inner) {
                        return "inner reported the outer's timeout";
                    }
                });
            } catch (TimeoutException outer) {
                return "outer timed out";
            }
        }).join();
        assertThat(w).isEqualTo("outer timed out");
    }

    @Test
    void worksOnPlatformThreadsToo() {
        assertThatThrownBy(() -> MicroThread.withTimeout(Duration.ofMillis(10), () -> {
            MicroThread.sleep(Duration.ofHours(1));
            return null;
        })).isInstanceOf(TimeoutException.class);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void sleepSleepsAtLeastTheDuration() throws Exception {
        long t0 = System.nanoTime();
        MicroThread.parallel(() -> {
            MicroThread.sleep(Duration.ofMillis(30));
            return null;
        }).join();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(30).toNanos());
    }
}
