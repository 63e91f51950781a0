package shadedapp;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.spi.UiLoops;
import org.microthreads.spi.UiToolkit;

/**
 * User code of an application packed with the library into one jar (a shaded jar): loaded by
 * UiLoopSeamTest from a folder that holds the library's classes and this one, so that both share
 * a class loader and a code source.
 */
public final class ShadedApp {
    private ShadedApp() {}

    private static final Object LOCK = new Object();

    /** A wait inside synchronized in a UI micro-thread: "refused: ..." or "not refused". */
    public static String waitInsideSynchronized() throws Exception {
        Tk ui = new Tk();
        Loop loop = UiLoops.create("shaded", ui);
        MicroThread<String> m = loop.parallel(() -> {
            try {
                synchronized (LOCK) {
                    MicroThread.sleep(Duration.ofSeconds(10)); // long: a short one may expire before it parks
                }
                return "not refused";
            } catch (IllegalStateException e) {
                return "refused: " + e.getMessage();
            }
        });
        return m.join(Duration.ofSeconds(30));
    }

    /** A minimal toolkit: one daemon thread pumping a queue. */
    static final class Tk implements UiToolkit {
        final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        final Thread thread = Thread.ofPlatform().daemon().name("shaded-ui").start(() -> {
            while (true) {
                try {
                    Runnable r = queue.poll(10, TimeUnit.MILLISECONDS);
                    if (r != null) r.run();
                } catch (Throwable t) {
                    t.printStackTrace();
                }
            }
        });

        @Override public String name() { return "Shaded"; }
        @Override public boolean isUiThread() { return Thread.currentThread() == thread; }
        @Override public void post(Runnable task) { queue.add(task); }
        @Override public boolean isEventPump(StackTraceElement frame) { return false; }
        @Override public String offloadCall() { return "offload(...)"; }
    }
}
