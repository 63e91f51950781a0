package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.microthreads.Deferred;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * The hidden Deferred: await a {@link CompletableFuture}, or turn any callback API into a
 * blocking-style call with a {@link Deferred}. Only the awaiting micro-thread parks; the loop
 * keeps running the others.
 */
public final class Deferreds {
    private Deferreds() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** A stand-in for a callback-style API: it answers later, on a thread of its own. */
    static void fetchWithCallback(String key, Consumer<String> onReply, Consumer<Throwable> onError) {
        Thread.ofPlatform().name("callback-thread").start(() -> {
            try {
                Thread.sleep(100);
                onReply.accept(key + " is blue (answered on thread '" + Thread.currentThread().getName() + "')");
            } catch (Throwable t) {
                onError.accept(t);
            }
        });
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Awaiting futures and callbacks in blocking style ==");
        try (Loop loop = Loop.singleCarrier("deferreds")) {
            loop.run(() -> {
                CompletionStage<Integer> future = CompletableFuture.supplyAsync(() -> 6 * 7);
                out.println("  awaited a CompletableFuture: " + MicroThread.await(future));

                int[] ticks = {0};
                MicroThread<Void> ticker = MicroThread.startAndForget("ticker", () -> {
                    while (true) {
                        MicroThread.sleep(Duration.ofMillis(10));
                        ticks[0]++;
                    }
                });
                Deferred<String> reply = new Deferred<>();
                fetchWithCallback("colour", reply::complete, reply::fail);
                String value = reply.await(); // parks only this micro-thread
                ticker.cancel();
                out.println("  awaited a Deferred completed by a callback: " + value);
                out.println("  meanwhile the same carrier ran the ticker micro-thread " + ticks[0] + " times");
                return null;
            });
        }
    }
}
