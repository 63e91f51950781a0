package org.microthreads.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.microthreads.Deferred;
import org.microthreads.Loop;
import org.microthreads.MicroThread;

/**
 * Heap per parked thread, and the time to wake them all: 1M micro-threads awaiting one shared
 * {@link Deferred} (shared loop; a single-carrier loop) beside 1M plain virtual threads parked
 * on a {@link CompletableFuture#get()} or in {@link LockSupport#park()}.
 *
 * <p>Not JMH: one scenario per JVM, run it with the library's flags and {@code -Xmx8g}:
 * <pre>
 *   java --add-opens java.base/java.lang=ALL-UNNAMED --add-exports java.base/jdk.internal.vm=ALL-UNNAMED \
 *        -Xmx8g -cp bench/target/benchmarks.jar org.microthreads.bench.ParkedMemory mtSharedDeferred [count]
 *   ... ParkedMemory --list      # the scenario names
 * </pre>
 * Heap is measured with {@link MemoryMXBean} after {@code System.gc()} (several, until stable),
 * before starting and once all are parked; the difference divided by the count is everything a
 * parked thread keeps alive: thread object, continuation and its stack chunk, the library's
 * bookkeeping, the waiter node. Output: a human line, then one tab-separated line
 * {@code RESULT <tab> ParkedMemory.<scenario> <tab> bytes per thread <tab> wake ms <tab> start ms <tab> count}.
 * Goal: at most 1 KiB per parked micro-thread.
 */
public final class ParkedMemory {
    private ParkedMemory() {}

    interface Scenario {
        /** Starts {@code n} threads that each count themselves in {@code parked} and park; returns the releaser. */
        Release park(int n, AtomicInteger parked) throws Exception;
    }

    interface Release {
        /** Wakes all and returns once all have ended. */
        void wakeAndWait() throws Exception;
    }

    private static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        SCENARIOS.put("mtSharedDeferred", (n, parked) -> deferred(Loop.shared(), n, parked));
        SCENARIOS.put("mtSingleCarrierDeferred", (n, parked) -> deferred(Loop.singleCarrier("parked"), n, parked));
        SCENARIOS.put("plainVirtualThreadsFuture", ParkedMemory::plainFuture);
        SCENARIOS.put("plainVirtualThreadsPark", ParkedMemory::plainPark);
    }

    /** 1M micro-threads of one {@code run} on {@code loop}, each awaiting one shared deferred. */
    private static Release deferred(Loop loop, int n, AtomicInteger parked) {
        Deferred<Void> gate = new Deferred<>();
        Thread runner = Thread.ofPlatform().name("runner").start(() -> {
            try {
                loop.run(() -> {
                    for (int i = 0; i < n; i++) {
                        MicroThread.startAndForget(() -> {
                            parked.incrementAndGet();
                            gate.await();
                        });
                    }
                    return null;
                });
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        return () -> {
            gate.complete(null);
            runner.join(); // run returns once every micro-thread has ended
            if (loop != Loop.shared()) loop.close();
        };
    }

    /** 1M plain virtual threads, each in {@code CompletableFuture.get()} on one shared future. */
    private static Release plainFuture(int n, AtomicInteger parked) {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        Thread[] all = THREADS;
        for (int i = 0; i < n; i++) {
            all[i] = Thread.startVirtualThread(() -> {
                parked.incrementAndGet();
                try {
                    gate.get();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
        return () -> {
            gate.complete(null);
            for (int i = 0; i < n; i++) all[i].join();
        };
    }

    private static volatile boolean released;

    /** 1M plain virtual threads in {@code LockSupport.park()}; released by one unpark each. */
    private static Release plainPark(int n, AtomicInteger parked) {
        Thread[] all = THREADS;
        for (int i = 0; i < n; i++) {
            all[i] = Thread.startVirtualThread(() -> {
                parked.incrementAndGet();
                while (!released) LockSupport.park();
            });
        }
        return () -> {
            released = true;
            for (int i = 0; i < n; i++) LockSupport.unpark(all[i]);
            for (int i = 0; i < n; i++) all[i].join();
        };
    }

    /** Allocated before the baseline, so its 4-8 bytes a slot are not charged to the threads. */
    private static Thread[] THREADS;

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    /** Heap used after full GCs, once two readings in a row agree within 1 MiB. */
    static long usedAfterGc() throws InterruptedException {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(100);
            long used = MEMORY.getHeapMemoryUsage().getUsed();
            if (Math.abs(used - last) < (1 << 20)) return Math.min(used, last);
            last = used;
        }
        return last;
    }

    /** The top of the heap's class histogram (what a parked thread is made of); {@code -Dparked.histo=true}. */
    private static void printHistogram(int lines) throws Exception {
        javax.management.MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
        String histo = (String) server.invoke(name, "gcClassHistogram", new Object[] {new String[0]},
                new String[] {String[].class.getName()});
        histo.lines().limit(lines + 3).forEach(l -> System.out.println("  histo " + l));
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--list")) {
            for (String s : SCENARIOS.keySet()) System.out.println("ParkedMemory." + s);
            if (args.length == 0) System.err.println("usage: ParkedMemory <scenario> [count] | --list");
            return;
        }
        String name = args[0].replaceFirst("^ParkedMemory\\.", "");
        Scenario scenario = SCENARIOS.get(name);
        if (scenario == null) throw new IllegalArgumentException("no scenario " + name + "; try --list");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        if (name.startsWith("plain")) THREADS = new Thread[n];
        // Warm the code paths and classes a little (1% of the count), so they are not charged.
        runOnce(scenario, Math.max(1, n / 100), false, name);
        runOnce(scenario, n, true, name);
    }

    private static void runOnce(Scenario scenario, int n, boolean report, String name) throws Exception {
        released = false;
        AtomicInteger parked = new AtomicInteger();
        long before = usedAfterGc();
        long t0 = System.nanoTime();
        Release release = scenario.park(n, parked);
        while (parked.get() < n) Thread.sleep(10);
        long startMs = (System.nanoTime() - t0) / 1_000_000;
        Thread.sleep(500); // the last few counted themselves but may still be on their way to park
        long after = usedAfterGc();
        if (report && Boolean.getBoolean("parked.histo")) printHistogram(20);
        long t1 = System.nanoTime();
        release.wakeAndWait();
        long wakeMs = (System.nanoTime() - t1) / 1_000_000;
        if (!report) return;
        double perThread = (after - before) / (double) n;
        System.out.printf("ParkedMemory.%s: %,d parked, %.0f bytes each (heap %,d -> %,d after GC), started+parked in %,d ms, woken+ended in %,d ms%n",
                name, n, perThread, before, after, startMs, wakeMs);
        System.out.printf("RESULT\tParkedMemory.%s\t%.0f\t%d\t%d\t%d%n", name, perThread, wakeMs, startMs, n);
    }
}
