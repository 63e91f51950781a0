package org.microthreads.test.bugs;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.microthreads.Deferred;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * Check-then-act across a blocking call (not a put): a read-through cache in front of a backend
 * micro-thread. Three readers read their keys; two of them need the key {@code "price"}, one
 * first, the other last.
 *
 * <p>The bug: {@code get} checks the map, and on a miss asks the backend (a blocking round trip)
 * before it stores the value. A second reader that misses the same key during that round trip
 * loads it again: the backend is asked twice. It needs the second reader to get through its
 * four other keys while the first one's load of {@code "price"} is still in flight, which few
 * schedules do. The fix stores the pending load
 * (a {@link Deferred}) before the blocking call, so a second reader waits for the first one's.
 */
final class DuplicateLoad implements BugProgram {

    /** A request to the backend: the key, and where to put its value. */
    record Load(String key, Deferred<String> value) {}

    @Override
    public String kind() {
        return "check-then-act across a blocking call";
    }

    @Override
    public MicroThread.Body<Map<String, Integer>> buggy() {
        return () -> readAll(false);
    }

    @Override
    public MicroThread.Body<Map<String, Integer>> fixed() {
        return () -> readAll(true);
    }

    private static Map<String, Integer> readAll(boolean fixed) throws Exception {
        Map<String, Integer> loads = new HashMap<>();
        Pipe<Load> backend = Pipe.<Load>rendezvous().named("backend");
        MicroThread<Void> server = MicroThread.parallel("backend", () -> {
            for (Load l : backend) {
                loads.merge(l.key(), 1, Integer::sum);
                l.value().complete(l.key() + "-value");
            }
            return null;
        });
        Map<String, String> cache = new HashMap<>();
        Map<String, Deferred<String>> pending = new HashMap<>();
        List<List<String>> readers = List.of(List.of("price", "user"), List.of("stock", "tax", "ship", "cart", "price"),
                List.of("promo", "fees"));
        MicroThread.scope(() -> {
            for (List<String> keys : readers) {
                MicroThread.parallel(() -> {
                    for (String key : keys) {
                        if (fixed) { // FIX: the pending load is in the map before anyone can run
                            Deferred<String> load = pending.get(key), mine = null;
                            if (load == null) pending.put(key, load = mine = new Deferred<>());
                            if (mine != null) backend.put(new Load(key, mine));
                            load.await();
                        } else if (!cache.containsKey(key)) { // BUG: checked, then the blocking round trip
                            Deferred<String> value = new Deferred<>();
                            backend.put(new Load(key, value));
                            cache.put(key, value.await());
                        }
                    }
                    return null;
                });
            }
            return null;
        });
        backend.close();
        server.join();
        loads.forEach((key, n) -> {
            if (n > 1) throw new AssertionError("'" + key + "' loaded " + n + " times");
        });
        return loads;
    }
}
