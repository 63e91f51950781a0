package org.microthreads.test.bugs;

import java.util.HashMap;
import java.util.Map;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * A lost wake-up: a flag plus a signal that is not remembered. A loader fills a cache, sets
 * {@code loaded}, and wakes a waiting reader with {@code tryPut} on a rendezvous pipe (nobody
 * waiting: the reader will see the flag).
 *
 * <p>The bug: the reader checks the flag, then logs that it will wait (a put: a blocking call)
 * and only then takes the signal. If the loader finishes in between, its {@code tryPut} finds no
 * taker, the signal is lost, and the reader waits forever (the simulation reports the deadlock).
 * The fix makes the signal remembered: a conflated pipe keeps it until the reader takes it.
 */
final class LostWakeUp implements BugProgram {

    @Override
    public String kind() {
        return "lost wake-up (flag + signal)";
    }

    @Override
    public MicroThread.Body<String> buggy() {
        return () -> load(Pipe.<Boolean>rendezvous().named("loaded")); // BUG: forgets a signal nobody takes at once
    }

    @Override
    public MicroThread.Body<String> fixed() {
        return () -> load(Pipe.<Boolean>conflated().named("loaded")); // FIX: the signal waits for its taker
    }

    private static String load(Pipe<Boolean> signal) throws Exception {
        boolean[] loaded = {false};
        Map<String, String> cache = new HashMap<>();
        Pipe<String> log = Pipe.<String>rendezvous().named("log");
        MicroThread<Integer> logger = MicroThread.parallel("logger", () -> {
            int lines = 0;
            for (String line : log) lines++;
            return lines;
        });
        MicroThread<Void> loader = MicroThread.parallel("loader", () -> {
            log.put("loading the cache");
            cache.put("greeting", "hello");
            loaded[0] = true;
            signal.tryPut(true); // wakes a reader that waits; none waiting: it will see the flag
            return null;
        });
        MicroThread<String> reader = MicroThread.parallel("reader", () -> {
            if (!loaded[0]) {
                log.put("reader waits for the cache"); // may park: the loader may finish here
                signal.take();
            }
            return cache.get("greeting");
        });
        String greeting = reader.join();
        loader.join();
        log.close();
        logger.join();
        if (!"hello".equals(greeting)) throw new AssertionError("read " + greeting + " before the cache was loaded");
        return greeting;
    }
}
