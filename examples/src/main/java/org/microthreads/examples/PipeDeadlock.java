package org.microthreads.examples;

import java.io.PrintStream;
import org.microthreads.DeadlockException;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * A deadlock through pipes: two micro-threads each wait to take from a pipe that nobody feeds. On
 * a single-carrier loop {@code run} reports it instead of hanging, because both pipes are
 * {@linkplain Pipe#confined() confined} to the run: nothing outside it can ever feed them.
 */
public final class PipeDeadlock {
    private PipeDeadlock() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Deadlock report through pipes: a client that never sent its request ==");
        try (Loop loop = Loop.singleCarrier("pipe-deadlock")) {
            loop.run(() -> {
                Pipe<String> requests = Pipe.<String>rendezvous().named("requests").confined();
                Pipe<String> replies = Pipe.<String>rendezvous().named("replies").confined();
                MicroThread.startAndForget("server", () -> {
                    String request = requests.take();
                    replies.put("answer to " + request);
                });
                return replies.take(); // but nobody put a request
            });
            out.println("  run() returned: NO DEADLOCK REPORTED");
        } catch (DeadlockException e) {
            out.println("  run() threw DeadlockException; its report (stacks cut to the frame in our code):");
            out.print(Text.framesInOurCode(e.getMessage(), "    | "));
            out.println("  (a pipe wait counts only on a confined() pipe, which nothing outside the loop may use;");
            out.println("  a wait on any other pipe never causes a report: a plain thread might still feed it)");
        }
    }
}
