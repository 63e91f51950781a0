package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import org.microthreads.Deferred;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/** A loop dump: every live micro-thread of a loop, its state, and what it is waiting on. */
public final class Dump {
    private Dump() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Loop dump: who is waiting on what ==");
        try (Loop loop = Loop.singleCarrier("dump-demo")) {
            loop.run(() -> {
                Deferred<String> config = new Deferred<>();
                MicroThread<Void> napper = MicroThread.startAndForget("napper", () -> MicroThread.sleep(Duration.ofSeconds(30)));
                MicroThread<String> reader = MicroThread.parallel("config-reader", () -> config.await());
                MicroThread<String> joiner = MicroThread.parallel("joiner", () -> reader.join());
                MicroThread.sleep(Duration.ofMillis(20)); // let them reach their waits
                String dump = Loop.current().dump();
                out.print(Text.framesInOurCode(dump, "  | "));
                config.complete("ok");
                napper.cancel();
                return joiner.join();
            });
        }
    }
}
