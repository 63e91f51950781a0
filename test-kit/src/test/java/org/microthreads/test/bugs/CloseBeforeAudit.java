package org.microthreads.test.bugs;

import java.util.ArrayList;
import java.util.List;
import org.microthreads.Deferred;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * A close racing a put. Request handlers answer their client, then write an audit record to a
 * pipe that an auditor drains.
 *
 * <p>The bug: main closes the audit pipe once every client has its reply, taking "replied" for
 * "done". A handler still at its {@code audit.put} (parked there, because the auditor was busy)
 * then finds the pipe closed: {@link org.microthreads.PipeClosedException}, and its record is
 * lost. The fix closes the pipe once the handlers have ended (after their scope).
 */
final class CloseBeforeAudit implements BugProgram {
    static final int HANDLERS = 3;

    @Override
    public String kind() {
        return "close racing a put";
    }

    @Override
    public MicroThread.Body<Integer> buggy() {
        return () -> serve(false);
    }

    @Override
    public MicroThread.Body<Integer> fixed() {
        return () -> serve(true);
    }

    private static int serve(boolean fixed) throws Exception {
        Pipe<String> audit = Pipe.<String>rendezvous().named("audit");
        MicroThread<List<String>> auditor = MicroThread.parallel("auditor", () -> {
            List<String> records = new ArrayList<>();
            for (String record : audit) records.add(record);
            return records;
        });
        MicroThread.scope(() -> {
            List<Deferred<String>> replies = new ArrayList<>();
            for (int i = 0; i < HANDLERS; i++) {
                int client = i;
                Deferred<String> reply = new Deferred<>();
                replies.add(reply);
                MicroThread.parallel("handler-" + i, () -> {
                    reply.complete("ok " + client);
                    audit.put("served client " + client);
                    return null;
                });
            }
            for (Deferred<String> reply : replies) reply.await();
            if (!fixed) audit.close(); // BUG: every client has its reply, but a handler may still be putting
            return null;
        });
        if (fixed) audit.close(); // FIX: the scope has ended, so have the handlers
        int records = auditor.join().size();
        if (records != HANDLERS) throw new AssertionError(records + " audit records for " + HANDLERS + " requests");
        return records;
    }
}
