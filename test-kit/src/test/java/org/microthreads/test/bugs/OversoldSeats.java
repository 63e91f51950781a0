package org.microthreads.test.bugs;

import java.util.List;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;

/**
 * Check-then-act across a put. Two box offices sell the last seats of a show; each sale sends a
 * ticket to the printer through a rendezvous pipe.
 *
 * <p>The bug: an office checks {@code seats > 0}, then puts the ticket, and only after the put
 * takes the seat. The put may park (the printer is busy), and the other office then sees the same
 * free seat: the show is oversold. The fix takes the seat before the blocking call.
 */
final class OversoldSeats implements BugProgram {
    static final int SEATS = 3;

    @Override
    public String kind() {
        return "check-then-act across a put";
    }

    @Override
    public MicroThread.Body<Integer> buggy() {
        return () -> sell(false);
    }

    @Override
    public MicroThread.Body<Integer> fixed() {
        return () -> sell(true);
    }

    private static int sell(boolean fixed) throws Exception {
        int[] seats = {SEATS};
        Pipe<String> printer = Pipe.<String>rendezvous().named("printer");
        MicroThread<Integer> printed = MicroThread.parallel("printer", () -> {
            int n = 0;
            for (String ticket : printer) n++;
            return n;
        });
        MicroThread.scope(() -> {
            for (String office : List.of("north", "south")) {
                MicroThread.parallel(office, () -> {
                    for (int i = 0; i < 3; i++) { // each office has three customers
                        if (seats[0] > 0) {
                            if (fixed) seats[0]--;               // FIX: take the seat, then print
                            printer.put(office + " ticket " + i); // may park: the other office runs
                            if (!fixed) seats[0]--;              // BUG: the seat is taken after the put
                        }
                    }
                    return null;
                });
            }
            return null;
        });
        printer.close();
        int sold = printed.join();
        if (sold > SEATS) throw new AssertionError("sold " + sold + " tickets for " + SEATS + " seats");
        return sold;
    }
}
