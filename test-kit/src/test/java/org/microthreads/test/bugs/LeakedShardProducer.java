package org.microthreads.test.bugs;

import java.util.ArrayList;
import java.util.List;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * A leaked micro-thread. A search streams the orders of two shards through one pipe and stops at
 * the first large order.
 *
 * <p>The bug: the search leaves its for-each at the first match and forgets the shard readers.
 * Unless the match happened to be the very last order, a reader is still parked in
 * {@code put}, waiting for a taker that will never come, and the run cannot end (the simulation
 * reports the deadlock, naming it). The fix cancels the readers once it has its answer.
 */
final class LeakedShardProducer implements BugProgram {

    @Override
    public String kind() {
        return "leaked micro-thread";
    }

    @Override
    public MicroThread.Body<Integer> buggy() {
        return () -> search(false);
    }

    @Override
    public MicroThread.Body<Integer> fixed() {
        return () -> search(true);
    }

    private static int search(boolean fixed) throws Exception {
        Pipe<Integer> orders = Pipe.<Integer>rendezvous().named("orders");
        List<MicroThread<Void>> readers = new ArrayList<>();
        List<List<Integer>> shards = List.of(List.of(20, 70), List.of(40, 130));
        for (int s = 0; s < shards.size(); s++) {
            List<Integer> shard = shards.get(s);
            readers.add(MicroThread.startAndForget("shard-" + s, () -> {
                for (int order : shard) orders.put(order);
            }));
        }
        Integer found = null;
        for (int order : orders) {
            if (order > 100) {
                found = order;
                break; // BUG (without the fix below): a reader may still have orders to put
            }
        }
        if (fixed) readers.forEach(MicroThread::cancel); // FIX: stop what we started
        if (found == null || found != 130) throw new AssertionError("found " + found);
        return found;
    }
}
