package org.microthreads.swing.demo;

import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.FlowLayout;
import java.awt.Font;
import java.awt.GridLayout;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import javax.swing.AbstractButton;
import javax.swing.BorderFactory;
import javax.swing.ButtonGroup;
import javax.swing.JButton;
import javax.swing.JComponent;
import javax.swing.JFrame;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JProgressBar;
import javax.swing.JRadioButton;
import javax.swing.JTextArea;
import javax.swing.JTextField;
import javax.swing.WindowConstants;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.swing.SwingLoop;

/**
 * A five-step wizard written as one sequential method running on the EDT: no listener, no
 * callback, no modal dialog, no SwingWorker. Each step simply waits (for a click, for an
 * offloaded lookup raced against a Cancel click) while the window stays live.
 *
 * <p>Run it: {@code ./mt wizard swing} (see the report of issue 16 for the java command line).
 */
public final class SwingWizard {
    final JFrame frame = new JFrame("microthreads: a Swing wizard in one method");
    final JLabel header = new JLabel(" ");
    final JLabel status = new JLabel(" ");
    final JPanel page = new JPanel(new BorderLayout(8, 8));
    final JPanel buttons = new JPanel(new FlowLayout(FlowLayout.RIGHT));
    final JTextField nameField = new JTextField(18);
    final JButton next = new JButton("Next");
    final JButton cancel = new JButton("Cancel");
    final JButton back = new JButton("Back");
    final JButton confirm = new JButton("Confirm");
    final JButton close = new JButton("Close");
    final JProgressBar progress = new JProgressBar(0, 100);
    final JRadioButton tea = new JRadioButton("Tea", true);
    final JRadioButton coffee = new JRadioButton("Coffee");
    final JRadioButton water = new JRadioButton("Water");
    final JTextArea result = new JTextArea(5, 30);

    /** How long the offloaded lookup takes. */
    final Duration lookupTime;
    /** Set by the offloaded lookup when it was interrupted (cancelled). */
    volatile boolean lookupInterrupted;
    /** Set when the wizard's method has ended, whichever way (its finally block). */
    volatile boolean finallyRan;
    /** The step shown, 1 to 5, or 0 when cancelled; for tests. */
    volatile int step;

    /** Builds and shows the window; on the EDT. */
    public SwingWizard(Duration lookupTime) {
        this.lookupTime = lookupTime;
        ButtonGroup drinks = new ButtonGroup();
        for (AbstractButton b : List.of(tea, coffee, water)) drinks.add(b);
        header.setFont(header.getFont().deriveFont(Font.BOLD, 18f));
        status.setForeground(new Color(0xB00020));
        progress.setStringPainted(true);
        result.setEditable(false);
        result.setFocusable(false);
        result.setLineWrap(true);
        result.setWrapStyleWord(true);
        result.setFont(result.getFont().deriveFont(15f));
        result.setBackground(new Color(0xEEF6EE));
        JPanel root = new JPanel(new BorderLayout(10, 10));
        root.setBorder(BorderFactory.createEmptyBorder(14, 16, 10, 16));
        root.add(header, BorderLayout.NORTH);
        root.add(page, BorderLayout.CENTER);
        JPanel south = new JPanel(new BorderLayout());
        south.add(status, BorderLayout.WEST);
        south.add(buttons, BorderLayout.EAST);
        root.add(south, BorderLayout.SOUTH);
        frame.setContentPane(root);
        frame.setDefaultCloseOperation(WindowConstants.DISPOSE_ON_CLOSE);
        frame.setSize(520, 300);
        frame.setLocation(40, 40);
        frame.setVisible(true);
    }

    /**
     * The whole wizard, tied to its window: closing the window cancels it.
     *
     * @return what was ordered, "cancelled", or "closed" when the window was closed
     * @throws InterruptedException if the caller was cancelled
     */
    public String run() throws InterruptedException {
        String[] outcome = {"closed"};
        MicroThread<Void> steps = SwingLoop.startIn(frame, () -> outcome[0] = steps());
        try {
            steps.join();
        } catch (CancellationException closed) {
            return "closed";
        }
        return outcome[0];
    }

    /** The wizard: five steps, each a plain wait. */
    String steps() throws InterruptedException {
        try {
            // 1. a name
            show(1, "Who are you?", labelled("Your name:", nameField), next);
            nameField.requestFocusInWindow();
            String name;
            while (true) {
                SwingLoop.click(next);
                name = nameField.getText().strip();
                if (!name.isEmpty()) break;
                status.setText("Please type a name first");
            }
            status.setText(" ");

            // 2. a slow lookup, off the EDT, with a progress bar and a Cancel that works
            progress.setValue(0);
            show(2, "Looking up " + name + "...", progress, cancel);
            Pipe<Integer> percent = Pipe.conflated();
            String who = name;
            Optional<String> found = MicroThread.race(List.<MicroThread.Body<Optional<String>>>of(
                    () -> Optional.of(SwingLoop.offload(() -> lookup(who, percent))),
                    () -> {
                        SwingLoop.click(cancel);
                        return Optional.empty();
                    },
                    () -> {
                        while (true) progress.setValue(percent.take()); // loses the race: cancelled when another wins
                    }));
            if (found.isEmpty()) {
                show(0, "Cancelled", text("The lookup was cancelled: nothing was ordered."), close);
                SwingLoop.click(close);
                return "cancelled";
            }

            String drink;
            while (true) {
                // 3. a choice
                show(3, "What would you like, " + name + "?", column(tea, coffee, water), next);
                SwingLoop.click(next);
                drink = tea.isSelected() ? "tea" : coffee.isSelected() ? "coffee" : "water";
                // 4. a confirmation (Back: choose again)
                show(4, "Confirm", text("One " + drink + " for " + name + " (" + found.get() + ")?"), back, confirm);
                if (SwingLoop.clickAny(confirm, back) == confirm) break;
            }

            // 5. the result
            String order = drink + " for " + name;
            show(5, "Done", text("Ordered: one " + drink + " for " + name + ".\n" + found.get()
                    + "\n\nFive waits in one method, on the EDT: no listener, no modal dialog, no SwingWorker."), close);
            SwingLoop.click(close);
            return order;
        } finally {
            finallyRan = true;
            frame.dispose();
        }
    }

    /** The slow lookup: blocking code, run with SwingLoop.offload (a virtual thread); reports its progress. */
    String lookup(String name, Pipe<Integer> percent) throws InterruptedException {
        try {
            for (int i = 1; i <= 20; i++) {
                Thread.sleep(lookupTime.toMillis() / 20);
                percent.put(i * 5);
            }
            return "member #" + (1000 + Math.floorMod(name.hashCode(), 9000)) + ", usually has tea";
        } catch (InterruptedException e) {
            lookupInterrupted = true;
            throw e;
        }
    }

    private void show(int step, String title, JComponent content, AbstractButton... actions) {
        header.setText(step == 0 ? title : "Step " + step + " of 5:  " + title);
        page.removeAll();
        JPanel top = new JPanel(new BorderLayout());
        top.add(content, BorderLayout.NORTH);
        page.add(top, BorderLayout.CENTER);
        buttons.removeAll();
        for (AbstractButton b : actions) buttons.add(b);
        frame.getRootPane().setDefaultButton(actions[actions.length - 1] instanceof JButton b ? b : null);
        page.revalidate();
        buttons.revalidate();
        frame.repaint();
        this.step = step;
    }

    private static JComponent labelled(String label, JComponent c) {
        JPanel p = new JPanel(new FlowLayout(FlowLayout.LEFT));
        p.add(new JLabel(label));
        p.add(c);
        return p;
    }

    private static JComponent column(JComponent... cs) {
        JPanel p = new JPanel(new GridLayout(cs.length, 1));
        for (JComponent c : cs) p.add(c);
        return p;
    }

    private JComponent text(String s) {
        result.setText(s);
        return result;
    }

    /**
     * Starts the wizard: its whole UI runs as one micro-thread on the EDT.
     *
     * @param args ignored
     * @throws Exception if it failed
     */
    public static void main(String[] args) throws Exception {
        if (java.awt.GraphicsEnvironment.isHeadless()) {
            System.err.println("The wizard needs a display: run it on a desktop, or under xvfb-run -a");
            System.exit(2);
        }
        // Swing's first use loads its look and feel and its peers, most of a second in a cold JVM: done
        // here, before the UI loop, so that the stall monitor does not report it as main's
        java.awt.EventQueue.invokeAndWait(() -> {
            JFrame warm = new JFrame();
            warm.add(new JButton("warm"));
            warm.add(new JTextField());
            warm.pack();
            warm.dispose();
        });
        String outcome = SwingLoop.runApp(() -> new SwingWizard(Duration.ofSeconds(2)).run());
        System.out.println("wizard: " + outcome);
    }
}
