package org.microthreads.examples;

import java.io.PrintStream;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * Start and forget: start a micro-thread and never collect anything from it. Its failure is not
 * lost: it goes to the loop's failure handler.
 */
public final class StartAndForget {
    private StartAndForget() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Start and forget: nobody waits, yet no failure is silent ==");
        try (Loop loop = Loop.singleCarrier("forget")) {
            loop.failureHandler((microThread, failure) ->
                    out.println("  failure handler: '" + microThread.name() + "' failed with " + failure));
            loop.run(() -> {
                MicroThread.startAndForget("greeter", () -> out.println("  greeter: hello, nobody is waiting for me"));
                MicroThread.startAndForget("careless", () -> {
                    throw new IllegalStateException("disk full");
                });
                return null; // run() still waits for both: nothing outlives its run
            });
            out.println("  run() returned after both ended; failures handed to the handler: " + loop.failureCount());
        }
    }
}
