package spike;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Baseline without Fray: run each buggy program repeatedly on the plain JVM until the first
 * failure (assertion or hang longer than HANG_MS), or until MAX_ITERS / MAX_MS.
 * Run: java -ea -cp target/classes spike.PlainBaseline [maxIters]
 */
public final class PlainBaseline {
    interface Body { void run() throws Exception; }

    static final long HANG_MS = 2_000;

    public static void main(String[] args) throws Exception {
        int maxIters = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        long maxMs = 60_000;
        String[] names = {"CheckThenAct", "LostWakeup", "MissedCancellation", "CloseRacingPut"};
        Body[] bodies = {
            () -> CheckThenAct.run(true), () -> LostWakeup.run(true),
            () -> MissedCancellation.run(true), () -> CloseRacingPut.run(true)};
        System.out.println("program\titers\toutcome\twall_ms");
        for (int p = 0; p < names.length; p++) {
            long t0 = System.nanoTime();
            String outcome = "no failure";
            int i = 0;
            while (i < maxIters && (System.nanoTime() - t0) / 1_000_000 < maxMs) {
                i++;
                AtomicReference<Throwable> err = new AtomicReference<>();
                Body b = bodies[p];
                Thread t = new Thread(() -> {
                    try { b.run(); } catch (Throwable e) { err.set(e); }
                });
                t.setDaemon(true);
                t.start();
                t.join(HANG_MS);
                if (t.isAlive()) { outcome = "hang (>" + HANG_MS + " ms)"; break; }
                if (err.get() != null) { outcome = err.get().toString(); break; }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println(names[p] + "\t" + i + "\t" + outcome + "\t" + ms);
        }
        System.exit(0);
    }
}
