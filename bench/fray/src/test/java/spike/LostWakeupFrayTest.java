package spike;

import org.junit.jupiter.api.extension.ExtendWith;
import org.pastalab.fray.core.scheduler.FestScheduler;
import org.pastalab.fray.core.scheduler.PCTScheduler;
import org.pastalab.fray.core.scheduler.POSScheduler;
import org.pastalab.fray.core.scheduler.RandomScheduler;
import org.pastalab.fray.junit.junit5.FrayTestExtension;
import org.pastalab.fray.junit.junit5.annotations.FrayTest;

// One method per (variant, scheduler); the four *FrayTest classes share this layout. Run one at a time with
// -Dtest=LostWakeupFrayTest#buggy_pos etc. (see run_matrix.sh).
@ExtendWith(FrayTestExtension.class)
class LostWakeupFrayTest {
    static final int BUGGY_ITERS = 10_000; // Fray stops at the first failing iteration
    static final int FIXED_ITERS = 1_000;

    @FrayTest(iterations = BUGGY_ITERS, scheduler = RandomScheduler.class)
    void buggy_random() throws Exception { LostWakeup.run(true); }

    @FrayTest(iterations = FIXED_ITERS, scheduler = RandomScheduler.class)
    void fixed_random() throws Exception { LostWakeup.run(false); }

    @FrayTest(iterations = BUGGY_ITERS, scheduler = POSScheduler.class)
    void buggy_pos() throws Exception { LostWakeup.run(true); }

    @FrayTest(iterations = FIXED_ITERS, scheduler = POSScheduler.class)
    void fixed_pos() throws Exception { LostWakeup.run(false); }

    @FrayTest(iterations = BUGGY_ITERS, scheduler = PCTScheduler.class)
    void buggy_pct() throws Exception { LostWakeup.run(true); }

    @FrayTest(iterations = FIXED_ITERS, scheduler = PCTScheduler.class)
    void fixed_pct() throws Exception { LostWakeup.run(false); }

    @FrayTest(iterations = BUGGY_ITERS, scheduler = FestScheduler.class)
    void buggy_fest() throws Exception { LostWakeup.run(true); }

    @FrayTest(iterations = FIXED_ITERS, scheduler = FestScheduler.class)
    void fixed_fest() throws Exception { LostWakeup.run(false); }
}
