package org.microthreads.swing;

import java.awt.AWTException;
import java.awt.Component;
import java.awt.EventQueue;
import java.awt.Point;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.Window;
import java.awt.event.InputEvent;
import java.awt.event.KeyEvent;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/** Small helpers that drive real windows with java.awt.Robot (no AssertJ-Swing); called from the test thread. */
public final class RobotDriver {
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    public final Robot robot;

    public RobotDriver() throws AWTException {
        robot = new Robot();
        robot.setAutoDelay(10);
    }

    /** Runs {@code c} on the EDT (outside any micro-thread) and returns its value. */
    public static <T> T onEdt(Callable<T> c) throws Exception {
        FutureTask<T> t = new FutureTask<>(c);
        EventQueue.invokeLater(t);
        return t.get(30, TimeUnit.SECONDS);
    }

    /** Polls {@code condition} on the EDT until it holds, at most {@code seconds}. */
    public static void waitUntil(String what, int seconds, Callable<Boolean> condition) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!onEdt(condition)) {
            if (System.nanoTime() - end > 0) throw new AssertionError("timed out after " + seconds + " s waiting until " + what);
            Thread.sleep(10);
        }
    }

    /** Clicks the middle of {@code c} with the left mouse button, once it shows on screen. */
    public void click(Component c) throws Exception {
        waitUntil(c.getClass().getSimpleName() + " shows", 30, c::isShowing);
        Rectangle r = onEdt(() -> new Rectangle(c.getLocationOnScreen(), c.getSize()));
        robot.mouseMove(r.x + r.width / 2, r.y + r.height / 2);
        robot.mousePress(InputEvent.BUTTON1_DOWN_MASK);
        robot.mouseRelease(InputEvent.BUTTON1_DOWN_MASK);
        robot.waitForIdle();
    }

    /** Types {@code text} (letters, digits, spaces) into the focused component. */
    public void type(String text) {
        for (char ch : text.toCharArray()) {
            int code = KeyEvent.getExtendedKeyCodeForChar(ch);
            if (code == KeyEvent.VK_UNDEFINED) throw new IllegalArgumentException("cannot type '" + ch + "'");
            boolean shift = Character.isUpperCase(ch);
            if (shift) robot.keyPress(KeyEvent.VK_SHIFT);
            robot.keyPress(code);
            robot.keyRelease(code);
            if (shift) robot.keyRelease(KeyEvent.VK_SHIFT);
        }
        robot.waitForIdle();
    }

    /** Captures {@code w} as it shows on screen and saves it as target/screenshots/{@code name}.png. */
    public BufferedImage screenshot(Window w, String name) throws Exception {
        robot.waitForIdle();
        Rectangle r = onEdt(() -> new Rectangle(w.getLocationOnScreen(), w.getSize()));
        BufferedImage image = robot.createScreenCapture(r);
        Files.createDirectories(SCREENSHOTS);
        ImageIO.write(image, "png", SCREENSHOTS.resolve(name + ".png").toFile());
        return image;
    }

    /** How many distinct colours {@code image} has inside {@code area} (all of it if null). */
    public static int distinctColours(BufferedImage image, Rectangle area) {
        Rectangle a = area == null ? new Rectangle(0, 0, image.getWidth(), image.getHeight()) : area;
        Set<Integer> colours = new HashSet<>();
        for (int y = a.y; y < a.y + a.height; y++) {
            for (int x = a.x; x < a.x + a.width; x++) colours.add(image.getRGB(x, y));
        }
        return colours.size();
    }

    /** How many pixels of {@code area} differ from its most common colour (its background): text, lines, a bar. */
    public static int inkPixels(BufferedImage image, Rectangle area) {
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int y = area.y; y < area.y + area.height; y++) {
            for (int x = area.x; x < area.x + area.width; x++) counts.merge(image.getRGB(x, y), 1, Integer::sum);
        }
        int background = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return area.width * area.height - background;
    }

    /** The bounds of {@code c} inside its window's screenshot. */
    public static Rectangle boundsInWindow(Component c, Window w) throws Exception {
        return onEdt(() -> {
            Point p = c.getLocationOnScreen(), o = w.getLocationOnScreen();
            return new Rectangle(p.x - o.x, p.y - o.y, c.getWidth(), c.getHeight());
        });
    }

    public static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
