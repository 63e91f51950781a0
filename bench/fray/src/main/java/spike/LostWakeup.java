package spike;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Program 2: lost wake-up; the consumer's check and its await are in different critical sections. */
public final class LostWakeup {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readyCond = lock.newCondition();
    private boolean ready;

    void consumeBuggy() throws InterruptedException {
        boolean mustWait;
        lock.lock();
        try { mustWait = !ready; } finally { lock.unlock(); }
        if (mustWait) {
            lock.lock();
            try { readyCond.await(); }   // no re-check: a signal sent in the gap is lost
            finally { lock.unlock(); }
        }
    }

    void consumeFixed() throws InterruptedException {
        lock.lock();
        try {
            while (!ready) readyCond.await();
        } finally { lock.unlock(); }
    }

    void produce() {
        lock.lock();
        try { ready = true; readyCond.signal(); } finally { lock.unlock(); }
    }

    /** Buggy version can hang forever (consumer never woken). */
    public static void run(boolean buggy) throws InterruptedException {
        LostWakeup lw = new LostWakeup();
        Thread consumer = new Thread(() -> {
            try {
                if (buggy) lw.consumeBuggy(); else lw.consumeFixed();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread producer = new Thread(lw::produce);
        consumer.start();
        producer.start();
        consumer.join();
        producer.join();
    }
}
