package org.microthreads.javafx.demo;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import javafx.collections.FXCollections;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.scene.text.Font;
import javafx.scene.text.FontWeight;
import javafx.stage.Stage;
import org.microthreads.MicroThread;
import org.microthreads.javafx.FxLoop;

/**
 * A sequential wizard on the JavaFX thread: one method, {@link #run()}, that waits for the user
 * five times and more (a name, a slow lookup or its Cancel button, a plan, a confirmation, Close),
 * with no event handler written by hand and no modal dialog. Run it with {@link #main}.
 */
public final class FxWizard {
    /** How long the offloaded lookup takes: a blocking {@code Thread.sleep} off the UI thread. */
    static final Duration LOOKUP_TIME = Duration.ofSeconds(2);
    static final List<String> PLANS = List.of("Basic", "Standard", "Premium");
    private static final List<String> CITIES = List.of("Lisbon", "Oslo", "Turin", "Quito", "Hanoi", "Perth");

    final Stage stage;
    final Label heading = new Label();
    final Label status = new Label(" ");
    final VBox page = new VBox(10);
    final HBox buttons = new HBox(10);
    final TextField nameField = new TextField();
    final Button next = new Button("Next");
    final ProgressBar progress = new ProgressBar(0);
    final Button cancel = new Button("Cancel");
    final ChoiceBox<String> plans = new ChoiceBox<>(FXCollections.observableArrayList(PLANS));
    final Label planHint = new Label("Choose a plan.");
    final Button confirm = new Button("Confirm");
    final Button back = new Button("Back");
    final Button close = new Button("Close");
    final Label summary = new Label();
    /** Lookups begun, and lookups interrupted by a Cancel (the offloaded work really stopped). */
    final AtomicInteger lookupsStarted = new AtomicInteger(), lookupsInterrupted = new AtomicInteger();
    /** The wizard's outcome, once it has one. */
    volatile String result;

    /**
     * Builds the wizard's scene in {@code stage}; on the JavaFX thread.
     *
     * @param stage its window
     */
    public FxWizard(Stage stage) {
        this.stage = stage;
        heading.setFont(Font.font(null, FontWeight.BOLD, 18));
        status.setStyle("-fx-text-fill: #a33;");
        nameField.setPromptText("Your name");
        progress.setPrefWidth(360);
        summary.setWrapText(true);
        buttons.setAlignment(Pos.CENTER_RIGHT);
        BorderPane root = new BorderPane(page, heading, null, new VBox(8, status, buttons), null);
        root.setPadding(new Insets(18));
        root.setStyle("-fx-background-color: linear-gradient(#fdfdfd, #e8eef7);");
        stage.setTitle("microthreads: JavaFX wizard");
        stage.setScene(new Scene(root, 460, 260));
    }

    /**
     * The whole wizard, as one sequential method on the JavaFX thread: call it in a micro-thread of
     * {@link FxLoop#loop()}.
     *
     * @return what the user chose
     * @throws InterruptedException if the wizard's micro-thread is cancelled (its window closed)
     */
    public String run() throws InterruptedException {
        while (true) {
            String name = askName();                              // wait: Next, until a name is there
            Optional<String> city = lookUp(name);                 // wait: the offloaded lookup, or Cancel
            if (city.isEmpty()) {
                status.setText("Lookup cancelled. Enter a name again.");
                continue;
            }
            String plan = choosePlan(name, city.get());           // waits: a plan chosen, then Next
            if (!confirmed(name, city.get(), plan)) {             // wait: Confirm or Back
                status.setText("Not confirmed. Start again.");
                continue;
            }
            result = name + " from " + city.get() + ", " + plan + " plan";
            show("Done", List.of(summary), close);
            summary.setText("Welcome aboard, " + result + ".");
            FxLoop.click(close);                                  // wait: Close
            return result;
        }
    }

    private String askName() throws InterruptedException {
        show("1/4  Who are you?", List.of(new Label("Your name:"), nameField), next);
        while (true) {
            FxLoop.click(next);
            String name = nameField.getText().trim();
            if (!name.isEmpty()) return name;
            status.setText("Please enter a name.");
        }
    }

    /** Races the offloaded lookup against the Cancel button, and moves the progress bar meanwhile. */
    private Optional<String> lookUp(String name) throws InterruptedException {
        show("2/4  Looking up " + name + "...", List.of(new Label("Searching the directory (slow)."), progress), cancel);
        status.setText(" ");
        long start = System.nanoTime();
        return MicroThread.race(List.<MicroThread.Body<Optional<String>>>of(
                () -> Optional.of(FxLoop.offload(() -> slowLookup(name))),
                () -> {
                    FxLoop.click(cancel);
                    return Optional.empty();
                },
                () -> { // the progress bar: a third racer that never wins
                    while (true) {
                        progress.setProgress(Math.min(1.0, (System.nanoTime() - start) / (double) LOOKUP_TIME.toNanos()));
                        MicroThread.sleep(Duration.ofMillis(40));
                    }
                }));
    }

    /** The slow work: blocking, run off the UI thread by {@link FxLoop#offload}. */
    private String slowLookup(String name) throws InterruptedException {
        lookupsStarted.incrementAndGet();
        try {
            Thread.sleep(LOOKUP_TIME);
        } catch (InterruptedException e) {
            lookupsInterrupted.incrementAndGet();
            throw e;
        }
        return CITIES.get(Math.floorMod(name.hashCode(), CITIES.size()));
    }

    private String choosePlan(String name, String city) throws InterruptedException {
        plans.setValue(null);
        planHint.setText("Choose a plan.");
        next.disableProperty().bind(plans.valueProperty().isNull());
        show("3/4  " + name + " from " + city + ": your plan", List.of(plans, planHint), next);
        try {
            String plan = FxLoop.chosen(plans);
            planHint.setText(plan + ": a fine choice. Press Next.");
            FxLoop.click(next);
            return plans.getValue();
        } finally {
            next.disableProperty().unbind();
            next.setDisable(false);
        }
    }

    private boolean confirmed(String name, String city, String plan) throws InterruptedException {
        show("4/4  Confirm", List.of(new Label("Name: " + name), new Label("City: " + city), new Label("Plan: " + plan)),
                back, confirm);
        return MicroThread.race(List.<MicroThread.Body<Boolean>>of(
                () -> FxLoop.click(confirm) != null,
                () -> FxLoop.click(back) == null));
    }

    private void show(String title, List<Node> content, Button... actions) {
        heading.setText(title);
        page.getChildren().setAll(content);
        buttons.getChildren().setAll(actions);
    }

    /**
     * Runs the wizard as a whole application: {@code FxLoop.runApp} starts JavaFX, the wizard runs
     * tied to its window (closing the window cancels it), and the result is printed.
     *
     * @param args ignored
     * @throws Exception if the wizard fails
     */
    public static void main(String[] args) throws Exception {
        String outcome = FxLoop.runApp(() -> {
            FxWizard wizard = new FxWizard(new Stage());
            wizard.stage.show();
            try {
                FxLoop.startIn(wizard.stage, wizard::run).join();
            } catch (CancellationException closed) {
                return "the window was closed";
            }
            wizard.stage.close();
            return wizard.result;
        });
        System.out.println("wizard: " + outcome);
    }
}
