package org.microthreads.test.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.test.SimulatedTest;

/** The worked example of docs/testing.md: a check-then-act across a put, found by the simulation. */
@KitExample
public class TicketOfficeExample {
    /** Sells the tickets it has; each sale is confirmed to a mailer through a pipe. */
    static final class TicketOffice {
        private final AtomicInteger left;
        private final Pipe<String> confirmations;

        TicketOffice(int tickets, Pipe<String> confirmations) {
            this.left = new AtomicInteger(tickets);
            this.confirmations = confirmations;
        }

        /** Sells {@code who} a ticket if one is left: 1 if sold, 0 if sold out. */
        int buy(String who) throws InterruptedException {
            if (left.get() == 0) return 0; // check
            confirmations.put(who);        // waits for the mailer: other micro-threads run meanwhile
            left.decrementAndGet();        // act, on what was checked before the put
            return 1;
        }
    }

    @SimulatedTest
    void theLastTicketIsSoldOnce() throws InterruptedException {
        Pipe<String> confirmations = Pipe.<String>rendezvous().named("confirmations");
        TicketOffice office = new TicketOffice(1, confirmations);
        List<String> mailed = new ArrayList<>();
        MicroThread<Void> mailer = MicroThread.parallel("mailer", () -> {
            for (String who : confirmations) mailed.add(who);
            return null;
        });
        MicroThread<Integer> alice = MicroThread.parallel("alice", () -> office.buy("alice"));
        MicroThread<Integer> bob = MicroThread.parallel("bob", () -> office.buy("bob"));
        int sold = alice.join() + bob.join();
        confirmations.close();
        mailer.join();
        assertEquals(1, sold, "tickets sold (confirmations mailed: " + mailed + ")");
    }
}
