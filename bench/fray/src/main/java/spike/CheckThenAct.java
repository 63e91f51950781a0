package spike;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/** Program 1: check-then-act on a buffer of capacity 1. */
public final class CheckThenAct {
    static final class Buffer {
        private final ReentrantLock lock = new ReentrantLock();
        private final List<Integer> items = new ArrayList<>();

        int size() {
            lock.lock();
            try { return items.size(); } finally { lock.unlock(); }
        }

        void add(int x) {
            lock.lock();
            try { items.add(x); } finally { lock.unlock(); }
        }

        /** Check and act inside one critical section. */
        boolean addIfEmpty(int x) {
            lock.lock();
            try {
                if (items.size() < 1) { items.add(x); return true; }
                return false;
            } finally { lock.unlock(); }
        }
    }

    /** Runs two adders; throws AssertionError if the buffer ends up over capacity. */
    public static void run(boolean buggy) throws InterruptedException {
        Buffer buf = new Buffer();
        Thread[] ts = new Thread[2];
        for (int i = 0; i < ts.length; i++) {
            int x = i;
            ts[i] = new Thread(() -> {
                if (buggy) {
                    if (buf.size() < 1) {   // check (critical section 1)
                        buf.add(x);         // act   (critical section 2)
                    }
                } else {
                    buf.addIfEmpty(x);
                }
            });
        }
        for (Thread t : ts) t.start();
        for (Thread t : ts) t.join();
        int n = buf.size();
        if (n > 1) throw new AssertionError("capacity exceeded: size=" + n);
    }
}
