package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * A micro-thread as a future: {@link MicroThread#toCompletableFuture()} hands a micro-thread to
 * callback APIs ({@code thenApply}, {@code CompletableFuture.allOf}); cancelling the view cancels
 * the micro-thread; and a failure that only a callback saw still reaches the failure handler.
 */
public final class Futures {
    private Futures() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** A stand-in for a callback API that consumes futures: it calls back once the stage completes. */
    static void whenReady(CompletionStage<String> stage, Consumer<String> callback) {
        stage.whenComplete((value, failure) -> callback.accept(failure == null ? value : "failed: " + failure));
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== A micro-thread as a future: for callback APIs ==");
        try (Loop loop = Loop.singleCarrier("futures")) {
            loop.failureHandler((m, f) -> out.println("  failure handler: '" + m.name() + "' failed with " + f));
            loop.run(() -> {
                MicroThread<String> item = MicroThread.parallel("item", () -> {
                    MicroThread.sleep(Duration.ofMillis(20)); // stands in for a slow lookup
                    return "tea";
                });
                MicroThread<Integer> price = MicroThread.parallel("price", () -> {
                    MicroThread.sleep(Duration.ofMillis(20));
                    return 42;
                });
                CompletableFuture<String> i = item.toCompletableFuture();
                CompletableFuture<Integer> p = price.toCompletableFuture();
                CompletableFuture<String> label = CompletableFuture.allOf(i, p)
                        .thenApply(done -> "'" + i.join() + "' costs " + p.join());
                whenReady(label, text -> out.println("  callback of allOf + thenApply over two micro-threads: " + text));
                MicroThread.await(label); // the callback has run by now

                MicroThread<String> slow = MicroThread.parallel("slow", () -> {
                    MicroThread.sleep(Duration.ofSeconds(10));
                    return "too late";
                });
                slow.toCompletableFuture().cancel(true); // a callback API giving up on it
                try {
                    slow.join();
                } catch (CancellationException e) {
                    out.println("  cancelling the view cancelled micro-thread 'slow': " + slow.state());
                }
                MicroThread<Integer> broken = MicroThread.parallel("broken", () -> Integer.parseInt("x"));
                String shown = MicroThread.await(broken.toCompletableFuture()
                        .thenApply(n -> "parsed " + n)
                        .exceptionally(e -> "a callback saw " + e.getCause()));
                out.println("  " + shown);
                return null; // 'broken' was never joined: its run reports it to the failure handler too
            });
        }
    }
}
