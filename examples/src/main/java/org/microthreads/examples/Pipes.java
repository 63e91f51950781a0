package org.microthreads.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.microthreads.FailedException;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.PipeClosedException;

/**
 * Micro-pipes: micro-threads hand items to each other in blocking style. A pipeline of three
 * micro-threads on one carrier, a pool of workers draining one pipe on the shared loop, and the
 * difference between closing a pipe (done) and failing it.
 */
public final class Pipes {
    private Pipes() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        out.println("== Pipes: micro-threads handing items to each other ==");
        pipeline(out);
        workerPool(out);
        closeVersusFail(out);
    }

    /** Three micro-threads of one single-carrier loop: a producer, a squarer, and main taking the squares. */
    static void pipeline(PrintStream out) throws Exception {
        try (Loop loop = Loop.singleCarrier("pipeline")) {
            List<Integer> got = new ArrayList<>();
            loop.run(() -> {
                Pipe<Integer> numbers = Pipe.produce(Pipe.rendezvous(), sink -> {
                    for (int i = 1; i <= 5; i++) sink.put(i);
                }); // closed when its producer ends
                Pipe<Integer> squares = Pipe.produce(Pipe.rendezvous(), sink -> {
                    numbers.consumeEach(n -> sink.put(n * n)); // ends once 'numbers' is drained; closes it if it stops early
                });
                for (int square : squares) got.add(square); // main, the third micro-thread, takes them
                return null;
            });
            out.println("  pipeline of three micro-threads on one carrier: main took " + got);
            out.println("  each pipe closed itself when its producer ended, and that ended the for-each reading it");
        }
    }

    /** What a worker made of a job. */
    record Result(int worker, int square) {}

    /** Four workers on the shared loop take jobs from one pipe; each job goes to exactly one of them. */
    static void workerPool(PrintStream out) throws Exception {
        long t0 = System.nanoTime();
        int workers = 4, jobCount = 12;
        int[] perWorker = new int[workers];
        int sum = Loop.shared().run(() -> {
            Pipe<Integer> jobs = Pipe.produce(Pipe.buffered(4), sink -> {
                for (int job = 1; job <= jobCount; job++) sink.put(job);
            });
            Pipe<Result> results = Pipe.produce(Pipe.unbounded(), sink -> {
                List<MicroThread.Body<Void>> pool = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int worker = w;
                    pool.add(() -> {
                        for (int job : jobs) { // each job is taken by exactly one worker
                            MicroThread.sleep(Duration.ofMillis(10)); // stands in for real work
                            sink.put(new Result(worker, job * job));
                        }
                        return null;
                    });
                }
                MicroThread.parallelAll(pool); // when all workers are done, this producer ends: 'results' closes
            });
            int total = 0;
            for (Result r : results) {
                total += r.square();
                perWorker[r.worker()]++;
            }
            return total;
        });
        out.println("  " + workers + " workers on the shared loop took " + jobCount + " jobs of 10 ms from one pipe in "
                + Parallel.millisSince(t0) + " ms (" + jobCount * 10 + " ms one after another);");
        out.println("  jobs per worker " + Arrays.toString(perWorker) + ", sum of their squares " + sum
                + "; the results pipe closed itself when the last worker ended");
    }

    /** close() means done; a producer that throws fails its pipe. Plain threads may use pipes too. */
    static void closeVersusFail(PrintStream out) throws Exception {
        Pipe<String> log = Pipe.<String>buffered(4).named("log");
        log.put("first");
        log.put("second");
        log.close(); // done: takers drain what is buffered, then see the end
        out.println("  after close(): a for-each drained " + log.stream().toList() + ", then ended normally");
        try {
            log.put("third");
        } catch (PipeClosedException e) {
            out.println("  a put after close() threw PipeClosedException (" + e.getMessage()
                    + "); its cause points at the close() call, " + Text.firstFrameInOurCode(e.getCause()));
        }

        Pipe<String> lines = Pipe.produce(Pipe.buffered(4), sink -> {
            sink.put("line 1");
            throw new IOException("disk gone"); // the producer fails, so its pipe fails
        });
        List<String> drained = new ArrayList<>();
        try {
            for (String line : lines) drained.add(line);
        } catch (FailedException e) {
            out.println("  a producer that threw: the for-each drained " + drained
                    + ", then threw FailedException, cause " + e.getCause());
        }
    }
}
