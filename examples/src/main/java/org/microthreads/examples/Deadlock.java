package org.microthreads.examples;

import java.io.PrintStream;
import org.microthreads.DeadlockException;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * A deadlock report: on a single-carrier loop, when every micro-thread waits for another one and
 * nothing can wake any of them, {@code run} throws {@link DeadlockException} naming who waits on
 * what, instead of hanging.
 */
public final class Deadlock {
    private Deadlock() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** Lets each of the two micro-threads find the other. */
    static final class Pair {
        MicroThread<Void> alice;
        MicroThread<Void> bob;
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Deadlock report: two micro-threads joining each other ==");
        try (Loop loop = Loop.singleCarrier("deadlock-demo")) {
            loop.run(() -> {
                Pair p = new Pair();
                p.alice = MicroThread.parallel("alice", () -> {
                    p.bob.join();
                    return null;
                });
                p.bob = MicroThread.parallel("bob", () -> {
                    p.alice.join();
                    return null;
                });
                return p.alice.join();
            });
            out.println("  run() returned: NO DEADLOCK REPORTED");
        } catch (DeadlockException e) {
            out.println("  run() threw DeadlockException; its report (stacks cut to the frame in our code):");
            out.print(Text.framesInOurCode(e.getMessage(), "    | "));
        }
    }
}
