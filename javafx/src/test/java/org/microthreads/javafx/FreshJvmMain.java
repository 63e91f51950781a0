package org.microthreads.javafx;

import java.time.Duration;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import org.microthreads.MicroThread;

/** Run by {@link FreshJvmTest} in a JVM of its own, where JavaFX has not been started. */
public final class FreshJvmMain {
    private FreshJvmMain() {}

    /**
     * {@code not-started}: uses the loop before the toolkit runs; {@code run-app}: a whole app in one line.
     *
     * @param args the mode
     * @throws Exception if the mode fails
     */
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "not-started" -> {
                System.out.println("loop made: " + FxLoop.loop().name());
                try {
                    FxLoop.start(() -> {});
                    System.out.println("NO EXCEPTION");
                } catch (IllegalStateException e) {
                    System.out.println("refused: " + e.getMessage());
                }
            }
            case "run-app" -> {
                String result = FxLoop.runApp(() -> {
                    Stage stage = new Stage();
                    stage.setScene(new Scene(new VBox(new Label("one-line app")), 200, 100));
                    stage.show();
                    boolean before = Platform.isFxApplicationThread();
                    MicroThread.sleep(Duration.ofMillis(50));
                    String offloaded = FxLoop.offload(() -> Thread.currentThread().isVirtual() ? "virtual" : "platform");
                    stage.close(); // the last window: implicit exit is off during runApp, so main goes on
                    MicroThread.sleep(Duration.ofMillis(50));
                    return "fx before " + before + ", after " + Platform.isFxApplicationThread() + ", offloaded on " + offloaded;
                });
                System.out.println("runApp returned: " + result);
                // runApp started the toolkit, so it exited it: the JVM ends on its own
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }
}
