package org.microthreads.javafx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What needs a JVM where JavaFX has not been started: run in a child JVM with this test's class path and flags. */
class FreshJvmTest {
    private static String run(String mode) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED"));
        for (String p : List.of("glass.platform", "prism.order")) {
            if (System.getProperty(p) != null) cmd.add("-D" + p + "=" + System.getProperty(p));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FreshJvmMain.class.getName(), mode));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM (" + mode + ") did not end within 60 s; it printed:\n" + out);
        }
        assertThat(p.exitValue()).as("exit code; output:\n" + out).isZero();
        return out;
    }

    @Test
    void usingTheLoopBeforeTheToolkitStartedIsAClearError() throws Exception {
        String out = run("not-started");
        assertThat(out).contains("loop made: javafx")
                .contains("refused: the JavaFX toolkit is not running")
                .contains("Platform.startup(...)").contains("Application.launch(...)").contains("FxLoop.runApp(...)")
                .doesNotContain("NO EXCEPTION");
    }

    @Test
    void runAppRunsAWholeAppInOneLineAndTheJvmEnds() throws Exception {
        String out = run("run-app");
        assertThat(out).contains("runApp returned: fx before true, after true, offloaded on virtual");
    }
}
