package org.microthreads.test.bugs;

import java.util.ArrayList;
import java.util.List;
import org.microthreads.Limiter;
import org.microthreads.MicroThread;

/**
 * A limiter misuse: a permit held while waiting for work that needs a permit of the same limiter.
 * Three request handlers share two database connections (a limiter of two); each reads a row, then
 * has a helper micro-thread write an audit row, which needs a connection too.
 *
 * <p>The bug: a handler waits for its helper while still holding its connection. When both
 * connections are held by handlers before a helper got one, every helper waits for a connection
 * that only its own waiting handler can give back: a deadlock (a pool-induced, or starvation,
 * deadlock), reported by the simulation. It needs the handlers to overlap. The fix gives the
 * connection back before waiting for the helper.
 */
final class NestedPermits implements BugProgram {

    @Override
    public String kind() {
        return "limiter misuse (permit held across a nested acquire)";
    }

    @Override
    public MicroThread.Body<List<String>> buggy() {
        return () -> handle(false);
    }

    @Override
    public MicroThread.Body<List<String>> fixed() {
        return () -> handle(true);
    }

    private static List<String> handle(boolean fixed) throws Exception {
        Limiter connections = Limiter.of(2).named("db connections");
        List<MicroThread<String>> handlers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int request = i;
            handlers.add(MicroThread.parallel("handler-" + i, () -> {
                Limiter.Permit connection = connections.enter();
                try {
                    String row = "row " + request;
                    MicroThread.yieldNow(); // stands for the query's I/O
                    MicroThread<String> audit = MicroThread.parallel("audit-" + request, () -> {
                        connections.acquire();
                        try {
                            return "audited " + request;
                        } finally {
                            connections.release();
                        }
                    });
                    if (fixed) connection.close(); // FIX: give the connection back before waiting
                    return row + ", " + audit.join(); // BUG (without the fix above): waits holding a connection
                } finally {
                    connection.close(); // releases once, however often it is closed
                }
            }));
        }
        List<String> rows = new ArrayList<>();
        for (MicroThread<String> handler : handlers) rows.add(handler.join());
        return rows;
    }
}
