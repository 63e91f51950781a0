package org.microthreads.swing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.microthreads.swing.RobotDriver.onEdt;
import static org.microthreads.swing.RobotDriver.waitUntil;

import java.awt.EventQueue;
import java.awt.GraphicsEnvironment;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.swing.JButton;
import javax.swing.JDialog;
import javax.swing.JFrame;
import javax.swing.JLabel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.microthreads.Deferred;
import org.microthreads.MicroThread;

/** The Swing UI loop with real windows (needs a display: Xvfb in CI). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SwingWindowsTest {

    @BeforeAll
    static void needsDisplay() {
        assumeFalse(GraphicsEnvironment.isHeadless(), "needs a display: run under xvfb-run");
    }

    @Test
    void aLegacyModalDialogInsideOneMicroThreadLetsTheOthersRun() throws Exception {
        AtomicReference<JDialog> dialog = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong steps = new AtomicLong(), offEdt = new AtomicLong();
        try (LogCapture log = new LogCapture()) {
            MicroThread<String> a = SwingLoop.loop().parallel("shows-a-modal", () -> {
                JDialog d = new JDialog((JFrame) null, "a legacy modal dialog", true);
                d.add(new JLabel("modal: the EDT pumps events in here, above micro-thread A"));
                d.setBounds(60, 60, 360, 120);
                dialog.set(d);
                d.setVisible(true); // a nested event loop, on top of A's frames, until disposed
                return "A resumed, on the EDT: " + EventQueue.isDispatchThread();
            });
            MicroThread<Void> b = SwingLoop.loop().startAndForget("keeps-stepping", () -> {
                while (!stop.get()) {
                    steps.incrementAndGet();
                    if (!EventQueue.isDispatchThread()) offEdt.incrementAndGet();
                    MicroThread.yieldNow();
                }
            });
            waitUntil("the modal dialog shows", 30, () -> dialog.get() != null && dialog.get().isShowing());
            long before = steps.get();
            waitUntil("B takes 2,000 steps while the modal is open", 30, () -> steps.get() > before + 2_000);
            // longer than the stall limit (100 ms): A sits below the dialog's event pump, which is not a stall
            long until = System.nanoTime() + 300_000_000;
            waitUntil("300 ms pass with the modal open", 10, () -> System.nanoTime() - until > 0);
            assertThat(a.isDone()).as("A waits in its modal dialog").isFalse();
            assertThat(dialog.get().isShowing()).isTrue();
            onEdt(() -> {
                dialog.get().dispose();
                return null;
            });
            assertThat(a.join(Duration.ofSeconds(30))).isEqualTo("A resumed, on the EDT: true");
            stop.set(true);
            b.join(Duration.ofSeconds(30));
            assertThat(offEdt.get()).isZero();
            assertThat(log.messages).noneMatch(m -> m.contains("'shows-a-modal'") && m.contains("held"));
        }
    }

    @Test
    void startInAComponentIsCancelledWhenItsWindowIsDisposed() throws Exception {
        JButton button = onEdt(() -> {
            JFrame f = new JFrame("tied");
            JButton b = new JButton("never clicked");
            f.add(b);
            f.setBounds(80, 80, 200, 80);
            f.setVisible(true);
            return b;
        });
        JFrame frame = onEdt(() -> (JFrame) javax.swing.SwingUtilities.getWindowAncestor(button));
        Deferred<Boolean> finallyOnEdt = new Deferred<>();
        MicroThread<Void> m = onEdt(() -> SwingLoop.startIn(button, () -> {
            try {
                SwingLoop.click(button);
            } finally {
                finallyOnEdt.complete(EventQueue.isDispatchThread());
            }
        }));
        waitUntil("it waits for the click", 30, () -> m.state() == MicroThread.State.WAITING);
        assertThat(ties(frame)).as("startIn's window listener").isEqualTo(1);
        onEdt(() -> {
            frame.dispose();
            return null;
        });
        assertThatThrownBy(() -> m.join(Duration.ofSeconds(30))).isInstanceOf(CancellationException.class);
        assertThat(m.state()).isEqualTo(MicroThread.State.CANCELLED);
        assertThat(finallyOnEdt.isDone()).isTrue();
        assertThat(finallyOnEdt.await(Duration.ZERO)).as("its finally ran on the EDT").isTrue();
        assertThat(ties(frame)).as("its window listener removed").isZero();
        assertThat(button.getActionListeners()).as("its click listener removed").isEmpty();
    }

    /** How many of {@code frame}'s window listeners startIn added. */
    static long ties(JFrame frame) throws Exception {
        return onEdt(() -> java.util.Arrays.stream(frame.getWindowListeners())
                .filter(l -> l.getClass().getName().startsWith(SwingLoop.class.getName())).count());
    }

    @Test
    void windowClosingIsAnAwaitable() throws Exception {
        JFrame frame = onEdt(() -> {
            JFrame f = new JFrame("close me");
            f.setDefaultCloseOperation(javax.swing.WindowConstants.DO_NOTHING_ON_CLOSE);
            f.setBounds(100, 100, 200, 80);
            f.setVisible(true);
            return f;
        });
        MicroThread<String> m = SwingLoop.loop().parallel(() -> {
            SwingLoop.windowClosing(frame);
            frame.dispose(); // the micro-thread decides
            return "asked to close";
        });
        waitUntil("it waits", 30, () -> m.state() == MicroThread.State.WAITING);
        onEdt(() -> {
            frame.dispatchEvent(new java.awt.event.WindowEvent(frame, java.awt.event.WindowEvent.WINDOW_CLOSING));
            return null;
        });
        assertThat(m.join(Duration.ofSeconds(30))).isEqualTo("asked to close");
        assertThat(onEdt(frame::isDisplayable)).isFalse();
    }
}
