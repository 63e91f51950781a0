package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.Select;

/**
 * Select: wait for whichever of several pipe operations can happen first and do exactly that one
 * (Go's {@code select}), with a timeout, or with a default case that never waits.
 */
public final class Selects {
    private Selects() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Select: take from whichever pipe is ready first ==");
        try (Loop loop = Loop.singleCarrier("select-demo")) {
            loop.run(() -> {
                withTimeout(out);
                withDefault(out);
                mergeUntilClosed(out);
                fairness(out);
                return null;
            });
        }
    }

    /** Two pipes fed at their own pace, and a timeout that ends the waiting. */
    static void withTimeout(PrintStream out) throws InterruptedException {
        Pipe<String> news = Pipe.rendezvous();
        Pipe<String> alerts = Pipe.rendezvous();
        MicroThread.startAndForget("reporter", () -> {
            for (String item : List.of("rain at noon", "road closed", "sun later")) {
                MicroThread.sleep(Duration.ofMillis(10));
                news.put(item);
            }
        });
        MicroThread.startAndForget("alarm", () -> {
            MicroThread.sleep(Duration.ofMillis(25));
            alerts.put("fire drill");
        });
        while (true) {
            String got = Select.select(
                    news.onTake(item -> "news: " + item),
                    alerts.onTake(item -> "alert: " + item),
                    Select.onTimeout(Duration.ofMillis(50), () -> null)); // nothing came for 50 ms
            if (got == null) break;
            out.println("  " + got);
        }
        out.println("  nothing came for 50 ms: the timeout case returned null and the loop ended");
    }

    /** A default case makes the select never wait: Go's non-blocking send. */
    static void withDefault(PrintStream out) throws InterruptedException {
        Pipe<String> jobs = Pipe.rendezvous();
        String alone = handOver(jobs);
        MicroThread<String> worker = MicroThread.parallel("worker", jobs::take);
        MicroThread.yieldNow(); // let the worker start waiting on 'jobs'
        String withWorker = handOver(jobs);
        out.println("  with onDefault the select never waits: '" + alone + "';");
        out.println("  the same select with a worker waiting on the pipe: '" + withWorker + "' (the worker got '"
                + worker.join() + "')");
    }

    static String handOver(Pipe<String> jobs) throws InterruptedException {
        return Select.select(
                jobs.onPut("resize photo", () -> "handed over"),
                Select.onDefault(() -> "nobody ready, did it myself"));
    }

    /** Takes from two pipes until both have ended: a pipe that is closed and drained leaves the select. */
    static void mergeUntilClosed(PrintStream out) throws InterruptedException {
        Pipe<String> left = Pipe.produce(Pipe.rendezvous(), sink -> {
            for (String item : List.of("l1", "l2")) sink.put(item);
        });
        Pipe<String> right = Pipe.produce(Pipe.rendezvous(), sink -> {
            for (String item : List.of("r1", "r2", "r3")) sink.put(item);
        });
        List<String> merged = new ArrayList<>();
        List<Pipe<String>> open = new ArrayList<>(List.of(left, right));
        while (!open.isEmpty()) {
            List<Select.Case<Void>> cases = new ArrayList<>();
            for (Pipe<String> pipe : open) {
                cases.add(pipe.onTakeOrClosed(item -> {
                    if (item == null) open.remove(pipe); // closed and drained: it leaves the select
                    else merged.add(item);
                    return null;
                }));
            }
            Select.select(cases);
        }
        out.println("  merged " + merged + " from two pipes, each in its own order, until both had ended");
    }

    /** Two pipes that are always ready: select shares fairly, selectFirst keeps to the first. */
    static void fairness(PrintStream out) throws InterruptedException {
        Pipe<String> a = Pipe.unbounded(), b = Pipe.unbounded();
        for (int i = 0; i < 2_000; i++) {
            a.put("a");
            b.put("b");
        }
        int[] fair = new int[2], first = new int[2];
        for (int i = 0; i < 1_000; i++) fair[Select.select(a.onTake(x -> 0), b.onTake(x -> 1))]++;
        for (int i = 0; i < 1_000; i++) first[Select.selectFirst(a.onTake(x -> 0), b.onTake(x -> 1))]++;
        out.println("  two pipes a and b, both always ready, 1000 selects: select took " + fair[0] + " from a and "
                + fair[1] + " from b (uniformly at random, as Go does);");
        out.println("  selectFirst took " + first[0] + " from a and " + first[1]
                + " from b (the first ready case in argument order, as Kotlin does)");
    }
}
