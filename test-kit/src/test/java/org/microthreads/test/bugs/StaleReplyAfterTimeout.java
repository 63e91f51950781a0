package org.microthreads.test.bugs;

import java.time.Duration;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * A value used after its timeout. A client asks a pool of two servers (one answers in 50 ms, one
 * in 120 ms) and, when no reply comes within 100 ms, asks again.
 *
 * <p>The bug: all attempts share one reply pipe. When the slow server took the first request, the
 * client gives up on it, sends a second request, and then takes the first request's late reply as
 * the answer to the second. Which server takes a request depends on which was first to wait for
 * one: the schedule. The fix gives each attempt its own reply pipe, so a late reply is dropped
 * with its attempt.
 */
final class StaleReplyAfterTimeout implements BugProgram {

    /** A request: which attempt it is, and where to reply. */
    record Request(int attempt, Pipe<Integer> replyTo) {}

    @Override
    public String kind() {
        return "value used after its timeout";
    }

    @Override
    public MicroThread.Body<Integer> buggy() {
        return () -> call(false);
    }

    @Override
    public MicroThread.Body<Integer> fixed() {
        return () -> call(true);
    }

    private static int call(boolean fixed) throws Exception {
        Pipe<Request> requests = Pipe.<Request>rendezvous().named("requests");
        for (int latency : new int[] {50, 120}) {
            MicroThread.parallel("server-" + latency + "ms", () -> {
                for (Request r : requests) {
                    MicroThread.sleep(Duration.ofMillis(latency)); // stands for the work
                    r.replyTo().put(r.attempt());
                }
                return null;
            });
        }
        Pipe<Integer> replies = Pipe.<Integer>unbounded().named("replies"); // BUG: shared by every attempt
        Integer answer = null;
        int attempt = 0;
        while (answer == null) {
            attempt++;
            if (fixed) replies = Pipe.<Integer>unbounded().named("replies-" + attempt); // FIX: one per attempt
            requests.put(new Request(attempt, replies));
            answer = replies.tryTake(Duration.ofMillis(100)); // null: timed out, ask again
        }
        requests.close();
        if (answer != attempt) throw new AssertionError("attempt " + attempt + " took the late reply to attempt " + answer);
        return answer;
    }
}
