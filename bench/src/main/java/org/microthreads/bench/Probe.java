package org.microthreads.bench;

import org.microthreads.Loop;

/**
 * Checks, within 10 s, that a single-carrier loop can be created and run, so that
 * {@code bench/run} can skip the single-carrier scenarios with a clear message instead of
 * hanging in a benchmark's set-up. Exit status 0: works; 3: hung; 4: failed.
 */
public final class Probe {
    private Probe() {}

    public static void main(String[] args) throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try (Loop loop = Loop.singleCarrier("probe")) {
                if (loop.run(() -> 42) != 42) throw new AssertionError("run returned a wrong value");
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.join(10_000);
        if (t.isAlive()) {
            System.out.println("Loop.singleCarrier(...) did not return within 10 s. Where it hangs:");
            for (StackTraceElement e : t.getStackTrace()) System.out.println("    at " + e);
            System.exit(3);
        }
        if (failure[0] != null) {
            System.out.println("single-carrier loop failed: " + failure[0]);
            System.exit(4);
        }
        System.out.println("single-carrier loop: ok");
    }
}
