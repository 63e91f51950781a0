package spike;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/** Program 4: close racing a put; an accepted item can be lost (neither drained nor rejected). */
public final class CloseRacingPut {
    static final class Channel {
        private final LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
        private volatile boolean closed;
        private final Object guard = new Object();
        private final boolean buggy;

        Channel(boolean buggy) { this.buggy = buggy; }

        /** @return true if the item was accepted. */
        boolean put(int x) {
            if (buggy) {
                if (closed) return false;
                queue.add(x);   // closer may have closed and drained in between
                return true;
            }
            synchronized (guard) {
                if (closed) return false;
                queue.add(x);
                return true;
            }
        }

        List<Integer> closeAndDrain() {
            List<Integer> out = new ArrayList<>();
            if (buggy) {
                closed = true;
                queue.drainTo(out);
                return out;
            }
            synchronized (guard) {
                closed = true;
                queue.drainTo(out);
            }
            return out;
        }
    }

    public static void run(boolean buggy) throws InterruptedException {
        Channel ch = new Channel(buggy);
        AtomicBoolean accepted = new AtomicBoolean();
        List<List<Integer>> drained = new ArrayList<>();
        Thread producer = new Thread(() -> accepted.set(ch.put(42)));
        Thread closer = new Thread(() -> {
            List<Integer> d = ch.closeAndDrain();
            synchronized (drained) { drained.add(d); }
        });
        producer.start();
        closer.start();
        producer.join();
        closer.join();
        boolean delivered = drained.get(0).contains(42);
        if (accepted.get() && !delivered) throw new AssertionError("accepted item lost");
    }
}
