package org.microthreads.bench;

import java.awt.EventQueue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import javafx.application.Platform;
import kotlinx.coroutines.Job;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * Input latency of a UI thread under load (issue 16): {@value #TASKS} UI micro-threads (or Kotlin
 * coroutines on {@code Dispatchers.Swing} / {@code Dispatchers.JavaFx}) each doing
 * {@value #STEP_MICROS} µs busy steps then yielding, while a probe posted to the toolkit's queue
 * ({@code EventQueue.invokeLater}, {@code Platform.runLater}) every {@value #PROBE_MILLIS} ms
 * measures how long it waited to run: what an input event would wait. Also idle (no load).
 *
 * <p>Not JMH: a plain {@code main}, one scenario per JVM, run by {@code bench/run} (section
 * "UiLatency") or by hand:
 * <pre>
 *   java --add-opens java.base/java.lang=ALL-UNNAMED --add-exports java.base/jdk.internal.vm=ALL-UNNAMED \
 *        -Djava.awt.headless=true -cp bench/target/benchmarks.jar org.microthreads.bench.UiLatency UiLatency.mtSwing
 *   ... UiLatency --list      # the scenario names
 * </pre>
 * A scenario runs the load {@value #WARMUP_MILLIS} ms unmeasured, then probes for
 * {@value #MEASURE_MILLIS} ms (system properties {@code ui.tasks}, {@code ui.stepMicros},
 * {@code ui.seconds} change the sizes). JavaFX starts on its Headless glass platform. For our UI
 * loop it also times every task the loop posts to the toolkit, which is one time slice of ready
 * micro-threads ({@code microthreads.sliceMicros}, 4 ms by default), and prints their lengths.
 * Output: human lines, then {@code RESULT <tab> <scenario>.p50|p99|max <tab> ms <tab> ms <tab> ms}
 * (the format of the Go twins' lines: key, median, unit, samples), read by the report.
 * Goal: p99 ≤ 16 ms (one frame) for ours under load.
 */
public final class UiLatency {
    private UiLatency() {}

    static final int TASKS = 10_000, STEP_MICROS = 20, PROBE_MILLIS = 5, WARMUP_MILLIS = 1_000, MEASURE_MILLIS = 3_000;

    /** A toolkit to probe; {@code load} starts the load and returns what stops it (and counts its steps). */
    private record Scenario(boolean fx, Load load) {}

    private interface Load {
        /** Starts {@code tasks} steppers; the returned stopper ends them all and returns the steps done. */
        Stopper start(boolean fx, int tasks, long stepNanos, LongConsumer slices) throws Exception;
    }

    private interface Stopper {
        long stop() throws Exception;
    }

    private static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        for (boolean fx : new boolean[] {false, true}) {
            String tk = fx ? "Fx" : "Swing";
            SCENARIOS.put("UiLatency.mt" + tk, new Scenario(fx, UiLatency::ours));
            SCENARIOS.put("UiLatency.kotlin" + tk, new Scenario(fx, UiLatency::kotlin));
            SCENARIOS.put("UiLatency.idle" + tk, new Scenario(fx, (f, n, step, slices) -> () -> 0));
        }
    }

    /** Our UI loop: {@code tasks} micro-threads, each busy {@code stepNanos} then {@code yieldNow()}. */
    private static Stopper ours(boolean fx, int tasks, long stepNanos, LongConsumer slices) {
        Loop loop = fx ? UiToolkits.fxLoop("latency-fx", slices) : UiToolkits.swingLoop("latency-swing", slices);
        boolean[] stop = new boolean[1]; // read and written on the UI thread only
        long[] steps = new long[1];
        CountDownLatch ended = new CountDownLatch(tasks);
        for (int i = 0; i < tasks; i++) {
            loop.startAndForget(() -> {
                try {
                    while (!stop[0]) {
                        KotlinUi.busy(stepNanos);
                        steps[0]++;
                        MicroThread.yieldNow();
                    }
                } finally {
                    ended.countDown();
                }
            });
        }
        return () -> {
            post(fx, () -> stop[0] = true);
            if (!ended.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("the load did not end in 60 s");
            return steps[0];
        };
    }

    /** Kotlin: {@code tasks} coroutines on the toolkit's dispatcher, each busy {@code stepNanos} then {@code yield()}. */
    private static Stopper kotlin(boolean fx, int tasks, long stepNanos, LongConsumer slices) {
        if (fx) UiToolkits.startFx(); else UiToolkits.startSwing();
        long[] steps = new long[1];
        Job load = KotlinUi.startLoad(fx, tasks, stepNanos, steps);
        return () -> {
            KotlinUi.stopLoad(load);
            long[] seen = new long[1];
            CountDownLatch read = new CountDownLatch(1);
            post(fx, () -> {
                seen[0] = steps[0];
                read.countDown();
            });
            read.await();
            return seen[0];
        };
    }

    private static void post(boolean fx, Runnable r) {
        if (fx) Platform.runLater(r); else EventQueue.invokeLater(r);
    }

    /** Lists the scenarios, or runs one: {@code UiLatency <scenario>}. */
    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--list")) {
            SCENARIOS.keySet().forEach(System.out::println);
            return;
        }
        if (args.length != 1 || !SCENARIOS.containsKey(args[0])) {
            System.err.println("usage: UiLatency <scenario> | --list; scenarios: " + SCENARIOS.keySet());
            System.exit(2);
        }
        String name = args[0];
        Scenario sc = SCENARIOS.get(name);
        int tasks = Integer.getInteger("ui.tasks", TASKS);
        long stepNanos = Long.getLong("ui.stepMicros", STEP_MICROS) * 1_000;
        long measureMillis = (long) (Double.parseDouble(System.getProperty("ui.seconds", "" + MEASURE_MILLIS / 1000.0)) * 1000);
        if (sc.fx) UiToolkits.startFx(); else UiToolkits.startSwing();

        // slice lengths (only our loop posts through the timed toolkit) and the UI thread's CPU time in each
        // (much less CPU than wall time: the OS ran something else meanwhile); written on the UI thread
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long[] sliceNs = new long[1 << 16], sliceCpuNs = new long[1 << 16];
        int[] sliceCount = {0};
        boolean[] recordSlices = {false};
        long[] cpuAtStart = {0};
        LongConsumer slices = ns -> {
            long cpu = threads.getCurrentThreadCpuTime();
            if (recordSlices[0] && sliceCount[0] < sliceNs.length) {
                sliceNs[sliceCount[0]] = ns;
                sliceCpuNs[sliceCount[0]++] = cpu - cpuAtStart[0];
            }
            cpuAtStart[0] = threads.getCurrentThreadCpuTime();
        };

        long t0 = System.nanoTime();
        Stopper stopper = sc.load.start(sc.fx, tasks, stepNanos, slices);
        long startedMs = (System.nanoTime() - t0) / 1_000_000;
        Thread.sleep(WARMUP_MILLIS); // the load runs unmeasured: JIT, the queue filled (a warm-up, not synchronisation)
        post(sc.fx, () -> recordSlices[0] = true);
        long gcCount0 = gcCount(), gcMillis0 = gcMillis();

        // probes: posted every PROBE_MILLIS from a scheduler thread; each records its delay on the UI thread
        List<Long> delays = new ArrayList<>();
        ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "probe");
            t.setDaemon(true);
            return t;
        });
        Consumer<Runnable> poster = r -> post(sc.fx, r);
        int planned = (int) (measureMillis / PROBE_MILLIS);
        CountDownLatch probed = new CountDownLatch(planned);
        int[] sent = {0};
        probes.scheduleAtFixedRate(() -> {
            if (sent[0]++ >= planned) return;
            long posted = System.nanoTime();
            poster.accept(() -> {
                long d = System.nanoTime() - posted;
                synchronized (delays) {
                    delays.add(d);
                }
                probed.countDown();
            });
        }, 0, PROBE_MILLIS, TimeUnit.MILLISECONDS);
        boolean all = probed.await(measureMillis + 60_000, TimeUnit.MILLISECONDS);
        probes.shutdownNow();
        long gcCount = gcCount() - gcCount0, gcMillis = gcMillis() - gcMillis0;
        CountDownLatch sliceRead = new CountDownLatch(1);
        long[][] slicesBox = {new long[0], new long[0]};
        post(sc.fx, () -> {
            recordSlices[0] = false;
            slicesBox[0] = Arrays.copyOf(sliceNs, sliceCount[0]);
            slicesBox[1] = Arrays.copyOf(sliceCpuNs, sliceCount[0]);
            sliceRead.countDown();
        });
        sliceRead.await();
        long loadMs = (System.nanoTime() - t0) / 1_000_000;
        long steps = stopper.stop();

        long[] d;
        synchronized (delays) {
            d = delays.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        if (!all || d.length == 0) {
            System.out.println(name + ": only " + d.length + " of " + planned + " probes ran");
        }
        double p50 = ms(pct(d, 50)), p99 = ms(pct(d, 99)), max = ms(d.length == 0 ? 0 : d[d.length - 1]);
        System.out.printf(Locale.ROOT, "%s: %s, %,d tasks x %d us steps; %d probes every %d ms: delay p50 %.2f ms, p99 %.2f ms,"
                        + " max %.2f ms; %,d steps in %.1f s of load (%.0f steps/s); started in %d ms%n",
                name, sc.fx ? "JavaFX (" + System.getProperty("glass.platform") + ")" : "Swing (headless " + java.awt.GraphicsEnvironment.isHeadless() + ")",
                name.contains(".idle") ? 0 : tasks, stepNanos / 1000, d.length, PROBE_MILLIS, p50, p99, max,
                steps, loadMs / 1000.0, steps / (loadMs / 1000.0), startedMs);
        System.out.printf(Locale.ROOT, "%s: while probing: %d GCs, %d ms in total (GarbageCollectorMXBean); load average %s%n",
                name, gcCount, gcMillis, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        long[] s = slicesBox[0].clone();
        if (s.length > 0) {
            int over = 0, offCpu = 0;
            for (int i = 0; i < s.length; i++) {
                if (s[i] > 2 * 4_000_000L) {
                    over++;
                    if (slicesBox[1][i] < s[i] / 2) offCpu++;
                }
            }
            System.out.printf(Locale.ROOT, "%s: slices over 8 ms: %d, of which %d had the UI thread on a CPU for less than half"
                    + " their length (descheduled by the OS, or paused: GC)%n", name, over, offCpu);
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "%s: time slices while probing: %,d; length p50 %.2f ms, p99 %.2f ms, max %.2f ms"
                            + " (microthreads.sliceMicros = %s)%n",
                    name, s.length, ms(pct(s, 50)), ms(pct(s, 99)), ms(s[s.length - 1]),
                    System.getProperty("microthreads.sliceMicros", "4000 (default)"));
        }
        System.out.printf(Locale.ROOT, "RESULT\t%s.p50\t%.3f\tms\t%.3f%n", name, p50, p50);
        System.out.printf(Locale.ROOT, "RESULT\t%s.p99\t%.3f\tms\t%.3f%n", name, p99, p99);
        System.out.printf(Locale.ROOT, "RESULT\t%s.max\t%.3f\tms\t%.3f%n", name, max, max);
        if (sc.fx) Platform.exit();
        System.exit(0);
    }

    private static long gcCount() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static long gcMillis() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime).sum();
    }

    /** The {@code p}-th percentile (nearest rank) of sorted {@code xs}. */
    private static long pct(long[] xs, int p) {
        if (xs.length == 0) return 0;
        int rank = (int) Math.ceil(p / 100.0 * xs.length);
        return xs[Math.max(0, Math.min(xs.length - 1, rank - 1))];
    }

    private static double ms(long ns) {
        return ns / 1e6;
    }
}
