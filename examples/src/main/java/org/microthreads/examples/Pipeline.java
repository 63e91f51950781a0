package org.microthreads.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.microthreads.FailedException;
import org.microthreads.Loop;
import org.microthreads.Pipe;

/**
 * A pipeline that tears down cleanly: each stage consumes its input with
 * {@link Pipe#consumeEach}, which closes that input however the stage ends. So a consumer that
 * stops early stops every stage before it, and a stage that fails fails the pipes after it (the
 * consumer sees the failure, and which pipe it came through) and stops the stages before it.
 */
public final class Pipeline {
    private Pipeline() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Pipeline: stages that stop together, on an early exit and on a failure ==");
        earlyExit(out);
        failure(out);
    }

    /** numbers never ends by itself; main wants only three squares. */
    static void earlyExit(PrintStream out) throws Exception {
        try (Loop loop = Loop.singleCarrier("early-exit")) {
            List<Integer> got = loop.run(() -> {
                Pipe<Integer> numbers = Pipe.produce(Pipe.<Integer>rendezvous().named("numbers").confined(), sink -> {
                    for (int i = 1; ; i++) sink.put(i); // endless: stopped when 'numbers' is closed
                });
                Pipe<Integer> squares = Pipe.produce(Pipe.<Integer>rendezvous().named("squares").confined(),
                        sink -> numbers.consumeEach(n -> sink.put(n * n))); // closes 'numbers' when this stage ends
                List<Integer> firstThree = new ArrayList<>();
                for (int square : squares) {
                    firstThree.add(square);
                    if (firstThree.size() == 3) break;
                }
                squares.close(); // main is done: the squarer's next put ends it, and it closes 'numbers'
                return firstThree;
            });
            out.println("  main took " + got + " and closed 'squares'; the squarer ended, closing 'numbers',");
            out.println("  and the endless producer of 'numbers' ended at its next put: run returned, "
                    + loop.failureCount() + " failures, no deadlock");
        }
    }

    /** The middle stage throws on a bad record: the consumer sees it, and the reader is stopped. */
    static void failure(PrintStream out) throws Exception {
        try (Loop loop = Loop.singleCarrier("failure")) {
            loop.run(() -> {
                Pipe<String> lines = Pipe.produce(Pipe.<String>rendezvous().named("lines").confined(), sink -> {
                    for (int i = 1; ; i++) sink.put(i == 3 ? "three" : String.valueOf(i)); // an endless reader
                });
                Pipe<Integer> records = Pipe.produce(Pipe.<Integer>rendezvous().named("records").confined(),
                        sink -> lines.consumeEach(line -> sink.put(Integer.parseInt(line))));
                List<Integer> parsed = new ArrayList<>();
                try {
                    for (int r : records) parsed.add(r);
                } catch (FailedException e) {
                    Pipe<?> failed = e.pipe().orElseThrow();
                    out.println("  main took " + parsed + ", then " + failed + " failed: "
                            + failed.failure().orElseThrow());
                    out.println("  'lines' was closed, not failed (failure() " + lines.failure()
                            + "), so its reader ended normally: nothing waits");
                }
                return null;
            });
        }
    }
}
