package org.microthreads.test.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.test.SimulatedTest;

/** The fixed twin of {@link TicketOfficeExample}: the same test, passing for every seed. */
@KitExample
public class FixedTicketOfficeExample {
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
            if (left.getAndUpdate(n -> n > 0 ? n - 1 : 0) == 0) return 0; // check and act in one step
            confirmations.put(who); // then wait for the mailer
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
