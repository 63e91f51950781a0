package spike;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** Program 3: cancellation by flag only; a worker already past the check blocks in take() forever. */
public final class MissedCancellation {
    public static void run(boolean buggy) throws InterruptedException {
        BlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
        final class Flag { volatile boolean cancelled; }
        Flag flag = new Flag();
        Thread worker = new Thread(() -> {
            try {
                while (!flag.cancelled) {
                    Integer item = queue.take();
                    if (item < 0) throw new IllegalStateException();
                }
            } catch (InterruptedException e) {
                // fixed version: interrupt is the cancellation signal
            }
        });
        Thread canceller = new Thread(() -> {
            flag.cancelled = true;
            if (!buggy) worker.interrupt();
        });
        worker.start();
        canceller.start();
        canceller.join();
        worker.join();
    }
}
