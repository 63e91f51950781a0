package org.microthreads.javafx.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.robot.Robot;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.microthreads.MicroThread;
import org.microthreads.javafx.Fx;
import org.microthreads.javafx.FxLoop;

/**
 * Clicks through the wizard with JavaFX's own {@link Robot} on the Headless platform (mouse moves,
 * clicks and key presses go through the platform's input path, as a user's would), checks each
 * page and the outcome, and saves PNG snapshots to target/screenshots.
 */
class FxWizardTest {
    static final Path SHOTS = Path.of("target", "screenshots");
    private FxWizard wizard;
    private MicroThread<Void> running;
    private Robot robot;

    @BeforeAll
    static void startFx() throws Exception {
        Fx.start();
        Files.createDirectories(SHOTS);
    }

    @BeforeEach
    void open() throws Exception {
        robot = Fx.onFx(Robot::new);
        wizard = Fx.onFx(() -> {
            FxWizard w = new FxWizard(new Stage());
            w.stage.setX(100);
            w.stage.setY(100);
            w.stage.show();
            return w;
        });
        running = Fx.onFx(() -> FxLoop.startIn(wizard.stage, wizard::run));
    }

    @AfterEach
    void close() throws Exception {
        Fx.onFx(() -> wizard.stage.close());
    }

    @Test
    void clickThroughToTheEnd() throws Exception {
        onPage("1/4");
        shot("javafx-wizard-1-name");
        click(wizard.next); // no name yet: the wizard asks again
        Fx.waitUntil("the empty name refused", Duration.ofSeconds(10), () -> wizard.status.getText().contains("Please enter a name"));
        click(wizard.nameField);
        type("Ada");
        click(wizard.next);
        onPage("2/4");
        Fx.waitUntil("progress moves", Duration.ofSeconds(10), () -> wizard.progress.getProgress() > 0.2);
        shot("javafx-wizard-2-lookup");
        onPage("3/4"); // the 2 s lookup ended: its value arrives on the FX thread
        assertThat(Fx.onFx(() -> wizard.next.isDisabled())).as("Next waits for a plan").isTrue();
        choosePlan("Premium");
        Fx.waitUntil("the hint", Duration.ofSeconds(10), () -> wizard.planHint.getText().startsWith("Premium"));
        shot("javafx-wizard-3-plan");
        click(wizard.next);
        onPage("4/4");
        shot("javafx-wizard-4-confirm");
        click(wizard.confirm);
        onPage("Done");
        String shot = shot("javafx-wizard-5-done");
        assertThat(Fx.onFx(() -> wizard.summary.getText())).startsWith("Welcome aboard, Ada from ").endsWith(", Premium plan.");
        click(wizard.close);
        running.join(Duration.ofSeconds(10));
        assertThat(wizard.result).startsWith("Ada from ").endsWith(", Premium plan");
        assertThat(wizard.lookupsStarted).hasValue(1);
        assertThat(wizard.lookupsInterrupted).hasValue(0);
        System.out.println("final screenshot: " + shot);
    }

    @Test
    void cancelStopsTheOffloadedLookupAndGoesBack() throws Exception {
        onPage("1/4");
        click(wizard.nameField);
        type("Bob");
        click(wizard.next);
        onPage("2/4");
        Fx.waitUntil("the lookup runs", Duration.ofSeconds(10), () -> wizard.lookupsStarted.get() == 1);
        long clicked = System.nanoTime();
        click(wizard.cancel);
        onPage("1/4");
        Fx.waitUntil("the offloaded work interrupted", Duration.ofSeconds(10), () -> wizard.lookupsInterrupted.get() == 1);
        long backAfter = (System.nanoTime() - clicked) / 1_000_000;
        assertThat(backAfter).as("back well before the 2 s lookup would end (ms)").isLessThan(1_500);
        assertThat(Fx.onFx(() -> wizard.status.getText())).isEqualTo("Lookup cancelled. Enter a name again.");
        shot("javafx-wizard-cancelled");
        // and the wizard goes on: Back on the confirmation page too, then the window is closed by the user
        click(wizard.next);
        onPage("2/4");
        onPage("3/4");
        choosePlan("Basic");
        click(wizard.next);
        onPage("4/4");
        click(wizard.back);
        onPage("1/4");
        assertThat(Fx.onFx(() -> wizard.status.getText())).isEqualTo("Not confirmed. Start again.");
        Fx.onFx(() -> wizard.stage.close());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> running.join(Duration.ofSeconds(10)))
                .isInstanceOf(java.util.concurrent.CancellationException.class);
        assertThat(wizard.result).isNull();
    }

    // ---- driving it as a user would ----

    private void onPage(String prefix) throws Exception {
        Fx.waitUntil("page " + prefix, Duration.ofSeconds(10), () -> wizard.heading.getText().startsWith(prefix));
    }

    /** Moves the mouse to the middle of {@code node} and clicks there. */
    private void click(Node node) throws Exception {
        Fx.waitUntil(node + " shown", Duration.ofSeconds(10), () -> node.getScene() != null && node.isVisible() && !node.isDisabled()
                && node.localToScreen(node.getBoundsInLocal()) != null);
        Fx.onFx(() -> {
            node.getScene().getRoot().applyCss(); // a page shown this turn is laid out at the next pulse: lay it out now
            node.getScene().getRoot().layout();
            Bounds b = node.localToScreen(node.getBoundsInLocal());
            robot.mouseMove(b.getCenterX(), b.getCenterY());
            robot.mouseClick(MouseButton.PRIMARY);
        });
    }

    /** Types letters with the keyboard (Shift for capitals) into the focused node. */
    private void type(String text) throws Exception {
        Fx.onFx(() -> {
            for (char c : text.toCharArray()) {
                KeyCode key = KeyCode.getKeyCode(String.valueOf(Character.toUpperCase(c)));
                if (Character.isUpperCase(c)) robot.keyPress(KeyCode.SHIFT);
                robot.keyType(key);
                if (Character.isUpperCase(c)) robot.keyRelease(KeyCode.SHIFT);
            }
        });
        Fx.waitUntil("typed " + text, Duration.ofSeconds(10), () -> wizard.nameField.getText().equals(text));
    }

    /** Opens the choice box with a click and clicks {@code plan} in its pop-up list. */
    private void choosePlan(String plan) throws Exception {
        click(wizard.plans);
        Fx.waitUntil("the plan list open", Duration.ofSeconds(10), () -> wizard.plans.isShowing() && planItem(plan) != null);
        click(Fx.onFx(() -> planItem(plan)));
        Fx.waitUntil("plan " + plan + " chosen", Duration.ofSeconds(10), () -> plan.equals(wizard.plans.getValue()));
    }

    /** The item showing {@code plan} in the choice box's pop-up (a window of its own), or null. */
    private static Node planItem(String plan) {
        for (javafx.stage.Window w : javafx.stage.Window.getWindows()) {
            if (!(w instanceof javafx.stage.PopupWindow) || !w.isShowing() || w.getScene() == null) continue;
            for (Node item : w.getScene().getRoot().lookupAll(".menu-item")) {
                for (Node label : item.lookupAll(".label")) {
                    if (label instanceof javafx.scene.control.Labeled l && plan.equals(l.getText())) return item;
                }
            }
        }
        return null;
    }

    /** Saves a snapshot of the wizard's scene as PNG, checks it is not blank, returns its path. */
    private String shot(String name) throws Exception {
        int[][] argb = new int[1][];
        int[] size = new int[2];
        Fx.onFx(() -> {
            WritableImage image = wizard.stage.getScene().snapshot(null);
            size[0] = (int) image.getWidth();
            size[1] = (int) image.getHeight();
            argb[0] = new int[size[0] * size[1]];
            image.getPixelReader().getPixels(0, 0, size[0], size[1], PixelFormat.getIntArgbInstance(), argb[0], 0, size[0]);
        });
        BufferedImage png = new BufferedImage(size[0], size[1], BufferedImage.TYPE_INT_ARGB);
        png.setRGB(0, 0, size[0], size[1], argb[0], 0, size[0]);
        Path file = SHOTS.resolve(name + ".png");
        write(png, file);
        // not blank: many colours (gradient, text, controls), and dark text pixels
        Set<Integer> colours = new HashSet<>();
        long dark = 0;
        for (int p : argb[0]) {
            colours.add(p);
            int r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
            if (r + g + b < 200) dark++;
        }
        assertThat(colours.size()).as(name + ": distinct colours").isGreaterThan(20);
        assertThat(dark).as(name + ": dark (text) pixels").isGreaterThan(200);
        return file.toAbsolutePath().toString();
    }

    private static void write(BufferedImage image, Path file) throws IOException {
        if (!ImageIO.write(image, "png", file.toFile())) throw new IOException("no PNG writer");
    }
}
