package org.microthreads.examples;

import java.io.PrintStream;
import java.time.Duration;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.Select;

/**
 * A ticker: a pipe that receives a numbered tick every period on the loop's clock (Go's
 * {@code time.Ticker}). A consumer slower than the period gets the latest tick; the ones it missed
 * are dropped. Closing the pipe stops the timer, and so does the end of the run that made it.
 */
public final class Tickers {
    private Tickers() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Ticker: a tick every period, missed ticks dropped ==");
        try (Loop loop = Loop.singleCarrier("ticker-demo")) {
            loop.run(() -> {
                Pipe<Long> ticks = Pipe.ticker(Duration.ofMillis(20));
                long first = ticks.take();
                MicroThread.sleep(Duration.ofMillis(110)); // a slow consumer misses several ticks
                long late = ticks.take(); // the latest tick due, not the next one after 'first'
                out.println("  took tick " + first + ", was busy for 110 ms, then took tick " + late
                        + ": the ticks in between were dropped, not queued (droppedCount() " + ticks.droppedCount() + ")");
                ticks.close(); // stops the timer: nothing stays scheduled
                int left = 0;
                for (long ignored : ticks) left++; // at most the one tick buffered before the close
                out.println("  after close(): a for-each took the " + left + " tick(s) still buffered, then ended");

                Pipe<Long> heartbeat = Pipe.ticker(Duration.ofMillis(10));
                Pipe<String> work = Pipe.produce(Pipe.rendezvous(), sink -> {
                    MicroThread.sleep(Duration.ofMillis(35));
                    sink.put("result");
                });
                int beats = 0;
                String result = null;
                while (result == null) {
                    result = Select.select(
                            work.onTake(r -> r),
                            heartbeat.onTake(tick -> null)); // a tick: still waiting
                    if (result == null) beats++;
                }
                out.println("  a select with a heartbeat ticker: " + beats + " heartbeats while waiting, then '" + result + "'");
                return null; // 'heartbeat' is not closed: the end of this run stops it
            });
        }
        out.println("  the run has ended: its tickers were stopped with it");
    }
}
