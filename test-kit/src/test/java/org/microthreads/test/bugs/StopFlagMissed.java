package org.microthreads.test.bugs;

import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * A missed cancellation. A worker squares jobs until it is told to stop.
 *
 * <p>The bug: "stop" is a flag the worker reads between jobs. When main clears it, the worker may
 * already be parked in {@code jobs.take()} for a next job that never comes: it never sees the
 * flag, and main's {@code join} waits forever (the simulation reports the deadlock). It shows
 * when the last result is handed to a main already waiting for it (the worker then runs on into
 * its next {@code take}); not when the worker had to wait for main to take it. The fix cancels the
 * worker, which ends even a parked {@code take}.
 */
final class StopFlagMissed implements BugProgram {

    @Override
    public String kind() {
        return "missed cancellation (stop flag)";
    }

    @Override
    public MicroThread.Body<Integer> buggy() {
        return () -> serve(false);
    }

    @Override
    public MicroThread.Body<Integer> fixed() {
        return () -> serve(true);
    }

    private static int serve(boolean fixed) throws Exception {
        boolean[] running = {true};
        Pipe<Integer> jobs = Pipe.<Integer>buffered(4).named("jobs");
        Pipe<Integer> results = Pipe.<Integer>rendezvous().named("results");
        MicroThread<Void> worker = MicroThread.parallel("worker", () -> {
            while (running[0]) {
                int job = jobs.take();
                results.put(job * job);
            }
            return null;
        });
        for (int i = 1; i <= 3; i++) jobs.put(i);
        int sum = 0;
        for (int i = 1; i <= 3; i++) {
            sum += results.take();
            MicroThread.yieldNow(); // stands for storing the result (I/O), where the worker may run
        }
        if (fixed) {
            worker.cancel(); // FIX: a cancellation reaches a worker parked in take()
        } else {
            running[0] = false; // BUG: a worker already parked in take() never reads it
            worker.join();
        }
        if (sum != 1 + 4 + 9) throw new AssertionError("sum of squares " + sum);
        return sum;
    }
}
