package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loop's registry unlinks ended micro-threads lazily on multi-core loops (see {@link Registry}):
 * no listing shows an ended one, and the list keeps only a bounded number of them.
 */
class RegistryTest {

    @Test
    @Timeout(60)
    void endedMicroThreadsAreNeitherListedNorKeptBeyondTheBound() throws Exception {
        Loop shared = Loop.shared();
        Registry registry = shared.registry();
        int n = 100_000;
        AtomicInteger ran = new AtomicInteger();
        String runName = "registry-test-" + System.nanoTime();
        shared.run(() -> {
            for (int i = 0; i < n; i++) MicroThread.startAndForget(runName, ran::incrementAndGet);
            return null;
        });
        assertThat(ran.get()).isEqualTo(n);
        // none of them is listed once the run has returned
        assertThat(shared.microThreads()).noneMatch(m -> m.name().equals(runName));
        // and the list keeps at most a stack's worth of ended ones per stripe (plus whatever else is live)
        int others = shared.microThreads().size();
        assertThat(registry.linkedForTest())
                .isLessThanOrEqualTo(others + registry.stripeCount() * Registry.DRAIN_DEPTH);
    }

    @Test
    @Timeout(60)
    void aListingDrainsWhatEndedAndCloseStillWaitsForEveryone() throws Exception {
        // a single-carrier loop unlinks at once; the shared loop's listing drains: both show only the live
        try (Loop loop = Loop.singleCarrier("registry-single")) {
            Deferred<Void> release = new Deferred<>();
            MicroThread<Void> waiter = loop.parallel("waiter", () -> {
                release.await();
                return null;
            });
            loop.run(() -> {
                for (int i = 0; i < 1000; i++) MicroThread.startAndForget(() -> { });
                return null;
            });
            assertThat(loop.microThreads()).containsExactly(waiter);
            assertThat(loop.registry().linkedForTest()).isEqualTo(1);
            release.complete(null);
            waiter.join();
        }
        Deferred<Void> release = new Deferred<>();
        MicroThread<Void> waiter = Loop.shared().parallel("registry-shared-waiter", () -> {
            release.await();
            return null;
        });
        Loop.shared().run(() -> {
            for (int i = 0; i < 1000; i++) MicroThread.startAndForget(() -> { });
            return null;
        });
        assertThat(Loop.shared().microThreads()).contains(waiter).noneMatch(m -> m.settled());
        release.complete(null);
        waiter.join();
    }

    /**
     * Issue 13, defect 2: a micro-thread whose end a caller has observed ({@code join} returned,
     * {@code parallelAll} returned) is not listed any more. Its registry entry is removed just
     * after its outcome is settled, so listings skip settled ones.
     */
    @Test
    @Timeout(120)
    void aMicroThreadWhoseEndWasObservedIsNeverListed() throws Exception {
        int rounds = 20_000 * Integer.getInteger("microthreads.stress.scale", 1);
        int listed = 0;
        try (Loop one = Loop.singleCarrier("listing-after-join")) {
            for (Loop loop : new Loop[] {Loop.shared(), one}) {
                for (int i = 0; i < rounds; i++) {
                    MicroThread<Integer> m = loop.parallel("listing-probe", () -> 1);
                    m.join();
                    if (loop.microThreads().contains(m) || loop.dump().contains("'listing-probe' SUCCEEDED")) listed++;
                }
            }
        }
        for (int i = 0; i < rounds / 10; i++) {
            java.util.List<Integer> got = MicroThread.parallelAll(java.util.List.of(() -> 1, () -> 2, () -> 3));
            assertThat(got).containsExactly(1, 2, 3);
            if (Loop.shared().microThreads().stream().anyMatch(MicroThread::isDone)) listed++;
        }
        assertThat(listed).as("ended micro-threads still listed after their end was observed").isZero();
    }
}
