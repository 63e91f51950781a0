package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pipe's spin lock ({@link PipeLock}, ADR 0017): mutual exclusion between platform threads
 * and micro-threads of both kinds of loop, progress when the holder is unmounted on the
 * waiter's own carrier, and a clear error on re-entry.
 */
class PipeLockTest {

    /** Guarded by the lock under test; not volatile on purpose: only the lock makes it right. */
    private static final class Counter {
        long value;
    }

    @Test
    @Timeout(60)
    void excludesPlatformThreadsAndMicroThreadsOfBothLoops() throws Exception {
        PipeLock lock = new PipeLock();
        Counter c = new Counter();
        int perWorker = 20_000;
        Runnable work = () -> {
            for (int i = 0; i < perWorker; i++) {
                lock.lock();
                try {
                    assertThat(lock.isHeldByCurrentThread()).isTrue();
                    c.value++;
                } finally {
                    lock.unlock();
                }
            }
        };
        List<Thread> platform = new ArrayList<>();
        for (int i = 0; i < 2; i++) platform.add(Thread.ofPlatform().start(work));
        try (Loop single = Loop.singleCarrier("lock-single")) {
            MicroThread<Void> onShared = Loop.shared().parallel(() -> {
                MicroThread<?> a = MicroThread.parallel(() -> { work.run(); return null; });
                MicroThread<?> b = MicroThread.parallel(() -> { work.run(); return null; });
                a.join();
                b.join();
                return null;
            });
            single.run(() -> {
                MicroThread<?> a = MicroThread.parallel(() -> { work.run(); return null; });
                MicroThread<?> b = MicroThread.parallel(() -> { work.run(); return null; });
                a.join();
                b.join();
                return null;
            });
            onShared.join();
        }
        for (Thread t : platform) t.join();
        lock.lock();
        try {
            assertThat(c.value).isEqualTo(6L * perWorker);
        } finally {
            lock.unlock();
        }
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    @Timeout(30)
    void aWaiterOnOneCarrierLetsAnUnmountedHolderFinish() throws Exception {
        PipeLock lock = new PipeLock();
        List<String> order = new ArrayList<>();
        try (Loop loop = Loop.singleCarrier("lock-unmounted-holder")) {
            loop.run(() -> {
                CountDownLatch holding = new CountDownLatch(1);
                MicroThread<?> holder = MicroThread.parallel("holder", () -> {
                    lock.lock();
                    try {
                        holding.countDown();
                        order.add("holder took it");
                        MicroThread.yieldNow(); // unmounted while holding: the waiter below must let it run
                        order.add("holder lets go");
                    } finally {
                        lock.unlock();
                    }
                    return null;
                });
                MicroThread<?> waiter = MicroThread.parallel("waiter", () -> {
                    holding.await();
                    lock.lock();
                    try {
                        order.add("waiter took it");
                    } finally {
                        lock.unlock();
                    }
                    return null;
                });
                holder.join();
                waiter.join();
                return null;
            });
        }
        assertThat(order).containsExactly("holder took it", "holder lets go", "waiter took it");
    }

    @Test
    void reEntryIsABugReportedClearly() {
        PipeLock lock = new PipeLock();
        lock.lock();
        try {
            assertThatThrownBy(lock::lock).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("taken twice");
            assertThat(lock.isHeldByCurrentThread()).isTrue();
        } finally {
            lock.unlock();
        }
        assertThat(lock.isLocked()).isFalse();
    }
}
