package org.microthreads.test.bugs;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * A stolen wake-up. Jobs arrive in a plain queue, and a pipe carries one "job available" token per
 * job to wake two workers.
 *
 * <p>The bug: a worker waits for a token only when the queue looks empty ({@code if}), then takes
 * a job. A worker that finds a job queued takes it without its token; that token stays behind, and
 * the worker that later takes it finds the queue empty ({@code NoSuchElementException}): its
 * wake-up was stolen. The fix checks the queue again after every wake-up ({@code while}).
 */
final class StolenWakeUp implements BugProgram {
    static final int JOBS = 4;

    @Override
    public String kind() {
        return "stolen wake-up (if, not while)";
    }

    @Override
    public MicroThread.Body<List<String>> buggy() {
        return () -> work(false);
    }

    @Override
    public MicroThread.Body<List<String>> fixed() {
        return () -> work(true);
    }

    private static List<String> work(boolean fixed) throws Exception {
        ArrayDeque<String> queue = new ArrayDeque<>();
        Pipe<Boolean> available = Pipe.<Boolean>unbounded().named("available");
        Pipe<String> done = Pipe.<String>rendezvous().named("done");
        List<MicroThread<Void>> workers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            String name = "worker-" + w;
            workers.add(MicroThread.parallel(name, () -> {
                while (true) {
                    if (!fixed) {
                        if (queue.isEmpty() && available.takeOrClosed() == null) return null; // BUG: if
                    } else {
                        while (queue.isEmpty()) {
                            if (available.takeOrClosed() == null) return null; // FIX: while
                        }
                    }
                    String job = queue.removeFirst();
                    done.put(job + " by " + name);
                }
            }));
        }
        MicroThread.parallel("producer", () -> {
            for (int i = 0; i < JOBS; i++) {
                queue.addLast("job-" + i);
                available.put(true);
                MicroThread.sleep(Duration.ofMillis(10)); // the next job arrives later
            }
            available.close();
            return null;
        });
        List<String> finished = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) finished.add(done.take());
        for (MicroThread<Void> worker : workers) worker.join();
        return finished;
    }
}
