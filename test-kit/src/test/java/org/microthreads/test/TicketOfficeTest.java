package org.microthreads.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.microthreads.test.examples.FixedTicketOfficeExample;
import org.microthreads.test.examples.TicketOfficeExample;
import org.opentest4j.AssertionFailedError;

/**
 * The worked example of docs/testing.md, run: the check-then-act across a put is found within the
 * default 100 seeds, its fixed twin passes 1,000, and the page shows the code and the failure as
 * they are.
 */
class TicketOfficeTest {
    private static final Path ROOT = root();

    private static Path root() {
        Path p = Path.of("").toAbsolutePath();
        return Files.exists(p.resolve("docs")) ? p : p.getParent();
    }

    private static Throwable buggyFailure() {
        return SimulatedTestExtensionTest.failure(SimulatedTestExtensionTest.run(selectClass(TicketOfficeExample.class)));
    }

    @Test
    void theRaceIsFoundWithinTheDefaultSeedsAndReplays() {
        Throwable t = buggyFailure();
        long seed = SimulatedTestExtensionTest.seedOf(t);
        assertThat(seed).isBetween(0L, 99L);
        assertThat(t).isInstanceOf(AssertionFailedError.class);
        assertThat(t.getCause()).isInstanceOf(AssertionFailedError.class)
                .hasMessage("tickets sold (confirmations mailed: [alice, bob]) ==> expected: <1> but was: <2>");
        Throwable again = SimulatedTestExtensionTest.failure(SimulatedTestExtensionTest.run(selectClass(TicketOfficeExample.class),
                "microthreads.seed", Long.toString(seed)));
        assertThat(SimulatedTestExtensionTest.traceOf(again)).isEqualTo(SimulatedTestExtensionTest.traceOf(t));
    }

    @Test
    void theFixedTwinPassesAThousandSeeds() {
        SimulatedTestExtensionTest.run(selectClass(FixedTicketOfficeExample.class), "microthreads.seeds", "1000")
                .assertStatistics(s -> s.started(1).succeeded(1));
    }

    /** The page's snippets linked to a file of the kit's tests are verbatim in that file (indentation and blank lines aside). */
    @Test
    void theSnippetsOfTheTestingPageAreTakenFromTheExamples() throws IOException {
        String page = Files.readString(ROOT.resolve("docs/testing.md"));
        Matcher m = Pattern.compile("\\]\\((?:\\.\\./)?(test-kit/src/test/java/[^)]+\\.java)\\)[^\\n]*\\n+```java\\n(.*?)```",
                Pattern.DOTALL).matcher(page);
        List<String> files = new ArrayList<>();
        while (m.find()) {
            List<String> snippet = stripped(m.group(2));
            List<String> source = stripped(Files.readString(ROOT.resolve(m.group(1))));
            assertThat(Collections.indexOfSubList(source, snippet))
                    .as("docs/testing.md: snippet from %s is not verbatim in that file:%n%s", m.group(1), m.group(2)).isNotNegative();
            files.add(m.group(1));
        }
        assertThat(files).contains("test-kit/src/test/java/org/microthreads/test/SimulatedTestUsageTest.java",
                "test-kit/src/test/java/org/microthreads/test/examples/TicketOfficeExample.java",
                "test-kit/src/test/java/org/microthreads/test/examples/FixedTicketOfficeExample.java");
    }

    /** The failure the page shows is what the extension prints for the buggy example today. */
    @Test
    void theFailureOnTheTestingPageIsTheRealOne() throws IOException {
        String page = Files.readString(ROOT.resolve("docs/testing.md"));
        Matcher m = Pattern.compile("<!-- the failure of TicketOfficeExample[^>]*-->\\n+```text\\n(.*?)```", Pattern.DOTALL).matcher(page);
        assertThat(m.find()).as("docs/testing.md shows the failure of TicketOfficeExample").isTrue();
        List<String> shown = m.group(1).lines().toList();
        List<String> message = buggyFailure().getMessage().lines().toList();
        assertThat(Collections.indexOfSubList(shown, message))
                .as("the failure shown in docs/testing.md:%n%s%nis not the one printed today:%n%s", m.group(1), String.join("\n", message))
                .isNotNegative();
    }

    private static List<String> stripped(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) lines.add(line.strip());
        }
        return lines;
    }
}
