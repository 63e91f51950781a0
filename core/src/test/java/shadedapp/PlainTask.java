package shadedapp;

import java.time.Duration;
import org.microthreads.MicroThread;

/** Waits holding no monitor. UiLoopSeamTest's child-first loader defines {@link SyncTask}'s code under this name. */
public class PlainTask implements MicroThread.Body<String> {
    /** Makes one. */
    public PlainTask() {}

    @Override
    public String run() throws Exception {
        MicroThread.sleep(Duration.ofMillis(1));
        return "plain";
    }
}
