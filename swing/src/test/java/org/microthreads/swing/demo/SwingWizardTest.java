package org.microthreads.swing.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.microthreads.swing.RobotDriver.boundsInWindow;
import static org.microthreads.swing.RobotDriver.distinctColours;
import static org.microthreads.swing.RobotDriver.onEdt;
import static org.microthreads.swing.RobotDriver.waitUntil;

import java.awt.GraphicsEnvironment;
import java.awt.Rectangle;
import java.awt.event.WindowEvent;
import java.awt.image.BufferedImage;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.microthreads.MicroThread;
import org.microthreads.swing.RobotDriver;
import org.microthreads.swing.SwingLoop;

/** Clicks through the wizard demo in a real window, with java.awt.Robot (needs a display: Xvfb in CI). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SwingWizardTest {
    RobotDriver ui;

    @BeforeAll
    static void needsDisplay() {
        assumeFalse(GraphicsEnvironment.isHeadless(), "needs a display: run under xvfb-run");
    }

    @BeforeEach
    void robot() throws Exception {
        ui = new RobotDriver();
    }

    /** Shows a wizard and starts its method, as a micro-thread of the Swing UI loop; waits for step 1. */
    static Started start(Duration lookup) throws Exception {
        SwingWizard w = onEdt(() -> new SwingWizard(lookup));
        MicroThread<String> run = SwingLoop.loop().parallel(w::run);
        waitUntil("step 1 shows", 30, () -> w.step == 1 && w.nameField.isShowing());
        return new Started(w, run);
    }

    record Started(SwingWizard w, MicroThread<String> run) {}

    /** Types a name (after a Next with none, which the wizard refuses) and goes on to the lookup. */
    void enterName(SwingWizard w, String name) throws Exception {
        ui.click(w.next);
        waitUntil("the wizard asks for a name", 10, () -> w.status.getText().contains("type a name"));
        assertThat(w.step).isEqualTo(1);
        ui.click(w.nameField);
        waitUntil("the name field has the focus", 10, w.nameField::isFocusOwner);
        ui.type(name);
        waitUntil("the name is typed", 10, () -> w.nameField.getText().equals(name));
        ui.click(w.next);
        waitUntil("step 2 shows", 10, () -> w.step == 2 && w.progress.isShowing());
    }

    /** A screenshot that shows something: many colours, and text drawn in {@code textArea}. */
    static void assertNotBlank(BufferedImage image, Rectangle textArea) {
        assertThat(distinctColours(image, null)).as("distinct colours in the window").isGreaterThanOrEqualTo(8);
        assertThat(distinctColours(image, textArea)).as("distinct colours where the text is").isGreaterThanOrEqualTo(2);
        assertThat(RobotDriver.inkPixels(image, textArea)).as("pixels drawn over the background where the text is")
                .isGreaterThan(100);
    }

    @Test
    void clickThroughTheWizard() throws Exception {
        Started s = start(Duration.ofSeconds(4));
        SwingWizard w = s.w();
        BufferedImage shot = ui.screenshot(w.frame, "swing-wizard-1-empty");
        assertNotBlank(shot, boundsInWindow(w.header, w.frame));
        enterName(w, "Ada");
        waitUntil("progress shows", 10, () -> w.progress.getValue() > 0);
        Rectangle bar = boundsInWindow(w.progress, w.frame);
        shot = ui.screenshot(w.frame, "swing-wizard-2-lookup");
        assertNotBlank(shot, bar);

        waitUntil("step 3 shows after the lookup", 30, () -> w.step == 3 && w.coffee.isShowing());
        ui.click(w.coffee);
        ui.click(w.next);
        waitUntil("step 4 shows", 10, () -> w.step == 4 && w.back.isShowing());
        assertThat(onEdt(() -> w.result.getText())).contains("One coffee for Ada");
        ui.click(w.back); // choose again
        waitUntil("step 3 shows again", 10, () -> w.step == 3 && w.water.isShowing());
        ui.click(w.water);
        ui.click(w.next);
        waitUntil("step 4 shows again", 10, () -> w.step == 4 && w.confirm.isShowing());
        shot = ui.screenshot(w.frame, "swing-wizard-4-confirm");
        assertNotBlank(shot, boundsInWindow(w.result, w.frame));
        ui.click(w.confirm);

        waitUntil("step 5 shows", 10, () -> w.step == 5 && w.close.isShowing());
        assertThat(onEdt(() -> w.result.getText())).contains("Ordered: one water for Ada").contains("member #");
        shot = ui.screenshot(w.frame, "swing-wizard-5-result");
        assertNotBlank(shot, boundsInWindow(w.result, w.frame));
        RobotDriver.copy(RobotDriver.SCREENSHOTS.resolve("swing-wizard-5-result.png"),
                Path.of("target", "screenshots", "for-docs", "swing-wizard.png"));
        ui.click(w.close);

        assertThat(s.run().join(Duration.ofSeconds(30))).isEqualTo("water for Ada");
        assertThat(w.finallyRan).isTrue();
        assertThat(w.lookupInterrupted).isFalse();
        assertThat(onEdt(w.frame::isDisplayable)).as("the window is disposed").isFalse();
    }

    @Test
    void cancelStopsTheLookup() throws Exception {
        Started s = start(Duration.ofSeconds(20));
        SwingWizard w = s.w();
        enterName(w, "Bob");
        waitUntil("progress shows", 10, () -> w.progress.getValue() >= 5);
        ui.click(w.cancel);
        waitUntil("the cancelled page shows", 10, () -> w.step == 0 && w.close.isShowing());
        waitUntil("the offloaded lookup was interrupted", 10, () -> w.lookupInterrupted);
        BufferedImage shot = ui.screenshot(w.frame, "swing-wizard-cancelled");
        assertNotBlank(shot, boundsInWindow(w.result, w.frame));
        assertThat(onEdt(() -> w.result.getText())).contains("cancelled");
        ui.click(w.close);
        assertThat(s.run().join(Duration.ofSeconds(30))).isEqualTo("cancelled");
        assertThat(w.finallyRan).isTrue();
    }

    @Test
    void closingTheWindowCancelsTheWizardAndLeavesNothingBehind() throws Exception {
        WeakReference<Object> frame = closeTheWindowDuringTheLookup();
        // Swing itself keeps a closed window reachable for a while, in two ways: its
        // BufferStrategyPaintManager keeps the last window it painted until it paints another (so:
        // paint one), and Metal's CachedPainter keeps volatile images of painted buttons, which
        // refer to them, softly (so: this module's tests run with -XX:SoftRefLRUPolicyMSPerMB=0,
        // which clears soft references at every collection; see swing/pom.xml).
        paintAnotherWindow();
        List<byte[]> pressure = new ArrayList<>();
        for (int i = 0; i < 100 && frame.get() != null; i++) {
            System.gc();
            pressure.add(new byte[1 << 20]);
            if (pressure.size() > 16) pressure.clear();
            Thread.sleep(20); // lets the EDT and the reference handler run between collections (bounded poll)
        }
        assertThat(frame.get()).as("the closed window was collected").isNull();
    }

    /** Shows a small window until Swing has painted it, then disposes it. */
    private void paintAnotherWindow() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean painted = new java.util.concurrent.atomic.AtomicBoolean();
        javax.swing.JFrame probe = onEdt(() -> {
            javax.swing.JFrame f = new javax.swing.JFrame("probe");
            f.setContentPane(new javax.swing.JPanel() {
                @Override
                protected void paintComponent(java.awt.Graphics g) {
                    super.paintComponent(g);
                    painted.set(true);
                }
            });
            f.setBounds(600, 40, 80, 60);
            f.setVisible(true);
            return f;
        });
        waitUntil("the probe window is painted", 10, painted::get);
        ui.robot.waitForIdle();
        onEdt(() -> {
            probe.dispose();
            return null;
        });
    }

    /** Closes the wizard's window during its lookup; returns a weak reference to the window. */
    private WeakReference<Object> closeTheWindowDuringTheLookup() throws Exception {
        Started s = start(Duration.ofSeconds(20));
        SwingWizard w = s.w();
        enterName(w, "Cy");
        // the close button of the title bar (Xvfb has no window manager, hence no title bar: send its event)
        onEdt(() -> {
            w.frame.dispatchEvent(new WindowEvent(w.frame, WindowEvent.WINDOW_CLOSING));
            return null;
        });
        assertThat(s.run().join(Duration.ofSeconds(30))).isEqualTo("closed");
        assertThat(w.finallyRan).as("the wizard's finally ran").isTrue();
        waitUntil("the offloaded lookup was interrupted", 10, () -> w.lookupInterrupted);
        waitUntil("no micro-thread left on the Swing UI loop", 10, () -> SwingLoop.loop().microThreads().isEmpty());
        assertThat(w.frame.getWindowListeners()).as("the window tie removed its listener").isEmpty();

        return new WeakReference<>(w.frame);
    }
}
