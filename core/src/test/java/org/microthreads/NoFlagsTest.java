package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.microthreads.internal.JdkInternals;

/**
 * The flag-free paths. Run with the flags in the normal build and without them by
 * {@code ./mt test-noflags} (and CI): the shared loop, deferreds and timeouts work either way;
 * single-carrier and host loops fail at creation with a message naming the exact flag.
 */
@Tag("noflags")
class NoFlagsTest {

    private static boolean flagGiven() {
        // ./mt test-noflags (and CI) runs this class without the flags and with this property
        return !Boolean.getBoolean("microthreads.test.noflags");
    }

    @Test
    void singleCarrierLoopsNeedTheFlagAndSayWhichOne() throws Exception {
        if (flagGiven()) {
            assertThat(JdkInternals.customSchedulersAvailable()).isTrue();
            try (Loop loop = Loop.singleCarrier("with-flag")) {
                assertThat(loop.run(() -> 1)).isEqualTo(1);
            }
        } else {
            assertThat(JdkInternals.customSchedulersAvailable()).isFalse();
            assertThatThrownBy(() -> Loop.singleCarrier("no-flag"))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("--add-opens java.base/java.lang=ALL-UNNAMED");
        }
    }

    @Test
    void hostLoopsNeedTheContinuationFlagAndSayWhichOne() throws Exception {
        if (flagGiven()) {
            assertThat(JdkInternals.continuationsAvailable()).isTrue();
            java.util.concurrent.ExecutorService host = java.util.concurrent.Executors.newSingleThreadExecutor();
            try (Loop loop = Loop.onHost("with-flag", host)) {
                assertThat(loop.run(() -> Thread.currentThread().isVirtual())).isFalse();
            } finally {
                host.shutdown();
            }
        } else {
            assertThat(JdkInternals.continuationsAvailable()).isFalse();
            assertThatThrownBy(() -> Loop.onHost("no-flag", Runnable::run))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("--add-exports java.base/jdk.internal.vm=ALL-UNNAMED");
        }
    }

    @Test
    void theSharedLoopNeedsNoFlag() throws Exception {
        assertThat(Loop.shared().run(() -> {
            MicroThread<Integer> a = MicroThread.parallel(() -> 20);
            MicroThread.startAndForget(MicroThread::yieldNow);
            Deferred<Integer> d = new Deferred<>();
            MicroThread.startAndForget(() -> d.complete(22));
            return a.join() + d.await();
        })).isEqualTo(42);
        assertThat(MicroThread.parallelAll(List.of(() -> 1, () -> 2))).containsExactly(1, 2);
    }
}
